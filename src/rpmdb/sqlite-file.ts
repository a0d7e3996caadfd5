// A writer for a complete, static SQLite 3 database file (the format of
// https://www.sqlite.org/fileformat2.html): tables as rowid B+trees, indexes
// as B-trees, both packed bottom-up from sorted rows. rpm's database is
// written once per install and never updated in place by us, so a bulk
// loader is all we need; running SQLite itself (sql.js) for it cost ~0.3 s of
// wasm compilation and cold code per build, more than the rest of the rpmdb.
// The output is what SQLite would read back as the same rows and schema, and
// passes its `PRAGMA integrity_check` (test/rpmdb/sqlite-file.test.ts).
import { RpmkitError } from '../errors.js';

export type SqlValue = null | number | string | Uint8Array;

export interface SqlRow {
  rowid: number;
  /** Column values in declaration order; an INTEGER PRIMARY KEY column is null (it is the rowid). */
  values: readonly SqlValue[];
}

export interface SqlTable {
  type: 'table';
  name: string;
  /** The CREATE statement exactly as sqlite_master stores it. */
  sql: string;
  rows: readonly SqlRow[];
}

export interface SqlIndex {
  type: 'index';
  name: string;
  table: string;
  sql: string;
  /** Indexed column positions, ascending order, BINARY collation. */
  columns: readonly number[];
}

const PAGE = 4096;
/** SQLite's payload limits for this page size (btreeInitPage / btreeParseCellAdjustSizeForOverflow). */
const MAX_LOCAL_INDEX = Math.floor(((PAGE - 12) * 64) / 255) - 23;
const MIN_LOCAL = Math.floor(((PAGE - 12) * 32) / 255) - 23;
const MAX_LOCAL_TABLE_LEAF = PAGE - 35;
/** Recorded as the writer's version (header offset 96); SQLite only reports it. */
const WRITER_VERSION = 3045000;

const LEAF_TABLE = 0x0d;
const INTERIOR_TABLE = 0x05;
const LEAF_INDEX = 0x0a;
const INTERIOR_INDEX = 0x02;

const enc = new TextEncoder();

