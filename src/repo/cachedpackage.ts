// Packages read from the pool cache, decoded field by field on first use.
// A resolve touches a few hundred of a repository's tens of thousands of
// packages beyond their names, provides and versions, so building every
// dependency list, checksum, size and text field up front was most of a warm
// load's time and memory (and of the garbage collector's work). A
// CachedPackage is a Package like any other to its readers: the fields are
// getters over the decoded segment's tables, each built once and then kept,
// so repeated reads return the same objects (the solver caches by Dep
// identity). toJSON() gives the plain object, for --json output.
import type { DepOp, EVR } from '../evr/index.js';
import { RpmkitError } from '../errors.js';
import type { Checksum, Dep, FileType, Package } from './types.js';
import { tryParseRichDep } from './richdep.js';
import { EMPTY } from './primary.js';
import type { CapIndex } from './capindex.js';
import { FT } from './poolformat.js';

const OPS: (DepOp | undefined)[] = [undefined, 'LT', 'LE', 'EQ', 'GE', 'GT'];

/** Fixed part of a package record in `ints` (STRING_FIELD_INDEX order, then the header-range flag). */
export const RECORD_FIXED = 19;

/**
 * One cache segment as the packages read it: the string table's bytes with
 * the offset of each entry, and the integer columns. Strings, dependencies
 * and EVRs are built on first use and then shared by every package that
 * names them.
 */
export class Segment {
  private readonly strs: (string | undefined)[];
  /** Which packages provide each capability name (set by the decoder). */
  caps: CapIndex | undefined;
  private readonly evrs: (EVR | undefined)[];
  private readonly deps: (Dep | undefined)[];
  /**
   * `table` is the string section: every entry preceded by a NUL, entry 0
   * the empty string before the first NUL. String i is the bytes from
   * `starts[i]` to `starts[i + 1] - 1` (see stringStarts).
   */
  constructor(
    private readonly table: Buffer,
    private readonly starts: Uint32Array,
    readonly ev: Uint32Array,
    readonly dp: Uint32Array,
    readonly ints: Uint32Array,
    readonly nums: Float64Array,
    readonly repoId: string,
  ) {
    this.strs = new Array(starts.length - 1);
    this.evrs = new Array(ev.length / 3);
    this.deps = new Array(dp.length / 3);
  }

  /** Number of packages in the segment. */
  get packageCount(): number {
    return this.nums.length / 7;
  }

  /** Number of strings in the table. */
  get stringCount(): number {
    return this.starts.length - 1;
  }

  str(i: number): string {
    let s = this.strs[i];
    if (s === undefined) {
      s = this.table.toString('utf8', this.starts[i] as number, (this.starts[i + 1] as number) - 1);
      this.strs[i] = s;
    }
    return s;
  }

  opt(i: number): string | undefined {
    return i ? this.str(i) : undefined;
  }

  private evr(i: number): EVR {
    let e = this.evrs[i];
    if (!e) {
      const j = i * 3;
      const ev = this.ev;
      // Whole literals per shape (as the parser makes them).
      const version = this.str(ev[j + 1] as number);
      const epoch = ev[j] ? this.str(ev[j] as number) : undefined;
      const release = ev[j + 2] ? this.str(ev[j + 2] as number) : undefined;
      e = epoch !== undefined ? (release !== undefined ? { version, epoch, release } : { version, epoch }) : release !== undefined ? { version, release } : { version };
      this.evrs[i] = e;
    }
    return e;
  }

  dep(i: number): Dep {
    let d = this.deps[i];
    if (!d) {
      const j = i * 3;
      const flags = this.dp[j + 1] as number;
      const name = this.str(this.dp[j] as number);
      const op = OPS[flags & 7];
      const pre = (flags & 8) !== 0;
      if (op) {
        const evr = this.evr((this.dp[j + 2] as number) - 1);
        d = pre ? { name, op, evr, pre } : { name, op, evr };
      } else d = pre ? { name, pre } : { name };
      if (flags & 16) {
        const r = tryParseRichDep(name);
        if (r) d = { ...d, rich: r };
      }
      this.deps[i] = d;
    }
    return d;
  }

  /** Name of dependency i, without building the dependency (or its EVR). */
  depName(i: number): string {
    return this.str(this.dp[i * 3] as number);
  }

  /** Is dependency i a rich (boolean) one that parses as such? */
  depIsRich(i: number): boolean {
    return ((this.dp[i * 3 + 1] as number) & 16) !== 0 && this.dep(i).rich !== undefined;
  }

