// Digest and signature checks with rpmkeys -Kv's items and words: header
// SHA256/SHA1/SHA3-256, payload digests (as stored and uncompressed), MD5 over
// header+payload, and OpenPGP signatures: header-only (RSAHEADER, DSAHEADER,
// rpm 6's OPENPGP with several signatures) and legacy header+payload (PGP,
// GPG). rpm signs the header as stored *with* its 8-byte magic.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type * as openpgp from 'openpgp';
// openpgp is loaded on first use: most commands never check a signature, and
// it is the costliest module to load at start-up.
const pgp = () => import('openpgp');
import { RpmkitError } from '../errors.js';
import { fileChunks } from '../util/readfile.js';
import { decompressedPayload } from './decompress.js';
import { HEADER_MAGIC } from './header.js';
import type { KeyRing } from './keys.js';
import { dsaKeyObject, HASH_NAME, NODE_HASH, PUBALGO_NAME, parseSigPacket, rsaKeyObject, type SigPacketInfo, type V3Key, V3Verifier } from './pgp.js';
import { HASHALGO, SIGTAG, TAG } from './tags.js';
import type { RpmFile } from './types.js';

export type ItemStatus = 'OK' | 'BAD' | 'NOKEY' | 'UNSUPPORTED';

export interface VerifyItem {
  kind: 'digest' | 'signature';
  /** rpm's wording: "Header SHA256 digest", "Header V4 RSA/SHA256 Signature, key ID 1964c5fc". */
  label: string;
  status: ItemStatus;
  /** Signature-header or header tag the value came from. */
  tag: number;
  /** What is covered: the header, the payload as stored, the uncompressed payload, or header+payload. */
  range: 'header' | 'payload' | 'archive' | 'package';
  expected?: string;
  actual?: string;
  keyId?: string;
  fingerprint?: string;
  algorithm?: string;
  hash?: string;
  message?: string;
}

export type SignatureStatus = 'OK' | 'BAD' | 'NOKEY' | 'UNSUPPORTED' | 'MISSING' | 'SKIPPED';

export interface VerifyResult {
  path: string;
  /** All digests OK and (signature OK, or signatures not checked). */
  ok: boolean;
  digests: 'OK' | 'BAD' | 'MISSING' | 'SKIPPED';
  signature: SignatureStatus;
  items: VerifyItem[];
}

export interface VerifyOptions {
  /** Do not check signatures (rpm --nosignature); NOKEY then does not fail. */
  nosignature?: boolean;
  /** Do not check digests (rpm --nodigest). */
  nodigest?: boolean;
  /**
   * Check digests of the uncompressed payload (PAYLOADDIGESTALT, rpm 6 ALT
   * digests) even when the payload is compressed — rpm -K only does so for
   * uncompressed payloads. Costs a full decompression. Default true.
   */
  archiveDigests?: boolean;
  /**
   * Leave out the MD5 over header+payload when SHA digests already cover
   * both (a header SHA-256 or SHA-1, and a payload digest), as rpm does when
   * installing (RPMVSF_NOMD5 in its install-time vsflags). Default false:
   * rpm -K checks it.
   */
  skipRedundantMd5?: boolean;
}

