// The pre-parsed cache: warm loads skip fetching and parsing, metadata_expire
// decides when repomd.xml is fetched again, corrupt entries are rebuilt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import * as path from 'node:path';
import { CachedPackage, loadRepo, plainPackage, repoFromUrl, repoCacheDir } from '../../src/repo/index.js';
import { RpmkitError } from '../../src/errors.js';
import { ROOT, tempDir } from '../helpers/env.js';
import { makeRepo, pkgXml, plain, primaryXml } from './helpers.js';

function setup(t: import('node:test').TestContext) {
  const tmp = tempDir(t);
  const dir = path.join(tmp, 'repo');
  const cache = path.join(tmp, 'cache');
  makeRepo(dir, { primary: primaryXml([pkgXml('a'), pkgXml('b')]) }, { revision: '1' });
  const logs: string[] = [];
  const def = repoFromUrl(dir, 'r');
  return { tmp, dir, cache, def, logs, log: (m: string) => logs.push(m) };
}

test('a warm load within metadata_expire neither fetches nor parses', async (t) => {
  const s = setup(t);
  const cold = await loadRepo(s.def, { cacheDir: s.cache, log: s.log });
  assert.equal(cold.packages.length, 2);
  assert.ok(s.logs.some((l) => l.includes('fetching')));
  // Remove the repository entirely: a warm load must not notice.
  rmSync(s.dir, { recursive: true });
  s.logs.length = 0;
  const warm = await loadRepo(s.def, { cacheDir: s.cache, log: s.log });
  assert.deepEqual(plain(warm.packages), plain(cold.packages));
  assert.equal(warm.repomdChecksum, cold.repomdChecksum);
  assert.ok(s.logs.some((l) => l.includes('from cache')));
  assert.ok(!s.logs.some((l) => l.includes('fetching')));
  // --refresh must go to the (now missing) repository.
  await assert.rejects(loadRepo(s.def, { cacheDir: s.cache, refresh: true }), (e: unknown) => e instanceof RpmkitError && e.code === 'NOT_FOUND');
});

test('expiry: an expired cache refetches repomd.xml and sees a new snapshot', async (t) => {
  const s = setup(t);
  let clock = 1_000_000_000_000;
  const now = () => clock;
  await loadRepo(s.def, { cacheDir: s.cache, now });
  makeRepo(s.dir, { primary: primaryXml([pkgXml('a'), pkgXml('b'), pkgXml('c')]) }, { revision: '2' });
  clock += (s.def.metadataExpire - 10) * 1000;
  assert.equal((await loadRepo(s.def, { cacheDir: s.cache, now })).packages.length, 2, 'not yet expired');
  clock += 20_000;
  const r = await loadRepo(s.def, { cacheDir: s.cache, now });
  assert.equal(r.packages.length, 3);
  assert.equal(r.revision, '2');
  // The old snapshot's entry is pruned; one pool file remains.
  const files = readdirSync(repoCacheDir(s.def, s.cache)).filter((n) => n.startsWith('pool-'));
  assert.deepEqual(files, [`pool-${r.repomdChecksum}.bin`]);
  // metadata_expire = -1: never expires.
  makeRepo(s.dir, { primary: primaryXml([pkgXml('z')]) }, { revision: '3' });
  clock += 10 * 365 * 86400_000;
  assert.equal((await loadRepo({ ...s.def, metadataExpire: -1 }, { cacheDir: s.cache, now })).packages.length, 3);
  // An expired cache whose repomd.xml did not change is reused (not re-parsed).
  const logs: string[] = [];
  makeRepo(s.dir, { primary: primaryXml([pkgXml('a'), pkgXml('b'), pkgXml('c')]) }, { revision: '2' });
  const again = await loadRepo(s.def, { cacheDir: s.cache, now, log: (m) => logs.push(m) });
  assert.equal(again.packages.length, 3);
  assert.ok(logs.some((l) => l.includes('from cache')) && !logs.some((l) => l.includes('fetching')), logs.join('\n'));
});

test('offline: expired cache is used, no cache is an error', async (t) => {
  const s = setup(t);
  await assert.rejects(loadRepo(s.def, { cacheDir: s.cache, offline: true }), (e: unknown) => e instanceof RpmkitError && e.code === 'NOT_FOUND' && /--offline/.test(e.message));
  await loadRepo(s.def, { cacheDir: s.cache });
  rmSync(s.dir, { recursive: true });
  const r = await loadRepo(s.def, { cacheDir: s.cache, offline: true, now: () => Date.now() + 1e12 });
  assert.equal(r.packages.length, 2);
});

