// The pre-parsed on-disk form of a repository's package pool. Not XML and not
// JSON: one string table (NUL-joined; XML text cannot contain NUL) with its
// entries' offsets, one table of distinct dependencies, and flat
// Uint32/Float64 columns. Loading checks every index in the columns once and
// hands out packages that decode their fields when read (cachedpackage.ts),
// so a 60k-package pool loads in a fraction of the time parsing takes, and
// identical dependencies come back as one shared object (as the parser
// interns them). A segment's layout is in poolformat.ts and its writer in
// poolwriter.ts; this file holds the cache entry around the segments, and
// reads them back.
import { RpmkitError } from '../errors.js';
import type { Advisory, FileType, Package } from './types.js';
import { CachedPackage, RECORD_FIXED, Segment, checkStarts } from './cachedpackage.js';
import { CapIndex } from './capindex.js';
import { U32Column } from './columns.js';
import { StringTable } from './strings.js';
import { FT, FILE_TYPE_CODE, MAGIC, pad8, segmentBytes, type EncodedSegment, type PoolMeta } from './poolformat.js';

/** Cache entry format: P3 = a container of segments (parallel parsing). */
const CONTAINER_MAGIC = 'RPMKITP3';

export interface DecodedPool {
  meta: PoolMeta;
  packages: Package[];
  advisories?: Advisory[];
  /** The packages are in canonical pool order (repo/order.ts). */
  poolOrdered?: boolean;
}

/**
 * V8 gives an object shape's field the 'double' representation when the
 * first value stored is a number that is not a small integer (a build time,
 * a size over 2 GiB), and from then on boxes every value of that field in
 * its own heap number: 16 bytes more per size and time field, 7 per package.
 * Creating the shapes with a non-number first makes the fields 'tagged',
 * where small integers are stored inline. Kept alive so the shapes stay.
 */
export const TAGGED_SHAPES: readonly object[] = [
  { package: null, installed: null, archive: null },
  { file: null, build: null },
  { start: null, end: null },
  { package: 0.5, installed: 0.5, archive: 0.5 },
  { file: 0.5, build: 0.5 },
  { start: 0.5, end: 0.5 },
];

function corrupt(why: string): never {
  throw new RpmkitError('METADATA_INVALID', `cache entry is corrupt (${why})`);
}

/**
 * The cache entry: a container of pool segments (one per parser thread) and
 * the document order of their packages, as pairs of (segment, count), and
 * the canonical pool order: `pool` is null when the document has it, else
 * the document positions in pool order (repo/order.ts poolOrderPermutation).
 * Layout: 'RPMKITP3', u32 segment count, u32 header length, per segment u32
 * offset + u32 length, the JSON header, then the segments at 8-byte aligned
 * offsets. Returned as parts so they can be written without one more copy.
 */
export function encodeContainer(meta: PoolMeta, advisories: Advisory[] | undefined, segments: EncodedSegment[], order: number[], pool: number[] | null): Uint8Array[] {
  const header = Buffer.from(JSON.stringify({ meta, advisories: advisories ?? null, order, pool }), 'utf8');
  const table = Buffer.alloc(16 + 8 * segments.length);
  table.write(CONTAINER_MAGIC, 0, 'latin1');
  table.writeUInt32LE(segments.length, 8);
  table.writeUInt32LE(header.length, 12);
  const parts: Uint8Array[] = [table, header];
  let off = table.length + header.length;
  segments.forEach((s, i) => {
    const pad = pad8(off) - off;
    if (pad) parts.push(Buffer.alloc(pad));
    off += pad;
    const seg = segmentBytes(s);
    table.writeUInt32LE(off, 16 + i * 8);
    table.writeUInt32LE(seg.length, 20 + i * 8);
    parts.push(...seg.parts);
    off += seg.length;
  });
  return parts;
}

/**
 * Decode segments and put their packages back in document order, or in pool
 * order when `pool` is given (null: the document order is the pool order).
 */
