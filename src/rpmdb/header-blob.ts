// The rpm header blob as rpm stores it in its database (and as it sits in a
// package after the 8-byte magic): big-endian index count, data length,
// 16-byte index entries, then the data store. This module reads such a blob
// into entries that keep their raw bytes, and writes one back, so the rpmdb
// writer can append install-time tags without touching the signed region.
import { RpmkitError } from '../errors.js';

export const TYPE = { NULL: 0, CHAR: 1, INT8: 2, INT16: 3, INT32: 4, INT64: 5, STRING: 6, BIN: 7, STRING_ARRAY: 8, I18NSTRING: 9 } as const;

/** Region tags: the immutable region of a package header and of a signature header. */
export const REGION_TAGS = new Set([61, 62, 63]);

/** rpm's limits (hdrchkTags / hdrchkData): a header larger than this is refused. */
const MAX_INDEX = 0x0000ffff;
const MAX_DATA = 0x0fffffff;

export interface HeaderEntry {
  tag: number;
  type: number;
  /** Offset into the data store, as stored (region entries keep theirs). */
  offset: number;
  count: number;
}

export interface ParsedHeader {
  entries: HeaderEntry[];
  /** The data store. */
  data: Uint8Array;
  /** The whole blob (il, dl, index, data), without the package magic. */
  blob: Uint8Array;
}

function bad(what: string, msg: string): never {
  throw new RpmkitError('RPM_INVALID', `${what}: ${msg}`, { hint: 'the package or database header is damaged; download it again' });
}

/**
 * Parse a header blob. `what` names the package for error messages. Accepts
 * a blob that starts with the 8-byte header magic too.
 */
export function parseHeaderBlob(input: Uint8Array, what = 'header'): ParsedHeader {
  let b = input;
  if (b.length >= 8 && b[0] === 0x8e && b[1] === 0xad && b[2] === 0xe8) b = b.subarray(8);
  if (b.length < 8) bad(what, 'header is truncated');
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const il = dv.getUint32(0);
  const dl = dv.getUint32(4);
  if (il < 1 || il > MAX_INDEX || dl > MAX_DATA) bad(what, `header claims ${il} entries and ${dl} bytes of data`);
  const dataStart = 8 + il * 16;
  if (b.length < dataStart + dl) bad(what, `header is truncated (needs ${dataStart + dl} bytes, has ${b.length})`);
  const entries: HeaderEntry[] = [];
  for (let i = 0; i < il; i++) {
    const o = 8 + i * 16;
    const e = { tag: dv.getUint32(o), type: dv.getUint32(o + 4), offset: dv.getInt32(o + 8), count: dv.getUint32(o + 12) };
    if (e.type > TYPE.I18NSTRING) bad(what, `tag ${e.tag} has unknown type ${e.type}`);
    if (e.offset < 0 || e.offset > dl) bad(what, `tag ${e.tag} points outside the data (${e.offset})`);
    entries.push(e);
  }
  return { entries, data: b.subarray(dataStart, dataStart + dl), blob: b.subarray(0, dataStart + dl) };
}

const WIDTH: Record<number, number> = { [TYPE.CHAR]: 1, [TYPE.INT8]: 1, [TYPE.INT16]: 2, [TYPE.INT32]: 4, [TYPE.INT64]: 8, [TYPE.BIN]: 1 };

/** Byte length of an entry's data, or an error when it runs past the store. */
export function entryLength(h: ParsedHeader, e: HeaderEntry, what = 'header'): number {
  const w = WIDTH[e.type];
  if (w !== undefined) {
    const n = w * e.count;
    if (e.offset + n > h.data.length) bad(what, `tag ${e.tag} runs past the data`);
    return n;
  }
  if (e.type === TYPE.NULL) return 0;
  // Strings: count NUL-terminated strings (STRING has count 1).
  let p = e.offset;
  const n = e.type === TYPE.STRING ? 1 : e.count;
  for (let i = 0; i < n; i++) {
    const z = h.data.indexOf(0, p);
    if (z < 0) bad(what, `tag ${e.tag} has an unterminated string`);
    p = z + 1;
  }
  return p - e.offset;
}

