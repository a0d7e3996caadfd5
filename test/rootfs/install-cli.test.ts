// `rpmkit install` from a manifest and its lock, online (file:// repository)
// and offline from a vendor directory with --locked: the root holds every
// locked package (rpm -qa), verifies clean (rpm -Va) and runs python3.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { needTool, tempDir } from '../helpers/env.js';
import { distroRepo } from '../helpers/fixtures.js';
import { rpmCmd, runSrcCli, verifyProblems, snapshot, diffTrees } from './tree.js';
import { isRoot } from '../../src/rootfs/index.js';

test('rpmkit install: lock -> root; --locked --vendor-dir gives the same root', async (t) => {
  const repo = distroRepo(t);
  if (!repo || !needTool(t, 'rpm')) return;
  const dir = tempDir(t);
  const manifest = path.join(dir, 'rpmkit.toml');
  writeFileSync(manifest, `[contents]\nrepositories = [{ id = "distro", url = "file://${repo}", options = { gpgcheck = "0" } }]\npackages = ["python3"]\ndocs = false\n`);
  const cache = path.join(dir, 'cache');
  const cli = (...args: string[]) => runSrcCli(['-f', manifest, '--cache-dir', cache, ...args]);
  const lock = cli('-q', 'lock');
  assert.equal(lock.status, 0, lock.stderr);
  const locked = readFileSync(path.join(dir, 'rpmkit.lock'), 'utf8').match(/^\[\[packages\]\]/gm)?.length ?? 0;
  assert.ok(locked > 30);

  const root = path.join(dir, 'root');
  const r = cli('--json', 'install', '--root', root);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { packages: unknown[]; manifest: string };
  assert.equal(report.packages.length, locked);
  const qa = rpmCmd(['--root', root, '--dbpath', '/var/lib/rpm', '-qa']);
  assert.equal(qa.stdout.trim().split('\n').length, locked);
  assert.deepEqual(verifyProblems(root), []);
  // docs = false in the manifest: no documentation files.
  assert.equal(rpmCmd(['--root', root, '--dbpath', '/var/lib/rpm', '-q', '--qf', '[%{FILESTATES:fstate} %{FILEFLAGS:fflags}\n]', 'dash']).stdout.split('\n').filter((l) => l.endsWith(' d')).every((l) => l.startsWith('not installed')), true);
  if (isRoot()) {
    const py = spawnSync('chroot', [root, '/usr/bin/python3', '-c', 'import ssl, sqlite3'], { encoding: 'utf8' });
    assert.equal(py.status, 0, py.stderr);
  }

  const vendor = path.join(dir, 'vendor');
  const v = cli('-q', 'vendor', '--out-dir', vendor);
  assert.equal(v.status, 0, v.stderr);
  const root2 = path.join(dir, 'root2');
  const r2 = runSrcCli(['-f', manifest, '--cache-dir', path.join(dir, 'empty-cache'), '--locked', '--vendor-dir', vendor, '-q', 'install', '--root', root2]);
  assert.equal(r2.status, 0, r2.stderr);
  assert.deepEqual(diffTrees(snapshot(root2, ['var/lib/rpm']), snapshot(root, ['var/lib/rpm'])), []);

  // A stale lock with --locked: exit 3, nothing installed.
  writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('["python3"]', '["python3", "dash"]'));
  const root3 = path.join(dir, 'root3');
  const r3 = runSrcCli(['-f', manifest, '--cache-dir', cache, '--locked', 'install', '--root', root3]);
  assert.equal(r3.status, 3, r3.stderr);
  assert.match(r3.stderr, /LOCK_STALE/);
});
