// repo_gpgcheck: verify repomd.xml.asc (a detached signature) against the
// repository's keys. Modern (v4) signatures go through openpgp; old v3
// signatures — still found on long-lived repositories such as openSUSE's —
// are checked here with node:crypto (openpgp v6 no longer reads them).
// SHA-1 signatures are refused unless explicitly allowed. openpgp is loaded
// only when a repository asks for this (it is large).
import type * as openpgp from 'openpgp';
import { createHash, createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { RpmkitError } from '../errors.js';

export interface VerifyOptions {
  /** "repo 'x': repodata/repomd.xml.asc" for messages. */
  what: string;
  /** Accept SHA-1 signatures (old repositories); default false. */
  allowSha1?: boolean;
}

/** Read every armored key block in the given texts. */
export async function readKeys(armored: string[], what: string): Promise<openpgp.Key[]> {
  const pgp = await import('openpgp');
  const keys: openpgp.Key[] = [];
  for (const text of armored) {
    const blocks = text.match(/-----BEGIN PGP PUBLIC KEY BLOCK-----[\s\S]*?-----END PGP PUBLIC KEY BLOCK-----/g);
    if (!blocks) throw new RpmkitError('KEY_INVALID', `${what}: no armored public key found`, { hint: 'gpgkey must point at an ASCII-armored OpenPGP public key' });
    for (const b of blocks) {
      try {
        keys.push(...(await pgp.readKeys({ armoredKeys: b })));
      } catch (e) {
        throw new RpmkitError('KEY_INVALID', `${what}: unreadable public key (${(e as Error).message})`, { cause: e });
      }
    }
  }
  return keys;
}

const HASHES: Record<number, string> = { 2: 'sha1', 8: 'sha256', 9: 'sha384', 10: 'sha512', 11: 'sha224' };

/** Verify `data` against an armored detached signature; returns the signing key id (hex). */
export async function verifyDetached(data: Uint8Array, armoredSig: string, keys: openpgp.Key[], opts: VerifyOptions): Promise<string> {
  if (!keys.length) throw new RpmkitError('KEY_INVALID', `${opts.what}: no keys to verify with`, { hint: 'set gpgkey for the repository' });
  const pgp = await import('openpgp');
  let packet: Uint8Array;
  try {
    const u = await pgp.unarmor(armoredSig);
    packet = await readAll(u.data as unknown as AsyncIterable<Uint8Array> | Uint8Array);
  } catch (e) {
    throw new RpmkitError('SIGNATURE_INVALID', `${opts.what}: not an armored OpenPGP signature`, { cause: e });
  }
  const body = firstPacketBody(packet, opts.what);
  if (body[0] === 3) return verifyV3(data, body, keys, opts);
  const reject = new Set<openpgp.enums.hash>([pgp.enums.hash.md5, pgp.enums.hash.ripemd]);
  if (!opts.allowSha1) reject.add(pgp.enums.hash.sha1);
  try {
    const signature = await pgp.readSignature({ armoredSignature: armoredSig });
    const message = await pgp.createMessage({ binary: data });
    const res = await pgp.verify({
      message,
      signature,
      verificationKeys: keys,
      expectSigned: true,
      config: { rejectMessageHashAlgorithms: reject, rejectHashAlgorithms: opts.allowSha1 ? new Set([pgp.enums.hash.md5]) : reject },
    });
    const s = res.signatures[0];
    if (!s) throw new Error('no signature');
    await s.verified;
    return s.keyID.toHex();
  } catch (e) {
    const msg = (e as Error).message;
    throw new RpmkitError('SIGNATURE_INVALID', `${opts.what}: signature does not verify (${msg})`, {
      hint: /SHA1|sha1|Insecure hash/i.test(msg) ? 'the signature uses SHA-1; set RPMKIT_ALLOW_SHA1_SIGNATURES=1 to accept it' : 'the metadata was modified, or the repository is signed with a key you did not configure',
      cause: e,
    });
  }
}

async function readAll(d: AsyncIterable<Uint8Array> | Uint8Array): Promise<Uint8Array> {
  if (d instanceof Uint8Array) return d;
  const parts: Uint8Array[] = [];
  for await (const c of d) parts.push(c);
  return Buffer.concat(parts);
}

function firstPacketBody(b: Uint8Array, what: string): Uint8Array {
  const bad = () => new RpmkitError('SIGNATURE_INVALID', `${what}: malformed signature packet`);
  const ctb = b[0];
  if (ctb === undefined || !(ctb & 0x80)) throw bad();
  let tag: number;
  let len: number;
  let off: number;
  if (ctb & 0x40) {
    tag = ctb & 0x3f;
    const l0 = b[1] ?? 0;
    if (l0 < 192) [len, off] = [l0, 2];
    else if (l0 < 224) [len, off] = [((l0 - 192) << 8) + (b[2] ?? 0) + 192, 3];
    else if (l0 === 255) [len, off] = [Buffer.from(b).readUInt32BE(2), 6];
    else throw bad();
  } else {
    tag = (ctb >> 2) & 0xf;
    const lt = ctb & 3;
    if (lt === 0) [len, off] = [b[1] ?? 0, 2];
    else if (lt === 1) [len, off] = [Buffer.from(b).readUInt16BE(1), 3];
    else if (lt === 2) [len, off] = [Buffer.from(b).readUInt32BE(1), 5];
    else [len, off] = [b.length - 1, 1];
  }
  if (tag !== 2 || off + len > b.length) throw bad();
  return b.subarray(off, off + len);
}

function readMpis(b: Uint8Array, off: number, n: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const bits = ((b[off] ?? 0) << 8) | (b[off + 1] ?? 0);
    const len = (bits + 7) >> 3;
    out.push(Buffer.from(b.subarray(off + 2, off + 2 + len)));
    off += 2 + len;
  }
  return out;
}

