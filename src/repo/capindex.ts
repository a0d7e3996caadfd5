// The capability index of a cache segment: which packages provide each
// capability name (a package's own name counts, rich provides do not), and a
// hash table from the name's bytes to it. libsolv keeps its whatprovides in
// the .solv file for the same reason: a warm run that builds it from the
// packages decodes ~200k names and fills a Map before it can answer one
// question, and a resolve then asks only a few thousand.
import { RpmkitError } from '../errors.js';

/** The index as stored: four Uint32 columns. */
export interface CapColumns {
  /** Capability c's name as a string id of the segment. */
  capSid: Uint32Array;
  /** Open addressing over the name bytes (FNV-1a): slot -> c + 1, 0 = empty; length a power of two. */
  slots: Uint32Array;
  /** Providers of c are pkgs[off[c] .. off[c + 1]) (package numbers in the segment, ascending). */
  off: Uint32Array;
  pkgs: Uint32Array;
}

export const FNV_OFFSET = 0x811c9dc5;
export const FNV_PRIME = 0x01000193;

/** FNV-1a over bytes [from, to) of `b`. */
export function fnv1a(b: Uint8Array, from: number, to: number): number {
  let h = FNV_OFFSET;
  for (let i = from; i < to; i++) h = Math.imul(h ^ (b[i] as number), FNV_PRIME);
  return h >>> 0;
}

/** Where string `sid` lies in the table: bytes [starts[sid], starts[sid + 1] - 1). */
const strEnd = (starts: Uint32Array, sid: number): number => (starts[sid + 1] as number) - 1;

/** String `sid`'s bytes as [buffer, start, end) in the writer's table. */
export type StringBytes = (sid: number) => [Uint8Array, number, number];

/**
 * Collects (capability, package) pairs, package by package in segment order
 * (PoolWriter.finish walks its columns), and turns them into the stored
 * columns.
 */
export class CapIndexBuilder {
  /** String id -> capability + 1 (0: none yet). */
  private capOf = new Uint32Array(1 << 16);
  private capSid = new Uint32Array(1 << 14);
  /** The last package each capability was added for, + 1 (per-package dedup). */
  private last = new Uint32Array(1 << 14);
  private nCap = 0;
  /** (capability, package) pairs, interleaved. */
  private pairs = new Uint32Array(1 << 16);
  private nPairs = 0;

  /** Package `pkg` (numbered in write order) provides the name with string id `sid`. */
  add(sid: number, pkg: number): void {
    if (sid >= this.capOf.length) this.capOf = grow(this.capOf, sid + 1);
    let c = (this.capOf[sid] as number) - 1;
    if (c < 0) {
      c = this.nCap++;
      if (c >= this.capSid.length) {
        this.capSid = grow(this.capSid, c + 1);
        this.last = grow(this.last, c + 1);
      }
      this.capOf[sid] = c + 1;
      this.capSid[c] = sid;
    }
    if (this.last[c] === pkg + 1) return;
    this.last[c] = pkg + 1;
    if (this.nPairs * 2 + 2 > this.pairs.length) this.pairs = grow(this.pairs, this.nPairs * 2 + 2);
    this.pairs[this.nPairs * 2] = c;
    this.pairs[this.nPairs * 2 + 1] = pkg;
    this.nPairs++;
  }

  finish(bytes: StringBytes): CapColumns {
    const { nCap, nPairs, pairs } = this;
    const capSid = this.capSid.slice(0, nCap);
    // Counting sort into CSR: packages come in ascending order per capability.
    const off = new Uint32Array(nCap + 1);
    for (let i = 0; i < nPairs; i++) off[(pairs[i * 2] as number) + 1]++;
    for (let c = 0; c < nCap; c++) off[c + 1] += off[c] as number;
    const fill = off.slice(0, nCap);
    const pkgs = new Uint32Array(nPairs);
    for (let i = 0; i < nPairs; i++) pkgs[fill[pairs[i * 2] as number]++] = pairs[i * 2 + 1] as number;
    // The hash table, at most half full.
    let size = 1024;
    while (size < nCap * 2) size *= 2;
    const slots = new Uint32Array(size);
    const mask = size - 1;
    for (let c = 0; c < nCap; c++) {
      const [b, from, to] = bytes(capSid[c] as number);
      let s = fnv1a(b, from, to) & mask;
      while (slots[s]) s = (s + 1) & mask;
      slots[s] = c + 1;
    }
    return { capSid, slots, off, pkgs };
  }
}

