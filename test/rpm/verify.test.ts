// Digest and signature checks against what `rpmkeys -Kv` (rpm 4.18, every key
// in ../shared/data/keys imported) recorded in rpms/rpmkeys-Kv.tsv, plus the
// rpm 6 signatures rpm 4.18 cannot check, verified with the rpm-rs test keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { sharedPath } from '../helpers/env.js';
import { formatItem, loadKeys, readRpm, verifyRpm, type KeyRing } from '../../src/rpm/index.js';

async function allKeys(keysDir: string): Promise<KeyRing> {
  // A few entries are git symlinks stored as their target's name (tens of bytes): not keys.
  const files = ['distro', 'test'].flatMap((d) => readdirSync(path.join(keysDir, d)).sort().map((f) => path.join(keysDir, d, f))).filter((f) => statSync(f).size > 200);
  return loadKeys(files);
}

/**
 * Where we knowingly go beyond rpm 4.18: it cannot use signing subkeys
 * (NOKEY) or ECDSA keys (it reports tag 267 as an invalid signature).
 */
const BETTER_THAN_RPM: Record<string, [string, string]> = {
  'rpms/edge/hello-2.0-1.x86_64-signed-with-subkey.rpm': ['Header V4 RSA/SHA512 Signature, key ID 15217ee0: NOKEY', 'Header V4 RSA/SHA512 Signature, key ID 15217ee0: OK'],
  'rpms/edge/rpmrs-v4-signed-rpm-basic-with-ecdsa-2.3.4-5.el9.noarch.rpm': ['Header DSA signature: BAD (package tag 267: invalid OpenPGP signature)', 'Header V4 ECDSA/SHA256 Signature, key ID d139a931: OK'],
};

test('every item rpmkeys -Kv reports, we report with the same status', async (t) => {
  const data = sharedPath(t, 'data');
  if (!data) return;
  const ring = await allKeys(path.join(data, 'keys'));
  const lines = readFileSync(path.join(data, 'rpms/rpmkeys-Kv.tsv'), 'utf8').trim().split('\n');
  assert.ok(lines.length >= 50);
  for (const line of lines) {
    const [rel, items] = line.split('\t') as [string, string];
    const rpm = await readRpm(path.join(data, rel));
    const res = await verifyRpm(rpm, ring);
    const ours = res.items.map(formatItem);
    const theirs = items.split(';').filter((s) => s && !s.endsWith(': NOTFOUND'));
    const better = BETTER_THAN_RPM[rel];
    for (const item of theirs) {
      const want = better && item === better[0] ? better[1] : item;
      assert.ok(ours.includes(want), `${rel}: missing "${want}" in\n  ${ours.join('\n  ')}`);
    }
    // Items rpm 4.18 does not check (uncompressed-payload digests, rpm 6
    // signatures and digests) must not be failures on packages rpm finds clean.
    if (!theirs.some((i) => /BAD/.test(i))) {
      for (const i of res.items) assert.notEqual(i.status, 'BAD', `${rel}: ${formatItem(i)}`);
    }
    // ok means: no BAD digest and a good signature.
    const expectOk = !theirs.some((i) => / BAD/.test(i)) && res.signature === 'OK';
    assert.equal(res.ok, expectOk || (better !== undefined && !theirs.some((i) => i !== better[0] && / BAD/.test(i))), rel);
  }
});

