// Bad input: the known-broken packages in ../shared give coded errors, and
// real packages truncated at many offsets or with flipped bytes always end in
// a result or an RpmkitError — never a crash, a hang or a non-coded throw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { sharedPath } from '../helpers/env.js';
import { isRpmkitError } from '../../src/errors.js';
import { emptyKeyRing, payloadEntries, readRpm, readRpmBuffer, verifyRpm, decompressedPayload, type RpmFile } from '../../src/rpm/index.js';

async function drain(rpm: RpmFile): Promise<number> {
  let n = 0;
  for await (const e of payloadEntries(rpm)) {
    for await (const c of e.body) n += c.length;
  }
  return n;
}

/** Read, list and verify; returns the error code or 'ok'. Fails the test on anything uncoded. */
async function exercise(buf: Uint8Array, what: string): Promise<string> {
  try {
    const rpm = await readRpmBuffer(buf, what);
    await verifyRpm(rpm, emptyKeyRing());
    await drain(rpm);
    return 'ok';
  } catch (e) {
    if (isRpmkitError(e)) return e.code;
    assert.fail(`${what}: uncoded error ${(e as Error)?.stack ?? String(e)}`);
  }
}

test('known-corrupt packages give coded errors or failed checks', async (t) => {
  const edge = sharedPath(t, 'data/rpms/edge');
  if (!edge) return;
  const corrupted = await readRpm(path.join(edge, 'hello-2.0-1.x86_64-corrupted.rpm'));
  await assert.rejects(drain(corrupted), (e: unknown) => isRpmkitError(e) && e.code === 'PAYLOAD_INVALID' && e.message.includes('hello-2.0-1.x86_64-corrupted.rpm'));
  for (const f of ['libzypp-signed_broken.rpm', 'libzypp-signed_broken_header.rpm', 'hello-2.0-1.x86_64-corrupted.rpm']) {
    const res = await verifyRpm(await readRpm(path.join(edge, f)), emptyKeyRing());
    assert.equal(res.ok, false, f);
    assert.equal(res.digests, 'BAD', f);
  }
  await assert.rejects(readRpm(path.join(edge, 'no-such.rpm')), (e: unknown) => isRpmkitError(e) && e.code === 'NOT_FOUND');
  await assert.rejects(readRpmBuffer(Buffer.from('not an rpm at all, just some text that is long enough to be a lead'.repeat(3)), 'x.rpm'), (e: unknown) => isRpmkitError(e) && e.code === 'RPM_INVALID');
});

test('header counts and sizes that lie are RPM_INVALID without big allocations', async (t) => {
  const file = sharedPath(t, 'data/rpms/edge/hello-2.0-1.x86_64.rpm');
  if (!file) return;
  const orig = readFileSync(file);
  const rpm = await readRpmBuffer(orig, file);
  const cases: [string, (b: Buffer) => void][] = [
    ['sig il huge', (b) => b.writeUInt32BE(0xffffff, 96 + 8)],
    ['sig dl huge', (b) => b.writeUInt32BE(0x7fffffff, 96 + 12)],
    ['header il huge', (b) => b.writeUInt32BE(60000, rpm.headerOffset + 8)],
    ['header dl beyond file', (b) => b.writeUInt32BE(orig.length, rpm.headerOffset + 12)],
    ['header magic', (b) => (b[rpm.headerOffset] = 0)],
    // First real entry (after the region tag): count -> 2^31.
    ['entry count huge', (b) => b.writeUInt32BE(0x80000000, rpm.headerOffset + 16 + 16 + 12)],
    ['entry offset outside data', (b) => b.writeInt32BE(0x7ffffff0, rpm.headerOffset + 16 + 16 + 8)],
    ['entry type unknown', (b) => b.writeUInt32BE(77, rpm.headerOffset + 16 + 16 + 4)],
    ['region trailer offset', (b) => b.writeInt32BE(0x7ffffff0, rpm.headerOffset + 16 + 8)],
  ];
  for (const [what, mutate] of cases) {
    const b = Buffer.from(orig);
    mutate(b);
    await assert.rejects(readRpmBuffer(b, file), (e: unknown) => isRpmkitError(e) && e.code === 'RPM_INVALID' && e.message.includes(file), what);
  }
});