test('a corrupt cache entry is ignored and rebuilt', async (t) => {
  const s = setup(t);
  const cold = await loadRepo(s.def, { cacheDir: s.cache });
  const pool = path.join(repoCacheDir(s.def, s.cache), `pool-${cold.repomdChecksum}.bin`);
  const good = readFileSync(pool);
  for (const bad of [Buffer.from('garbage'), good.subarray(0, good.length >> 1), Buffer.concat([good.subarray(0, 200), Buffer.alloc(good.length - 200, 0xff)])]) {
    writeFileSync(pool, bad);
    const logs: string[] = [];
    const r = await loadRepo(s.def, { cacheDir: s.cache, log: (m) => logs.push(m) });
    assert.deepEqual(plain(r.packages), plain(cold.packages));
    assert.ok(logs.some((l) => l.includes('corrupt cache')), logs.join('\n'));
    assert.deepEqual(readFileSync(pool), good, 'rebuilt byte-identically');
  }
  // A corrupt state.json counts as no cache.
  writeFileSync(path.join(repoCacheDir(s.def, s.cache), 'state.json'), '{not json');
  assert.equal((await loadRepo(s.def, { cacheDir: s.cache })).packages.length, 2);
});

test('includepkgs / excludepkgs filter by name glob, cached pool stays complete', async (t) => {
  const s = setup(t);
  makeRepo(s.dir, { primary: primaryXml([pkgXml('python3'), pkgXml('python3-libs'), pkgXml('perl'), pkgXml('bash')]) });
  const inc = await loadRepo({ ...s.def, includepkgs: ['python3*', 'bash'] }, { cacheDir: s.cache });
  assert.deepEqual(inc.packages.map((p) => p.name).sort(), ['bash', 'python3', 'python3-libs']);
  const exc = await loadRepo({ ...s.def, excludepkgs: ['python3-*'] }, { cacheDir: s.cache });
  assert.deepEqual(exc.packages.map((p) => p.name).sort(), ['bash', 'perl', 'python3']);
});