test('rpm 6 (v6) signatures verify with the rpm-rs keys: multiple signatures, Ed25519 and RSA', async (t) => {
  const data = sharedPath(t, 'data');
  if (!data) return;
  const ring = await loadKeys([path.join(data, 'keys/test/rpmrs-v6-rpm-testkey-v6-ed25519.asc'), path.join(data, 'keys/test/rpmrs-v6-rpm-testkey-v6-rsa4k.asc')]);
  const rpm = await readRpm(path.join(data, 'rpms/edge/rpmrs-v6-signed-rpm-basic-multiple-signatures-2.3.4-5.el9.noarch.rpm'));
  const res = await verifyRpm(rpm, ring);
  const sigs = res.items.filter((i) => i.kind === 'signature');
  assert.equal(sigs.length, 2);
  assert.deepEqual(sigs.map((s) => `${s.algorithm}/${s.hash}:${s.status}`).sort(), ['EdDSA/SHA512:OK', 'RSA/SHA512:OK']);
  assert.equal(res.ok, true);
  assert.ok(res.items.some((i) => i.label === 'Header SHA3-256 digest' && i.status === 'OK'));
  // With only one of the two keys the package still verifies (the other is NOKEY, not BAD).
  const one = await loadKeys([path.join(data, 'keys/test/rpmrs-v6-rpm-testkey-v6-ed25519.asc')]);
  const res1 = await verifyRpm(rpm, one);
  assert.equal(res1.signature, 'OK');
  assert.ok(res1.items.some((i) => i.status === 'NOKEY'));
  // Without keys: NOKEY, not ok, unless signatures are not required.
  const none = await verifyRpm(rpm, await loadKeys([]));
  assert.equal(none.signature, 'NOKEY');
  assert.equal(none.ok, false);
  assert.equal((await verifyRpm(rpm, await loadKeys([]), { nosignature: true })).ok, true);
});

test('v4 EdDSA, ECDSA and RSA-4096 packages verify against the rpm-rs v4 keys; the wrong key is NOKEY', async (t) => {
  const data = sharedPath(t, 'data');
  if (!data) return;
  const cases: [string, string][] = [
    ['ed25519', 'rpmrs-v4-rpm-testkey-v4-ed25519.asc'],
    ['ecdsa', 'rpmrs-v4-rpm-testkey-v4-ecdsa-nistp256.asc'],
    ['rsa4096', 'rpmrs-v4-rpm-testkey-v4-rsa4096.asc'],
  ];
  for (const [alg, key] of cases) {
    const rpm = await readRpm(path.join(data, `rpms/edge/rpmrs-v4-signed-rpm-basic-with-${alg}-2.3.4-5.el9.noarch.rpm`));
    const res = await verifyRpm(rpm, await loadKeys([path.join(data, 'keys/test', key)]));
    assert.equal(res.signature, 'OK', `${alg}: ${res.items.map(formatItem).join('; ')}`);
    const other = cases.find(([a]) => a !== alg)![1];
    assert.equal((await verifyRpm(rpm, await loadKeys([path.join(data, 'keys/test', other)]))).signature, 'NOKEY');
  }
});

test('a signature over altered bytes is BAD even with the right key', async (t) => {
  const data = sharedPath(t, 'data');
  if (!data) return;
  const { readRpmBuffer } = await import('../../src/rpm/index.js');
  const file = path.join(data, 'rpms/edge/hello-2.0-1.x86_64-signed.rpm');
  const ring = await loadKeys([path.join(data, 'keys/test/rpm-rpm.org-rsa-2048-test.pub')]);
  const good = await verifyRpm(await readRpm(file), ring);
  assert.equal(good.ok, true, good.items.map(formatItem).join('; '));
  const buf = Buffer.from(readFileSync(file));
  const rpm = await readRpmBuffer(buf, file);
  // Change one byte of the SUMMARY text: the header stays parseable.
  const at = buf.indexOf(Buffer.from(rpm.summary), rpm.headerOffset);
  assert.ok(at > 0);
  buf[at] ^= 0x20;
  const res = await verifyRpm(await readRpmBuffer(buf, file), ring);
  assert.equal(res.ok, false);
  assert.equal(res.signature, 'BAD');
  assert.ok(res.items.some((i) => i.label === 'Header SHA256 digest' && i.status === 'BAD'));
});

test('V3 RSA signatures (header-only and header+payload) of old distro packages verify', async (t) => {
  const data = sharedPath(t, 'data');
  if (!data) return;
  const rpm = await readRpm(path.join(data, 'rpms/distro/centos-release-7-2.1511.el7.centos.2.10.x86_64.rpm'));
  const res = await verifyRpm(rpm, await loadKeys([path.join(data, 'keys/distro/RPM-GPG-KEY-CentOS-7')]));
  assert.deepEqual(res.items.filter((i) => i.kind === 'signature').map(formatItem), ['Header V3 RSA/SHA256 Signature, key ID f4a80eb5: OK', 'V3 RSA/SHA256 Signature, key ID f4a80eb5: OK']);
  assert.equal(res.ok, true);
});

