// End to end on the Debian-derived python3 closure: the root rpmkit makes
// equals the one `dnf --installroot` makes from the same repository (dnf's
// own bookkeeping aside), rpm reads its database, rpm -Va finds nothing,
// and python3 runs in it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { needTool, tempDir } from '../helpers/env.js';
import { distroRepo } from '../helpers/fixtures.js';
import { snapshot, diffTrees, rpmCmd, runSrcCli, verifyProblems } from './tree.js';
import { isRoot, readOwnershipManifest } from '../../src/rootfs/index.js';

// dnf's and rpm's bookkeeping, not package content.
// Debian's rpm keeps its database in ~/.rpmdb, so dnf creates /root for it.
const IGNORE = ['var/lib/dnf', 'var/cache', 'var/log', 'var/lib/rpm', 'root', 'etc/dnf', 'var/lib/rpm-state', 'usr/lib/sysimage'];

test('python3 closure: same tree as dnf --installroot, rpm -qa/-Va clean, python3 runs', async (t) => {
  const repo = distroRepo(t);
  if (!repo || !needTool(t, 'dnf', 'rpm')) return;
  if (!isRoot()) return t.skip('dnf --installroot and chroot need root');
  const dir = tempDir(t);
  const dnfRoot = path.join(dir, 'dnf');
  const d = spawnSync('dnf', ['-y', '-q', '--noplugins', '--installroot', dnfRoot, '--setopt=reposdir=/dev/null', `--repofrompath=d,${repo}`, '--setopt=d.gpgcheck=0', '--releasever=1', '--setopt=install_weak_deps=0', 'install', 'python3'], { encoding: 'utf8' });
  assert.equal(d.status, 0, d.stderr);
  // The packages dnf chose (rpm on Debian keeps dnf's db in /root/.rpmdb inside the root).
  const q = rpmCmd(['--root', dnfRoot, '-qa', '--qf', '%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}.rpm\n']);
  assert.equal(q.status, 0, q.stderr);
  const chosen = q.stdout.trim().split('\n').sort();
  assert.ok(chosen.length > 30, `dnf installed ${chosen.length} packages`);
  const available = new Set(readdirSync(repo));
  for (const f of chosen) assert.ok(available.has(f), `${f} in ${repo}`);

  const ours = path.join(dir, 'ours');
  const r = runSrcCli(['--json', 'install-rpms', '--root', ours, ...chosen.map((f) => path.join(repo, f))]);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { packages: { nevra: string }[]; scriptlets: unknown[]; manifest: string };
  assert.equal(report.packages.length, chosen.length);

  assert.deepEqual(diffTrees(snapshot(ours, IGNORE), snapshot(dnfRoot, IGNORE), 'rpmkit', 'dnf'), []);

  const qa = rpmCmd(['--root', ours, '--dbpath', '/var/lib/rpm', '-qa', '--qf', '%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}.rpm\n']);
  assert.equal(qa.status, 0, qa.stderr);
  assert.deepEqual(qa.stdout.trim().split('\n').sort(), chosen);
  assert.deepEqual(verifyProblems(ours), []);
  const qf = rpmCmd(['--root', ours, '--dbpath', '/var/lib/rpm', '-qf', '--qf', '%{NAME}\n', '/usr/bin/python3.11']);
  assert.equal(qf.stdout.trim(), 'python3.11-minimal');

  const py = spawnSync('chroot', [ours, '/usr/bin/python3', '-c', 'import ssl, sqlite3; print(ssl.OPENSSL_VERSION)'], { encoding: 'utf8' });
  assert.equal(py.status, 0, py.stderr);
  assert.match(py.stdout, /OpenSSL/);

  // The ownership manifest lives next to the root, never inside it, and covers the tree.
  assert.ok(existsSync(report.manifest) && !report.manifest.startsWith(`${ours}/`));
  const m = await readOwnershipManifest(report.manifest);
  assert.ok(m.entries.some((e) => e.path === '/usr/bin/python3.11'));
  assert.ok(JSON.parse(readFileSync(report.manifest, 'utf8')).entries.length > 1000);
});

test('python3 closure with --no-docs: same tree as dnf with tsflags=nodocs', async (t) => {
  const repo = distroRepo(t);
  if (!repo || !needTool(t, 'dnf', 'rpm')) return;
  if (!isRoot()) return t.skip('dnf --installroot needs root');
  const dir = tempDir(t);
  const dnfRoot = path.join(dir, 'dnf');
  const d = spawnSync('dnf', ['-y', '-q', '--noplugins', '--installroot', dnfRoot, '--setopt=reposdir=/dev/null', `--repofrompath=d,${repo}`, '--setopt=d.gpgcheck=0', '--releasever=1', '--setopt=install_weak_deps=0', '--setopt=tsflags=nodocs', 'install', 'python3'], { encoding: 'utf8' });
  assert.equal(d.status, 0, d.stderr);
  const chosen = rpmCmd(['--root', dnfRoot, '-qa', '--qf', '%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}.rpm\n']).stdout.trim().split('\n').sort();
  const ours = path.join(dir, 'ours');
  const r = runSrcCli(['-q', 'install-rpms', '--no-docs', '--root', ours, ...chosen.map((f) => path.join(repo, f))]);
  assert.equal(r.status, 0, r.stderr);
  const a = snapshot(ours, IGNORE);
  assert.deepEqual(diffTrees(a, snapshot(dnfRoot, IGNORE), 'rpmkit', 'dnf'), []);
  assert.ok(![...a.keys()].some((k) => k.startsWith('usr/share/doc/') && a.get(k)?.type === 'file' && !/copyright$/.test(k)), 'doc files left out');
  assert.deepEqual(verifyProblems(ours), []);
});
