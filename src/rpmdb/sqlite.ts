// rpm's sqlite database (rpm >= 4.16, %_db_backend sqlite). The schema is
// the one rpm creates, as found in a real database it wrote. Writing uses our
// own bulk loader (sqlite-file.ts: the same bytes on every run, no wasm to
// compile); reading an existing database, which only `install` into a
// non-empty root needs, uses SQLite itself through sql.js.
import { INDEX_TABLES, indexRows } from './indexes.js';
import { HeaderView } from './header-blob.js';
import { writeSqliteDatabase, type SqlIndex, type SqlRow, type SqlTable } from './sqlite-file.js';
import { RpmkitError } from '../errors.js';

type SqlJs = Awaited<ReturnType<typeof import('sql.js').default>>;
let sqlJs: Promise<SqlJs> | undefined;
/** Loaded on first use: most runs write a database and never read one. */
function loadSqlJs(): Promise<SqlJs> {
  sqlJs ??= import('sql.js').then((m) => m.default());
  return sqlJs;
}

/** Tables whose key rpm stores as a blob (numeric and binary tags): no key index. */
const BLOB_KEYS = new Set(['Installtid', 'Sigmd5']);
/** Single-valued tags: rpm creates no hnum index for them. */
const NO_HNUM_INDEX = new Set(['Name', 'Group', 'Sha1header', 'Installtid', 'Sigmd5']);

/** One table or index of rpm's schema: its CREATE statement, and the indexed column (0 key, 1 hnum). */
export interface RpmdbSchemaObject {
  type: 'table' | 'index';
  name: string;
  table: string;
  sql: string;
  column?: 0 | 1;
}

/** rpm's tables and indexes, in the order rpm creates them (sqlite_sequence comes with Packages). */
export function rpmdbSchema(): RpmdbSchemaObject[] {
  const out: RpmdbSchemaObject[] = [
    { type: 'table', name: 'Packages', table: 'Packages', sql: "CREATE TABLE 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT,blob BLOB NOT NULL)" },
  ];
  for (const [t] of INDEX_TABLES) {
    const keyType = BLOB_KEYS.has(t) ? 'BLOB' : 'TEXT';
    out.push({ type: 'table', name: t, table: t, sql: `CREATE TABLE '${t}' (key '${keyType}' NOT NULL, hnum INTEGER NOT NULL, idx INTEGER NOT NULL, FOREIGN KEY (hnum) REFERENCES 'Packages'(hnum))` });
    if (!BLOB_KEYS.has(t)) out.push({ type: 'index', name: `${t}_key_idx`, table: t, sql: `CREATE INDEX '${t}_key_idx' ON '${t}'(key ASC)`, column: 0 });
    if (!NO_HNUM_INDEX.has(t)) out.push({ type: 'index', name: `${t}_hnum_idx`, table: t, sql: `CREATE INDEX '${t}_hnum_idx' ON '${t}'(hnum ASC)`, column: 1 });
  }
  return out;
}

/**
 * Build the database file from installed-header blobs (hnum = position + 1,
 * like a fresh rpm database filled in install order; index rows get rowids in
 * the order rpm would insert them). Returns the file's bytes.
 */
export async function buildRpmdbSqlite(blobs: Uint8Array[]): Promise<Uint8Array> {
  const rows = new Map<string, SqlRow[]>([['Packages', blobs.map((blob, i) => ({ rowid: i + 1, values: [null, blob] }))]]);
  for (const [t] of INDEX_TABLES) rows.set(t, []);
  blobs.forEach((blob, i) => {
    const hnum = i + 1;
    for (const row of indexRows(HeaderView.parse(blob, `rpmdb header #${hnum}`))) {
      const list = rows.get(row.table);
      list?.push({ rowid: list.length + 1, values: [row.key, hnum, row.idx] });
    }
  });
  const objects: (SqlTable | SqlIndex)[] = [];
  for (const o of rpmdbSchema()) {
    if (o.type === 'index') {
      objects.push({ type: 'index', name: o.name, table: o.table, sql: o.sql, columns: [o.column ?? 0] });
      continue;
    }
    objects.push({ type: 'table', name: o.name, sql: o.sql, rows: rows.get(o.name)! });
    // AUTOINCREMENT's bookkeeping: the largest hnum handed out, once there is one.
    if (o.name === 'Packages') objects.push({ type: 'table', name: 'sqlite_sequence', sql: 'CREATE TABLE sqlite_sequence(name,seq)', rows: blobs.length ? [{ rowid: 1, values: ['Packages', blobs.length] }] : [] });
  }
  return writeSqliteDatabase(objects);
}

/** The header blobs of an existing rpm sqlite database, in hnum order. */
export async function readRpmdbBlobs(file: Uint8Array): Promise<Uint8Array[]> {
  const SQL = await loadSqlJs();
  let db;
  try {
    db = new SQL.Database(file);
    const r = db.exec('SELECT blob FROM Packages ORDER BY hnum')[0];
    return (r?.values ?? []).map((v) => {
      if (!(v[0] instanceof Uint8Array)) throw new Error('Packages.blob is not a blob');
      return v[0];
    });
  } catch (e) {
    throw new RpmkitError('METADATA_INVALID', `the existing rpm database is unreadable: ${(e as Error).message}`, { cause: e, hint: 'remove /var/lib/rpm/rpmdb.sqlite from the root or install into an empty root' });
  } finally {
    db?.close();
  }
}
