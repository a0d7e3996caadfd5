// vendorPackages / fetchLocked on a hand-made lock served over local HTTP:
// readable layout + index, incremental re-vendoring, pruning only what an
// earlier vendor wrote, and --vendor-dir mode that never uses the network.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fetchLocked, vendorPackages } from '../../src/fetch/index.js';
import { computeLockInput, type Lock, type LockPackage } from '../../src/lockfile/index.js';
import { RpmkitError } from '../../src/errors.js';
import { tempDir } from '../helpers/env.js';
import { serve } from './server.js';

function makeLock(url: string, files: Record<string, Buffer>): Lock {
  const packages: LockPackage[] = Object.entries(files).map(([name, b]) => ({
    name, epoch: name === 'b' ? '2' : '0', version: '1.0', release: '1', arch: 'x86_64', repo: 'base', location: `Packages/${name}-1.0-1.x86_64.rpm`,
    checksum: `sha256:${createHash('sha256').update(b).digest('hex')}`, size: b.length,
  }));
  return { version: 1, input: computeLockInput({ packages: Object.keys(files), arch: 'x86_64', repositories: [] }), repositories: [{ id: 'base', baseurl: url, repomdChecksum: `sha256:${'0'.repeat(64)}` }], packages };
}

test('vendor: layout + index, incremental, prunes only its own files, --vendor-dir is offline and strict', async (t) => {
  const files = { a: randomBytes(30_000), b: randomBytes(40_000), c: randomBytes(50_000) };
  const s = await serve(Object.fromEntries(Object.entries(files).map(([n, b]) => [`/Packages/${n}-1.0-1.x86_64.rpm`, b])));
  t.after(() => s.close());
  const out = tempDir(t);
  const cacheDir = tempDir(t);
  const lock = makeLock(s.url, files);
  const r = await vendorPackages(lock, out, { cacheDir });
  assert.equal(r.reused, 0);
  for (const n of ['a', 'b', 'c']) assert.deepEqual(readFileSync(path.join(out, 'base', `${n}-1.0-1.x86_64.rpm`)), files[n as 'a']);
  const index = JSON.parse(readFileSync(path.join(out, 'vendor.json'), 'utf8')) as { lock_digest: string; packages: { name: string; epoch: string; path: string }[] };
  assert.equal(index.lock_digest, lock.input.digest);
  assert.deepEqual(index.packages.map((p) => [p.name, p.epoch, p.path]), [['a', '0', 'base/a-1.0-1.x86_64.rpm'], ['b', '2', 'base/b-1.0-1.x86_64.rpm'], ['c', '0', 'base/c-1.0-1.x86_64.rpm']]);

  // Incremental: nothing fetched again.
  const n = s.log.length;
  const r2 = await vendorPackages(lock, out, { cacheDir: tempDir(t) });
  assert.equal(r2.reused, 3);
  assert.equal(s.log.length, n);

  // A user's own files stay; a package dropped from the lock is pruned.
  mkdirSync(path.join(out, 'mine'));
  writeFileSync(path.join(out, 'mine', 'keep.rpm'), 'x');
  writeFileSync(path.join(out, 'base', 'extra.rpm'), 'y');
  const smaller = { ...lock, packages: lock.packages.filter((p) => p.name !== 'c') };
  const r3 = await vendorPackages(smaller, out, { cacheDir });
  assert.deepEqual(r3.pruned, ['base/c-1.0-1.x86_64.rpm']);
  assert.ok(existsSync(path.join(out, 'mine', 'keep.rpm')));
  assert.ok(existsSync(path.join(out, 'base', 'extra.rpm')));

  // --vendor-dir: works with the server gone; altered and missing files are errors naming the package.
  await s.close();
  const got = await fetchLocked(smaller, { cacheDir: tempDir(t), vendorDir: out });
  assert.deepEqual(got.map((g) => [g.pkg.name, g.source]), [['a', 'vendor'], ['b', 'vendor']]);
  const bf = path.join(out, 'base', 'b-1.0-1.x86_64.rpm');
  const bad = Buffer.from(files.b);
  bad[0] ^= 1;
  writeFileSync(bf, bad);
  await assert.rejects(fetchLocked(smaller, { cacheDir: tempDir(t), vendorDir: out }), (e: unknown) => e instanceof RpmkitError && e.code === 'CHECKSUM_MISMATCH' && e.message.includes('b-2:1.0-1.x86_64') && e.message.includes('altered'));
  await assert.rejects(fetchLocked(lock, { cacheDir: tempDir(t), vendorDir: out }), (e: unknown) => e instanceof RpmkitError && /c-1\.0-1\.x86_64.*missing/.test(e.message));
});
