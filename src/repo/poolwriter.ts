// Builds an encoded pool segment (poolformat.ts): the primary.xml parser
// writes into it directly (no Package objects), and encodePool writes
// existing packages. Strings, EVRs and dependencies are deduplicated through
// off-heap tables (strings.ts, hashslots.ts) into growable columns
// (columns.ts), which become the segment's sections.
import type { DepOp, EVR } from '../evr/index.js';
import { RpmkitError } from '../errors.js';
import type { Advisory, Dep, Package } from './types.js';
import { RECORD_FIXED } from './cachedpackage.js';
import { CapIndexBuilder } from './capindex.js';
import { F64Column, U32Column, reserveFor } from './columns.js';
import { HashSlots, intern3 } from './hashslots.js';
import { StringTable } from './strings.js';
import { tryParseRichDep } from './richdep.js';
import { DEP_LISTS, DEP_OP_CODE, FILE_TYPE_CODE, NO_CAP, STR_FIELDS, segmentLayout, type PoolMeta } from './poolformat.js';

/**
 * Builds the encoded pool incrementally: the metadata parser writes into it
 * directly (no Package objects), and encodePool writes existing packages.
 */
export class PoolWriter {
  readonly S: StringTable;
  private ints: U32Column;
  private nums: F64Column;
  private deps: U32Column;
  private evrs: U32Column;
  private evrSlots: HashSlots | undefined;
  private depSlots: HashSlots | undefined;
  /** Per dependency: the string id of the capability name it provides, or NO_CAP for a rich one. */
  private depCap: U32Column;

  /**
   * docBytes: the size of the document being parsed, when known. The
   * deduplication tables are sized from it up front (on primary.xml about
   * one distinct string or dependency per 400 bytes, one EVR per 2.5 kB), so
   * they do not grow through a dozen rehashes while the parse runs.
   */
  constructor(docBytes = 0) {
    // The columns outlive the parse (they become the cache entry): they
    // reserve what the document can need, not a fixed 64 MB each.
    const reserve = reserveFor(docBytes);
    this.ints = new U32Column(reserve);
    this.nums = new F64Column(reserve);
    this.deps = new U32Column(reserve);
    this.evrs = new U32Column(reserve);
    this.depCap = new U32Column(reserve);
    this.S = new StringTable(docBytes / 400, reserve);
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
    return this.depOf(this.S.id(name), op ? DEP_OP_CODE[op] : 0, evr, pre, rich ? name : undefined);
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
    const files = p.files.map((f, i) => w.str(f) * 4 + (p.fileTypes ? FILE_TYPE_CODE[p.fileTypes[i] ?? 'file'] : 0));
    w.addPackage(strs, Boolean(p.headerRange), nums, deps, files, Boolean(p.fileTypes));
  }
  return w.finish(meta, advisories);
}
