// rpmdb writer against rpm itself: the index rows of a real rpm-written
// database (Azure Linux 2.0), byte-identical header blobs and index rows
// compared with `rpm -i --justdb`, and rpm's own queries on a database we
// wrote for the Debian-derived python3 closure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, mkdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import initSqlJs from 'sql.js';
import { sharedPath, needTool, tempDir } from '../helpers/env.js';
import { distroRepo } from '../helpers/fixtures.js';
import { splitRpm } from './split-rpm.js';
import { HeaderView, INDEX_TABLES, buildRpmdb, buildRpmdbSqlite, rpmdbSchema, indexRows, installedHeaderBlob, richDepNames, rpmdbPath, writeRpmdb, parseHeaderBlob } from '../../src/rpmdb/index.js';
import { RpmkitError } from '../../src/errors.js';

const keyText = (k: unknown) => (k instanceof Uint8Array ? `x${Buffer.from(k).toString('hex')}` : String(k));

async function tableRows(dbBytes: Uint8Array, table: string): Promise<string[]> {
  const SQL = await initSqlJs();
  const db = new SQL.Database(dbBytes);
  try {
    const r = db.exec(`SELECT key, hnum, idx FROM '${table}'`)[0];
    return (r?.values ?? []).map((v) => `${keyText(v[0])}|${String(v[1])}|${String(v[2])}`).sort();
  } finally {
    db.close();
  }
}

function rpm(args: string[]) {
  return spawnSync('rpm', args, { encoding: 'utf8', maxBuffer: 1 << 28 });
}

test('index rows computed from each real blob equal the tables rpm wrote (Azure Linux 2.0)', async (t) => {
  const file = sharedPath(t, 'data/rpmdb/azurelinux-2.0/rpmdb.sqlite');
  if (!file) return;
  const bytes = new Uint8Array(readFileSync(file));
  const SQL = await initSqlJs();
  const db = new SQL.Database(bytes);
  const blobs = db.exec('SELECT hnum, blob FROM Packages ORDER BY hnum')[0].values as [number, Uint8Array][];
  db.close();
  assert.equal(blobs.length, 129);
  for (const [table] of INDEX_TABLES) {
    const mine: string[] = [];
    for (const [hnum, blob] of blobs) for (const r of indexRows(HeaderView.parse(blob))) if (r.table === table) mine.push(`${keyText(r.key)}|${hnum}|${r.idx}`);
    assert.deepEqual(mine.sort(), await tableRows(bytes, table), `table ${table}`);
  }
});

test('schema matches the real rpm database', async (t) => {
  const file = sharedPath(t, 'data/rpmdb/azurelinux-2.0/rpmdb.sqlite');
  if (!file) return;
  const SQL = await initSqlJs();
  const q = (bytes: Uint8Array) => {
    const db = new SQL.Database(bytes);
    try {
      const r = db.exec("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name")[0];
      return { schema: r.values.map((v) => v.join(' ')), pageSize: db.exec('PRAGMA page_size')[0].values[0][0] };
    } finally {
      db.close();
    }
  };
  const real = q(new Uint8Array(readFileSync(file)));
  const ours = q(await buildRpmdb([]));
  assert.deepEqual(ours, real);
});

test('the file we write holds what SQLite itself makes of the same INSERTs (129 real Azure Linux headers)', async (t) => {
  const file = sharedPath(t, 'data/rpmdb/azurelinux-2.0/rpmdb.sqlite');
  if (!file) return;
  const SQL = await initSqlJs();
  const real = new SQL.Database(new Uint8Array(readFileSync(file)));
  const blobs = (real.exec('SELECT blob FROM Packages ORDER BY hnum')[0].values as [Uint8Array][]).map((r) => r[0]);
  real.close();
  // The reference: SQLite (sql.js) running rpm's statements, rows in rpm's insert order.
  const ref = new SQL.Database();
  for (const o of rpmdbSchema()) ref.run(o.sql);
  ref.run('BEGIN');
  blobs.forEach((blob, i) => {
    ref.run("INSERT INTO 'Packages' (hnum, blob) VALUES (?, ?)", [i + 1, blob]);
    for (const r of indexRows(HeaderView.parse(blob))) ref.run(`INSERT INTO '${r.table}' (key, hnum, idx) VALUES (?, ?, ?)`, [r.key, i + 1, r.idx]);
  });
  ref.run('COMMIT');
  const ours = new SQL.Database(await buildRpmdbSqlite(blobs));
  try {
    assert.deepEqual(ours.exec('PRAGMA integrity_check')[0].values, [['ok']]);
    const master = (db: typeof ours) => db.exec('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid')[0].values;
    assert.deepEqual(master(ours), master(ref));
    for (const [type, name] of master(ref)) {
      if (type !== 'table') continue;
      const rows = (db: typeof ours) => db.exec(`SELECT rowid, * FROM '${String(name)}' ORDER BY rowid`)[0]?.values ?? [];
      assert.deepEqual(rows(ours), rows(ref), `table ${String(name)}`);
    }
    // rpm's lookups go through the key indexes: the same answers for every key.
    for (const [table] of INDEX_TABLES) {
      const q = `SELECT key, hnum, idx FROM '${table}' ORDER BY key, rowid`;
      assert.deepEqual(ours.exec(q)[0]?.values, ref.exec(q)[0]?.values, `ordered ${table}`);
    }
  } finally {
    ours.close();
    ref.close();
  }
});

