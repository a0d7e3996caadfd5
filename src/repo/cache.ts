// The pre-parsed on-disk form of a repository's package pool. Not XML and not
// JSON: one string table (NUL-joined; XML text cannot contain NUL) with its
// entries' offsets, one table of distinct dependencies, and flat
// Uint32/Float64 columns. Loading checks every index in the columns once and
// hands out packages that decode their fields when read (cachedpackage.ts),
// so a 60k-package pool loads in a fraction of the time parsing takes, and
// identical dependencies come back as one shared object (as the parser
// interns them).
import type { DepOp, EVR } from '../evr/index.js';
import { RpmkitError } from '../errors.js';
import type { Advisory, Dep, FileType, Package } from './types.js';
import { CachedPackage, RECORD_FIXED, Segment, checkStarts } from './cachedpackage.js';
import { CapIndex, CapIndexBuilder } from './capindex.js';
import { F64Column, U32Column } from './columns.js';
import { HashSlots, intern3 } from './hashslots.js';
import { StringTable } from './strings.js';
import { tryParseRichDep } from './richdep.js';

/**
 * Segment format: P4 added the string start offsets (packages decode strings
 * lazily), P5 the capability index (capindex.ts).
 */
const MAGIC = 'RPMKITP5';
/** Cache entry format: P3 = a container of segments (parallel parsing). */
const CONTAINER_MAGIC = 'RPMKITP3';
/** depCap's mark for a rich dependency (it names no capability). */
const NO_CAP = 0xffffffff;
const OP_CODE: Record<DepOp, number> = { LT: 1, LE: 2, EQ: 3, GE: 4, GT: 5 };
const FT: FileType[] = ['file', 'dir', 'ghost'];
const FT_CODE: Record<FileType, number> = { file: 0, dir: 1, ghost: 2 };
const DEP_LISTS = ['provides', 'requires', 'conflicts', 'obsoletes', 'recommends', 'suggests', 'supplements', 'enhances'] as const;
const STR_FIELDS = ['name', 'epoch', 'version', 'release', 'arch', 'location', 'locationBase', 'sourcerpm', 'summary', 'description', 'url', 'license', 'vendor', 'group', 'buildhost', 'packager'] as const;

export interface PoolMeta {
  repoId: string;
  repomdChecksum: string;
  revision?: string;
  timestamp?: number;
  baseUrl: string;
  packageCount: number;
  /** repomd data types present (primary, filelists, updateinfo, ...). */
  dataTypes: string[];
}

function pad8(n: number): number {
  return (n + 7) & ~7;
}

export const STRING_FIELD_INDEX: Record<(typeof STR_FIELDS)[number] | 'checksumType' | 'checksumValue', number> = {
  name: 0,
  epoch: 1,
  version: 2,
  release: 3,
  arch: 4,
  location: 5,
  locationBase: 6,
  sourcerpm: 7,
  summary: 8,
  description: 9,
  url: 10,
  license: 11,
  vendor: 12,
  group: 13,
  buildhost: 14,
  packager: 15,
  checksumType: 16,
  checksumValue: 17,
};
export const DEP_KIND_INDEX: Record<(typeof DEP_LISTS)[number], number> = { provides: 0, requires: 1, conflicts: 2, obsoletes: 3, recommends: 4, suggests: 5, supplements: 6, enhances: 7 };
export const FILE_TYPE_CODE = FT_CODE;
export const DEP_OP_CODE = OP_CODE;

/**
 * Builds the encoded pool incrementally: the metadata parser writes into it
 * directly (no Package objects), and encodePool writes existing packages.
 */
export class PoolWriter {
  readonly S: StringTable;
  private ints = new U32Column();
  private nums = new F64Column();
  private deps = new U32Column();
  private evrs = new U32Column();
  private evrSlots: HashSlots | undefined;
  private depSlots: HashSlots | undefined;
  /** Per dependency: the string id of the capability name it provides, or NO_CAP for a rich one. */
  private depCap = new U32Column();

  /**
   * docBytes: the size of the document being parsed, when known. The
   * deduplication tables are sized from it up front (on primary.xml about
   * one distinct string or dependency per 400 bytes, one EVR per 2.5 kB), so
   * they do not grow through a dozen rehashes while the parse runs.
   */
  constructor(docBytes = 0) {
    this.S = new StringTable(docBytes / 400);
    this.evrSlots = new HashSlots(docBytes / 2500);
    this.depSlots = new HashSlots(docBytes / 400);
  }

  /**
   * Drop the deduplication indexes once nothing more will be added:
   * finish() only needs the columns.
   */
  releaseTables(): void {
    this.S.releaseIndex();
    this.evrSlots = undefined;
    this.depSlots = undefined;
  }
  nEvr = 0;
  nDep = 0;
  count = 0;

  str(s: string | undefined): number {
    return this.S.id(s);
  }