export function assemblePool(meta: PoolMeta, advisories: Advisory[] | undefined, segments: EncodedSegment[], order: number[], repoId?: string, pool?: number[] | null): DecodedPool {
  const lists = segments.map((s) => decodeSections(Array.isArray(s) ? s : sectionsOf(s), repoId ?? meta.repoId).packages);
  const total = lists.reduce((a, l) => a + l.length, 0);
  if (total !== meta.packageCount || order.length % 2) corrupt('package count');
  const packages: Package[] = new Array(total);
  const pos = lists.map(() => 0);
  let k = 0;
  for (let i = 0; i < order.length; i += 2) {
    const seg = order[i] as number;
    const n = order[i + 1] as number;
    const l = lists[seg];
    const p = pos[seg];
    if (!l || p === undefined || p + n > l.length || k + n > total) corrupt('piece order');
    for (let j = 0; j < n; j++) packages[k++] = l[p + j] as Package;
    pos[seg] = p + n;
  }
  if (k !== total) corrupt('piece order');
  if (pool === undefined) return { meta, packages, advisories };
  if (pool === null) return { meta, packages, advisories, poolOrdered: true };
  if (!Array.isArray(pool) || pool.length !== total) corrupt('pool order');
  const seen = new Uint8Array(total);
  const ordered: Package[] = new Array(total);
  for (let i = 0; i < total; i++) {
    const j = pool[i];
    if (!Number.isInteger(j) || j < 0 || j >= total || seen[j]) corrupt('pool order');
    seen[j] = 1;
    ordered[i] = packages[j] as Package;
  }
  return { meta, packages: ordered, advisories, poolOrdered: true };
}

/** Read a pool back; throws METADATA_INVALID when the bytes are not a valid entry. */
export function decodePool(buf: Buffer, repoId?: string): DecodedPool {
  if (buf.length >= 16 && buf.toString('latin1', 0, 8) === CONTAINER_MAGIC) {
    const n = buf.readUInt32LE(8);
    const hl = buf.readUInt32LE(12);
    const ho = 16 + 8 * n;
    if (n > 1024 || ho + hl > buf.length) corrupt('bad container header');
    let head: { meta: PoolMeta; advisories: Advisory[] | null; order: number[]; pool?: number[] | null };
    try {
      head = JSON.parse(buf.toString('utf8', ho, ho + hl));
    } catch {
      corrupt('bad container header');
    }
    if (!head || !Array.isArray(head.order) || typeof head.meta?.packageCount !== 'number') corrupt('bad container header');
    const segs: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      const off = buf.readUInt32LE(16 + i * 8);
      const len = buf.readUInt32LE(20 + i * 8);
      if (off + len > buf.length || off % 8 !== 0) corrupt('bad segment table');
      segs.push(buf.subarray(off, off + len));
    }
    return assemblePool(head.meta, head.advisories ?? undefined, segs, head.order, repoId, head.pool);
  }
  return decodeSections(sectionsOf(buf), repoId);
}

/** The sections of one segment buffer (PoolWriter.finish's format), as views of it. */
function sectionsOf(seg: Uint8Array): Uint8Array[] {
  const buf = Buffer.from(seg.buffer, seg.byteOffset, seg.length);
  if (buf.length < 64 || buf.toString('latin1', 0, 8) !== MAGIC) corrupt('bad magic');
  // The first section (the header) starts where the section table ends.
  const tableEnd = buf.readUInt32LE(8);
  if (tableEnd > buf.length || tableEnd < 16 || tableEnd % 8) corrupt('bad section table');
  const out: Uint8Array[] = [];
  for (let i = 0; 16 + i * 8 <= tableEnd; i++) {
    const off = buf.readUInt32LE(8 + i * 8);
    const len = buf.readUInt32LE(12 + i * 8);
    if (off + len > buf.length || off % 8 !== 0) corrupt('bad section table');
    out.push(buf.subarray(off, off + len));
  }
  return out;
}

