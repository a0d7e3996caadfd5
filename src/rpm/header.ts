// The RPM header structure (used for both the signature header and the main
// header): intro, index entries, data store, and the immutable-region trailer.
// Every count, offset and size is checked against the bytes actually present
// before anything is allocated, so a header that lies gives RPM_INVALID
// instead of a crash or a huge allocation.
import { RpmkitError } from '../errors.js';
import { REGION, TYPE, tagName } from './tags.js';

/** The 8 bytes before every header: 8e ad e8 01 00 00 00 00. */
export const HEADER_MAGIC = Uint8Array.of(0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0);

/** rpm's own sanity limits (header_internal.h): at most 64k tags, 256 MiB data. */
export const MAX_TAGS = 0xffff;
export const MAX_DATA = 256 * 1024 * 1024;

export type HeaderValue = string | string[] | number[] | Uint8Array | null;

export interface HeaderEntry {
  tag: number;
  type: number;
  /** Offset into the data store. */
  offset: number;
  count: number;
  value: HeaderValue;
}

export interface HeaderRegion {
  /** 61, 62 or 63. */
  tag: number;
  /** Number of index entries inside the region (including the region entry). */
  il: number;
  /** Bytes of data inside the region (including the 16-byte trailer). */
  dl: number;
}

/** A parsed header: typed access to its tags, plus the bytes it came from. */
export class Header {
  constructor(
    readonly entries: ReadonlyMap<number, HeaderEntry>,
    /** The header as rpm exports it: il, dl, index entries, data (no magic). */
    readonly blob: Uint8Array,
    readonly region: HeaderRegion | undefined,
  ) {}

  has(tag: number): boolean {
    return this.entries.has(tag);
  }

  tags(): number[] {
    return [...this.entries.keys()].sort((a, b) => a - b);
  }

  /** A STRING (or the first element of an array / the C locale of an I18NSTRING). */
  string(tag: number): string | undefined {
    const v = this.entries.get(tag)?.value;
    if (typeof v === 'string') return v;
    if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
    return undefined;
  }

  /** A STRING_ARRAY (a STRING gives one element; absent gives []). */
  strings(tag: number): string[] {
    const v = this.entries.get(tag)?.value;
    if (typeof v === 'string') return [v];
    if (Array.isArray(v) && (v.length === 0 || typeof v[0] === 'string')) return v as string[];
    return [];
  }

  /** Integer array of any width (absent gives []). */
  numbers(tag: number): number[] {
    const v = this.entries.get(tag)?.value;
    if (Array.isArray(v) && (v.length === 0 || typeof v[0] === 'number')) return v as number[];
    return [];
  }

  number(tag: number): number | undefined {
    return this.numbers(tag)[0];
  }

  /** BIN data (absent gives undefined). */
  bin(tag: number): Uint8Array | undefined {
    const v = this.entries.get(tag)?.value;
    return v instanceof Uint8Array ? v : undefined;
  }

  type(tag: number): number | undefined {
    return this.entries.get(tag)?.type;
  }
}

export interface HeaderContext {
  /** File name for messages. */
  file: string;
  /** "signature header" or "header". */
  what: string;
  /** Signature header: tag names come from the signature table. */
  signature?: boolean;
}

function invalid(ctx: HeaderContext, msg: string): RpmkitError {
  return new RpmkitError('RPM_INVALID', `${ctx.file}: ${ctx.what}: ${msg}`, {
    hint: 'The file is corrupt or not an RPM package; download it again.',
    details: { file: ctx.file, section: ctx.what },
  });
}

/**
 * Check the 16-byte intro (magic, reserved, il, dl) at `off` and return the
 * counts. `available` is how many bytes the file has from `off` on.
 */
