// The pool writer's string table: NUL-separated UTF-8 as the cache entry
// stores it, with each entry's start offset, and a deduplicating id() whose
// index compares against the table's own bytes (no JS string is kept for
// any value). Id 0 = undefined; the table starts with an empty entry for it.
import { isUtf8 } from 'node:buffer';
import { RpmkitError } from '../errors.js';
import { ByteColumn, U32Column } from './columns.js';
import { FNV_OFFSET, FNV_PRIME, fnv1a } from './capindex.js';
import { HashSlots } from './hashslots.js';

export class StringTable {
  private t: ByteColumn;
  /** Where each entry's bytes start in the table; entry 0 at 0. */
  private starts: U32Column;
  private slots: HashSlots | undefined;
  /** A value's UTF-8 bytes are put together here before they are looked up. */
  private scratch = new Uint8Array(1 << 12);
  private h = 0;
  /** Entries so far (including entry 0). */
  n = 1;
  private closed = false;

  /**
   * expect: about how many distinct values id() will see (sizes its index
   * up front); reserveBytes: the columns' reservation (columns.ts reserveFor).
   */
  constructor(expect = 0, reserveBytes?: number) {
    this.t = new ByteColumn(reserveBytes);
    this.starts = new U32Column(reserveBytes);
    this.slots = new HashSlots(expect);
    this.starts.push(0);
  }

  private fail(): never {
    throw new RpmkitError('METADATA_INVALID', 'a NUL character in repository metadata');
  }

  /** s's UTF-8 bytes into scratch and its FNV-1a hash into h; returns the byte length. */
  private stage(s: string): number {
    const n = s.length;
    if (n * 3 > this.scratch.length) this.scratch = new Uint8Array(Math.max(n * 3, this.scratch.length * 2));
    const b = this.scratch;
    let h = FNV_OFFSET;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) return this.stageUtf8(s);
      if (c === 0) this.fail();
      b[i] = c;
      h = Math.imul(h ^ c, FNV_PRIME);
    }
    this.h = h >>> 0;
    return n;
  }

  private stageUtf8(s: string): number {
    if (s.includes('\u0000')) this.fail();
    const { written } = ENCODER.encodeInto(s, this.scratch);
    this.h = fnv1a(this.scratch, 0, written);
    return written;
  }

  /** Append src[from, from + len) as a new entry. */
  private commit(src: Uint8Array, from: number, len: number): number {
    if (this.closed) throw new RpmkitError('INTERNAL', 'string table: an entry after the table was closed');
    const t = this.t;
    t.reserve(len + 1);
    const a = t.a;
    const at = t.n + 1;
    a[at - 1] = 0;
    // Most entries are short, and a loop beats a subarray() and a set()
    // call on them; descriptions and the like are copied natively.
    if (len > LONG) a.set(src.subarray(from, from + len), at);
    else for (let k = 0; k < len; k++) a[at + k] = src[from + k] as number;
    this.starts.push(at);
    t.n += len + 1;
    return this.n++;
  }

  /** Deduplicated id (0 = undefined). */
  id(s: string | undefined): number {
    if (s === undefined) return 0;
    const len = this.stage(s);
    return this.find(this.scratch, 0, len, this.h);
  }

  /**
   * Deduplicated id of the UTF-8 value b[from, to), as id() would give for
   * its decoded string: bytes that are not valid UTF-8 are decoded with
   * replacement characters first, as a text decoder would.
   */
  idBytes(b: Uint8Array, from: number, to: number): number {
    let h = FNV_OFFSET;
    let high = 0;
    for (let i = from; i < to; i++) {
      const c = b[i] as number;
      if (c === 0) this.fail();
      high |= c;
      h = Math.imul(h ^ c, FNV_PRIME);
    }
    if (high > 0x7f && !isUtf8(b.subarray(from, to))) return this.id(DECODER.decode(b.subarray(from, to)));
    return this.find(b, from, to - from, h >>> 0);
  }

  /** The entry equal to src[from, from + len) (hash h), added if new. */
  private find(src: Uint8Array, from: number, len: number, h: number): number {
    const slots = this.slots;
    if (!slots) throw new RpmkitError('INTERNAL', 'string table: id() after releaseIndex()');
    const a = this.t.a;
    const starts = this.starts.a;
    const s = slots.s;
    for (let i = h & slots.mask; ; i = (i + 1) & slots.mask) {
      const v = s[2 * i + 1] as number;
      if (!v) {
        const id = this.commit(src, from, len);
        slots.put(i, h, id);
        return id;
      }
      if (s[2 * i] !== h) continue;
      const sid = v - 1;
      const start = starts[sid] as number;
      if (this.end(sid) - start !== len) continue;
      let k = 0;
      while (k < len && a[start + k] === src[from + k]) k++;
      if (k === len) return sid;
    }
  }

  /** A new id without deduplication, for values that are unique anyway (checksums, paths). */
  add(s: string): number {
    const n = s.length;
    // Most unique values are ASCII: written straight into the table.
    const t = this.t;
    t.reserve(n * 3 + 1);
    const a = t.a;
    const at = t.n + 1;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f || c === 0) break;
      a[at + i] = c;
    }
    if (i < n || this.closed) return this.commit(this.scratch, 0, this.stage(s));
    a[t.n] = 0;
    this.starts.push(at);
    t.n = at + n;
    return this.n++;
  }

  /** Like add(), for the UTF-8 value b[from, to) (see idBytes). */
  addBytes(b: Uint8Array, from: number, to: number): number {
    if (to - from > LONG) {
      // Long values (descriptions): the checks run natively.
      const v = b.subarray(from, to);
      if (v.indexOf(0) >= 0) this.fail();
      if (!isUtf8(v)) return this.add(DECODER.decode(v));
      return this.commit(b, from, to - from);
    }
    let high = 0;
    for (let i = from; i < to; i++) {
      const c = b[i] as number;
      if (c === 0) this.fail();
      high |= c;
    }
    if (high > 0x7f && !isUtf8(b.subarray(from, to))) return this.add(DECODER.decode(b.subarray(from, to)));
    return this.commit(b, from, to - from);
  }

  /** Drop the deduplication index once nothing more will be looked up. */
  releaseIndex(): void {
    this.slots = undefined;
  }

  /** Entry i's bytes as [table, start, end) ; valid until the next add or release. */
  bytesOf(i: number): [Uint8Array, number, number] {
    return [this.t.a, this.starts.a[i] as number, this.end(i)];
  }

  /** Where entry i's bytes end: before the next entry's separator, or at the table's end. */
  private end(i: number): number {
    return i === this.n - 1 ? this.t.n : (this.starts.a[i + 1] as number) - 1;
  }

  /** The table bytes (valid until the next add or release). */
  bytes(): Uint8Array {
    return this.t.bytes();
  }

  /**
   * The start offsets plus the closing one (one past the end), as
   * stringStarts gives them. Closes the table: no entry can follow.
   */
  startBytes(): Uint8Array {
    if (!this.closed) this.starts.push(this.t.n + 1);
    this.closed = true;
    return this.starts.bytes();
  }

  /** Give the memory back at once (the table is unusable afterwards). */
  release(): void {
    this.slots = undefined;
    this.closed = true;
    this.t.release();
    this.starts.release();
  }
}

/** Values longer than this are checked and copied with native calls; shorter ones by loops, which beat the calls on them. */
const LONG = 32;
const ENCODER = new TextEncoder();
const DECODER = new TextDecoder('utf-8', { ignoreBOM: true });