function derLen(n: number): Buffer {
  if (n < 128) return Buffer.from([n]);
  const bytes: number[] = [];
  while (n > 0) {
    bytes.unshift(n & 0xff);
    n >>= 8;
  }
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
function der(tag: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLen(body.length), body]);
}
function derInt(v: Uint8Array): Buffer {
  let i = 0;
  while (i < v.length - 1 && v[i] === 0) i++;
  let b = Buffer.from(v.subarray(i));
  if ((b[0] ?? 0) & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return der(0x02, b);
}

function nodeKey(k: openpgp.Key | openpgp.Subkey): { key: KeyObject; algo: 'rsa' | 'dsa' } | undefined {
  const pkt = k.keyPacket as unknown as { algorithm: number; publicParams: Record<string, Uint8Array> };
  const pp = pkt.publicParams;
  if ((pkt.algorithm === 1 || pkt.algorithm === 3) && pp.n && pp.e) {
    return { key: createPublicKey({ key: { kty: 'RSA', n: Buffer.from(pp.n).toString('base64url'), e: Buffer.from(pp.e).toString('base64url') }, format: 'jwk' }), algo: 'rsa' };
  }
  if (pkt.algorithm === 17 && pp.p && pp.q && pp.g && pp.y) {
    const oid = Buffer.from([0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01]);
    const params = der(0x30, Buffer.concat([derInt(pp.p), derInt(pp.q), derInt(pp.g)]));
    const algId = der(0x30, Buffer.concat([oid, params]));
    const spki = der(0x30, Buffer.concat([algId, der(0x03, Buffer.concat([Buffer.from([0]), derInt(pp.y)]))]));
    return { key: createPublicKey({ key: spki, format: 'der', type: 'spki' }), algo: 'dsa' };
  }
  return undefined;
}

function verifyV3(data: Uint8Array, body: Uint8Array, keys: openpgp.Key[], opts: VerifyOptions): string {
  // v3: version, 5, sigclass, ctime(4), keyid(8), pubalgo, hashalgo, left16(2), MPIs
  if (body.length < 19 || body[1] !== 5) throw new RpmkitError('SIGNATURE_INVALID', `${opts.what}: malformed v3 signature`);
  const sigclass = body[2] as number;
  const keyId = Buffer.from(body.subarray(7, 15)).toString('hex');
  const pubalgo = body[15] as number;
  const hashName = HASHES[body[16] as number];
  if (!hashName) throw new RpmkitError('SIGNATURE_INVALID', `${opts.what}: unsupported hash algorithm ${body[16]}`);
  if (hashName === 'sha1' && !opts.allowSha1) {
    throw new RpmkitError('SIGNATURE_INVALID', `${opts.what}: signed with SHA-1 (key ${keyId}), which is refused by default`, {
      hint: 'set RPMKIT_ALLOW_SHA1_SIGNATURES=1 (or repo option rpmkit_allow_sha1=1) to accept SHA-1 signatures from this old repository',
    });
  }
  if (sigclass !== 0 && sigclass !== 1) throw new RpmkitError('SIGNATURE_INVALID', `${opts.what}: not a document signature (class ${sigclass})`);
  let doc = Buffer.from(data);
  if (sigclass === 1) doc = Buffer.from(doc.toString('utf8').replace(/\r?\n/g, '\r\n'), 'utf8');
  const signed = Buffer.concat([doc, Buffer.from(body.subarray(2, 7))]);
  const left16 = createHash(hashName).update(signed).digest().subarray(0, 2);
  const candidates = keys.flatMap((k) => k.getKeys()).filter((k) => k.getKeyID().toHex() === keyId);
  if (!candidates.length) {
    throw new RpmkitError('SIGNATURE_INVALID', `${opts.what}: signed by key ${keyId}, which is not among the configured keys`, { hint: 'add the signing key to gpgkey' });
  }
  const mpis = readMpis(body, 19, pubalgo === 17 ? 2 : 1);
  for (const c of candidates) {
    const nk = nodeKey(c);
    if (!nk) continue;
    if (left16[0] !== body[17] || left16[1] !== body[18]) break;
    let ok = false;
    try {
      if (nk.algo === 'dsa') {
        const sig = der(0x30, Buffer.concat([derInt(mpis[0] as Buffer), derInt(mpis[1] as Buffer)]));
        ok = cryptoVerify(hashName, signed, { key: nk.key, dsaEncoding: 'der' }, sig);
      } else {
        const modLen = ((nk.key.asymmetricKeyDetails?.modulusLength ?? 0) + 7) >> 3;
        let s = mpis[0] as Buffer;
        if (s.length < modLen) s = Buffer.concat([Buffer.alloc(modLen - s.length), s]);
        ok = cryptoVerify(hashName, signed, nk.key, s);
      }
    } catch {
      ok = false;
    }
    if (ok) return keyId;
  }
  throw new RpmkitError('SIGNATURE_INVALID', `${opts.what}: signature by key ${keyId} does not verify`, { hint: 'the metadata was modified after signing, or the key is wrong' });
}