  /** The dependency list of kind `kind` (DEP_KIND_INDEX) of the record whose lists start at `k`. */
  depList(k: number, kind: number): Dep[] {
    const ints = this.ints;
    for (let i = 0; i < kind; i++) k += 1 + (ints[k] as number);
    const len = ints[k] as number;
    if (!len) return EMPTY;
    const out: Dep[] = new Array(len);
    for (let i = 0; i < len; i++) out[i] = this.dep(ints[k + 1 + i] as number);
    return out;
  }

  /** Offset of the file count of the record whose lists start at `k`. */
  filesAt(k: number): number {
    for (let i = 0; i < 8; i++) k += 1 + (this.ints[k] as number);
    return k;
  }
}

/**
 * The string table's start offsets as the writer records them: entry 0 at
 * 0, entry i one past the NUL before it, and a closing offset one past the
 * table's end, so that string i is the bytes from starts[i] to
 * starts[i + 1] - 1. Anything else is a corrupt entry.
 */
export function checkStarts(starts: Uint32Array, tableLength: number): void {
  const bad = () => {
    throw new RpmkitError('METADATA_INVALID', 'cache entry is corrupt (string offsets)');
  };
  const n = starts.length;
  if (n < 2 || starts[0] !== 0 || starts[n - 1] !== tableLength + 1) bad();
  for (let i = 1; i < n; i++) if ((starts[i] as number) <= (starts[i - 1] as number)) bad();
}

/** What a package caches once a lazy field was read. */
interface Decoded {
  checksum?: Checksum;
  size?: Package['size'];
  time?: Package['time'];
  headerRange?: Package['headerRange'] | null;
  deps: (Dep[] | undefined)[];
  files?: string[];
  fileTypes?: FileType[] | null;
}

export class CachedPackage implements Package {
  readonly repoId: string;
  readonly #seg: Segment;
  /** Offset of the record in the segment's ints, and of its numbers in nums. */
  readonly #k: number;
  readonly #f: number;
  #d: Decoded | undefined;

  constructor(seg: Segment, k: number, f: number) {
    this.repoId = seg.repoId;
    this.#seg = seg;
    this.#k = k;
    this.#f = f;
  }

  // Even the NEVRA is read on demand: a warm load creates one package per
  // entry of the repository, and a resolve looks at a few hundred of them
  // (the segment's capability index answers the rest). The segment keeps
  // each decoded string, so reading a field again costs two array loads.
  get name(): string {
    return this.r(0);
  }
  get epoch(): string {
    return this.r(1);
  }
  get version(): string {
    return this.r(2);
  }
  get release(): string {
    return this.r(3);
  }
  get arch(): string {
    return this.r(4);
  }

  /** The segment this package was decoded from, and its number there (for the solver's capability index). */
  get segment(): Segment {
    return this.#seg;
  }
  get segmentIndex(): number {
    return this.#f / 7;
  }

