// The static SQLite writer against SQLite itself: sql.js (SQLite compiled to
// wasm) and the system's libsqlite3 through python3 must both find the file
// sound (`PRAGMA integrity_check`), read back every row we wrote, and answer
// index lookups and index-ordered scans the way the rows say. The cases aim
// at the format's edges: empty tables, every integer width, non-ASCII text,
// payloads on both sides of the overflow limits, long index keys (overflow in
// interior index cells), trees three levels deep, and a schema larger than
// page 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import initSqlJs from 'sql.js';
import { writeSqliteDatabase, type SqlIndex, type SqlRow, type SqlTable, type SqlValue } from '../../src/rpmdb/sqlite-file.js';
import { needTool, tempDir } from '../helpers/env.js';

type Obj = SqlTable | SqlIndex;

/** A deterministic pseudo-random source (tests must not vary between runs). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const show = (v: unknown): unknown => (v instanceof Uint8Array ? `x'${Buffer.from(v).toString('hex')}'` : typeof v === 'bigint' ? Number(v) : v);

/** SQLite's order for one indexed value: NULL, numbers, text (bytes), blobs (bytes). */
function sqlCompare(a: SqlValue, b: SqlValue): number {
  const cls = (v: SqlValue) => (v === null ? 0 : typeof v === 'number' ? 1 : typeof v === 'string' ? 2 : 3);
  if (cls(a) !== cls(b)) return cls(a) - cls(b);
  if (typeof a === 'number') return a - (b as number);
  if (a === null) return 0;
  const ab = typeof a === 'string' ? Buffer.from(a) : Buffer.from(a);
  const bb = typeof b === 'string' ? Buffer.from(b) : Buffer.from(b as Uint8Array);
  return Buffer.compare(ab, bb);
}

/** Rowids in index order (ties by rowid), computing each key's bytes once. */
function sortedRowids(rows: readonly SqlRow[], col: number): number[] {
  const keyed = rows.map((r) => {
    const v = r.values[col];
    return { rowid: r.rowid, v: typeof v === 'string' ? Buffer.from(v) : v, cls: v === null ? 0 : typeof v === 'number' ? 1 : typeof v === 'string' ? 2 : 3 };
  });
  keyed.sort((a, b) => a.cls - b.cls || (a.cls === 1 ? (a.v as number) - (b.v as number) : a.cls >= 2 ? Buffer.compare(a.v as Uint8Array, b.v as Uint8Array) : 0) || a.rowid - b.rowid);
  return keyed.map((k) => k.rowid);
}

/** What a table must read back as: rowid then values, in rowid order. */
function expectedRows(t: SqlTable): unknown[][] {
  return [...t.rows].sort((a, b) => a.rowid - b.rowid).map((r) => [r.rowid, ...r.values.map(show)]);
}

function columnName(t: SqlTable, i: number): string {
  return /\((.*)\)/.exec(t.sql)![1].split(',')[i].trim().split(/\s+/)[0];
}

async function checkWithSqlJs(bytes: Uint8Array, objects: Obj[]): Promise<void> {
  const SQL = await initSqlJs();
  const db = new SQL.Database(bytes);
  try {
    assert.deepEqual(db.exec('PRAGMA integrity_check')[0].values, [['ok']]);
    const master = db.exec('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid')[0].values;
    assert.deepEqual(master, objects.map((o) => [o.type, o.name, o.type === 'table' ? o.name : o.table, o.sql]));
    const tables = new Map<string, SqlTable>();
    for (const o of objects) {
      if (o.type === 'table') {
        tables.set(o.name, o);
        const got = db.exec(`SELECT rowid, * FROM "${o.name}" ORDER BY rowid`)[0]?.values ?? [];
        assert.deepEqual(got.map((r) => r.map(show)), expectedRows(o), `rows of ${o.name}`);
        continue;
      }
      const t = tables.get(o.table)!;
      const col = columnName(t, o.columns[0]);
      // An index-ordered scan: SQLite walks our B-tree, so its order is ours.
      const scan = db.exec(`SELECT rowid FROM "${t.name}" INDEXED BY "${o.name}" ORDER BY "${col}"`)[0]?.values.map((r) => Number(r[0])) ?? [];
      const want = sortedRowids(t.rows, o.columns[0]);
      assert.deepEqual(scan, want, `index order of ${o.name}`);
      // Point lookups through the index, for a sample of keys.
      const step = Math.max(1, Math.floor(t.rows.length / 25));
      for (let i = 0; i < t.rows.length; i += step) {
        const key: SqlValue = t.rows[i].values[o.columns[0]];
        if (key === null) continue;
        const stmt = db.prepare(`SELECT rowid FROM "${t.name}" INDEXED BY "${o.name}" WHERE "${col}" = ? ORDER BY rowid`);
        stmt.bind([key]);
        const got: number[] = [];
        while (stmt.step()) got.push(Number(stmt.get()[0]));
        stmt.free();
        const exp: number[] = t.rows.filter((r) => sqlCompare(r.values[o.columns[0]], key) === 0).map((r) => r.rowid).sort((a, b) => a - b);
        assert.deepEqual(got, exp, `lookup ${String(show(key)).slice(0, 40)} in ${o.name}`);
      }
    }
  } finally {
    db.close();
  }
}