test('header blobs and index rows are identical to rpm -i --justdb', async (t) => {
  const repo = distroRepo(t);
  if (!repo || !needTool(t, 'rpm')) return;
  const files = readdirSync(repo).filter((f) => f.endsWith('.rpm')).sort();
  const pick = files.filter((f) => /^(dash|libc6|python3\.11-minimal|coreutils|libssl3)-\d/.test(f));
  assert.ok(pick.length >= 4, `expected packages in ${repo}`);
  const root = tempDir(t);
  const r = rpm(['--root', root, '--dbpath', '/var/lib/rpm', '-i', '--justdb', '--nodeps', '--noscripts', ...pick.map((f) => path.join(repo, f))]);
  assert.equal(r.status, 0, r.stderr);
  const realBytes = new Uint8Array(readFileSync(rpmdbPath(root)));
  const SQL = await initSqlJs();
  const db = new SQL.Database(realBytes);
  const real = db.exec('SELECT hnum, blob FROM Packages ORDER BY hnum')[0].values as [number, Uint8Array][];
  db.close();
  // rpm installs in its own order; match each stored header to its package by NEVRA.
  const nevra = (h: HeaderView) => `${h.string(1000)}-${h.string(1001)}-${h.string(1002)}.${h.string(1022)}`;
  const byNevra = new Map(pick.map((f) => { const p = splitRpm(path.join(repo, f)); return [nevra(HeaderView.parse(p.header)), p] as const; }));
  const ordered = [];
  for (const [hnum, blob] of real) {
    const h = HeaderView.parse(blob);
    const p = byNevra.get(nevra(h));
    assert.ok(p, `no package for ${nevra(h)}`);
    const time = h.numbers(1008)[0];
    const mine = installedHeaderBlob({ header: p.header, signature: p.signature, installTime: time, installTid: h.numbers(1128)[0], installColor: 3 });
    assert.ok(Buffer.from(mine).equals(Buffer.from(blob)), `blob of ${nevra(h)} (hnum ${hnum}) differs from rpm's`);
    ordered.push({ ...p, tid: h.numbers(1128)[0] });
  }
  // One transaction: rpm's INSTALLTID is taken when it starts, and a package's
  // INSTALLTIME may be a second later, so the index is built from the tid.
  const ours = await buildRpmdb(ordered.map((p) => ({ header: p.header, signature: p.signature })), { installTime: ordered[0].tid });
  for (const [table] of INDEX_TABLES) assert.deepEqual(await tableRows(ours, table), await tableRows(realBytes, table), `table ${table}`);
});

test('rpm reads the database we write: -qa, -qi, -ql, -qf, --whatprovides, -V', async (t) => {
  const repo = distroRepo(t);
  if (!repo || !needTool(t, 'rpm')) return;
  const files = readdirSync(repo).filter((f) => f.endsWith('.rpm')).sort();
  const root = tempDir(t);
  await writeRpmdb(root, files.map((f) => { const p = splitRpm(path.join(repo, f)); return { header: p.header, signature: p.signature }; }), { installTime: 1700000000 });
  const qa = rpm(['--root', root, '--dbpath', '/var/lib/rpm', '-qa', '--qf', '%{NEVRA}\n']);
  assert.equal(qa.status, 0, qa.stderr);
  const expected = files.map((f) => rpm(['-qp', '--qf', '%{NEVRA}\n', path.join(repo, f)]).stdout.trim()).sort();
  assert.deepEqual(qa.stdout.trim().split('\n').sort(), expected);
  const qi = rpm(['--root', root, '--dbpath', '/var/lib/rpm', '-qi', 'dash']);
  assert.equal(qi.status, 0, qi.stderr);
  assert.match(qi.stdout, /Name\s+: dash/);
  assert.match(qi.stdout, /Install Date: .*2023/);
  const ql = rpm(['--root', root, '--dbpath', '/var/lib/rpm', '-ql', 'dash']);
  const qlp = rpm(['-qlp', path.join(repo, files.find((f) => f.startsWith('dash-'))!)]);
  assert.equal(ql.stdout, qlp.stdout);
  const qf = rpm(['--root', root, '--dbpath', '/var/lib/rpm', '-qf', '--qf', '%{NAME}\n', '/bin/dash']);
  assert.equal(qf.status, 0, qf.stderr);
  assert.equal(qf.stdout.trim(), 'dash');
  const wp = rpm(['--root', root, '--dbpath', '/var/lib/rpm', '-q', '--whatprovides', 'libc.so.6()(64bit)', '--qf', '%{NAME}\n']);
  assert.equal(wp.stdout.trim(), 'libc6');
  const wr = rpm(['--root', root, '--dbpath', '/var/lib/rpm', '-q', '--whatrequires', 'libc.so.6()(64bit)', '--qf', '%{NAME}\n']);
  assert.ok(wr.stdout.split('\n').includes('dash'), wr.stdout);
  // The files are not there: rpm -V must see every one of dash's as missing (it read the file list and states).
  const v = rpm(['--root', root, '--dbpath', '/var/lib/rpm', '-V', 'dash']);
  assert.match(v.stdout, /missing\s+\/bin\/dash/);
  // rpm's own consistency check of the database.
  const vdb = rpm(['--root', root, '--dbpath', '/var/lib/rpm', '--verifydb']);
  assert.equal(vdb.status, 0, vdb.stderr);
  // rpm can rebuild it and erase from it.
  const rb = rpm(['--root', root, '--dbpath', '/var/lib/rpm', '--rebuilddb']);
  assert.equal(rb.status, 0, rb.stderr);
  assert.deepEqual(rpm(['--root', root, '--dbpath', '/var/lib/rpm', '-qa', '--qf', '%{NEVRA}\n']).stdout.trim().split('\n').sort(), expected);
  const er = rpm(['--root', root, '--dbpath', '/var/lib/rpm', '-e', '--justdb', '--nodeps', '--noscripts', 'dash']);
  assert.equal(er.status, 0, er.stderr);
  assert.equal(rpm(['--root', root, '--dbpath', '/var/lib/rpm', '-qa']).stdout.trim().split('\n').length, expected.length - 1);
  assert.notEqual(rpm(['--root', root, '--dbpath', '/var/lib/rpm', '-q', 'dash']).status, 0);
});