/** A copy of `a` with room for at least `need` entries (doubling). */
function grow(a: Uint32Array<ArrayBuffer>, need: number): Uint32Array<ArrayBuffer> {
  let n = a.length * 2;
  while (n < need) n *= 2;
  const b = new Uint32Array(n);
  b.set(a);
  return b;
}

function corrupt(why: string): never {
  throw new RpmkitError('METADATA_INVALID', `cache entry is corrupt (${why})`);
}

/** The index of one loaded segment, checked once so lookups never meet a bad index. */
export class CapIndex {
  private readonly mask: number;
  constructor(
    private readonly cols: CapColumns,
    private readonly table: Buffer,
    private readonly starts: Uint32Array,
    packageCount: number,
  ) {
    const { capSid, slots, off, pkgs } = cols;
    const nStr = starts.length - 1;
    const nCap = capSid.length;
    if (slots.length < 2 || (slots.length & (slots.length - 1)) !== 0 || off.length !== nCap + 1 || off[0] !== 0 || off[nCap] !== pkgs.length) corrupt('capability index sizes');
    for (let c = 0; c < nCap; c++) {
      if ((capSid[c] as number) >= nStr) corrupt('capability name');
      if ((off[c + 1] as number) < (off[c] as number)) corrupt('capability offsets');
    }
    for (let i = 0; i < slots.length; i++) if ((slots[i] as number) > nCap) corrupt('capability table');
    for (let i = 0; i < pkgs.length; i++) if ((pkgs[i] as number) >= packageCount) corrupt('capability provider');
    this.mask = slots.length - 1;
  }

  /** The capability with exactly this name, or -1. */
  find(name: string): number {
    // ASCII names (nearly all) hash and compare by char code: no encoding.
    let h = FNV_OFFSET;
    for (let i = 0; i < name.length; i++) {
      const c = name.charCodeAt(i);
      if (c > 0x7f) return this.findBytes(Buffer.from(name, 'utf8'));
      h = Math.imul(h ^ c, FNV_PRIME);
    }
    const { slots, capSid } = this.cols;
    const { starts, table } = this;
    const n = name.length;
    // At most half full: an empty slot always ends the probe.
    for (let s = (h >>> 0) & this.mask; ; s = (s + 1) & this.mask) {
      const v = slots[s] as number;
      if (!v) return -1;
      const sid = capSid[v - 1] as number;
      const a = starts[sid] as number;
      if (strEnd(starts, sid) - a !== n) continue;
      let i = 0;
      while (i < n && table[a + i] === name.charCodeAt(i)) i++;
      if (i === n) return v - 1;
    }
  }

  /** The capability whose name is exactly these UTF-8 bytes, or -1. */
  findBytes(key: Buffer): number {
    const { slots, capSid } = this.cols;
    const starts = this.starts;
    // At most half full: an empty slot always ends the probe.
    for (let s = fnv1a(key, 0, key.length) & this.mask; ; s = (s + 1) & this.mask) {
      const v = slots[s] as number;
      if (!v) return -1;
      const sid = capSid[v - 1] as number;
      const a = starts[sid] as number;
      const b = strEnd(starts, sid);
      if (b - a === key.length && this.table.compare(key, 0, key.length, a, b) === 0) return v - 1;
    }
  }

  /** Package numbers (in the segment) that provide capability c, ascending. */
  providers(c: number): Uint32Array {
    return this.cols.pkgs.subarray(this.cols.off[c] as number, this.cols.off[c + 1] as number);
  }
}