/** "Header SHA256 digest: OK" / "...: BAD (Expected x != y)" — rpmkeys -Kv's line. */
export function formatItem(i: VerifyItem): string {
  if (i.status === 'BAD' && i.expected !== undefined && i.actual !== undefined) return `${i.label}: BAD (Expected ${i.expected} != ${i.actual})`;
  // rpm adds a reason only where it has one: unparseable packets and unsupported algorithms.
  if (i.message && (i.status === 'UNSUPPORTED' || (i.status === 'BAD' && i.kind === 'signature' && i.label.endsWith(' signature')))) return `${i.label}: ${i.status} (${i.message})`;
  return `${i.label}: ${i.status}`;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Bytes [start, end) of the package; a chunk is valid until the next is asked for (fileChunks). */
function range(rpm: RpmFile, start: number, end = rpm.fileSize): AsyncIterable<Buffer> {
  if (rpm.buffer || end <= start) return Readable.from(rpm.buffer && end > start ? [Buffer.from(rpm.buffer.buffer, rpm.buffer.byteOffset + start, end - start)] : []);
  return fileChunks(rpm.path, start, end);
}

interface DigestCheck {
  item: VerifyItem;
  hash: Hash;
}

function digestItem(label: string, tag: number, rng: VerifyItem['range'], algo: string, expected: string): DigestCheck {
  return { item: { kind: 'digest', label, status: 'OK', tag, range: rng, expected: expected.toLowerCase(), hash: algo }, hash: createHash(algo) };
}

interface SigCheck {
  item: VerifyItem;
  packet: Uint8Array;
  info?: SigPacketInfo;
  v3?: V3Verifier;
  /** The signed hash, computed here so a wrong digest is BAD even without the key (as rpm does). */
  prefix?: Hash;
}

function pgpConfig(o: typeof openpgp) {
  return {
    // rpm accepts SHA-1 signatures and DSA keys from old distributions.
    rejectHashAlgorithms: new Set<openpgp.enums.hash>([o.enums.hash.md5, o.enums.hash.ripemd]),
    rejectMessageHashAlgorithms: new Set<openpgp.enums.hash>([o.enums.hash.md5, o.enums.hash.ripemd]),
    rejectPublicKeyAlgorithms: new Set<openpgp.enums.publicKey>(),
    minRSABits: 1024,
  };
}

function sigLabel(info: SigPacketInfo, scope: 'header' | 'package'): string {
  const alg = PUBALGO_NAME[info.pubAlgo] ?? `algo${info.pubAlgo}`;
  const h = HASH_NAME[info.hashAlgo] ?? `hash${info.hashAlgo}`;
  const who = info.version === 6 && info.fingerprint ? `key fingerprint ${info.fingerprint}` : `key ID ${info.keyId.slice(-8)}`;
  return `${scope === 'header' ? 'Header ' : ''}V${info.version} ${alg}/${h} Signature, ${who}`;
}

export async function verifyRpm(rpm: RpmFile, keys: KeyRing, opts: VerifyOptions = {}): Promise<VerifyResult> {
  try {
    return await verifyInner(rpm, keys, opts);
  } catch (e) {
    if (e instanceof RpmkitError) throw e;
    throw new RpmkitError('IO_ERROR', `${rpm.path}: cannot read for verification: ${(e as Error).message}`, { cause: e, details: { file: rpm.path } });
  }
}

async function verifyInner(rpm: RpmFile, keys: KeyRing, opts: VerifyOptions): Promise<VerifyResult> {
  const s = rpm.signature;
  const h = rpm.header;
  const digests: DigestCheck[] = [];
  if (!opts.nodigest) {
    const sha256 = s.string(SIGTAG.SHA256);
    if (sha256) digests.push(digestItem('Header SHA256 digest', SIGTAG.SHA256, 'header', 'sha256', sha256));
    const sha1 = s.string(SIGTAG.SHA1);
    if (sha1) digests.push(digestItem('Header SHA1 digest', SIGTAG.SHA1, 'header', 'sha1', sha1));
    const sha3 = s.string(SIGTAG.SHA3_256);
    if (sha3) digests.push(digestItem('Header SHA3-256 digest', SIGTAG.SHA3_256, 'header', 'sha3-256', sha3));
    const algoNum = h.number(TAG.PAYLOADDIGESTALGO) ?? 8;
    const algo = HASHALGO[algoNum] ?? 'sha256';
    const algoLabel = HASH_NAME[algoNum] ?? algo.toUpperCase();
    const pd = h.strings(TAG.PAYLOADDIGEST)[0];
    if (pd) digests.push(digestItem(`Payload ${algoLabel} digest`, TAG.PAYLOADDIGEST, 'payload', algo, pd));
    const pda = h.strings(TAG.PAYLOADDIGESTALT)[0];
    if (pda) digests.push(digestItem(`Payload ${algoLabel} ALT digest`, TAG.PAYLOADDIGESTALT, 'archive', algo, pda));
    const extra: [number, string, string, VerifyItem['range']][] = [
      [TAG.PAYLOADSHA512, 'Payload SHA512 digest', 'sha512', 'payload'],
      [TAG.PAYLOADSHA512ALT, 'Payload SHA512 ALT digest', 'sha512', 'archive'],
      [TAG.PAYLOADSHA3_256, 'Payload SHA3-256 digest', 'sha3-256', 'payload'],
      [TAG.PAYLOADSHA3_256ALT, 'Payload SHA3-256 ALT digest', 'sha3-256', 'archive'],
    ];
    for (const [tag, label, a, rng] of extra) {
      const v = h.strings(tag)[0];
      if (v && !digests.some((d) => d.item.label === label)) digests.push(digestItem(label, tag, rng, a, v));
    }
    const md5 = s.bin(SIGTAG.MD5);
    const covered = (sha256 || sha1) && pd;
    if (md5 && !(opts.skipRedundantMd5 && covered)) digests.push(digestItem('MD5 digest', SIGTAG.MD5, 'package', 'md5', hex(md5)));
  }

  const sigs: SigCheck[] = [];
  if (!opts.nosignature) {
    const packets: [number, 'header' | 'package', Uint8Array][] = [];
    for (const tag of [SIGTAG.RSA, SIGTAG.DSA]) {
      const b = s.bin(tag);
      if (b) packets.push([tag, 'header', b]);
    }
    for (const text of s.strings(SIGTAG.OPENPGP)) packets.push([SIGTAG.OPENPGP, 'header', new Uint8Array(Buffer.from(text, 'base64'))]);
    for (const tag of [SIGTAG.PGP, SIGTAG.GPG]) {
      const b = s.bin(tag);
      if (b) packets.push([tag, 'package', b]);
    }
    for (const [tag, scope, packet] of packets) {
      const check: SigCheck = { item: { kind: 'signature', label: '', status: 'OK', tag, range: scope }, packet };
      try {
        const info = parseSigPacket(packet);
        check.info = info;
        check.item.label = sigLabel(info, scope);
        check.item.keyId = info.keyId;
        if (info.fingerprint) check.item.fingerprint = info.fingerprint;
        check.item.algorithm = PUBALGO_NAME[info.pubAlgo] ?? String(info.pubAlgo);
        check.item.hash = HASH_NAME[info.hashAlgo] ?? String(info.hashAlgo);
        const nodeHash = NODE_HASH[info.hashAlgo];
        if (nodeHash) {
          check.prefix = createHash(nodeHash);
          if (info.salt.length) check.prefix.update(info.salt);
        }
        if (info.version < 4) {
          try {
            check.v3 = new V3Verifier(info);
          } catch (e) {
            check.item.status = 'UNSUPPORTED';
            check.item.message = (e as Error).message;
          }
        }
      } catch (e) {
        const what = tag === SIGTAG.DSA ? 'DSA' : tag === SIGTAG.RSA ? 'RSA' : tag === SIGTAG.OPENPGP ? 'OpenPGP' : tag === SIGTAG.PGP ? 'PGP' : 'GPG';
        check.item.label = `${scope === 'header' ? 'Header ' : ''}${what} signature`;
        check.item.status = 'BAD';
        check.item.message = `package tag ${tag}: invalid OpenPGP signature: ${(e as Error).message}`;
      }
      sigs.push(check);
    }
  }

  // One pass over header+payload feeds every digest and v3 signature.
  const headerEnd = rpm.payloadOffset;
  const needsPass = digests.some((d) => d.item.range !== 'archive') || sigs.some((c) => (c.v3 || c.prefix) && c.item.status === 'OK');
  if (needsPass) {
    let pos = rpm.headerOffset;
    for await (const chunk of range(rpm, rpm.headerOffset)) {
      const c = chunk as Buffer;
      const split = Math.max(0, Math.min(c.length, headerEnd - pos));
      const hdrPart = c.subarray(0, split);
      const payPart = c.subarray(split);
      for (const d of digests) {
        if (d.item.range === 'header' && hdrPart.length) d.hash.update(hdrPart);
        else if (d.item.range === 'payload' && payPart.length) d.hash.update(payPart);
        else if (d.item.range === 'package') d.hash.update(c);
      }
      for (const sc of sigs) {
        if (sc.item.status !== 'OK') continue;
        const part = sc.item.range === 'package' ? c : hdrPart;
        if (!part.length) continue;
        sc.v3?.update(part);
        sc.prefix?.update(part);
      }
      pos += c.length;
    }
  }
  if (opts.archiveDigests === false) {
    const compressed = rpm.payloadCompressor !== '' && rpm.payloadCompressor !== 'identity' && rpm.payloadCompressor !== 'none';
    if (compressed) for (let i = digests.length - 1; i >= 0; i--) if (digests[i]!.item.range === 'archive') digests.splice(i, 1);
  }
  const alt = digests.filter((d) => d.item.range === 'archive');
  if (alt.length) {
    try {
      for await (const chunk of decompressedPayload(rpm)) for (const d of alt) d.hash.update(chunk);
    } catch (e) {
      for (const d of alt) {
        d.item.status = 'BAD';
        d.item.message = (e as Error).message;
      }
    }
  }
  for (const d of digests) {
    if (d.item.status === 'BAD') continue;
    d.item.actual = d.hash.digest('hex');
    if (d.item.actual !== d.item.expected) d.item.status = 'BAD';
  }

  const headerBytes = Buffer.concat([HEADER_MAGIC, rpm.headerBlob]);
  for (const sc of sigs) {
    if (sc.item.status !== 'OK' || !sc.info) continue;
    const info = sc.info;
    if (sc.prefix) {
      const got = sc.prefix.update(info.hashedTrailer).digest();
      if (got[0] !== info.left16[0] || got[1] !== info.left16[1]) {
        sc.item.status = 'BAD';
        sc.item.message = 'digest does not match the signature';
        continue;
      }
    }
    const key = keys.byKeyId.get(info.keyId) ?? (info.fingerprint ? keys.byFingerprint.get(info.fingerprint) : undefined);
    if (!key) {
      sc.item.status = info.pubAlgo >= 30 && info.pubAlgo <= 40 ? 'UNSUPPORTED' : 'NOKEY';
      if (sc.item.status === 'UNSUPPORTED') sc.item.message = `${PUBALGO_NAME[info.pubAlgo] ?? info.pubAlgo} (post-quantum) signatures cannot be checked yet`;
      continue;
    }
    try {
      if (sc.v3) {
        const sub = [key, ...key.getSubkeys()].find((k) => k.getKeyID().toHex().toLowerCase() === info.keyId);
        const params = (sub?.keyPacket as unknown as { publicParams?: Record<string, Uint8Array | undefined> } | undefined)?.publicParams ?? {};
        let v3key: V3Key;
        if (sc.v3.kind === 'rsa') {
          if (!params.n || !params.e) throw new Error('key is not an RSA key');
          v3key = { kind: 'rsa', key: rsaKeyObject(params.n, params.e), modulusBytes: params.n.length - (params.n[0] === 0 ? 1 : 0) };
        } else {
          if (!params.p || !params.q || !params.g || !params.y) throw new Error('key is not a DSA key');
          v3key = { kind: 'dsa', key: dsaKeyObject(params.p, params.q, params.g, params.y) };
        }
        if (!sc.v3.finish(v3key)) sc.item.status = 'BAD';
      } else {
        const ok = await verifyV4(sc, key, sc.item.range === 'header' ? headerBytes : undefined, rpm);
        if (!ok.ok) {
          sc.item.status = 'BAD';
          sc.item.message = ok.message;
        }
      }
    } catch (e) {
      sc.item.status = 'BAD';
      sc.item.message = (e as Error).message;
    }
  }

  const items = [...sigs.filter((c) => c.item.range === 'header').map((c) => c.item), ...digests.filter((d) => d.item.range !== 'package').map((d) => d.item), ...sigs.filter((c) => c.item.range === 'package').map((c) => c.item), ...digests.filter((d) => d.item.range === 'package').map((d) => d.item)];
  const dStatus: VerifyResult['digests'] = opts.nodigest ? 'SKIPPED' : digests.length === 0 ? 'MISSING' : digests.some((d) => d.item.status !== 'OK') ? 'BAD' : 'OK';
  let sStatus: SignatureStatus;
  const st = sigs.map((c) => c.item.status);
  if (opts.nosignature) sStatus = 'SKIPPED';
  else if (st.length === 0) sStatus = 'MISSING';
  else if (st.includes('BAD')) sStatus = 'BAD';
  else if (st.includes('OK')) sStatus = 'OK';
  else if (st.includes('NOKEY')) sStatus = 'NOKEY';
  else sStatus = 'UNSUPPORTED';
  const ok = (dStatus === 'OK' || dStatus === 'SKIPPED') && (sStatus === 'OK' || sStatus === 'SKIPPED');
  return { path: rpm.path, ok, digests: dStatus, signature: sStatus, items };
}

async function verifyV4(sc: SigCheck, key: openpgp.PublicKey, data: Uint8Array | undefined, rpm: RpmFile): Promise<{ ok: boolean; message?: string }> {
  const o = await pgp();
  let signature: openpgp.Signature;
  try {
    signature = await o.readSignature({ binarySignature: sc.packet });
  } catch (e) {
    sc.item.status = 'UNSUPPORTED';
    return { ok: true, message: (e as Error).message };
  }
  const created = sc.info?.created ? new Date(sc.info.created * 1000) : undefined;
  let lastErr = '';
  // rpm (< 6) ignores key expiry: try at the signing time first, then now.
  for (const date of created ? [created, new Date()] : [new Date()]) {
    const input = data ?? (Readable.toWeb(createReadStream(rpm.path, { start: rpm.headerOffset })) as unknown as ReadableStream<Uint8Array>);
    const message = await o.createMessage({ binary: rpm.buffer && !data ? rpm.buffer.subarray(rpm.headerOffset) : input });
    try {
      const res = await o.verify({ message, signature, verificationKeys: [key], format: 'binary', date, config: pgpConfig(o) });
      if (!data && !rpm.buffer) {
        const reader = (res.data as unknown as ReadableStream<Uint8Array>).getReader();
        while (!(await reader.read()).done);
      }
      await res.signatures[0]!.verified;
      return { ok: true };
    } catch (e) {
      lastErr = (e as Error).message;
    }
  }
  return { ok: false, message: lastErr };
}