test('loadKeys reads files holding several armored keys and skips unreadable blocks', async (t) => {
  const data = sharedPath(t, 'data');
  if (!data) return;
  const ring = await loadKeys([path.join(data, 'keys/test/rpmrs-v4-rpm-testkey-v4-keyring.asc')]);
  assert.ok(ring.keys.length >= 2, `${ring.keys.length} keys`);
  const text = readFileSync(path.join(data, 'keys/test/rpm-alice.asc'), 'utf8');
  const r2 = await loadKeys([text]);
  assert.equal(r2.keys.length, 1);
  await assert.rejects(loadKeys([path.join(data, 'rpms/edge/hello-2.0-1.x86_64.rpm')]), /no OpenPGP public key/);
  await assert.rejects(loadKeys([path.join(data, 'keys/distro/RPM-GPG-KEY-CentOS-9')]), (e: unknown) => (e as { code?: string }).code === 'KEY_INVALID');
});

test('archiveDigests: false checks what rpm -K checks (ALT digests only for uncompressed payloads)', async (t) => {
  const edge = sharedPath(t, 'data/rpms/edge');
  if (!edge) return;
  const gz = await readRpm(path.join(edge, 'payload-test-0.1-w9.gzdio.x86_64.rpm'));
  const full = await verifyRpm(gz, await loadKeys([]), { nosignature: true });
  const lite = await verifyRpm(gz, await loadKeys([]), { nosignature: true, archiveDigests: false });
  assert.ok(full.items.some((i) => i.label.includes('ALT')));
  assert.ok(!lite.items.some((i) => i.label.includes('ALT')));
  assert.equal(lite.ok, true);
  const none = await readRpm(path.join(edge, 'payload-test-0.1-w.ufdio.x86_64.rpm'));
  const l2 = await verifyRpm(none, await loadKeys([]), { nosignature: true, archiveDigests: false });
  assert.ok(l2.items.some((i) => i.label === 'Payload SHA256 ALT digest' && i.status === 'OK'));
});

test('skipRedundantMd5 (install-time checks) leaves out the MD5 only where SHA digests cover header and payload', async (t) => {
  const root = sharedPath(t, 'data/rpms');
  if (!root) return;
  const files = ['distro', 'edge'].flatMap((d) => readdirSync(path.join(root, d)).sort().filter((f) => f.endsWith('.rpm')).map((f) => path.join(root, d, f)));
  let skipped = 0;
  let kept = 0;
  for (const file of files) {
    const rpm = await readRpm(file);
    const all = await verifyRpm(rpm, await loadKeys([]), { nosignature: true, archiveDigests: false });
    const lite = await verifyRpm(rpm, await loadKeys([]), { nosignature: true, archiveDigests: false, skipRedundantMd5: true });
    const hasMd5 = all.items.some((i) => i.label === 'MD5 digest');
    const covered = all.items.some((i) => /^Header SHA(1|256) digest$/.test(i.label)) && all.items.some((i) => i.range === 'payload');
    const liteMd5 = lite.items.some((i) => i.label === 'MD5 digest');
    assert.equal(liteMd5, hasMd5 && !covered, path.basename(file));
    assert.deepEqual(lite.items.filter((i) => i.label !== 'MD5 digest'), all.items.filter((i) => i.label !== 'MD5 digest'), path.basename(file));
    if (hasMd5 && covered) skipped++;
    if (hasMd5 && !covered) kept++;
  }
  // Both kinds are among the real packages: new ones (SHA-256 everywhere) and old ones (MD5 is all that covers the payload).
  assert.ok(skipped > 0 && kept > 0, `skipped ${skipped}, kept ${kept}`);
});

