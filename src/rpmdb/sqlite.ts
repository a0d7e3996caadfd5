// Writes rpm's sqlite database (rpm >= 4.16, %_db_backend sqlite) with
// sql.js (wasm: no native build, the same bytes on every run). The schema
// is the one rpm creates, as found in a real database it wrote.
import initSqlJs from 'sql.js';
import { INDEX_TABLES, indexRows } from './indexes.js';
import { HeaderView } from './header-blob.js';
import { RpmkitError } from '../errors.js';

type SqlJs = Awaited<ReturnType<typeof initSqlJs>>;
let sqlJs: Promise<SqlJs> | undefined;
function loadSqlJs(): Promise<SqlJs> {
  sqlJs ??= initSqlJs();
  return sqlJs;
}

/** Tables whose key rpm stores as a blob (numeric and binary tags): no key index. */
const BLOB_KEYS = new Set(['Installtid', 'Sigmd5']);
/** Single-valued tags: rpm creates no hnum index for them. */
const NO_HNUM_INDEX = new Set(['Name', 'Group', 'Sha1header', 'Installtid', 'Sigmd5']);

function schema(): string[] {
  const sql = ["CREATE TABLE 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT,blob BLOB NOT NULL)"];
  for (const [t] of INDEX_TABLES) {
    const keyType = BLOB_KEYS.has(t) ? 'BLOB' : 'TEXT';
    sql.push(`CREATE TABLE '${t}' (key '${keyType}' NOT NULL, hnum INTEGER NOT NULL, idx INTEGER NOT NULL, FOREIGN KEY (hnum) REFERENCES 'Packages'(hnum))`);
    if (!BLOB_KEYS.has(t)) sql.push(`CREATE INDEX '${t}_key_idx' ON '${t}'(key ASC)`);
    if (!NO_HNUM_INDEX.has(t)) sql.push(`CREATE INDEX '${t}_hnum_idx' ON '${t}'(hnum ASC)`);
  }
  return sql;
}

/**
 * Build the database file from installed-header blobs (hnum = position + 1,
 * like a fresh rpm database filled in install order). Returns the file's bytes.
 */
export async function buildRpmdbSqlite(blobs: Uint8Array[]): Promise<Uint8Array> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database();
  try {
    db.run('PRAGMA page_size = 4096');
    db.run('PRAGMA encoding = "UTF-8"');
    for (const s of schema()) db.run(s);
    db.run('BEGIN');
    const insPkg = db.prepare("INSERT INTO 'Packages' (hnum, blob) VALUES (?, ?)");
    const ins = new Map(INDEX_TABLES.map(([t]) => [t, db.prepare(`INSERT INTO '${t}' (key, hnum, idx) VALUES (?, ?, ?)`)]));
    try {
      blobs.forEach((blob, i) => {
        const hnum = i + 1;
        insPkg.run([hnum, blob]);
        for (const row of indexRows(HeaderView.parse(blob, `rpmdb header #${hnum}`))) {
          ins.get(row.table)?.run([row.key, hnum, row.idx]);
        }
      });
    } finally {
      insPkg.free();
      for (const s of ins.values()) s.free();
    }
    db.run('COMMIT');
    return db.export();
  } finally {
    db.close();
  }
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