  /** Like str() but without deduplication (unique values). */
  unique(s: string): number {
    return this.S.add(s);
  }

  /** EVR table index. */
  evr(epoch: string | undefined, version: string, release: string | undefined): number {
    const e = this.S.id(epoch);
    const v = this.S.id(version);
    return this.evrOf(e, v, this.S.id(release));
  }

  /** EVR table index of string ids (0 = undefined). */
  evrOf(e: number, v: number, r: number): number {
    const id = intern3(this.slots(this.evrSlots), this.evrs, e, v, r, this.nEvr);
    if (id === this.nEvr) this.nEvr++;
    return id;
  }

  /** Dependency table index; evr is an evr() index or -1. */
  dep(name: string, op: DepOp | undefined, evr: number, pre: boolean, rich: boolean): number {
    return this.depOf(this.S.id(name), op ? OP_CODE[op] : 0, evr, pre, rich ? name : undefined);
  }

  /**
   * Dependency table index of a name's string id; op is a DEP_OP_CODE (0:
   * none) and richName the name when it starts with '(' (a rich dependency).
   */
  depOf(nm: number, op: number, evr: number, pre: boolean, richName: string | undefined): number {
    const rich = richName !== undefined;
    const flags = op | (pre ? 8 : 0) | (rich ? 16 : 0);
    const ev = op && evr >= 0 ? evr + 1 : 0;
    const id = intern3(this.slots(this.depSlots), this.deps, nm, flags, ev, this.nDep);
    if (id === this.nDep) {
      this.nDep++;
      // As Segment.depIsRich: a rich provide (it parses as one) names no capability.
      this.depCap.push(rich && tryParseRichDep(richName) ? NO_CAP : nm);
    }
    return id;
  }

  private slots(t: HashSlots | undefined): HashSlots {
    if (!t) throw new RpmkitError('INTERNAL', 'pool writer: an entry after releaseTables()');
    return t;
  }

  /**
   * One package: 18 string ids (STRING_FIELD_INDEX order), whether it has a
   * header range, 7 numbers (package, installed, archive sizes, file and
   * build times, header start/end), 8 dependency-id lists (DEP_KIND_INDEX
   * order) and file entries (string id * 4 + type code).
   */
  addPackage(strs: ArrayLike<number>, hasHeaderRange: boolean, nums: ArrayLike<number>, deps: ArrayLike<ArrayLike<number>>, files: ArrayLike<number>, typed: boolean): void {
    const I = this.ints;
    for (let k = 0; k < 18; k++) I.push(strs[k] as number);
    I.push(hasHeaderRange ? 1 : 0);
    for (let k = 0; k < 7; k++) this.nums.push(nums[k] as number);
    for (let k = 0; k < 8; k++) {
      const l = deps[k] as ArrayLike<number>;
      I.push(l.length);
      for (let i = 0; i < l.length; i++) I.push(l[i] as number);
    }
    I.push(files.length);
    I.push(typed ? 1 : 0);
    for (let i = 0; i < files.length; i++) I.push(files[i] as number);
    this.count++;
  }

  /**
   * Each package's capabilities from the columns: its name, and the names of
   * its provides that are not rich. Built here rather than while parsing, so
   * its tables do not add to the parse's peak memory.
   */
  private capIndex(): CapIndexBuilder {
    const caps = new CapIndexBuilder();
    const depCap = this.depCap.a;
    const ints = this.ints.a;
    let k = 0;
    for (let n = 0; n < this.count; n++) {
      caps.add(ints[k] as number, n);
      k += RECORD_FIXED;
      for (let kind = 0; kind < 8; kind++) {
        const len = ints[k++] as number;
        if (kind === 0) {
          for (let i = 0; i < len; i++) {
            const sid = depCap[ints[k + i] as number] as number;
            if (sid !== NO_CAP) caps.add(sid, n);
          }
        }
        k += len;
      }
      k += 2 + (ints[k] as number);
    }
    return caps;
  }

