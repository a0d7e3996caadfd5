// Growable columns for the pool writer, each one contiguous block of memory.
// A resizable ArrayBuffer reserves address space and commits pages only as
// the column grows: no doubling copies and no unused half while a big
// document is parsed, and any entry is a plain index away (the writer's
// deduplication tables compare against the columns instead of keeping JS
// strings). After a parse the columns either become the cache entry's
// sections as they are (PoolWriter.finishInPlace: no copy), or are copied
// into one buffer (finish()), each released as soon as it is copied:
// release() hands the pages back at once, where a dropped ArrayBuffer waits
// for a garbage collection, so the columns and the entry are never both
// whole in memory.
import { RpmkitError } from '../errors.js';

interface ResizableArrayBuffer extends ArrayBuffer {
  resize(byteLength: number): void;
  readonly maxByteLength: number;
}
const Resizable = ArrayBuffer as unknown as new (byteLength: number, opts: { maxByteLength: number }) => ResizableArrayBuffer;

/**
 * The first reservation, when the caller gives none: address space only, so
 * generous; a 63k-package repository's biggest column (its strings, ~20 MB)
 * then never moves. Each later one is 4x the last. Where the process may
 * not reserve that much (a low `ulimit -v`), columns start at 1 MiB instead.
 */
const FIRST_RESERVE = 64 << 20;
const SMALL_RESERVE = 1 << 20;

/**
 * The reservation for the columns of a document of `docBytes` bytes. On
 * real repository metadata no column of a parse outgrows the document, so
 * that much (at least 1 MiB, at most the default) leaves no column to move;
 * one that does (a document of empty packages) moves, as any column may.
 * The columns of a parsed repository live as long as its pool, so a small
 * repository should not hold 64 MB of address space per column.
 */
export function reserveFor(docBytes: number): number {
  return docBytes > 0 ? Math.min(FIRST_RESERVE, Math.max(SMALL_RESERVE, Math.ceil(docBytes))) : FIRST_RESERVE;
}

function reserve(bytes: number): ResizableArrayBuffer {
  try {
    return new Resizable(0, { maxByteLength: bytes });
  } catch {
    return new Resizable(0, { maxByteLength: Math.min(bytes, SMALL_RESERVE) });
  }
}
/** Section offsets in a cache entry are 32-bit. */
const MAX_BYTES = 2 ** 32 - 1;

/** A resizable buffer that moves to a 4x larger reservation when full. */
class Store {
  buf: ResizableArrayBuffer;
  constructor(bytes: number) {
    this.buf = reserve(bytes);
  }

  /** Room for `bytes`; true when the buffer was replaced (views must be remade). */
  ensure(bytes: number): boolean {
    const b = this.buf;
    if (bytes <= b.byteLength) return false;
    const want = Math.min(b.maxByteLength, Math.max(bytes, b.byteLength + (b.byteLength >> 3), 64 << 10));
    if (bytes <= b.maxByteLength) {
      b.resize(want);
      return false;
    }
    if (bytes > MAX_BYTES) throw new RpmkitError('METADATA_INVALID', `repository metadata too large for one cache segment (over ${MAX_BYTES} bytes in one column)`, { hint: 'the document is corrupt or hostile' });
    let max = b.maxByteLength * 4;
    while (max < bytes) max *= 4;
    const next = new Resizable(bytes, { maxByteLength: Math.min(max, MAX_BYTES) });
    new Uint8Array(next).set(new Uint8Array(b));
    b.resize(0);
    this.buf = next;
    return true;
  }

  release(): void {
    this.buf.resize(0);
  }
}

/** What every column shares: its store, its length and how it is handed over. */
abstract class Column {
  protected s: Store;
  /** reserveBytes: the address space to reserve up front (see reserveFor). */
  constructor(reserveBytes = FIRST_RESERVE) {
    this.s = new Store(reserveBytes);
  }
  n = 0;
  protected abstract readonly width: number;
  /** The filled part, as bytes (valid until the next push or release). */
  bytes(): Uint8Array {
    return new Uint8Array(this.s.buf, 0, this.n * this.width);
  }
  release(): void {
    this.s.release();
    this.n = 0;
  }
}

/** A growable Uint32 column. `a` is a length-tracking view: re-read it after push(). */
export class U32Column extends Column {
  protected readonly width = 4;
  a = new Uint32Array(this.s.buf);
  push(v: number): void {
    if (this.n === this.a.length && this.s.ensure((this.n + 1) * 4)) this.a = new Uint32Array(this.s.buf);
    this.a[this.n++] = v;
  }
}

export class F64Column extends Column {
  protected readonly width = 8;
  a = new Float64Array(this.s.buf);
  push(v: number): void {
    if (this.n === this.a.length && this.s.ensure((this.n + 1) * 8)) this.a = new Float64Array(this.s.buf);
    this.a[this.n++] = v;
  }
}

/** A growable byte column; callers write into `a` after reserve() and advance n. */
export class ByteColumn extends Column {
  protected readonly width = 1;
  a = new Uint8Array(this.s.buf);
  /** Make room for `extra` more bytes past n. */
  reserve(extra: number): void {
    if (this.n + extra > this.a.length && this.s.ensure(this.n + extra)) this.a = new Uint8Array(this.s.buf);
  }
}
