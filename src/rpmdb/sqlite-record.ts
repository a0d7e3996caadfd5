// SQLite's record format and index order, for the static database writer
// (sqlite-file.ts). Records are sized without being built and encoded
// straight into a reused buffer when their page is written, so a table of a
// million rows costs no per-row allocations beyond the rows themselves.
import { RpmkitError } from '../errors.js';

export type SqlValue = null | number | string | Uint8Array;

export interface SqlRow {
  rowid: number;
  /** Column values in declaration order; an INTEGER PRIMARY KEY column is null (it is the rowid). */
  values: readonly SqlValue[];
}

export function varintLength(v: number): number {
  if (v < 0x80) return 1;
  let n = 1;
  while (v > 0x7f && n < 9) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** SQLite's big-endian varint (values here are below 2^53, so never the 9-byte form). */
export function putVarint(out: Uint8Array, at: number, v: number): number {
  if (v < 0x80) {
    out[at] = v;
    return at + 1;
  }
  const n = varintLength(v);
  for (let i = n - 1; i >= 0; i--) {
    out[at + i] = (v & 0x7f) | (i === n - 1 ? 0 : 0x80);
    v = Math.floor(v / 128);
  }
  return at + n;
}

/** Bytes an integer serial type stores (types 8 and 9, the constants 0 and 1, store none). */
const INT_SIZE = [0, 1, 2, 3, 4, 6, 8, 0, 0, 0];

function intType(v: number): number {
  if (!Number.isSafeInteger(v)) throw new RpmkitError('INTERNAL', `sqlite writer: ${v} is not a safe integer`);
  if (v === 0 || v === 1) return 8 + v;
  const u = v < 0 ? -v - 1 : v;
  return u <= 0x7f ? 1 : u <= 0x7fff ? 2 : u <= 0x7fffff ? 3 : u <= 0x7fffffff ? 4 : u <= 0x7fffffffffff ? 5 : 6;
}

function serialType(v: SqlValue): number {
  if (v === null) return 0;
  if (typeof v === 'number') return intType(v);
  if (typeof v === 'string') return Buffer.byteLength(v, 'utf8') * 2 + 13;
  return v.length * 2 + 12;
}

const bodySize = (type: number) => (type >= 12 ? (type - 12) >> 1 : INT_SIZE[type]);

function headerSize(typeBytes: number): number {
  let hdr = typeBytes + 1;
  while (typeBytes + varintLength(hdr) !== hdr) hdr = typeBytes + varintLength(hdr);
  return hdr;
}

/** The size of the record holding `fields`. */
export function recordSize(fields: readonly SqlValue[]): number {
  let typeBytes = 0;
  let body = 0;
  for (const v of fields) {
    const t = serialType(v);
    typeBytes += varintLength(t);
    body += bodySize(t);
  }
  return headerSize(typeBytes) + body;
}

/** Serial types of the record being written (reused: one record at a time). */
const types: number[] = [];

/** Write the record of `fields` at the start of `out` (at least recordSize bytes); returns its size. */
export function writeRecord(fields: readonly SqlValue[], out: Buffer): number {
  let typeBytes = 0;
  for (let i = 0; i < fields.length; i++) {
    types[i] = serialType(fields[i]);
    typeBytes += varintLength(types[i]);
  }
  let at = putVarint(out, 0, headerSize(typeBytes));
  for (let i = 0; i < fields.length; i++) at = putVarint(out, at, types[i]);
  for (let i = 0; i < fields.length; i++) {
    const v = fields[i];
    if (typeof v === 'number') at = putInt(out, at, v, INT_SIZE[types[i]]);
    else if (typeof v === 'string') at = putText(out, at, v);
    else if (v) {
      out.set(v, at);
      at += v.length;
    }
  }
  return at;
}

/** UTF-8 text; ASCII (nearly all of rpm's keys) byte by byte, without a call into C++. */
function putText(out: Buffer, at: number, v: string): number {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c >= 0x80) return at - i + out.write(v, at - i, 'utf8');
    out[at++] = c;
  }
  return at;
}

/** An integer's bytes: big-endian two's complement (safe integers need no BigInt below 8 bytes). */
function putInt(out: Buffer, at: number, v: number, size: number): number {
  if (size === 8) out.writeBigInt64BE(BigInt(v), at);
  else for (let i = size - 1, x = v < 0 ? v + 2 ** (size * 8) : v; i >= 0; i--, x = Math.floor(x / 256)) out[at + i] = x % 256;
  return at + size;
}

/** Characters past U+FFFF: the only text UTF-16 order sorts differently from UTF-8 bytes. */
const ASTRAL = /[\uD800-\uDFFF]/;

function valueClass(v: SqlValue): number {
  return v === null ? 0 : typeof v === 'number' ? 1 : typeof v === 'string' ? 2 : 3;
}

/**
 * Positions of `rows` in the order of an index on `columns` (SQLite's:
 * NULL < numbers < text < blobs, text and blobs bytewise, ties by rowid).
 */
export function indexOrder(rows: readonly SqlRow[], columns: readonly number[]): number[] {
  // Text is compared as JS strings unless a side has astral characters: cheaper, and the same order.
  const astral = columns.map((c) => Uint8Array.from(rows, (r) => (typeof r.values[c] === 'string' && ASTRAL.test(r.values[c] as string) ? 1 : 0)));
  const compare = (x: number, y: number, k: number): number => {
    const a = rows[x].values[columns[k]];
    const b = rows[y].values[columns[k]];
    const ca = valueClass(a);
    const cb = valueClass(b);
    if (ca !== cb) return ca - cb;
    if (ca === 0) return 0;
    if (ca === 2 && (astral[k][x] || astral[k][y])) return Buffer.compare(Buffer.from(a as string), Buffer.from(b as string));
    if (ca === 3) return Buffer.compare(a as Uint8Array, b as Uint8Array);
    return (a as number | string) < (b as number | string) ? -1 : (a as number | string) > (b as number | string) ? 1 : 0;
  };
  const order = rows.map((_, i) => i);
  order.sort((x, y) => {
    for (let k = 0; k < columns.length; k++) {
      const c = compare(x, y, k);
      if (c !== 0) return c;
    }
    return rows[x].rowid - rows[y].rowid;
  });
  return order;
}
