// A writer for a complete, static SQLite 3 database file (the format of
// https://www.sqlite.org/fileformat2.html): tables as rowid B+trees, indexes
// as B-trees, both packed bottom-up from sorted rows. rpm's database is
// written once per install and never updated in place by us, so a bulk
// loader is all we need; running SQLite itself (sql.js) for it cost ~0.3 s of
// wasm compilation and cold code per build, more than the rest of the rpmdb.
// The output is what SQLite would read back as the same rows and schema, and
// passes its `PRAGMA integrity_check` (test/rpmdb/sqlite-file.test.ts).
import { RpmkitError } from '../errors.js';
import { indexOrder, putVarint, recordSize, varintLength, writeRecord, type SqlRow, type SqlValue } from './sqlite-record.js';

export type { SqlRow, SqlValue } from './sqlite-record.js';

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

/** The pages of the file being built; page 1 is reserved for the schema's root. */
class Pages {
  readonly pages: Buffer[] = [Buffer.alloc(PAGE)];
  /** Records are encoded here just before their cell is written (each cell is written once). */
  private scratch = Buffer.alloc(PAGE);
  /** The record of `fields` (`size` bytes), valid until the next call. */
  record(fields: readonly SqlValue[], size: number): Buffer {
    if (this.scratch.length < size) this.scratch = Buffer.alloc(Math.max(size, this.scratch.length * 2));
    writeRecord(fields, this.scratch);
    return this.scratch;
  }
  alloc(): number {
    this.pages.push(Buffer.alloc(PAGE));
    return this.pages.length;
  }
  get(n: number): Buffer {
    return this.pages[n - 1];
  }
}

/** Payload bytes a cell keeps in its page; the rest goes to overflow pages. */
function localSize(p: number, maxLocal: number): number {
  if (p <= maxLocal) return p;
  const k = MIN_LOCAL + ((p - MIN_LOCAL) % (PAGE - 4));
  return k <= maxLocal ? k : MIN_LOCAL;
}

/** The size of a cell with a p-byte payload and `extra` bytes of child pointer or rowid. */
function payloadCellSize(p: number, maxLocal: number, extra: number): number {
  const local = localSize(p, maxLocal);
  return extra + varintLength(p) + local + (local < p ? 4 : 0);
}

/** Big-endian u32 and u16 without Buffer's argument checks (these run once per cell). */
function put32(buf: Uint8Array, at: number, v: number): number {
  buf[at] = v >>> 24;
  buf[at + 1] = (v >>> 16) & 0xff;
  buf[at + 2] = (v >>> 8) & 0xff;
  buf[at + 3] = v & 0xff;
  return at + 4;
}
function put16(buf: Uint8Array, at: number, v: number): void {
  buf[at] = v >>> 8;
  buf[at + 1] = v & 0xff;
}

/**
 * Write a cell at `at`: [child page] payload length, [rowid], the record of
 * `fields` (`size` bytes) up to the local limit, and the rest on a chain of
 * overflow pages.
 */
function putPayloadCell(pages: Pages, buf: Buffer, at: number, fields: readonly SqlValue[], size: number, maxLocal: number, child?: number, rowid?: number): void {
  const rec = pages.record(fields, size);
  if (child !== undefined) at = put32(buf, at, child);
  at = putVarint(buf, at, size);
  if (rowid !== undefined) at = putVarint(buf, at, rowid);
  const local = localSize(size, maxLocal);
  rec.copy(buf, at, 0, local);
  if (local < size) put32(buf, at + local, overflowChain(pages, rec.subarray(local, size)));
}

function overflowChain(pages: Pages, rest: Uint8Array): number {
  const first = pages.alloc();
  let page = first;
  for (let off = 0; off < rest.length; off += PAGE - 4) {
    const buf = pages.get(page);
    buf.set(rest.subarray(off, off + PAGE - 4), 4);
    const next = off + PAGE - 4 < rest.length ? pages.alloc() : 0;
    put32(buf, 0, next);
    page = next;
  }
  return first;
}