export function readIntro(buf: Uint8Array, off: number, available: number, ctx: HeaderContext): { il: number; dl: number; size: number } {
  if (available < 16 || buf.length < off + 16) throw invalid(ctx, `truncated: needs 16 bytes for the header intro, the file has ${Math.max(0, available)}`);
  for (let i = 0; i < 8; i++) {
    if (buf[off + i] !== HEADER_MAGIC[i]) throw invalid(ctx, `bad magic at offset ${off} (not an rpm header)`);
  }
  const dv = new DataView(buf.buffer, buf.byteOffset + off, 16);
  const il = dv.getUint32(8);
  const dl = dv.getUint32(12);
  if (il < 1 || il > MAX_TAGS) throw invalid(ctx, `index count ${il} out of range (1..${MAX_TAGS})`);
  if (dl > MAX_DATA) throw invalid(ctx, `data length ${dl} exceeds ${MAX_DATA} bytes`);
  const size = 16 + il * 16 + dl;
  if (size > available) throw invalid(ctx, `truncated: header claims ${size} bytes, only ${available} present`);
  return { il, dl, size };
}

const ALIGN: Record<number, number> = { [TYPE.INT16]: 2, [TYPE.INT32]: 4, [TYPE.INT64]: 8 };

/**
 * Parse a header blob as rpm exports it (il, dl, entries, data: the on-disk
 * header without its 8-byte magic). The blob is kept as given (a view).
 */
export function parseHeaderBlob(blob: Uint8Array, ctx: HeaderContext): Header {
  if (blob.length < 8) throw invalid(ctx, 'truncated blob');
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.length);
  const il = dv.getUint32(0);
  const dl = dv.getUint32(4);
  if (il < 1 || il > MAX_TAGS) throw invalid(ctx, `index count ${il} out of range (1..${MAX_TAGS})`);
  if (dl > MAX_DATA) throw invalid(ctx, `data length ${dl} exceeds ${MAX_DATA} bytes`);
  if (8 + il * 16 + dl !== blob.length) throw invalid(ctx, `size mismatch: il=${il} dl=${dl} need ${8 + il * 16 + dl} bytes, have ${blob.length}`);
  const dataStart = 8 + il * 16;
  const data = blob.subarray(dataStart);
  const entries = new Map<number, HeaderEntry>();
  const raw: { tag: number; type: number; offset: number; count: number }[] = [];
  for (let i = 0; i < il; i++) {
    const p = 8 + i * 16;
    const tag = dv.getUint32(p);
    const type = dv.getUint32(p + 4);
    const offset = dv.getInt32(p + 8);
    const count = dv.getUint32(p + 12);
    raw.push({ tag, type, offset, count });
  }
  let region: HeaderRegion | undefined;
  const first = raw[0]!;
  if (first.tag === REGION.HEADERIMAGE || first.tag === REGION.HEADERSIGNATURES || first.tag === REGION.HEADERIMMUTABLE) {
    if (first.type !== TYPE.BIN || first.count !== 16) throw invalid(ctx, `region tag ${first.tag} has type ${first.type} count ${first.count} (expected BIN 16)`);
    if (first.offset < 0 || first.offset + 16 > dl) throw invalid(ctx, `region trailer offset ${first.offset} outside data (${dl} bytes)`);
    const tdv = new DataView(data.buffer, data.byteOffset + first.offset, 16);
    const ttag = tdv.getUint32(0);
    const ttype = tdv.getUint32(4);
    const toff = tdv.getInt32(8);
    const tcount = tdv.getUint32(12);
    // rpm < 4 wrote HEADERIMAGE into signature trailers; rpm accepts it.
    const tagOk = ttag === first.tag || (first.tag === REGION.HEADERSIGNATURES && ttag === REGION.HEADERIMAGE);
    if (!tagOk || ttype !== TYPE.BIN || tcount !== 16) throw invalid(ctx, `region trailer does not match (tag ${ttag}, type ${ttype}, count ${tcount})`);
    const ril = -toff / 16;
    if (toff > 0 || toff % 16 !== 0 || ril < 1 || ril > il) throw invalid(ctx, `region trailer claims ${ril} entries of ${il}`);
    region = { tag: first.tag, il: ril, dl: first.offset + 16 };
    entries.set(first.tag, { tag: first.tag, type: first.type, offset: first.offset, count: 16, value: data.subarray(first.offset, first.offset + 16) });
  }
  for (let i = region ? 1 : 0; i < il; i++) {
    const e = raw[i]!;
    if (e.type > TYPE.I18NSTRING) throw invalid(ctx, `${tagName(e.tag, ctx.signature)}: unknown type ${e.type}`);
    if (e.offset < 0 || e.offset > dl) throw invalid(ctx, `${tagName(e.tag, ctx.signature)}: data offset ${e.offset} outside data (${dl} bytes)`);
    const align = ALIGN[e.type];
    if (align && e.offset % align !== 0) throw invalid(ctx, `${tagName(e.tag, ctx.signature)}: misaligned offset ${e.offset}`);
    if (e.count < 1 && e.type !== TYPE.NULL) throw invalid(ctx, `${tagName(e.tag, ctx.signature)}: count 0`);
    if (e.type === TYPE.STRING && e.count !== 1) throw invalid(ctx, `${tagName(e.tag, ctx.signature)}: STRING with count ${e.count}`);
    const value = decode(data, dl, e, ctx);
    // Later duplicates (dribbles outside the region) override, as in rpm.
    entries.set(e.tag, { ...e, value });
  }
  return new Header(entries, blob, region);
}