  private get d(): Decoded {
    return (this.#d ??= { deps: new Array(8) });
  }

  /** A string field the record always has (STRING_FIELD_INDEX). */
  private r(field: number): string {
    return this.#seg.str(this.#seg.ints[this.#k + field] as number);
  }

  /** A string field that may be absent. */
  private s(field: number): string | undefined {
    return this.#seg.opt(this.#seg.ints[this.#k + field] as number);
  }

  get location(): string {
    return this.r(5);
  }
  get locationBase(): string | undefined {
    return this.s(6);
  }
  get sourcerpm(): string | undefined {
    return this.s(7);
  }
  get summary(): string | undefined {
    return this.s(8);
  }
  get description(): string | undefined {
    return this.s(9);
  }
  get url(): string | undefined {
    return this.s(10);
  }
  get license(): string | undefined {
    return this.s(11);
  }
  get vendor(): string | undefined {
    return this.s(12);
  }
  get group(): string | undefined {
    return this.s(13);
  }
  get buildhost(): string | undefined {
    return this.s(14);
  }
  get packager(): string | undefined {
    return this.s(15);
  }
  get checksum(): Checksum {
    const d = this.d;
    return (d.checksum ??= { type: this.s(16) ?? '', value: this.s(17) ?? '' });
  }
  get size(): Package['size'] {
    const n = this.#seg.nums;
    const f = this.#f;
    return (this.d.size ??= { package: n[f] as number, installed: n[f + 1] as number, archive: n[f + 2] as number });
  }
  get time(): Package['time'] {
    const n = this.#seg.nums;
    const f = this.#f;
    return (this.d.time ??= { file: n[f + 3] as number, build: n[f + 4] as number });
  }
  get headerRange(): Package['headerRange'] {
    const d = this.d;
    if (d.headerRange === undefined) {
      const n = this.#seg.nums;
      d.headerRange = this.#seg.ints[this.#k + 18] ? { start: n[this.#f + 5] as number, end: n[this.#f + 6] as number } : null;
    }
    return d.headerRange ?? undefined;
  }

  private deps(kind: number): Dep[] {
    const cached = this.#d?.deps[kind];
    if (cached) return cached;
    const l = this.#seg.depList(this.#k + RECORD_FIXED, kind);
    // Empty lists (most packages' supplements, conflicts...) are not worth a cache entry.
    if (l.length) this.d.deps[kind] = l;
    return l;
  }
  get provides(): Dep[] {
    return this.deps(0);
  }
  /** Does the dependency list of kind `kind` (DEP_KIND_INDEX) have entries? Builds nothing. */
  hasDeps(kind: number): boolean {
    const ints = this.#seg.ints;
    let k = this.#k + RECORD_FIXED;
    for (let i = 0; i < kind; i++) k += 1 + (ints[k] as number);
    return (ints[k] as number) > 0;
  }
  /**
   * The names of its plain (not rich) provides, in order, without building
   * the list: the solver's index pass reads every package's provides once,
   * and most packages are never looked at again.
   */
  eachProvideName(fn: (name: string) => void): void {
    const seg = this.#seg;
    const ints = seg.ints;
    const k = this.#k + RECORD_FIXED;
    const len = ints[k] as number;
    for (let i = 1; i <= len; i++) {
      const id = ints[k + i] as number;
      if (!seg.depIsRich(id)) fn(seg.depName(id));
    }
  }
  get requires(): Dep[] {
    return this.deps(1);
  }
  get conflicts(): Dep[] {
    return this.deps(2);
  }
  get obsoletes(): Dep[] {
    return this.deps(3);
  }
  get recommends(): Dep[] {
    return this.deps(4);
  }
  get suggests(): Dep[] {
    return this.deps(5);
  }
  get supplements(): Dep[] {
    return this.deps(6);
  }
  get enhances(): Dep[] {
    return this.deps(7);
  }

  private decodeFiles(): void {
    const d = this.d;
    const seg = this.#seg;
    const ints = seg.ints;
    const k = seg.filesAt(this.#k + RECORD_FIXED);
    const nf = ints[k] as number;
    // Only what was not replaced (loadFilelists sets both) is filled in.
    if (!nf) {
      d.files ??= EMPTY;
      if (d.fileTypes === undefined) d.fileTypes = null;
      return;
    }
    const typed = ints[k + 1] !== 0;
    const files: string[] = new Array(nf);
    const types: FileType[] | undefined = typed ? new Array(nf) : undefined;
    for (let i = 0; i < nf; i++) {
      const v = ints[k + 2 + i] as number;
      files[i] = seg.str(v >>> 2);
      if (types) types[i] = FT[v & 3] ?? 'file';
    }
    d.files ??= files;
    if (d.fileTypes === undefined) d.fileTypes = types ?? null;
  }
  get files(): string[] {
    if (this.d.files === undefined) this.decodeFiles();
    return this.d.files as string[];
  }
  /** Replaced when the repository's filelists are loaded. */
  set files(v: string[]) {
    this.d.files = v;
  }
  get fileTypes(): FileType[] | undefined {
    if (this.d.fileTypes === undefined) this.decodeFiles();
    return this.d.fileTypes ?? undefined;
  }
  set fileTypes(v: FileType[] | undefined) {
    this.d.fileTypes = v ?? null;
  }

  /** The plain Package: every field, as the XML parser would build it. */
  toJSON(): Package {
    const p: Package = {
      name: this.name,
      epoch: this.epoch,
      version: this.version,
      release: this.release,
      arch: this.arch,
      repoId: this.repoId,
      location: this.location,
      locationBase: this.locationBase,
      checksum: this.checksum,
      size: this.size,
      time: this.time,
      sourcerpm: this.sourcerpm,
      summary: this.summary,
      description: this.description,
      url: this.url,
      license: this.license,
      vendor: this.vendor,
      group: this.group,
      buildhost: this.buildhost,
      packager: this.packager,
      headerRange: this.headerRange,
      provides: this.provides,
      requires: this.requires,
      conflicts: this.conflicts,
      obsoletes: this.obsoletes,
      recommends: this.recommends,
      suggests: this.suggests,
      supplements: this.supplements,
      enhances: this.enhances,
      files: this.files,
      fileTypes: this.fileTypes,
    };
    return p;
  }
}

/** A package as a plain object (a CachedPackage's fields materialised; others as they are). */
export function plainPackage(p: Package): Package {
  return p instanceof CachedPackage ? p.toJSON() : p;
}
