// The file-body digests the zstd worker works out (bodydigests.ts): the
// header's digests for every regular file, nothing wrong from a damaged
// archive, and a lookup that answers only for the exact body it indexed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { needTool, tempDir } from '../helpers/env.js';
import { buildRpms } from '../rootfs/build-rpm.js';
import { decompressedPayload, payloadEntries, readRpm } from '../../src/rpm/index.js';
import { bodyDigests, knownBodyDigest, packageDigestHash, rememberBodyDigests } from '../../src/rpm/bodydigests.js';

async function archiveOf(file: string): Promise<{ archive: Buffer; rpm: Awaited<ReturnType<typeof readRpm>> }> {
  const rpm = await readRpm(file);
  const parts: Buffer[] = [];
  for await (const c of decompressedPayload(rpm)) parts.push(c);
  return { archive: Buffer.concat(parts), rpm };
}

test('bodyDigests finds every regular file body with content, at the offset the cpio reader finds it, with the header digest', async (t) => {
  if (!needTool(t, 'rpmbuild')) return;
  const dir = tempDir(t);
  const [file] = buildRpms(dir, [
    {
      name: 'bodies',
      payload: 'w3.zstdio',
      files: [
        { path: '/usr/share/b/one', content: 'one\n' },
        { path: '/usr/share/b/empty', content: '' },
        { path: '/usr/share/b/big', bytes: 300_001 },
        { path: '/usr/share/b/link', symlink: 'one' },
        { path: '/usr/share/b/hard1', content: 'shared body' },
        { path: '/usr/share/b/hard2', hardlink: '/usr/share/b/hard1' },
        { path: '/usr/share/b/sub', dir: true },
        { path: '/usr/share/b/sub/odd-name-length-x', content: 'x' },
      ],
    },
  ]);
  const { archive, rpm } = await archiveOf(file);
  const algo = packageDigestHash(rpm);
  assert.equal(algo, 'sha256');
  const list = bodyDigests(archive, algo!);
  // What the installer's own parse finds: the same bodies at the same offsets.
  const byOffset = new Map(list.map(([o, s, d]) => [o, [s, d] as const]));
  const bodies: { offset: number; size: number; digest: string }[] = [];
  // Handed the decoded archive, the reader's bodies are views of it: their offsets are where it found them.
  for await (const e of payloadEntries(rpm, { decoded: Promise.resolve(archive) })) {
    const parts: Buffer[] = [];
    for await (const c of e.body) parts.push(c);
    if ((e.mode & 0o170000) !== 0o100000 || e.size === 0) continue;
    assert.equal(parts.length, 1);
    assert.equal(parts[0]!.buffer, archive.buffer);
    bodies.push({ offset: parts[0]!.byteOffset - archive.byteOffset, size: e.size, digest: e.file!.digest });
  }
  assert.equal(list.length, bodies.length, 'one digest per regular body');
  for (const b of bodies) assert.deepEqual(byOffset.get(b.offset), [b.size, b.digest]);
});

test('a damaged or cut archive gives fewer digests, each one right for its bytes; never a throw', async (t) => {
  if (!needTool(t, 'rpmbuild')) return;
  const dir = tempDir(t);
  const [file] = buildRpms(dir, [{ name: 'cut', payload: 'w3.zstdio', files: Array.from({ length: 12 }, (_, i) => ({ path: `/usr/share/cut/f${i}`, content: `file ${i} `.repeat(i * 50 + 1) })) }]);
  const { archive } = await archiveOf(file);
  const whole = bodyDigests(archive, 'sha256');
  assert.equal(whole.length, 12);
  const check = (a: Uint8Array) => {
    const got = bodyDigests(a, 'sha256');
    for (const [o, s, d] of got) {
      assert.ok(o + s <= a.length);
      assert.equal(createHash('sha256').update(a.subarray(o, o + s)).digest('hex'), d);
    }
    return got;
  };
  for (let cut = 0; cut < archive.length; cut += 97) assert.ok(check(archive.subarray(0, cut)).length <= 12);
  let seed = 7;
  for (let i = 0; i < 300; i++) {
    const a = Buffer.from(archive);
    seed = (seed * 1103515245 + 12345) >>> 0;
    a[seed % a.length] ^= 1 << (seed % 8);
    check(a);
  }
  assert.deepEqual(bodyDigests(Buffer.from('not a cpio archive at all, but long enough to hold a header '.repeat(3)), 'sha256'), []);
});

test('knownBodyDigest answers for the exact view indexed, under the same hash, and nothing else', () => {
  const backing = new ArrayBuffer(64);
  const archive = new Uint8Array(backing, 8, 48);
  rememberBodyDigests(archive, 'sha256', [[4, 10, 'aa'], [20, 3, 'bb']]);
  assert.equal(knownBodyDigest(new Uint8Array(backing, 12, 10), 'sha256'), 'aa');
  assert.equal(knownBodyDigest(new Uint8Array(backing, 28, 3), 'sha256'), 'bb');
  assert.equal(knownBodyDigest(new Uint8Array(backing, 12, 9), 'sha256'), undefined, 'other size');
  assert.equal(knownBodyDigest(new Uint8Array(backing, 13, 10), 'sha256'), undefined, 'other offset');
  assert.equal(knownBodyDigest(new Uint8Array(backing, 12, 10), 'sha1'), undefined, 'other hash');
  assert.equal(knownBodyDigest(new Uint8Array(new ArrayBuffer(64), 12, 10), 'sha256'), undefined, 'other memory');
});