/** Write one B-tree page: header, cell pointers, and `count` cells packed from the end. */
function writePage(buf: Buffer, start: number, flag: number, count: number, sizeOf: (j: number) => number, writeCell: (j: number, at: number) => void, rightChild?: number): void {
  const hdr = rightChild === undefined ? 8 : 12;
  let used = start + hdr;
  for (let j = 0; j < count; j++) used += sizeOf(j) + 2;
  if (used > PAGE) throw new RpmkitError('INTERNAL', 'sqlite writer: page overflow');
  let content = PAGE;
  for (let j = 0; j < count; j++) {
    content -= sizeOf(j);
    writeCell(j, content);
    put16(buf, start + hdr + 2 * j, content);
  }
  buf[start] = flag;
  buf.writeUInt16BE(0, start + 1);
  buf.writeUInt16BE(count, start + 3);
  buf.writeUInt16BE(content, start + 5);
  buf[start + 7] = 0;
  if (rightChild !== undefined) buf.writeUInt32BE(rightChild, start + 8);
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

/** A page for one of `count` pages of a level: the forced root when it is the only one. */
function levelPage(pages: Pages, count: number, opts: TreeOptions): number {
  return count === 1 && opts.root ? opts.root : pages.alloc();
}

/** A rowid table (rows sorted by rowid): leaves hold (rowid, record); interior cells hold (child, largest rowid under it). */
function buildTable(pages: Pages, rows: readonly SqlRow[], opts: TreeOptions): number {
  const psize = rows.map((r) => recordSize(r.values));
  const sizes = rows.map((r, i) => payloadCellSize(psize[i], MAX_LOCAL_TABLE_LEAF, varintLength(r.rowid)));
  const groups = pack(sizes, PAGE - opts.reserve - 8, false);
  let children = groups.map(([a, b]) => {
    const page = levelPage(pages, groups.length, opts);
    const buf = pages.get(page);
    writePage(buf, page === 1 ? 100 : 0, LEAF_TABLE, b - a, (j) => sizes[a + j], (j, at) => putPayloadCell(pages, buf, at, rows[a + j].values, psize[a + j], MAX_LOCAL_TABLE_LEAF, undefined, rows[a + j].rowid));
    return { page, key: b > a ? rows[b - 1].rowid : 0 };
  });
  while (children.length > 1) {
    const cells = children.slice(0, -1).map((c) => {
      const out = Buffer.alloc(4 + varintLength(c.key));
      out.writeUInt32BE(c.page, 0);
      putVarint(out, 4, c.key);
      return out;
    });
    const level = pack(cells.map((c) => c.length), PAGE - opts.reserve - 12, true);
    children = level.map(([a, b]) => {
      const page = levelPage(pages, level.length, opts);
      const buf = pages.get(page);
      writePage(buf, page === 1 ? 100 : 0, INTERIOR_TABLE, b - a, (j) => cells[a + j].length, (j, at) => cells[a + j].copy(buf, at), children[b].page);
      return { page, key: children[b].key };
    });
  }
  return children[0].page;
}

/** An index: every entry lives in exactly one page, leaf or interior (a B-tree, not a B+tree). */
function buildIndex(pages: Pages, rows: readonly SqlRow[], columns: readonly number[], opts: TreeOptions): number {
  const order = indexOrder(rows, columns);
  // Entry k is the k-th row in index order: its indexed values, then its
  // rowid (in one reused array: a record is sized or written at once).
  const entry: SqlValue[] = [];
  const fieldsOf = (k: number) => {
    const row = rows[order[k]];
    for (let i = 0; i < columns.length; i++) entry[i] = row.values[columns[i]];
    entry[columns.length] = row.rowid;
    return entry;
  };
  const psize = order.map((_, k) => recordSize(fieldsOf(k)));
  const sizes = psize.map((p) => payloadCellSize(p, MAX_LOCAL_INDEX, 0));
  const groups = pack(sizes, PAGE - opts.reserve - 8, true);
  let children = groups.map(([a, b]) => {
    const page = levelPage(pages, groups.length, opts);
    const buf = pages.get(page);
    writePage(buf, page === 1 ? 100 : 0, LEAF_INDEX, b - a, (j) => sizes[a + j], (j, at) => putPayloadCell(pages, buf, at, fieldsOf(a + j), psize[a + j], MAX_LOCAL_INDEX));
    return page;
  });
  // The entry after each page moves up, and is written where it lands.
  let dividers = groups.slice(0, -1).map(([, b]) => b);
  while (children.length > 1) {
    const cellSizes = dividers.map((k) => 4 + sizes[k]);
    const level = pack(cellSizes, PAGE - opts.reserve - 12, true);
    const below = children;
    const ks = dividers;
    children = level.map(([a, b]) => {
      const page = levelPage(pages, level.length, opts);
      const buf = pages.get(page);
      writePage(buf, page === 1 ? 100 : 0, INTERIOR_INDEX, b - a, (j) => cellSizes[a + j], (j, at) => putPayloadCell(pages, buf, at, fieldsOf(ks[a + j]), psize[ks[a + j]], MAX_LOCAL_INDEX, below[a + j]), below[b]);
      return page;
    });
    dividers = level.slice(0, -1).map(([, b]) => ks[b]);
  }
  return children[0];
}

function fileHeader(buf: Buffer, pageCount: number): void {
  buf.write('SQLite format 3\0', 0, 'latin1');
  buf.writeUInt16BE(PAGE, 16);
  buf[18] = 1; // rollback journal (not WAL): the file is complete on its own
  buf[19] = 1;
  buf[20] = 0;
  buf[21] = 64;
  buf[22] = 32;
  buf[23] = 32;
  buf.writeUInt32BE(1, 24); // change counter
  buf.writeUInt32BE(pageCount, 28);
  buf.writeUInt32BE(1, 40); // schema cookie
  buf.writeUInt32BE(4, 44); // schema format
  buf.writeUInt32BE(1, 56); // UTF-8
  buf.writeUInt32BE(1, 92); // version-valid-for = change counter
  buf.writeUInt32BE(WRITER_VERSION, 96);
}

/**
 * The bytes of a database holding these tables and indexes, created in the
 * given order (their sqlite_master order). Rows need not be sorted.
 */
export function writeSqliteDatabase(objects: readonly (SqlTable | SqlIndex)[]): Uint8Array {
  const pages = new Pages();
  const tables = new Map<string, readonly SqlRow[]>();
  const master: SqlRow[] = [];
  for (const o of objects) {
    let root: number;
    if (o.type === 'table') {
      const rows = [...o.rows].sort((x, y) => x.rowid - y.rowid);
      rows.forEach((r, i) => {
        if (i > 0 && r.rowid === rows[i - 1].rowid) throw new RpmkitError('INTERNAL', `sqlite writer: duplicate rowid ${r.rowid} in ${o.name}`);
      });
      tables.set(o.name, rows);
      root = buildTable(pages, rows, { reserve: 0 });
    } else {
      const rows = tables.get(o.table);
      if (!rows) throw new RpmkitError('INTERNAL', `sqlite writer: index ${o.name} before its table ${o.table}`);
      root = buildIndex(pages, rows, o.columns, { reserve: 0 });
    }
    master.push({ rowid: master.length + 1, values: [o.type, o.name, o.type === 'table' ? o.name : o.table, root, o.sql] });
  }
  buildTable(pages, master, { root: 1, reserve: 100 });
  fileHeader(pages.get(1), pages.pages.length);
  return Buffer.concat(pages.pages);
}