test('the same input gives the same bytes', async (t) => {
  const repo = distroRepo(t);
  if (!repo) return;
  const files = readdirSync(repo).filter((f) => f.endsWith('.rpm')).sort().slice(0, 10);
  const pkgs = files.map((f) => { const p = splitRpm(path.join(repo, f)); return { header: p.header, signature: p.signature }; });
  const a = await buildRpmdb(pkgs, { installTime: 1 });
  const b = await buildRpmdb(pkgs, { installTime: 1 });
  assert.ok(Buffer.from(a).equals(Buffer.from(b)));
});

test('SOURCE_DATE_EPOCH sets the install time', async (t) => {
  const repo = distroRepo(t);
  if (!repo || !needTool(t, 'rpm')) return;
  const f = readdirSync(repo).find((x) => x.startsWith('dash-'))!;
  const p = splitRpm(path.join(repo, f));
  const root = tempDir(t);
  const old = process.env.SOURCE_DATE_EPOCH;
  process.env.SOURCE_DATE_EPOCH = '1234567890';
  try {
    await writeRpmdb(root, [{ header: p.header, signature: p.signature }]);
  } finally {
    if (old === undefined) delete process.env.SOURCE_DATE_EPOCH;
    else process.env.SOURCE_DATE_EPOCH = old;
  }
  const q = rpm(['--root', root, '--dbpath', '/var/lib/rpm', '-q', '--qf', '%{INSTALLTIME} %{INSTALLTID}\n', 'dash']);
  assert.equal(q.stdout.trim(), '1234567890 1234567890');
});

test('rich dependency names are indexed like rpm does', () => {
  assert.deepEqual(richDepNames('(foo >= 1.0 or bar)'), ['bar', 'foo']);
  assert.deepEqual(richDepNames('(a if b)'), ['a', '!b']);
  assert.deepEqual(richDepNames('(a if b else c)'), ['a', 'b', 'c', '!b']);
  assert.deepEqual(richDepNames('(a and (b or rpmlib(X)))'), ['a', 'b']);
  assert.deepEqual(richDepNames('(a or'), []);
});

test('a damaged header blob is a coded error', (t) => {
  const dir = tempDir(t);
  mkdirSync(dir, { recursive: true });
  const blob = new Uint8Array(24);
  new DataView(blob.buffer).setUint32(0, 5);
  new DataView(blob.buffer).setUint32(4, 1000);
  writeFileSync(path.join(dir, 'x'), blob);
  assert.throws(() => parseHeaderBlob(blob, 'pkg-x'), (e: unknown) => e instanceof RpmkitError && e.code === 'RPM_INVALID' && /pkg-x/.test(e.message));
  assert.throws(() => parseHeaderBlob(new Uint8Array(3)), (e: unknown) => e instanceof RpmkitError && e.code === 'RPM_INVALID');
  const lying = new Uint8Array(8 + 16 + 4);
  const dv = new DataView(lying.buffer);
  dv.setUint32(0, 1); dv.setUint32(4, 4); dv.setUint32(8, 1000); dv.setUint32(12, 6); dv.setUint32(16, 0); dv.setUint32(20, 1);
  lying.set([0x61, 0x62, 0x63, 0x64], 24); // no NUL terminator
  assert.throws(() => HeaderView.parse(lying).strings(1000), (e: unknown) => e instanceof RpmkitError && e.code === 'RPM_INVALID');
});
