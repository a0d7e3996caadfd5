// Digests of the regular-file bodies in a decoded cpio archive, worked out
// where the archive was decoded (the zstd worker) so the installer's thread
// only compares them with the header's. Keyed by where each body lies in
// the archive: the installer's own parse (cpio.ts) finds its bodies at the
// same offsets, and any body it finds elsewhere, or of another size, is not
// in the index and is hashed as before. Only newc/crc archives are walked;
// rpm's stripped form needs the header to find its bodies.
import { createHash, getHashes } from 'node:crypto';
import type { RpmFile } from './types.js';

const NODE_HASHES = new Set(getHashes());

/** Node's hash for a header's file digest algorithm ("SHA256", "sha-256"); undefined when Node has none. */
export function fileDigestHash(algo: string): string | undefined {
  const a = algo.toLowerCase().replace('-', '');
  return NODE_HASHES.has(a) ? a : undefined;
}

/** The hash a package's file digests use, when it has any and Node knows it. */
export function packageDigestHash(rpm: RpmFile): string | undefined {
  const f = rpm.files.find((x) => x.digest);
  return f ? fileDigestHash(f.digestAlgo) : undefined;
}

/** [offset, size, hex digest] of each regular-file body with content. */
export type BodyDigests = [offset: number, size: number, digest: string][];

const HEADER = 110;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;

function hexField(a: Uint8Array, at: number): number {
  let v = 0;
  for (let i = at; i < at + 8; i++) {
    const c = a[i]!;
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

/** Walk the archive from its start; stop quietly at anything unexpected (what was found stays valid). */
export function bodyDigests(archive: Uint8Array, algo: string): BodyDigests {
  const out: BodyDigests = [];
  let pos = 0;
  while (pos + HEADER <= archive.length) {
    // "070701" or "070702"
    if (archive[pos] !== 0x30 || archive[pos + 1] !== 0x37 || archive[pos + 2] !== 0x30 || archive[pos + 3] !== 0x37 || archive[pos + 4] !== 0x30) break;
    if (archive[pos + 5] !== 0x31 && archive[pos + 5] !== 0x32) break;
    const mode = hexField(archive, pos + 14);
    const size = hexField(archive, pos + 54);
    const nameSize = hexField(archive, pos + 94);
    if (mode < 0 || size < 0 || nameSize < 1) break;
    const nameEnd = pos + HEADER + nameSize;
    if (nameEnd > archive.length) break;
    // "TRAILER!!!" and its NUL
    if (nameSize === 11 && Buffer.from(archive.buffer, archive.byteOffset + pos + HEADER, 10).toString('latin1') === 'TRAILER!!!') break;
    const body = (nameEnd + 3) & ~3;
    if (body + size > archive.length) break;
    if ((mode & S_IFMT) === S_IFREG && size > 0) {
      out.push([body, size, createHash(algo).update(archive.subarray(body, body + size)).digest('hex')]);
    }
    pos = (body + size + 3) & ~3;
  }
  return out;
}

interface Known {
  algo: string;
  /** Absolute offset in the ArrayBuffer -> [size, digest]. */
  at: Map<number, [number, string]>;
}
// Per decoded payload, alive as long as the payload's memory is.
const known = new WeakMap<ArrayBufferLike, Known>();

/** Remember the digests of the archive held in `archive` (as bodyDigests gave them for it). */
export function rememberBodyDigests(archive: Uint8Array, algo: string, list: BodyDigests): void {
  const at = new Map<number, [number, string]>();
  for (const [offset, size, digest] of list) at.set(archive.byteOffset + offset, [size, digest]);
  known.set(archive.buffer, { algo, at });
}

/** The digest of `body` (a view of a remembered archive) under `algo`, when it was worked out already. */
export function knownBodyDigest(body: Uint8Array, algo: string): string | undefined {
  const k = known.get(body.buffer);
  if (!k || k.algo !== algo) return undefined;
  const hit = k.at.get(body.byteOffset);
  return hit && hit[0] === body.byteLength ? hit[1] : undefined;
}