test('cache dir defaults: $RPMKIT_CACHE_DIR, then $XDG_CACHE_HOME/rpmkit', async (t) => {
  const { defaultCacheDir } = await import('../../src/repo/index.js');
  const old = { a: process.env.RPMKIT_CACHE_DIR, b: process.env.XDG_CACHE_HOME };
  t.after(() => {
    for (const [k, v] of [['RPMKIT_CACHE_DIR', old.a], ['XDG_CACHE_HOME', old.b]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  process.env.RPMKIT_CACHE_DIR = '/x/rk';
  process.env.XDG_CACHE_HOME = '/x/xdg';
  assert.equal(defaultCacheDir(), '/x/rk');
  assert.equal(defaultCacheDir('/y'), '/y');
  delete process.env.RPMKIT_CACHE_DIR;
  assert.equal(defaultCacheDir(), '/x/xdg/rpmkit');
});

test('cached packages decode each field once: stable objects, plain JSON, replaceable file lists', async (t) => {
  const s = setup(t);
  await loadRepo(s.def, { cacheDir: s.cache });
  const warm = await loadRepo(s.def, { cacheDir: s.cache });
  const p = warm.packages[0]!;
  assert.ok(p instanceof CachedPackage, 'a warm load gives lazily decoded packages');
  assert.equal(p.requires, p.requires, 'the same list each time (the solver caches by identity)');
  assert.equal(p.checksum, p.checksum);
  // JSON (what --json prints) is the plain package, every field included.
  const json = JSON.parse(JSON.stringify(p)) as Record<string, unknown>;
  assert.deepEqual(json, JSON.parse(JSON.stringify(plainPackage(p))));
  for (const k of ['name', 'version', 'release', 'arch', 'checksum', 'size', 'time', 'provides', 'requires', 'files']) assert.ok(k in json, k);
  // loadFilelists replaces the primary subset; a replaced field stays replaced.
  const q = warm.packages[1]!;
  q.files = ['/x'];
  assert.deepEqual([q.files, q.fileTypes], [['/x'], undefined]);
  p.files = ['/x'];
  p.fileTypes = ['dir'];
  assert.deepEqual([p.files, p.fileTypes], [['/x'], ['dir']]);
});

test('packages come in the canonical pool order whatever the XML order, cold and warm; a bad stored order is corrupt', async (t) => {
  const { sortPoolOrder } = await import('../../src/repo/order.js');
  const { decodePool, encodeContainer } = await import('../../src/repo/cache.js');
  const { encodePool } = await import('../../src/repo/poolwriter.js');
  const s = setup(t);
  const xml = [pkgXml('zeta'), pkgXml('alpha', { version: '2.0' }), pkgXml('alpha', { version: '10.0' }), pkgXml('alpha', { version: '2.0', arch: 'x86_64' }), pkgXml('mid')];
  makeRepo(s.dir, { primary: primaryXml(xml) }, { revision: '3' });
  const cold = await loadRepo(s.def, { cacheDir: s.cache });
  const nevras = (r: { packages: readonly { name: string; version: string; arch: string }[] }) => r.packages.map((p) => `${p.name}-${p.version}.${p.arch}`);
  assert.deepEqual(nevras(cold), ['alpha-2.0.noarch', 'alpha-2.0.x86_64', 'alpha-10.0.noarch', 'mid-1.0.noarch', 'zeta-1.0.noarch']);
  assert.equal(cold.poolOrdered, true);
  const sorted = [...cold.packages];
  sortPoolOrder(sorted);
  assert.deepEqual(sorted, cold.packages, 'already in pool order');
  const warm = await loadRepo(s.def, { cacheDir: s.cache });
  assert.deepEqual(plain(warm.packages), plain(cold.packages));
  assert.equal(warm.poolOrdered, true);
  // The stored order must be a permutation of the packages.
  const seg = encodePool({ repoId: 'r', repomdChecksum: 'x', baseUrl: '', packageCount: 2, dataTypes: [] }, cold.packages.slice(0, 2).map(plainPackage));
  const meta = { repoId: 'r', repomdChecksum: 'x', baseUrl: '', packageCount: 2, dataTypes: [] };
  assert.equal(decodePool(Buffer.concat(encodeContainer(meta, undefined, [seg], [0, 2], [1, 0]))).packages[0]?.name, cold.packages[1]?.name);
  for (const bad of [[0, 0], [0], [0, 2], ['0', 1], [0.5, 1], [-1, 1]] as unknown as number[][]) {
    assert.throws(() => decodePool(Buffer.concat(encodeContainer(meta, undefined, [seg], [0, 2], bad))), (e: unknown) => e instanceof RpmkitError && e.code === 'METADATA_INVALID', JSON.stringify(bad));
  }
});

test('an entry written from the columns in place has the bytes of one copied into one buffer', async () => {
  const { parsePrimaryToPool } = await import('../../src/repo/primaryfast.js');
  const { decodePool, encodeContainer } = await import('../../src/repo/cache.js');
  const doc = Buffer.from(primaryXml([pkgXml('a', { requires: '<rpm:entry name="b" flags="GE" epoch="0" ver="1"/>' }), pkgXml('b'), pkgXml('c', { files: '<file>/usr/bin/c</file>' })]));
  const meta = { repoId: 'r', repomdChecksum: 'x', baseUrl: '', packageCount: 3, dataTypes: ['primary'] };
  const copied = (await parsePrimaryToPool([doc], { what: 'doc' })).writer.finish(meta);
  const inPlace = (await parsePrimaryToPool([doc], { what: 'doc' })).writer.finishInPlace(meta);
  assert.ok(inPlace.length > 1, 'sections, not one buffer');
  const a = Buffer.concat(encodeContainer(meta, undefined, [copied], [0, 3], null));
  const b = Buffer.concat(encodeContainer(meta, undefined, [inPlace], [0, 3], null));
  assert.deepEqual(b, a);
  assert.deepEqual(plain(decodePool(b).packages), plain(decodePool(a).packages));
  assert.deepEqual(
    decodePool(b).packages.map((p) => [p.name, p.requires.map((d) => d.name), p.files]),
    [
      ['a', ['b']],
      ['b', []],
      ['c', [], ['/usr/bin/c']],
    ].map(([n, r, f]) => [n, r, f ?? []]),
  );
});

test('sixty repositories loaded cold in one process fit in 3 GB of address space', async (t) => {
  // The parser's columns become the cache entry and live as long as the
  // pool, so each reserves what its document can need, not 64 MB: with a
  // fixed 64 MB per column this ran out of address space and V8 aborted.
  const lib = path.join(ROOT, 'dist', 'repo', 'index.js');
  if (process.platform !== 'linux' || !existsSync(lib)) {
    t.skip('needs Linux and the built library (npm test builds it)');
    return;
  }
  const tmp = tempDir(t);
  const repo = makeRepo(path.join(tmp, 'repo'), { primary: primaryXml([pkgXml('a'), pkgXml('b')]) });
  const script = `const { loadRepos, repoFromUrl } = await import(${JSON.stringify(pathToFileURL(lib).href)});
const defs = Array.from({ length: 60 }, (_, i) => repoFromUrl(${JSON.stringify(repo)}, 'r' + i));
const repos = await loadRepos(defs, { cacheDir: ${JSON.stringify(path.join(tmp, 'cache'))} });
console.log(repos.reduce((n, r) => n + r.packages.length, 0));`;
  const r = spawnSync('sh', ['-c', 'ulimit -v 3000000 && exec "$0" --input-type=module -e "$1"', process.execPath, script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr.slice(0, 2000));
  assert.equal(r.stdout.trim(), '120');
});