export class HeaderView {
  readonly byTag = new Map<number, HeaderEntry>();
  constructor(readonly h: ParsedHeader, readonly what = 'header') {
    for (const e of h.entries) if (!this.byTag.has(e.tag)) this.byTag.set(e.tag, e);
  }
  static parse(blob: Uint8Array, what?: string): HeaderView {
    return new HeaderView(parseHeaderBlob(blob, what), what);
  }
  has(tag: number): boolean {
    return this.byTag.has(tag);
  }
  entry(tag: number): HeaderEntry | undefined {
    return this.byTag.get(tag);
  }
  raw(tag: number): Uint8Array | undefined {
    const e = this.byTag.get(tag);
    if (!e) return undefined;
    return this.h.data.subarray(e.offset, e.offset + entryLength(this.h, e, this.what));
  }
  strings(tag: number): string[] {
    const e = this.byTag.get(tag);
    if (!e) return [];
    if (e.type !== TYPE.STRING && e.type !== TYPE.STRING_ARRAY && e.type !== TYPE.I18NSTRING) return [];
    const out: string[] = [];
    const dec = new TextDecoder();
    let p = e.offset;
    const n = e.type === TYPE.STRING ? 1 : e.count;
    for (let i = 0; i < n; i++) {
      const z = this.h.data.indexOf(0, p);
      if (z < 0) bad(this.what, `tag ${tag} has an unterminated string`);
      out.push(dec.decode(this.h.data.subarray(p, z)));
      p = z + 1;
    }
    return out;
  }
  string(tag: number): string | undefined {
    return this.strings(tag)[0];
  }
  numbers(tag: number): number[] {
    const e = this.byTag.get(tag);
    if (!e) return [];
    const w = WIDTH[e.type];
    if (w === undefined || e.type === TYPE.BIN || e.type === TYPE.INT64) return [];
    if (e.offset + w * e.count > this.h.data.length) bad(this.what, `tag ${tag} runs past the data`);
    const dv = new DataView(this.h.data.buffer, this.h.data.byteOffset + e.offset, w * e.count);
    const out: number[] = [];
    for (let i = 0; i < e.count; i++) out.push(w === 1 ? dv.getUint8(i) : w === 2 ? dv.getUint16(i * 2) : dv.getUint32(i * 4));
    return out;
  }
}

/** A tag to add outside the region, with its value already encoded. */
export interface NewEntry {
  tag: number;
  type: number;
  count: number;
  /** Encoded data (big-endian numbers, NUL-terminated strings). */
  data: Uint8Array;
}

const ALIGN: Record<number, number> = { [TYPE.INT16]: 2, [TYPE.INT32]: 4, [TYPE.INT64]: 8 };

/**
 * rpm's headerExport of a header read from a package plus tags put on it
 * later: the original entries and data stay byte for byte (the signed
 * immutable region), the new entries follow sorted by tag, their data
 * appended to the store with each type's natural alignment.
 */
export function appendEntries(base: ParsedHeader, extra: NewEntry[]): Uint8Array {
  const sorted = [...extra].sort((a, b) => a.tag - b.tag);
  let dl = base.data.length;
  const placed: { e: NewEntry; offset: number }[] = [];
  for (const e of sorted) {
    const a = ALIGN[e.type] ?? 1;
    dl = Math.ceil(dl / a) * a;
    placed.push({ e, offset: dl });
    dl += e.data.length;
  }
  const il = base.entries.length + sorted.length;
  const out = new Uint8Array(8 + il * 16 + dl);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, il);
  dv.setUint32(4, dl);
  out.set(base.blob.subarray(8, 8 + base.entries.length * 16), 8);
  const dataStart = 8 + il * 16;
  out.set(base.data, dataStart);
  let o = 8 + base.entries.length * 16;
  for (const { e, offset } of placed) {
    dv.setUint32(o, e.tag);
    dv.setUint32(o + 4, e.type);
    dv.setUint32(o + 8, offset);
    dv.setUint32(o + 12, e.count);
    o += 16;
    out.set(e.data, dataStart + offset);
  }
  return out;
}

export function int32Entry(tag: number, values: number[]): NewEntry {
  const data = new Uint8Array(values.length * 4);
  const dv = new DataView(data.buffer);
  values.forEach((v, i) => dv.setUint32(i * 4, v >>> 0));
  return { tag, type: TYPE.INT32, count: values.length, data };
}

export function charEntry(tag: number, values: number[]): NewEntry {
  return { tag, type: TYPE.CHAR, count: values.length, data: Uint8Array.from(values.map((v) => v & 0xff)) };
}

export function stringArrayEntry(tag: number, values: string[]): NewEntry {
  const enc = new TextEncoder();
  const parts = values.map((v) => enc.encode(`${v}\0`));
  const data = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    data.set(p, o);
    o += p.length;
  }
  return { tag, type: TYPE.STRING_ARRAY, count: values.length, data };
}