function varintLength(v: number): number {
  if (v < 0x80) return 1;
  let n = 1;
  while (v > 0x7f && n < 9) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** SQLite's big-endian varint (values here are below 2^53, so never the 9-byte form). */
function putVarint(out: Uint8Array, at: number, v: number): number {
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

interface Field {
  /** Serial type (record header). */
  type: number;
  /** Stored bytes of text and blobs. */
  bytes?: Uint8Array;
  /** The value of an integer field (its bytes are written from it). */
  int?: number;
  /** Text that UTF-16 order would sort differently from UTF-8 bytes (astral characters). */
  astral?: boolean;
  /** The text itself, compared as a string when neither side is astral (the same order, far cheaper). */
  text?: string;
}

const NULL_FIELD: Field = { type: 0 };
/** Bytes an integer serial type stores (types 8 and 9 store none). */
const INT_SIZE = [0, 1, 2, 3, 4, 6, 8, 0, 0, 0];

function intField(v: number): Field {
  if (!Number.isSafeInteger(v)) throw new RpmkitError('INTERNAL', `sqlite writer: ${v} is not a safe integer`);
  if (v === 0 || v === 1) return { type: 8 + v, int: v };
  const u = v < 0 ? -v - 1 : v;
  const type = u <= 0x7f ? 1 : u <= 0x7fff ? 2 : u <= 0x7fffff ? 3 : u <= 0x7fffffff ? 4 : u <= 0x7fffffffffff ? 5 : 6;
  return { type, int: v };
}

/** An integer's bytes: big-endian two's complement (safe integers need no BigInt below 8 bytes). */
function putInt(out: Uint8Array, at: number, v: number, size: number): void {
  if (size === 8) {
    new DataView(out.buffer, out.byteOffset).setBigInt64(at, BigInt(v));
    return;
  }
  for (let i = size - 1, x = v < 0 ? v + 2 ** (size * 8) : v; i >= 0; i--, x = Math.floor(x / 256)) out[at + i] = x % 256;
}

const ASTRAL = /[\uD800-\uDFFF]/;

function field(v: SqlValue): Field {
  if (v === null) return NULL_FIELD;
  if (typeof v === 'number') return intField(v);
  if (typeof v === 'string') {
    const bytes = Buffer.from(v, 'utf8');
    return { type: bytes.length * 2 + 13, bytes, text: v, astral: ASTRAL.test(v) };
  }
  return { type: v.length * 2 + 12, bytes: v };
}

const fieldSize = (f: Field) => (f.bytes ? f.bytes.length : INT_SIZE[f.type] ?? 0);

/** The record format: a header of serial types, then the values. */
function record(fields: readonly Field[]): Uint8Array {
  let types = 0;
  let body = 0;
  for (const f of fields) {
    types += varintLength(f.type);
    body += fieldSize(f);
  }
  let hdr = types + 1;
  while (types + varintLength(hdr) !== hdr) hdr = types + varintLength(hdr);
  const out = new Uint8Array(hdr + body);
  let at = putVarint(out, 0, hdr);
  for (const f of fields) at = putVarint(out, at, f.type);
  for (const f of fields) {
    if (f.bytes) out.set(f.bytes, at);
    else if (f.int !== undefined) putInt(out, at, f.int, INT_SIZE[f.type]);
    at += fieldSize(f);
  }
  return out;
}

/** Index order: NULL < integers < text < blob; text and blobs bytewise (BINARY). */
function compareFields(a: Field, b: Field): number {
  const ca = fieldClass(a);
  const cb = fieldClass(b);
  if (ca !== cb) return ca - cb;
  if (ca === 0) return 0;
  if (ca === 1) return a.int! < b.int! ? -1 : a.int! > b.int! ? 1 : 0;
  // Without astral characters, UTF-16 code unit order is UTF-8 byte order.
  if (ca === 2 && !a.astral && !b.astral) return a.text! < b.text! ? -1 : a.text! > b.text! ? 1 : 0;
  return Buffer.compare(a.bytes!, b.bytes!);
}

function fieldClass(f: Field): number {
  return f.type === 0 ? 0 : f.type < 12 ? 1 : f.type % 2 === 1 ? 2 : 3;
}

/** The pages of the file being built; page 1 is reserved for the schema's root. */
class Pages {
  readonly pages: Uint8Array[] = [new Uint8Array(PAGE)];
  alloc(): number {
    this.pages.push(new Uint8Array(PAGE));
    return this.pages.length;
  }
  get(n: number): Uint8Array {
    return this.pages[n - 1];
  }
}

/**
 * A leaf cell: payload length, [rowid], the payload up to the local limit,
 * and the rest on a chain of overflow pages (withChild makes it interior).
 */
function cell(pages: Pages, payload: Uint8Array, maxLocal: number, rowid?: number): Uint8Array {
  const p = payload.length;
  let local = p;
  if (p > maxLocal) {
    const k = MIN_LOCAL + ((p - MIN_LOCAL) % (PAGE - 4));
    local = k <= maxLocal ? k : MIN_LOCAL;
  }
  const out = new Uint8Array(varintLength(p) + (rowid === undefined ? 0 : varintLength(rowid)) + local + (local < p ? 4 : 0));
  let at = putVarint(out, 0, p);
  if (rowid !== undefined) at = putVarint(out, at, rowid);
  out.set(payload.subarray(0, local), at);
  if (local < p) new DataView(out.buffer).setUint32(at + local, overflowChain(pages, payload.subarray(local)));
  return out;
}

/** An interior cell: the left child's page number, then the divider. */
function withChild(child: number, divider: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + divider.length);
  new DataView(out.buffer).setUint32(0, child);
  out.set(divider, 4);
  return out;
}

function overflowChain(pages: Pages, rest: Uint8Array): number {
  const first = pages.alloc();
  let page = first;
  for (let off = 0; off < rest.length; off += PAGE - 4) {
    const buf = pages.get(page);
    buf.set(rest.subarray(off, off + PAGE - 4), 4);
    const next = off + PAGE - 4 < rest.length ? pages.alloc() : 0;
    new DataView(buf.buffer).setUint32(0, next);
    page = next;
  }
  return first;
}

/** Write one B-tree page: header, cell pointers, cells packed from the end. */
function writePage(buf: Uint8Array, start: number, flag: number, cells: readonly Uint8Array[], rightChild?: number): void {
  const dv = new DataView(buf.buffer);
  const hdr = rightChild === undefined ? 8 : 12;
  const used = cells.reduce((n, c) => n + c.length + 2, start + hdr);
  if (used > PAGE) throw new RpmkitError('INTERNAL', 'sqlite writer: page overflow');
  let content = PAGE;
  cells.forEach((c, i) => {
    content -= c.length;
    buf.set(c, content);
    dv.setUint16(start + hdr + 2 * i, content);
  });
  buf[start] = flag;
  dv.setUint16(start + 1, 0);
  dv.setUint16(start + 3, cells.length);
  dv.setUint16(start + 5, content);
  buf[start + 7] = 0;
  if (rightChild !== undefined) dv.setUint32(start + 8, rightChild);
}

/**
 * Split items into consecutive pages, greedily full. With `divide`, the item
 * after each page but the last moves up to the parent as the divider, and
 * every page keeps at least one item (the B-tree rule for index pages and
 * interior pages); without it (table leaves) every item stays in a page.
 */
function pack(sizes: readonly number[], capacity: number, divide: boolean): [number, number][] {
  const n = sizes.length;
  if (n === 0) return [[0, 0]];
  const groups: [number, number][] = [];
  let a = 0;
  while (a < n) {
    let used = 0;
    let b = a;
    while (b < n && used + sizes[b] + 2 <= capacity) used += sizes[b++] + 2;
    if (b === a) throw new RpmkitError('INTERNAL', `sqlite writer: a ${sizes[a]}-byte cell does not fit a page`);
    if (b === n) {
      groups.push([a, n]);
      break;
    }
    if (divide && b === n - 1) b--; // the last item would divide nothing: leave it a page of its own
    if (b === a) throw new RpmkitError('INTERNAL', 'sqlite writer: cannot split a page');
    groups.push([a, b]);
    a = divide ? b + 1 : b;
  }
  return groups;
}

interface TreeOptions {
  /** The page the root must be (1 for the schema table). */
  root?: number;
  /** Bytes unavailable at the start of every page (the file header on page 1). */
  reserve: number;
}

/** A rowid table: leaves hold (rowid, record); interior cells hold (child, largest rowid under it). */
function buildTable(pages: Pages, rows: readonly { rowid: number; payload: Uint8Array }[], opts: TreeOptions): number {
  const leafCells = rows.map((r) => cell(pages, r.payload, MAX_LOCAL_TABLE_LEAF, r.rowid));
  const groups = pack(leafCells.map((c) => c.length), PAGE - opts.reserve - 8, false);
  let children = groups.map(([a, b]) => {
    const page = groups.length === 1 && opts.root ? opts.root : pages.alloc();
    writePage(pages.get(page), page === 1 ? 100 : 0, LEAF_TABLE, leafCells.slice(a, b));
    return { page, key: b > a ? rows[b - 1].rowid : 0 };
  });
  while (children.length > 1) {
    const dividers = children.slice(0, -1).map((c) => {
      const key = new Uint8Array(varintLength(c.key));
      putVarint(key, 0, c.key);
      return withChild(c.page, key);
    });
    const level = pack(dividers.map((d) => d.length), PAGE - opts.reserve - 12, true);
    children = level.map(([a, b]) => {
      const page = level.length === 1 && opts.root ? opts.root : pages.alloc();
      writePage(pages.get(page), page === 1 ? 100 : 0, INTERIOR_TABLE, dividers.slice(a, b), children[b].page);
      return { page, key: children[b].key };
    });
  }
  return children[0].page;
}

/** An index: every entry lives in exactly one page, leaf or interior (a B-tree, not a B+tree). */
function buildIndex(pages: Pages, entries: readonly Uint8Array[], opts: TreeOptions): number {
  const leafCells = entries.map((e) => cell(pages, e, MAX_LOCAL_INDEX));
  const groups = pack(leafCells.map((c) => c.length), PAGE - opts.reserve - 8, true);
  let children = groups.map(([a, b]) => {
    const page = groups.length === 1 && opts.root ? opts.root : pages.alloc();
    writePage(pages.get(page), page === 1 ? 100 : 0, LEAF_INDEX, leafCells.slice(a, b));
    return page;
  });
  // The entry after each leaf moves up; its cell keeps its payload and overflow chain.
  let dividers = groups.slice(0, -1).map(([, b]) => leafCells[b]);
  while (children.length > 1) {
    const cells = dividers.map((d, i) => withChild(children[i], d));
    const level = pack(cells.map((c) => c.length), PAGE - opts.reserve - 12, true);
    const next = level.map(([a, b]) => {
      const page = level.length === 1 && opts.root ? opts.root : pages.alloc();
      writePage(pages.get(page), page === 1 ? 100 : 0, INTERIOR_INDEX, cells.slice(a, b), children[b]);
      return page;
    });
    dividers = level.slice(0, -1).map(([, b]) => dividers[b]);
    children = next;
  }
  return children[0];
}

function fileHeader(buf: Uint8Array, pageCount: number): void {
  const dv = new DataView(buf.buffer);
  buf.set(enc.encode('SQLite format 3\0'), 0);
  dv.setUint16(16, PAGE);
  buf[18] = 1; // rollback journal (not WAL): the file is complete on its own
  buf[19] = 1;
  buf[20] = 0;
  buf[21] = 64;
  buf[22] = 32;
  buf[23] = 32;
  dv.setUint32(24, 1); // change counter
  dv.setUint32(28, pageCount);
  dv.setUint32(40, 1); // schema cookie
  dv.setUint32(44, 4); // schema format
  dv.setUint32(56, 1); // UTF-8
  dv.setUint32(92, 1); // version-valid-for = change counter
  dv.setUint32(96, WRITER_VERSION);
}

/**
 * The bytes of a database holding these tables and indexes, created in the
 * given order (their sqlite_master order). Rows need not be sorted.
 */
export function writeSqliteDatabase(objects: readonly (SqlTable | SqlIndex)[]): Uint8Array {
  const pages = new Pages();
  const tables = new Map<string, { rows: SqlRow[]; fields: Field[][] }>();
  const master: SqlRow[] = [];
  for (const o of objects) {
    let root: number;
    if (o.type === 'table') {
      const rows = [...o.rows].sort((x, y) => x.rowid - y.rowid);
      rows.forEach((r, i) => {
        if (i > 0 && r.rowid === rows[i - 1].rowid) throw new RpmkitError('INTERNAL', `sqlite writer: duplicate rowid ${r.rowid} in ${o.name}`);
      });
      const fields = rows.map((r) => r.values.map(field));
      tables.set(o.name, { rows, fields });
      root = buildTable(pages, rows.map((r, i) => ({ rowid: r.rowid, payload: record(fields[i]) })), { reserve: 0 });
    } else {
      const t = tables.get(o.table);
      if (!t) throw new RpmkitError('INTERNAL', `sqlite writer: index ${o.name} before its table ${o.table}`);
      const keys = t.rows.map((r, i) => [...o.columns.map((c) => t.fields[i][c]), intField(r.rowid)]);
      keys.sort((x, y) => {
        for (let i = 0; i < x.length; i++) {
          const c = compareFields(x[i], y[i]);
          if (c !== 0) return c;
        }
        return 0;
      });
      root = buildIndex(pages, keys.map(record), { reserve: 0 });
    }
    master.push({ rowid: master.length + 1, values: [o.type, o.name, o.type === 'table' ? o.name : o.table, root, o.sql] });
  }
  buildTable(pages, master.map((r) => ({ rowid: r.rowid, payload: record(r.values.map(field)) })), { root: 1, reserve: 100 });
  fileHeader(pages.get(1), pages.pages.length);
  const out = new Uint8Array(pages.pages.length * PAGE);
  pages.pages.forEach((p, i) => out.set(p, i * PAGE));
  return out;
}