test('V3 DSA header signatures (RHEL 5 era) verify; a synthetic DSA key and signature exercise the path', async (t) => {
  const file = sharedPath(t, 'data/rpms/edge/hello-2.0-1.x86_64-v3-signed.rpm');
  if (!file) return;
  const crypto = await import('node:crypto');
  const openpgp = await import('openpgp');
  const { readRpmBuffer, SIGTAG } = await import('../../src/rpm/index.js');
  const { privateKey, publicKey } = crypto.generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 });
  // Pull p, q, g, y out of the SPKI DER (every INTEGER, depth first).
  const ints: Buffer[] = [];
  const walk = (b: Buffer) => {
    let i = 0;
    while (i < b.length) {
      const tag = b[i]!;
      let len = b[i + 1]!;
      let h = 2;
      if (len & 0x80) {
        const n = len & 0x7f;
        len = 0;
        for (let k = 0; k < n; k++) len = len * 256 + b[i + 2 + k]!;
        h += n;
      }
      const body = b.subarray(i + h, i + h + len);
      if (tag === 0x02) ints.push(body[0] === 0 ? body.subarray(1) : body);
      else if (tag === 0x30) walk(body);
      else if (tag === 0x03) walk(body.subarray(1));
      i += h + len;
    }
  };
  walk(publicKey.export({ format: 'der', type: 'spki' }) as Buffer);
  assert.equal(ints.length, 4);
  const mpi = (b: Buffer) => {
    const bits = b.length * 8 - Math.clz32(b[0]!) + 24;
    return Buffer.concat([Buffer.of(bits >> 8, bits & 0xff), b]);
  };
  const keyBody = Buffer.concat([Buffer.of(4, 0x5f, 0, 0, 0, 17), ...ints.map(mpi)]);
  // New-format packet with a 5-byte length (0xff + 32-bit length).
  const packet = (tag: number, body: Buffer) => {
    const head = Buffer.alloc(6);
    head[0] = 0xc0 | tag;
    head[1] = 0xff;
    head.writeUInt32BE(body.length, 2);
    return Buffer.concat([head, body]);
  };
  const key = await openpgp.readKey({ binaryKey: Buffer.concat([packet(6, keyBody), packet(13, Buffer.from('dsa test <dsa@example.org>'))]) });
  const ring = { keys: [key], byKeyId: new Map([[key.getKeyID().toHex(), key]]), byFingerprint: new Map(), sources: ['synthetic'], skipped: [] };

  const orig = Buffer.from(readFileSync(file));
  const rpm = await readRpmBuffer(orig, file);
  const signed = Buffer.concat([Buffer.of(0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0), Buffer.from(rpm.headerBlob)]);
  const trailer = Buffer.of(0x00, 0x5f, 0, 0, 1);
  const der = crypto.sign('sha256', Buffer.concat([signed, trailer]), { key: privateKey, dsaEncoding: 'der' });
  ints.length = 0;
  walk(der);
  const [r, s] = ints as [Buffer, Buffer];
  const left16 = crypto.createHash('sha256').update(signed).update(trailer).digest().subarray(0, 2);
  const sigBody = Buffer.concat([Buffer.of(3, 5), trailer, Buffer.from(key.getKeyID().toHex(), 'hex'), Buffer.of(17, 8), left16, mpi(r), mpi(s)]);
  const sigPacket = Buffer.concat([Buffer.of(0x88, sigBody.length), sigBody]);
  // Put it in place of the RSA header signature: tag 268 -> 267, new count, new bytes.
  const sigIl = orig.readUInt32BE(96 + 8);
  const dataStart = 96 + 16 + sigIl * 16;
  let done = false;
  for (let i = 0; i < sigIl; i++) {
    const e = 96 + 16 + i * 16;
    if (orig.readUInt32BE(e) !== SIGTAG.RSA) continue;
    assert.ok(orig.readUInt32BE(e + 12) >= sigPacket.length);
    orig.writeUInt32BE(SIGTAG.DSA, e);
    orig.writeUInt32BE(sigPacket.length, e + 12);
    sigPacket.copy(orig, dataStart + orig.readInt32BE(e + 8));
    done = true;
  }
  assert.ok(done);
  const res = await verifyRpm(await readRpmBuffer(orig, file), ring as unknown as KeyRing);
  const dsa = res.items.find((i) => i.tag === SIGTAG.DSA)!;
  assert.equal(formatItem(dsa), `Header V3 DSA/SHA256 Signature, key ID ${key.getKeyID().toHex().slice(-8)}: OK`);
  // The same signature over a changed header is BAD.
  const at = orig.indexOf(Buffer.from(rpm.summary), rpm.headerOffset);
  orig[at] ^= 0x20;
  const bad = await verifyRpm(await readRpmBuffer(orig, file), ring as unknown as KeyRing);
  assert.equal(bad.items.find((i) => i.tag === SIGTAG.DSA)!.status, 'BAD');
});