/** The system's SQLite (python3's sqlite3 module): integrity and row counts and a digest of every row. */
function checkWithPython(t: import('node:test').TestContext, bytes: Uint8Array, objects: Obj[]): void {
  if (!needTool(t, 'python3')) return;
  const file = path.join(tempDir(t), 'db.sqlite');
  writeFileSync(file, bytes);
  const script = `
import sqlite3, sys, json
c = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True)
out = {'integrity': c.execute('PRAGMA integrity_check').fetchall()[0][0], 'tables': {}}
for (name,) in c.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall():
    rows = c.execute('SELECT rowid, * FROM "%s" ORDER BY rowid' % name).fetchall()
    out['tables'][name] = [[("x'" + v.hex() + "'") if isinstance(v, bytes) else v for v in r] for r in rows]
print(json.dumps(out))
`;
  const r = spawnSync('python3', ['-c', script, file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout) as { integrity: string; tables: Record<string, unknown[][]> };
  assert.equal(got.integrity, 'ok');
  for (const o of objects) if (o.type === 'table') assert.deepEqual(got.tables[o.name], expectedRows(o), `python3 rows of ${o.name}`);
}

async function roundTrip(t: import('node:test').TestContext, objects: Obj[]): Promise<Uint8Array> {
  const bytes = writeSqliteDatabase(objects);
  assert.equal(bytes.length % 4096, 0);
  assert.deepEqual(writeSqliteDatabase(objects), bytes, 'the same input gives the same bytes');
  await checkWithSqlJs(bytes, objects);
  checkWithPython(t, bytes, objects);
  return bytes;
}

const table = (name: string, cols: string, rows: SqlRow[]): SqlTable => ({ type: 'table', name, sql: `CREATE TABLE "${name}" (${cols})`, rows });
const index = (name: string, tbl: string, col: string, columns: number[]): SqlIndex => ({ type: 'index', name, table: tbl, sql: `CREATE INDEX "${name}" ON "${tbl}"(${col} ASC)`, columns });

test('empty tables and indexes, and a one-row table', async (t) => {
  await roundTrip(t, [table('e', 'k TEXT, v INTEGER', []), index('e_k', 'e', 'k', [0]), table('one', 'k TEXT', [{ rowid: 7, values: ['x'] }]), index('one_k', 'one', 'k', [0])]);
});

test('every integer width, negatives, NULL, non-ASCII and empty text, blobs; sparse rowids', async (t) => {
  const ints = [0, 1, -1, 2, 127, 128, -128, -129, 32767, 32768, -32769, 8388607, 8388608, -8388609, 2 ** 31 - 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 47 - 1, 2 ** 47, -(2 ** 47) - 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
  const texts = ['', 'a', 'Z', 'é', 'ä', '€', '😀', 'a\u0000b', 'zz', 'Ω'];
  const rows: SqlRow[] = [];
  let rowid = 1;
  for (const i of ints) rows.push({ rowid: (rowid += 3), values: [i, texts[rowid % texts.length], null] });
  for (const s of texts) rows.push({ rowid: (rowid += 1000), values: [s, s, new Uint8Array([...Buffer.from(s), 0xff])] });
  rows.push({ rowid: 2 ** 40, values: [null, null, new Uint8Array(0)] });
  rows.push({ rowid: 3, values: [new Uint8Array([0, 1]), 'mixed', null] });
  await roundTrip(t, [table('m', 'a, b TEXT, c BLOB', rows), index('m_a', 'm', 'a', [0]), index('m_b', 'm', 'b', [1]), index('m_c', 'm', 'c', [2])]);
});

test('payloads on both sides of the local limits, overflow chains of many pages', async (t) => {
  const rand = rng(7);
  const rows: SqlRow[] = [];
  let id = 1;
  // Table leaves keep up to 4061 bytes locally; index cells up to 1002.
  for (const n of [0, 100, 480, 489, 490, 990, 1000, 1002, 1003, 1010, 4050, 4058, 4059, 4060, 4061, 4062, 4070, 4092, 4093, 8000, 8184, 100_000]) {
    const blob = new Uint8Array(n).map(() => Math.floor(rand() * 256));
    const text = 'k'.repeat(Math.max(0, n - 6)) + String(id).padStart(6, '0');
    rows.push({ rowid: id++, values: [blob, n <= 20_000 ? text : `big${id}`] });
  }
  await roundTrip(t, [table('p', 'blob BLOB, key TEXT', rows), index('p_key', 'p', 'key', [1]), index('p_blob', 'p', 'blob', [0])]);
});

test('deep trees: 30,000 rows, duplicate keys, long keys that overflow from interior index pages', async (t) => {
  const rand = rng(42);
  const rows: SqlRow[] = [];
  for (let i = 1; i <= 30_000; i++) {
    const r = rand();
    const key = r < 0.05 ? `long/${'x'.repeat(900 + Math.floor(rand() * 600))}/${i}` : r < 0.4 ? `dup${Math.floor(rand() * 50)}` : `k${Math.floor(rand() * 1e9).toString(36)}`;
    rows.push({ rowid: i, values: [key, Math.floor(rand() * 300), i % 17] });
  }
  // Shuffled input: the writer sorts.
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [rows[i], rows[j]] = [rows[j], rows[i]];
  }
  const bytes = await roundTrip(t, [table('big', 'key TEXT NOT NULL, hnum INTEGER NOT NULL, idx INTEGER NOT NULL', rows), index('big_key', 'big', 'key', [0]), index('big_hnum', 'big', 'hnum', [1])]);
  // The key index is three levels deep: root and its first child are interior index pages.
  const SQL = await initSqlJs();
  const db = new SQL.Database(bytes);
  const root = Number(db.exec("SELECT rootpage FROM sqlite_master WHERE name = 'big_key'")[0].values[0][0]);
  db.close();
  const page = (n: number) => bytes.subarray((n - 1) * 4096, n * 4096);
  assert.equal(page(root)[0], 0x02);
  const child = Buffer.from(page(root)).readUInt32BE(Buffer.from(page(root)).readUInt16BE(12));
  assert.equal(page(child)[0], 0x02);
});

test('a schema that does not fit page 1 (sqlite_master becomes a tree)', async (t) => {
  const objects: Obj[] = [];
  for (let i = 0; i < 120; i++) {
    const name = `table_with_a_rather_long_name_${String(i).padStart(3, '0')}`;
    objects.push(table(name, 'key TEXT NOT NULL, hnum INTEGER NOT NULL, idx INTEGER NOT NULL, payload BLOB', [{ rowid: 1, values: [`v${i}`, i, 0, new Uint8Array(3)] }]));
    objects.push(index(`${name}_key_idx`, name, 'key', [0]));
  }
  const bytes = await roundTrip(t, objects);
  assert.equal(bytes[100], 0x05, 'page 1 is an interior table page');
});

test('refuses what it cannot store instead of writing a bad file', () => {
  assert.throws(() => writeSqliteDatabase([table('x', 'a', [{ rowid: 1, values: [1.5] }])]), { code: 'INTERNAL' });
  assert.throws(() => writeSqliteDatabase([table('x', 'a', [{ rowid: 1, values: [1] }, { rowid: 1, values: [2] }])]), { code: 'INTERNAL' });
  assert.throws(() => writeSqliteDatabase([index('i', 'nope', 'a', [0])]), { code: 'INTERNAL' });
});

test('row counts around a full page: no page is left empty at the end of a level', async () => {
  // 100-byte keys fill a leaf with a few dozen entries; sweeping the count
  // crosses the point where the entry after the first full leaf is the last one.
  for (let n = 30; n <= 90; n++) {
    const rows: SqlRow[] = Array.from({ length: n }, (_, i) => ({ rowid: i + 1, values: [`${String(i).padStart(4, '0')}${'k'.repeat(96)}`] }));
    const objects: Obj[] = [table('s', 'key TEXT', rows), index('s_key', 's', 'key', [0])];
    const bytes = writeSqliteDatabase(objects);
    for (let p = 1; p * 4096 <= bytes.length; p++) {
      const page = bytes.subarray((p - 1) * 4096, p * 4096);
      const off = p === 1 ? 100 : 0;
      if ([0x02, 0x0a].includes(page[off])) assert.ok(Buffer.from(page).readUInt16BE(off + 3) > 0, `${n} rows: index page ${p} is empty`);
    }
    await checkWithSqlJs(bytes, objects);
  }
});