  /**
   * The segment's sections in the order decodeSections() reads them
   * (header, string table, EVRs, dependencies, package records, numbers,
   * string starts, then the capability index's four arrays), each paired
   * with what releases its memory once it has been copied.
   */
  private sections(meta: PoolMeta, advisories?: Advisory[]): [Uint8Array, () => void][] {
    this.releaseTables();
    const header = Buffer.from(JSON.stringify({ meta: { ...meta, packageCount: this.count }, advisories: advisories ?? null, nEvr: this.nEvr, nDep: this.nDep }), 'utf8');
    const caps = this.capIndex().finish((sid) => this.S.bytesOf(sid));
    this.depCap.release();
    const u8 = (a: Uint32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const S = this.S;
    const keep = (): void => {};
    return [
      [header, keep],
      [S.bytes(), keep],
      [this.evrs.bytes(), () => this.evrs.release()],
      [this.deps.bytes(), () => this.deps.release()],
      [this.ints.bytes(), () => this.ints.release()],
      [this.nums.bytes(), () => this.nums.release()],
      [S.startBytes(), () => S.release()],
      ...[caps.capSid, caps.slots, caps.off, caps.pkgs].map((a): [Uint8Array, () => void] => [u8(a), keep]),
    ];
  }

  /**
   * The segment as one buffer. Each column is copied into it and released
   * in turn (see columns.ts), so the whole segment and the whole set of
   * columns are never in memory together; the writer is spent afterwards.
   */
  finish(meta: PoolMeta, advisories?: Advisory[]): Buffer {
    const sections = this.sections(meta, advisories);
    const { table, offsets, size } = segmentLayout(sections.map(([b]) => b.length));
    // Zero-filled: its pages are taken as the copies reach them.
    const out = Buffer.alloc(size);
    out.set(table);
    sections.forEach(([b, release], i) => {
      out.set(b, offsets[i] as number);
      release();
    });
    return out;
  }

  /**
   * The segment as its sections, without copying them: the writer's columns
   * become the segment's storage (the writer is spent afterwards). For the
   * parse of a big primary.xml this saves a copy of the whole entry, ~35 MB
   * of fresh pages on 63k packages, whose page faults were most of
   * finish()'s time; encodeContainer writes the sections as they are.
   */
  finishInPlace(meta: PoolMeta, advisories?: Advisory[]): Uint8Array[] {
    return this.sections(meta, advisories).map(([b]) => b);
  }
}

/** A segment's section table for sections of these lengths, where each section starts, and the total size. */
function segmentLayout(lengths: number[]): { table: Buffer; offsets: number[]; size: number } {
  const table = Buffer.alloc(8 + 8 * lengths.length);
  table.write(MAGIC, 0, 'latin1');
  let off = table.length;
  const offsets = lengths.map((len, i) => {
    const at = off;
    table.writeUInt32LE(at, 8 + i * 8);
    table.writeUInt32LE(len, 12 + i * 8);
    off = pad8(off + len);
    return at;
  });
  return { table, offsets, size: off };
}

/** An encoded segment: one buffer (PoolWriter.finish, a cache file) or its sections (finishInPlace). */
export type EncodedSegment = Uint8Array | Uint8Array[];

/** The bytes of a segment, as pieces to write one after another, and their total length. */
function segmentBytes(seg: EncodedSegment): { parts: Uint8Array[]; length: number } {
  if (!Array.isArray(seg)) return { parts: [seg], length: seg.length };
  const { table, offsets, size } = segmentLayout(seg.map((b) => b.length));
  const parts: Uint8Array[] = [table];
  seg.forEach((b, i) => {
    parts.push(b);
    const end = (offsets[i] as number) + b.length;
    const next = i + 1 < seg.length ? (offsets[i + 1] as number) : size;
    if (next > end) parts.push(Buffer.alloc(next - end));
  });
  return { parts, length: size };
}

/** Serialize a pool (and optional advisories) with its metadata. */
export function encodePool(meta: PoolMeta, packages: Package[], advisories?: Advisory[]): Buffer {
  const w = new PoolWriter();
  const evrIds = new Map<EVR, number>();
  const depIds = new Map<Dep, number>();
  const depId = (d: Dep): number => {
    let i = depIds.get(d);
    if (i === undefined) {
      let ev = -1;
      if (d.op && d.evr) {
        ev = evrIds.get(d.evr) ?? w.evr(d.evr.epoch, d.evr.version, d.evr.release);
        evrIds.set(d.evr, ev);
      }
      i = w.dep(d.name, d.op, ev, Boolean(d.pre), Boolean(d.rich));
      depIds.set(d, i);
    }
    return i;
  };
  const strs = new Array<number>(18);
  for (const p of packages) {
    STR_FIELDS.forEach((f, k) => {
      strs[k] = w.str(p[f]);
    });
    strs[16] = w.str(p.checksum.type);
    strs[17] = w.str(p.checksum.value);
    const nums = [p.size.package, p.size.installed, p.size.archive, p.time.file, p.time.build, p.headerRange?.start ?? 0, p.headerRange?.end ?? 0];
    const deps = DEP_LISTS.map((k) => p[k].map(depId));
    const files = p.files.map((f, i) => w.str(f) * 4 + (p.fileTypes ? FT_CODE[p.fileTypes[i] ?? 'file'] : 0));
    w.addPackage(strs, Boolean(p.headerRange), nums, deps, files, Boolean(p.fileTypes));
  }
  return w.finish(meta, advisories);
}

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
    for (let i = 0; i < e.files.length; i++) ints.push(S.id(e.files[i]) * 4 + (e.types ? FT_CODE[e.types[i] ?? 'file'] : 0));
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