/** Decode one segment from its sections (views of a cache file, or the writer's columns). */
function decodeSections(sections: Uint8Array[], repoId?: string): DecodedPool {
  const sec = (i: number): Uint8Array => sections[i] ?? corrupt('bad section table');
  // Views where aligned: the packages read their fields from these bytes.
  const view = <T>(i: number, width: number, make: (b: ArrayBufferLike, off: number, n: number) => T): T => {
    const b = sec(i);
    if (b.length % width) corrupt('bad section length');
    if (b.byteOffset % width === 0) return make(b.buffer, b.byteOffset, b.length / width);
    return make(new Uint8Array(b).buffer, 0, b.length / width);
  };
  const u32 = (i: number): Uint32Array => view(i, 4, (b, off, n) => new Uint32Array(b, off, n));
  let head: { meta: PoolMeta; advisories: Advisory[] | null; nEvr: number; nDep: number };
  try {
    head = JSON.parse(Buffer.from(sec(0).buffer, sec(0).byteOffset, sec(0).length).toString('utf8'));
  } catch {
    corrupt('bad header');
  }
  const t = sec(1);
  const table = Buffer.from(t.buffer, t.byteOffset, t.length);
  const starts = u32(6);
  checkStarts(starts, table.length);
  const ev = u32(2);
  const dp = u32(3);
  const ints = u32(4);
  const nums = view(5, 8, (b, off, n) => new Float64Array(b, off, n));
  if (ev.length !== head.nEvr * 3 || dp.length !== head.nDep * 3) corrupt('table sizes');
  // Every index is checked here, once, so that the packages can decode their
  // fields lazily (cachedpackage.ts) without meeting a bad one later.
  const nStr = starts.length - 1;
  for (let j = 0; j < ev.length; j++) if ((ev[j] as number) >= nStr) corrupt('string index out of range');
  for (let j = 0; j < dp.length; j += 3) {
    if ((dp[j] as number) >= nStr) corrupt('string index out of range');
    if ((dp[j + 1] as number) & 7 && ((dp[j + 2] as number) < 1 || (dp[j + 2] as number) > head.nEvr)) corrupt('evr index');
  }
  const seg = new Segment(table, starts, ev, dp, ints, nums, repoId ?? head.meta.repoId);
  const count = head.meta.packageCount;
  seg.caps = new CapIndex({ capSid: u32(7), slots: u32(8), off: u32(9), pkgs: u32(10) }, table, starts, count);
  if (nums.length !== count * 7) corrupt('number table size');
  const packages: Package[] = new Array(count);
  let k = 0;
  for (let n = 0; n < count; n++) {
    if (k + RECORD_FIXED > ints.length) corrupt('truncated package table');
    for (let j = 0; j < 18; j++) if ((ints[k + j] as number) >= nStr) corrupt('string index out of range');
    packages[n] = new CachedPackage(seg, k, n * 7);
    k += RECORD_FIXED;
    for (let kind = 0; kind < 8; kind++) {
      const len = ints[k++] as number;
      if (k + len > ints.length) corrupt('truncated dependency list');
      for (let i = 0; i < len; i++) if ((ints[k + i] as number) >= head.nDep) corrupt('dependency index');
      k += len;
    }
    if (k + 2 > ints.length) corrupt('truncated file list');
    const nf = ints[k] as number;
    k += 2;
    if (k + nf > ints.length) corrupt('truncated file list');
    for (let i = 0; i < nf; i++) if ((ints[k + i] as number) >>> 2 >= nStr) corrupt('string index out of range');
    k += nf;
  }
  if (k !== ints.length) corrupt('trailing data');
  return { meta: head.meta, packages, advisories: head.advisories ?? undefined };
}

/** Filelists cache: pkgid -> files (+types), same string-table idea. */
export function encodeFilelists(entries: Map<string, { files: string[]; types?: FileType[] }>): Buffer {
  const S = new StringTable();
  const ints = new U32Column();
  for (const [id, e] of [...entries].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    ints.push(S.id(id));
    ints.push(e.files.length);
    for (let i = 0; i < e.files.length; i++) ints.push(S.id(e.files[i]) * 4 + (e.types ? FILE_TYPE_CODE[e.types[i] ?? 'file'] : 0));
  }
  const strings = S.bytes();
  const data = ints.bytes();
  const head = Buffer.alloc(24);
  head.write('RPMKITF1', 0, 'latin1');
  head.writeUInt32LE(strings.length, 8);
  head.writeUInt32LE(data.length, 12);
  return Buffer.concat([head, strings, Buffer.alloc(pad8(strings.length) - strings.length), data]);
}

export function decodeFilelists(buf: Buffer): Map<string, { files: string[]; types?: FileType[] }> {
  if (buf.length < 24 || buf.toString('latin1', 0, 8) !== 'RPMKITF1') corrupt('bad filelists magic');
  const sl = buf.readUInt32LE(8);
  const dl = buf.readUInt32LE(12);
  const doff = 24 + pad8(sl);
  if (doff + dl !== buf.length || dl % 4) corrupt('bad filelists sizes');
  const strs = buf.toString('utf8', 24, 24 + sl).split('\u0000');
  const abs = buf.byteOffset + doff;
  const ints = abs % 4 === 0 ? new Uint32Array(buf.buffer, abs, dl / 4) : new Uint32Array(buf.buffer.slice(abs, abs + dl));
  const out = new Map<string, { files: string[]; types?: FileType[] }>();
  let k = 0;
  while (k < ints.length) {
    const id = strs[ints[k] as number];
    const n = ints[k + 1] as number;
    k += 2;
    if (id === undefined || k + n > ints.length) corrupt('bad filelists entry');
    const files: string[] = new Array(n);
    const types: FileType[] = new Array(n);
    let typed = false;
    for (let i = 0; i < n; i++) {
      const v = ints[k + i] as number;
      const s = strs[v >>> 2];
      if (s === undefined) corrupt('bad filelists string');
      files[i] = s;
      const t = FT[v & 3] ?? 'file';
      types[i] = t;
      if (t !== 'file') typed = true;
    }
    k += n;
    out.set(id, typed ? { files, types } : { files });
  }
  return out;
}
