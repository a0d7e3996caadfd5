// Fault tests for verified downloads against a local HTTP server that
// misbehaves on purpose: no corrupt cache entry ever, a clear error or a
// successful retry/resume, and mirror fallback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { downloadPackages, blobPath, type DownloadItem, type FetchEvent } from '../../src/fetch/index.js';
import { RpmkitError } from '../../src/errors.js';
import { tempDir, ROOT } from '../helpers/env.js';
import { serve } from './server.js';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

function files(n: number, size = 200_000): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (let i = 0; i < n; i++) out[`/repo/Packages/p${i}-1.0-1.x86_64.rpm`] = randomBytes(size + i * 1000);
  return out;
}

function items(base: string, fs: Record<string, Buffer>, repoId = 'base'): DownloadItem[] {
  return Object.entries(fs).map(([p, b]) => ({ name: path.basename(p, '.rpm'), urls: [new URL(p.replace(/^\//, ''), base.replace(/\/repo\/?$/, '/')).href], size: b.length, checksum: sha(b), repoId }));
}

/** What is left in the cache's partial folder (small files never make one). */
function partials(cacheDir: string): string[] {
  return existsSync(path.join(cacheDir, 'partial')) ? readdirSync(path.join(cacheDir, 'partial')) : [];
}

/** Every blob in the cache matches its name; nothing partial sits under blobs/. */
function assertCacheSound(cacheDir: string): number {
  const root = path.join(cacheDir, 'blobs', 'sha256');
  if (!existsSync(root)) return 0;
  let n = 0;
  for (const ab of readdirSync(root)) {
    for (const f of readdirSync(path.join(root, ab))) {
      const got = createHash('sha256').update(readFileSync(path.join(root, ab, f))).digest('hex');
      assert.equal(got, f, `cache entry ${f} is corrupt`);
      assert.equal(ab, f.slice(0, 2));
      n++;
    }
  }
  return n;
}

const FAST = { retries: 3, retryDelayMs: 10 };

test('downloads into a content-addressed cache, verified; second run is all cache hits', async (t) => {
  const data = files(5);
  const s = await serve(data);
  t.after(() => s.close());
  const cacheDir = tempDir(t);
  const ev: FetchEvent[] = [];
  const its = items(s.url, data);
  const r = await downloadPackages(its, { cacheDir, onEvent: (e) => ev.push(e), ...FAST });
  assert.equal(r.length, 5);
  for (const x of r) {
    assert.equal(x.source, 'network');
    assert.equal(x.path, blobPath(cacheDir, x.item.checksum));
    assert.ok(x.path.includes(`${path.sep}blobs${path.sep}sha256${path.sep}`));
  }
  assert.equal(assertCacheSound(cacheDir), 5);
  const progress = ev.filter((e) => e.type === 'progress').reduce((a, e) => a + (e.type === 'progress' ? e.delta : 0), 0);
  assert.equal(progress, its.reduce((a, i) => a + i.size, 0));
  assert.equal(ev[0].type, 'start');
  assert.equal(ev[ev.length - 1].type, 'done');
  const before = s.log.length;
  const r2 = await downloadPackages(its, { cacheDir, ...FAST });
  assert.ok(r2.every((x) => x.source === 'cache'));
  assert.equal(s.log.length, before, 'cache hits make no requests');
  assert.deepEqual(partials(cacheDir).filter((f) => !f.endsWith('.lock')), []);
});

test('503s are retried with backoff and then succeed', async (t) => {
  const data = files(2);
  const s = await serve(data);
  t.after(() => s.close());
  const p0 = Object.keys(data)[0];
  s.faults.set(p0, [{ kind: 'status', status: 503, times: 2 }]);
  const cacheDir = tempDir(t);
  const ev: FetchEvent[] = [];
  await downloadPackages(items(s.url, data), { cacheDir, onEvent: (e) => ev.push(e), ...FAST });
  assert.equal(ev.filter((e) => e.type === 'retry').length, 2);
  assert.equal(s.log.filter((l) => l.path === p0).length, 3);
  assert.equal(assertCacheSound(cacheDir), 2);
});

test('a dropped connection resumes with Range from the bytes already on disk', async (t) => {
  const data = files(1, 1_000_000);
  const s = await serve(data);
  t.after(() => s.close());
  const p0 = Object.keys(data)[0];
  s.faults.set(p0, [{ kind: 'drop', after: 300_000, times: 1 }]);
  const cacheDir = tempDir(t);
  const r = await downloadPackages(items(s.url, data), { cacheDir, ...FAST, memoryMax: 0 });
  assert.equal(r[0].source, 'network');
  const reqs = s.log.filter((l) => l.path === p0);
  assert.equal(reqs.length, 2);
  assert.equal(reqs[0].range, undefined);
  assert.match(reqs[1].range ?? '', /^bytes=\d+-$/);
  assert.ok(Number(/\d+/.exec(reqs[1].range!)![0]) > 0, 'resumed from a non-zero offset');
  assert.equal(reqs[1].status, 206);
  assert.equal(assertCacheSound(cacheDir), 1);
});

test('bodies truncated every time: clear NETWORK error after retries, no cache entry', async (t) => {
  const data = files(1);
  const s = await serve(data);
  t.after(() => s.close());
  const p0 = Object.keys(data)[0];
  s.faults.set(p0, [{ kind: 'drop', after: 1000 }]);
  const cacheDir = tempDir(t);
  await assert.rejects(downloadPackages(items(s.url, data), { cacheDir, ...FAST }), (e: unknown) => {
    assert.ok(e instanceof RpmkitError);
    assert.equal(e.code, 'NETWORK');
    assert.match(e.message, /p0-1\.0-1\.x86_64/);
    return true;
  });
  assert.equal(assertCacheSound(cacheDir), 0);
});

test('a short body without Content-Length is resumed, not trusted', async (t) => {
  const data = files(1);
  const s = await serve(data);
  t.after(() => s.close());
  const p0 = Object.keys(data)[0];
  s.faults.set(p0, [{ kind: 'truncate', after: 5000, times: 1 }]);
  const cacheDir = tempDir(t);
  await downloadPackages(items(s.url, data), { cacheDir, ...FAST, memoryMax: 0 });
  const reqs = s.log.filter((l) => l.path === p0);
  assert.equal(reqs.length, 2);
  assert.equal(reqs[1].range, 'bytes=5000-');
  assert.equal(assertCacheSound(cacheDir), 1);
});

test('small files fetched in memory: a drop or a short body restarts from 0 and the progress total stays exact', async (t) => {
  const data = files(2);
  const s = await serve(data);
  t.after(() => s.close());
  const [p0, p1] = Object.keys(data);
  s.faults.set(p0, [{ kind: 'drop', after: 50_000, times: 1 }]);
  s.faults.set(p1, [{ kind: 'truncate', after: 5000, times: 2 }]);
  const cacheDir = tempDir(t);
  const ev: FetchEvent[] = [];
  await downloadPackages(items(s.url, data), { cacheDir, ...FAST, onEvent: (e) => ev.push(e) });
  assert.ok(s.log.filter((l) => l.path === p0 || l.path === p1).every((l) => l.range === undefined));
  assert.equal(s.log.filter((l) => l.path === p1).length, 3);
  const progress = ev.reduce((a, e) => a + (e.type === 'progress' ? e.delta : 0), 0);
  assert.equal(progress, data[p0].length + data[p1].length);
  assert.equal(assertCacheSound(cacheDir), 2);
});

test('a wrong file (same size) is CHECKSUM_MISMATCH naming the package; larger is SIZE_MISMATCH; nothing cached', async (t) => {
  const data = files(2);
  const s = await serve(data);
  t.after(() => s.close());
  const [p0, p1] = Object.keys(data);
  s.faults.set(p0, [{ kind: 'body', body: randomBytes(data[p0].length) }]);
  s.faults.set(p1, [{ kind: 'body', body: randomBytes(data[p1].length + 10) }]);
  const cacheDir = tempDir(t);
  const its = items(s.url, data);
  await assert.rejects(downloadPackages([its[0]], { cacheDir, ...FAST }), (e: unknown) => e instanceof RpmkitError && e.code === 'CHECKSUM_MISMATCH' && e.exitCode === 6 && e.message.includes('p0-1.0-1.x86_64') && !!e.hint);
  await assert.rejects(downloadPackages([its[1]], { cacheDir, ...FAST }), (e: unknown) => e instanceof RpmkitError && e.code === 'SIZE_MISMATCH' && e.message.includes('p1-1.0-1.x86_64'));
  assert.equal(assertCacheSound(cacheDir), 0);
  assert.deepEqual(partials(cacheDir), [], 'bad bytes are not kept for resuming');
});

test('a vanished package (404) says so and suggests rpmkit update; others still land in the cache', async (t) => {
  const data = files(3);
  const s = await serve(data);
  t.after(() => s.close());
  const its = items(s.url, data);
  its[1].pkgName = 'p1';
  s.files.delete(Object.keys(data)[1]);
  const cacheDir = tempDir(t);
  await assert.rejects(downloadPackages(its, { cacheDir, ...FAST }), (e: unknown) => {
    assert.ok(e instanceof RpmkitError);
    assert.equal(e.code, 'LOCKED_PACKAGE_MISSING');
    assert.match(e.message, /p1-1\.0-1\.x86_64.*no longer|no longer.*p1-1\.0-1\.x86_64/);
    assert.match(e.hint ?? '', /rpmkit update p1/);
    return true;
  });
  assert.equal(assertCacheSound(cacheDir), 2);
});

test('mirror fallback: a failing mirror is skipped for the next one', async (t) => {
  const data = files(2);
  const bad = await serve({});
  const good = await serve(data);
  t.after(() => Promise.all([bad.close(), good.close()]));
  for (const p of Object.keys(data)) bad.faults.set(p, [{ kind: 'status', status: 500 }]);
  const its = items(good.url, data).map((it) => ({ ...it, urls: [it.urls[0].replace(good.url, bad.url), it.urls[0]] }));
  const cacheDir = tempDir(t);
  const ev: FetchEvent[] = [];
  const r = await downloadPackages(its, { cacheDir, onEvent: (e) => ev.push(e), retries: 1, retryDelayMs: 5 });
  assert.equal(r.length, 2);
  assert.equal(ev.filter((e) => e.type === 'mirror-failed').length, 2);
  assert.equal(assertCacheSound(cacheDir), 2);
});

test('redirects are followed; per-repo credentials come from RPMKIT_<ID>_HTTP_*', async (t) => {
  const data = files(1);
  const s = await serve(data);
  t.after(() => s.close());
  const p0 = Object.keys(data)[0];
  s.files.set('/moved.rpm', data[p0]);
  s.faults.set(p0, [{ kind: 'auth', user: 'u', pass: 'p' }, { kind: 'redirect', to: '/moved.rpm' }]);
  const cacheDir = tempDir(t);
  const its = items(s.url, data, 'my-repo');
  await assert.rejects(downloadPackages(its, { cacheDir, ...FAST }), (e: unknown) => e instanceof RpmkitError && e.code === 'AUTH_FAILED');
  process.env.RPMKIT_MY_REPO_HTTP_USERNAME = 'u';
  process.env.RPMKIT_MY_REPO_HTTP_PASSWORD = 'p';
  t.after(() => {
    delete process.env.RPMKIT_MY_REPO_HTTP_USERNAME;
    delete process.env.RPMKIT_MY_REPO_HTTP_PASSWORD;
  });
  // The auth fault comes first in the list, so with credentials the redirect is never reached: move it.
  s.faults.set(p0, [{ kind: 'redirect', to: '/moved.rpm' }]);
  s.faults.set('/moved.rpm', [{ kind: 'auth', user: 'u', pass: 'p' }]);
  await downloadPackages(its, { cacheDir, ...FAST });
  assert.ok(s.log.some((l) => l.path === '/moved.rpm' && l.status === 200 && l.auth));
  assert.equal(assertCacheSound(cacheDir), 1);
});

test('a corrupted cache entry is detected, dropped and fetched again; offline mode never touches the network', async (t) => {
  const data = files(1);
  const s = await serve(data);
  t.after(() => s.close());
  const cacheDir = tempDir(t);
  const its = items(s.url, data);
  await downloadPackages(its, { cacheDir, ...FAST });
  const blob = blobPath(cacheDir, its[0].checksum);
  const b = readFileSync(blob);
  b[100] ^= 0xff;
  writeFileSync(blob, b);
  const r = await downloadPackages(its, { cacheDir, ...FAST });
  assert.equal(r[0].source, 'network');
  assert.equal(assertCacheSound(cacheDir), 1);
  const n = s.log.length;
  const r2 = await downloadPackages(its, { cacheDir, offline: true });
  assert.equal(r2[0].source, 'cache');
  await assert.rejects(downloadPackages(its, { cacheDir: tempDir(t), offline: true }), (e: unknown) => e instanceof RpmkitError && e.code === 'LOCKED_PACKAGE_MISSING' && e.message.includes('p0-1.0-1.x86_64'));
  assert.equal(s.log.length, n);
});

test('file:// URLs work like HTTP ones', async (t) => {
  const dir = tempDir(t);
  const data = files(2);
  for (const [p, b] of Object.entries(data)) {
    mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    writeFileSync(path.join(dir, p), b);
  }
  const cacheDir = tempDir(t);
  const r = await downloadPackages(items(pathToFileURL(dir).href + '/repo', data), { cacheDir, ...FAST });
  assert.equal(r.length, 2);
  assert.equal(assertCacheSound(cacheDir), 2);
});

test('concurrent processes sharing one cache never corrupt it', async (t) => {
  const data = files(6, 400_000);
  const s = await serve(data);
  t.after(() => s.close());
  // Slow some files down so the processes overlap on the same blobs.
  for (const p of Object.keys(data).slice(0, 3)) s.faults.set(p, [{ kind: 'drop', after: 100_000, times: 2 }]);
  const cacheDir = tempDir(t);
  const work = tempDir(t);
  const spec = path.join(work, 'items.json');
  writeFileSync(spec, JSON.stringify(items(s.url, data)));
  const script = path.join(work, 'run.mts');
  writeFileSync(script, `import { downloadPackages } from ${JSON.stringify(pathToFileURL(path.join(ROOT, 'src/fetch/index.ts')).href)};
import { readFileSync } from 'node:fs';
const items = JSON.parse(readFileSync(process.argv[2], 'utf8'));
await downloadPackages(items, { cacheDir: process.argv[3], concurrency: 3, retries: 6, retryDelayMs: 10, memoryMax: +process.argv[4] });
`);
  // Two processes stream to claimed partial files (memoryMax 0), one keeps small files in memory.
  const run = (memoryMax: number) => new Promise<number>((resolve) => {
    const c = spawn(process.execPath, ['--import', 'tsx', script, spec, cacheDir, String(memoryMax)], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    c.on('exit', (code) => resolve(code ?? 1));
  });
  const codes = await Promise.all([run(0), run(0), run(4 << 20)]);
  assert.deepEqual(codes, [0, 0, 0]);
  assert.equal(assertCacheSound(cacheDir), 6);
  assert.deepEqual(partials(cacheDir), [], 'no partial or lock files left');
});

test('a verified body kept in pieces is stored as one blob with the same bytes', async (t) => {
  const { storeBlob } = await import('../../src/fetch/cache.js');
  const cacheDir = tempDir(t);
  const whole = randomBytes(300_000);
  // Uneven pieces, an empty one among them, as a response body arrives.
  const pieces = [whole.subarray(0, 1), whole.subarray(1, 1), whole.subarray(1, 65_537), whole.subarray(65_537)];
  const file = await storeBlob(cacheDir, sha(whole), pieces);
  assert.equal(file, blobPath(cacheDir, sha(whole)));
  assert.deepEqual(readFileSync(file), whole);
  assert.equal(partials(cacheDir).length, 0);
  assert.equal(assertCacheSound(cacheDir), 1);
});