const utf8 = new TextDecoder('utf-8');

function decode(data: Uint8Array, dl: number, e: { tag: number; type: number; offset: number; count: number }, ctx: HeaderContext): HeaderValue {
  const left = dl - e.offset;
  const need = (n: number) => {
    if (n > left) throw invalid(ctx, `${tagName(e.tag, ctx.signature)}: ${e.count} items need ${n} bytes, only ${left} left in data`);
  };
  const dv = new DataView(data.buffer, data.byteOffset, data.length);
  switch (e.type) {
    case TYPE.NULL:
      return null;
    case TYPE.CHAR:
    case TYPE.INT8: {
      need(e.count);
      return Array.from(data.subarray(e.offset, e.offset + e.count));
    }
    case TYPE.INT16: {
      need(e.count * 2);
      const out = new Array<number>(e.count);
      for (let i = 0; i < e.count; i++) out[i] = dv.getUint16(e.offset + i * 2);
      return out;
    }
    case TYPE.INT32: {
      need(e.count * 4);
      const out = new Array<number>(e.count);
      for (let i = 0; i < e.count; i++) out[i] = dv.getUint32(e.offset + i * 4);
      return out;
    }
    case TYPE.INT64: {
      need(e.count * 8);
      const out = new Array<number>(e.count);
      for (let i = 0; i < e.count; i++) out[i] = Number(dv.getBigUint64(e.offset + i * 8));
      return out;
    }
    case TYPE.BIN: {
      need(e.count);
      return data.subarray(e.offset, e.offset + e.count);
    }
    case TYPE.STRING:
    case TYPE.STRING_ARRAY:
    case TYPE.I18NSTRING: {
      // Each string is at least its NUL, so count > bytes left is a lie.
      need(e.count);
      const out = new Array<string>(e.count);
      let p = e.offset;
      for (let i = 0; i < e.count; i++) {
        const z = data.indexOf(0, p);
        if (z < 0 || z >= dl) throw invalid(ctx, `${tagName(e.tag, ctx.signature)}: string ${i + 1} of ${e.count} is not terminated inside the data`);
        out[i] = utf8.decode(data.subarray(p, z));
        p = z + 1;
      }
      return e.type === TYPE.STRING ? out[0]! : out;
    }
    default:
      throw invalid(ctx, `${tagName(e.tag, ctx.signature)}: unknown type ${e.type}`);
  }
}
