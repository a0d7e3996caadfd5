// OpenPGP signature packets as rpm stores them: v4/v6 packets go to openpgp.js;
// v3 packets (which openpgp.js no longer reads, but most RHEL/CentOS 5-7 and
// Fedora < 2x packages carry) are checked here with node:crypto.
import { createPublicKey, createVerify, type KeyObject, constants } from 'node:crypto';

export interface SigPacketInfo {
  version: number;
  sigType: number;
  pubAlgo: number;
  hashAlgo: number;
  /** 16 lowercase hex chars, '' when the packet names no issuer key ID. */
  keyId: string;
  /** Lowercase hex issuer fingerprint (v4 subpacket 33 / v6), '' when absent. */
  fingerprint: string;
  created: number;
  /** The packet body (after the packet header). */
  body: Uint8Array;
  /** The part of the body hashed after the data (v4/v6: up to the end of the hashed subpackets; v3: sigtype+time). */
  hashedTrailer: Uint8Array;
  /** The first two bytes of the signed hash, stored in the packet. */
  left16: Uint8Array;
  /** v6: salt hashed before the data. */
  salt: Uint8Array;
}

export const PUBALGO_NAME: Record<number, string> = { 1: 'RSA', 2: 'RSA', 3: 'RSA', 16: 'ElGamal', 17: 'DSA', 19: 'ECDSA', 22: 'EdDSA', 27: 'EdDSA', 28: 'EdDSA', 30: 'ML-DSA-65+Ed25519', 31: 'ML-DSA-87+Ed448' };
export const HASH_NAME: Record<number, string> = { 1: 'MD5', 2: 'SHA1', 3: 'RIPEMD160', 8: 'SHA256', 9: 'SHA384', 10: 'SHA512', 11: 'SHA224', 12: 'SHA3-256', 14: 'SHA3-512' };
export const NODE_HASH: Record<number, string> = { 1: 'md5', 2: 'sha1', 8: 'sha256', 9: 'sha384', 10: 'sha512', 11: 'sha224', 12: 'sha3-256', 14: 'sha3-512' };

const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Parse the outer packet and the fields rpm prints; throws on malformed input. */
export function parseSigPacket(buf: Uint8Array): SigPacketInfo {
  if (buf.length < 2) throw new Error('empty signature packet');
  const b0 = buf[0]!;
  if (!(b0 & 0x80)) throw new Error('not an OpenPGP packet');
  let tag: number;
  let len: number;
  let p: number;
  if (b0 & 0x40) {
    tag = b0 & 0x3f;
    const l1 = buf[1]!;
    if (l1 < 192) {
      len = l1;
      p = 2;
    } else if (l1 < 224) {
      len = ((l1 - 192) << 8) + buf[2]! + 192;
      p = 3;
    } else if (l1 === 255) {
      len = Buffer.from(buf).readUInt32BE(2);
      p = 6;
    } else throw new Error('partial-length signature packet');
  } else {
    tag = (b0 >> 2) & 0x0f;
    const lt = b0 & 3;
    if (lt === 0) {
      len = buf[1]!;
      p = 2;
    } else if (lt === 1) {
      len = (buf[1]! << 8) | buf[2]!;
      p = 3;
    } else if (lt === 2) {
      len = Buffer.from(buf).readUInt32BE(1);
      p = 5;
    } else {
      len = buf.length - 1;
      p = 1;
    }
  }
  if (tag !== 2) throw new Error(`packet tag ${tag} is not a signature`);
  if (p + len > buf.length) throw new Error('signature packet is truncated');
  const body = buf.subarray(p, p + len);
  const dv = new DataView(body.buffer, body.byteOffset, body.length);
  const version = body[0]!;
  if (version === 3 || version === 2) {
    if (body.length < 19 || body[1] !== 5) throw new Error('malformed v3 signature');
    return { version, sigType: body[2]!, created: dv.getUint32(3), keyId: hexOf(body.subarray(7, 15)), pubAlgo: body[15]!, hashAlgo: body[16]!, fingerprint: '', body, hashedTrailer: body.subarray(2, 7), left16: body.subarray(17, 19), salt: new Uint8Array(0) };
  }
  if (version === 4 || version === 6) {
    const sigType = body[1]!;
    const pubAlgo = body[2]!;
    const hashAlgo = body[3]!;
    const lenSize = version === 6 ? 4 : 2;
    let q = 4;
    const readLen = () => {
      if (q + lenSize > body.length) throw new Error('truncated subpackets');
      const n = lenSize === 4 ? dv.getUint32(q) : dv.getUint16(q);
      q += lenSize;
      return n;
    };
    let keyId = '';
    let fingerprint = '';
    let created = 0;
    let hashedEnd = 0;
    for (let area = 0; area < 2; area++) {
      const n = readLen();
      if (area === 0) hashedEnd = q + n;
      const end = q + n;
      if (end > body.length) throw new Error('truncated subpackets');
      while (q < end) {
        let sl = body[q]!;
        q++;
        if (sl >= 192 && sl < 255) {
          sl = ((sl - 192) << 8) + body[q]! + 192;
          q++;
        } else if (sl === 255) {
          sl = dv.getUint32(q);
          q += 4;
        }
        if (sl < 1 || q + sl > end) throw new Error('bad subpacket length');
        const st = body[q]! & 0x7f;
        const data = body.subarray(q + 1, q + sl);
        if (st === 2 && data.length === 4) created = new DataView(data.buffer, data.byteOffset, 4).getUint32(0);
        else if (st === 16 && data.length === 8 && !keyId) keyId = hexOf(data);
        else if (st === 33 && data.length > 1) fingerprint = hexOf(data.subarray(1));
        q += sl;
      }
    }
    if (!keyId && fingerprint) keyId = version === 6 ? fingerprint.slice(0, 16) : fingerprint.slice(-16);
    if (q + 2 > body.length) throw new Error('truncated signature');
    const left16 = body.subarray(q, q + 2);
    let salt: Uint8Array = new Uint8Array(0);
    if (version === 6) {
      const n = body[q + 2] ?? 0;
      if (q + 3 + n > body.length) throw new Error('truncated salt');
      salt = body.subarray(q + 3, q + 3 + n);
    }
    // RFC 4880/9580 trailer: hashed part, then version, 0xff and its length.
    const trailer = Buffer.alloc(hashedEnd + 6);
    Buffer.from(body.subarray(0, hashedEnd)).copy(trailer, 0);
    trailer[hashedEnd] = version;
    trailer[hashedEnd + 1] = 0xff;
    trailer.writeUInt32BE(hashedEnd, hashedEnd + 2);
    return { version, sigType, pubAlgo, hashAlgo, keyId, fingerprint, created, body, hashedTrailer: trailer, left16, salt };
  }
  throw new Error(`signature packet version ${version} is not supported`);
}