test('truncated at many offsets: always RPM_INVALID / PAYLOAD_INVALID, never a crash', { timeout: 300_000 }, async (t) => {
  const edge = sharedPath(t, 'data/rpms/edge');
  if (!edge) return;
  const files = ['hello-2.0-1.x86_64-signed.rpm', 'payload-test-0.1-w3.zstdio.x86_64.rpm', 'payload-test-0.1-w6.xzdio.x86_64.rpm', 'payload-test-0.1-w9.bzdio.x86_64.rpm', 'payload-test-0.1-w6.lzdio.x86_64.rpm', 'rpmrs-v6-rpm-hardlinks-1.0-1.noarch.rpm'];
  for (const f of files) {
    const buf = readFileSync(path.join(edge, f));
    const rpm = await readRpmBuffer(buf, f);
    const cuts = new Set<number>();
    for (let i = 0; i < buf.length; i += 41) cuts.add(i);
    for (const b of [96, rpm.headerOffset, rpm.payloadOffset, buf.length]) for (let d = -9; d <= 9; d++) if (b + d >= 0 && b + d < buf.length) cuts.add(b + d);
    const codes = new Map<string, number>();
    for (const cut of cuts) {
      const code = await exercise(buf.subarray(0, cut), `${f}@${cut}`);
      assert.notEqual(code, 'ok', `${f} cut at ${cut} of ${buf.length} was accepted`);
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    for (const c of codes.keys()) assert.ok(['RPM_INVALID', 'PAYLOAD_INVALID'].includes(c), `${f}: ${c}`);
  }
});

test('flipped bytes in headers and payloads: a result or a coded error, never a crash', { timeout: 300_000 }, async (t) => {
  const edge = sharedPath(t, 'data/rpms/edge');
  if (!edge) return;
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
  const files = ['hello-2.0-1.x86_64-signed.rpm', 'payload-test-0.1-w3.zstdio.x86_64.rpm', 'payload-test-0.1-w6.xzdio.x86_64.rpm', 'payload-test-0.1-w9.bzdio.x86_64.rpm', 'rpmrs-v6-rpm-file-types-1.0-1.noarch.rpm'];
  const seen = new Map<string, number>();
  for (const f of files) {
    const orig = readFileSync(path.join(edge, f));
    const rpm = await readRpmBuffer(orig, f);
    for (let k = 0; k < 250; k++) {
      const b = Buffer.from(orig);
      // Mostly inside the headers, where parsing decisions are made.
      const pos = k % 5 === 4 ? rpm.payloadOffset + Math.floor(rand() * (b.length - rpm.payloadOffset)) : Math.floor(rand() * rpm.payloadOffset);
      b[pos] ^= 1 << Math.floor(rand() * 8);
      const code = await exercise(b, `${f} flip@${pos}`);
      seen.set(code, (seen.get(code) ?? 0) + 1);
    }
  }
  assert.ok((seen.get('RPM_INVALID') ?? 0) > 0 && (seen.get('ok') ?? 0) > 0, JSON.stringify([...seen]));
});

test('a payload that decompresses to more than the package declares is refused as a bomb', async (t) => {
  const file = sharedPath(t, 'data/rpms/edge/payload-test-0.1-w9.gzdio.x86_64.rpm');
  if (!file) return;
  const rpm = await readRpm(file);
  // Declared archive size shrunk: the real payload now exceeds the limit.
  const small = { ...rpm, archiveSize: 10 };
  await assert.rejects(
    (async () => {
      for await (const _ of decompressedPayload(small, { limit: 100 })) void _;
    })(),
    (e: unknown) => isRpmkitError(e) && e.code === 'PAYLOAD_INVALID' && /decompression bomb/.test(e.message),
  );
  // A gzip bomb: a cpio entry of 64 MiB of zeros compresses to ~64 KiB, far beyond the declared size.
  const zlib = await import('node:zlib');
  const name = './bomb\0';
  const hex8 = (n: number) => n.toString(16).padStart(8, '0');
  const size = 64 * 1024 * 1024;
  const cpioHeader = `070701${hex8(1)}${hex8(0o100644)}${hex8(0)}${hex8(0)}${hex8(1)}${hex8(0)}${hex8(size)}${hex8(0)}${hex8(0)}${hex8(0)}${hex8(0)}${hex8(name.length)}${hex8(0)}${name}`;
  const pad = '\0'.repeat((4 - (cpioHeader.length % 4)) % 4);
  const bomb = zlib.gzipSync(Buffer.concat([Buffer.from(cpioHeader + pad, 'latin1'), Buffer.alloc(size)]));
  const orig = readFileSync(file);
  const fake = Buffer.concat([orig.subarray(0, rpm.payloadOffset), bomb]);
  // The signature header's SIZE now disagrees; read the headers from the original, payload from the fake.
  const bombRpm = { ...rpm, buffer: fake, fileSize: fake.length };
  await assert.rejects(drain(bombRpm), (e: unknown) => isRpmkitError(e) && e.code === 'PAYLOAD_INVALID' && /decompression bomb/.test(e.message));
});

test('big zstd payloads corrupted or cut mid-stream end in a coded error, not a stall', { timeout: 300_000 }, async (t) => {
  const { distroRepo } = await import('../helpers/fixtures.js');
  const repo = distroRepo(t);
  if (!repo) return;
  const { readdirSync, statSync } = await import('node:fs');
  // The largest packages: their payloads are many pipe buffers long.
  const big = readdirSync(repo).filter((f) => f.endsWith('.rpm')).map((f) => path.join(repo, f)).sort((a, b) => statSync(b).size - statSync(a).size).slice(0, 2);
  for (const file of big) {
    const orig = readFileSync(file);
    const rpm = await readRpmBuffer(orig, file);
    for (const frac of [0.1, 0.5, 0.9]) {
      const b = Buffer.from(orig);
      const at = rpm.payloadOffset + Math.floor((b.length - rpm.payloadOffset) * frac);
      for (let k = 0; k < 64; k++) b[at + k] ^= 0xa5;
      const code = await exercise(b, `${path.basename(file)} garbled at ${frac}`);
      assert.ok(['PAYLOAD_INVALID', 'ok'].includes(code), code);
    }
    // Cut mid-payload but keep the declared sizes consistent by zero-filling the tail.
    const cut = Buffer.from(orig);
    cut.fill(0, rpm.payloadOffset + Math.floor((cut.length - rpm.payloadOffset) / 3));
    assert.equal(await exercise(cut, `${path.basename(file)} zero tail`), 'PAYLOAD_INVALID');
  }
});