function b64url(b: Uint8Array): string {
  return Buffer.from(b).toString('base64url');
}

/** A node KeyObject for an RSA OpenPGP public key packet's params. */
export function rsaKeyObject(n: Uint8Array, e: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: 'RSA', n: b64url(n), e: b64url(e) }, format: 'jwk' });
}

/** DER encoding helpers for a DSA SubjectPublicKeyInfo and signature. */
function derLen(n: number): Buffer {
  if (n < 0x80) return Buffer.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
function der(tag: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.of(tag), derLen(body.length), body]);
}
function derInt(b: Uint8Array): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  const v = Buffer.from(b.subarray(i));
  return der(0x02, v[0]! & 0x80 ? Buffer.concat([Buffer.of(0), v]) : v);
}

/** A node KeyObject for a DSA OpenPGP public key packet's params (p, q, g, y). */
export function dsaKeyObject(p: Uint8Array, q: Uint8Array, g: Uint8Array, y: Uint8Array): KeyObject {
  const oid = Buffer.from('06072a8648ce380401', 'hex'); // 1.2.840.10040.4.1
  const algo = der(0x30, Buffer.concat([oid, der(0x30, Buffer.concat([derInt(p), derInt(q), derInt(g)]))]));
  const spki = der(0x30, Buffer.concat([algo, der(0x03, Buffer.concat([Buffer.of(0), derInt(y)]))]));
  return createPublicKey({ key: spki, format: 'der', type: 'spki' });
}

/** The MPIs that follow a v3 packet's left16 bytes. */
function readMpis(body: Uint8Array, at: number, n: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let p = at;
  for (let i = 0; i < n; i++) {
    if (p + 2 > body.length) throw new Error('truncated signature MPI');
    const bits = (body[p]! << 8) | body[p + 1]!;
    const len = Math.ceil(bits / 8);
    if (p + 2 + len > body.length) throw new Error('truncated signature MPI');
    out.push(body.subarray(p + 2, p + 2 + len));
    p += 2 + len;
  }
  return out;
}

/** Public key material a v3 check needs. */
export type V3Key = { kind: 'rsa'; key: KeyObject; modulusBytes: number } | { kind: 'dsa'; key: KeyObject };

/** A running check of a v3 RSA or DSA signature over streamed data. */
export class V3Verifier {
  private readonly v: ReturnType<typeof createVerify>;
  readonly kind: 'rsa' | 'dsa';
  constructor(private readonly info: SigPacketInfo) {
    const h = NODE_HASH[info.hashAlgo];
    if (!h) throw new Error(`hash algorithm ${info.hashAlgo} is not supported`);
    if (info.pubAlgo === 1 || info.pubAlgo === 3) this.kind = 'rsa';
    else if (info.pubAlgo === 17) this.kind = 'dsa';
    else throw new Error(`v3 ${PUBALGO_NAME[info.pubAlgo] ?? info.pubAlgo} signatures are not supported (RSA and DSA only)`);
    this.v = createVerify(h);
  }
  update(chunk: Uint8Array): void {
    this.v.update(chunk);
  }
  /** True when the signature matches under `key`. */
  finish(key: V3Key): boolean {
    const body = this.info.body;
    // v3 hashes the data, then sigtype and creation time (5 bytes).
    this.v.update(body.subarray(2, 7));
    if (key.kind === 'rsa') {
      const [mpi] = readMpis(body, 19, 1) as [Uint8Array];
      const sig = Buffer.alloc(Math.max(key.modulusBytes, mpi.length));
      Buffer.from(mpi).copy(sig, sig.length - mpi.length);
      return this.v.verify({ key: key.key, padding: constants.RSA_PKCS1_PADDING }, sig);
    }
    const [r, s] = readMpis(body, 19, 2) as [Uint8Array, Uint8Array];
    return this.v.verify({ key: key.key, dsaEncoding: 'der' }, der(0x30, Buffer.concat([derInt(r), derInt(s)])));
  }
}
