// The bundled example (examples/demo): its manifest loads with the repo
// path resolved against the manifest's folder; the committed RPMs carry
// the file kinds and dependencies the demo is meant to exercise (checked
// with the real rpm); dnf resolves it as designed; build.sh reproduces the
// committed bytes when the same rpm/createrepo_c versions are present.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { inputDigest, loadManifest } from '../../src/config/index.js';
import { ROOT, needTool, tempDir } from '../helpers/env.js';

const DEMO = path.join(ROOT, 'examples', 'demo');
const REPO = path.join(DEMO, 'repo');
const rpmFile = (n: string) => path.join(REPO, readdirSync(REPO).find((f) => f.startsWith(`${n}-`) && f.endsWith('.rpm'))!);

test('examples/demo/rpmkit.toml loads; ./repo resolves against the manifest folder', async () => {
  const m = await loadManifest({ cwd: ROOT, file: 'examples/demo/rpmkit.toml', reposDir: '/nonexistent' });
  assert.equal(m.contents.repositories.length, 1);
  const r = m.contents.repositories[0];
  assert.equal(r.id, 'demo');
  assert.deepEqual(r.baseurl, [pathToFileURL(REPO).href]);
  assert.equal(r.gpgcheck, false);
  assert.deepEqual(m.contents.packages, ['demo-hello']);
  assert.equal(m.contents.weakDeps, true);
  assert.deepEqual(m.image.entrypoint, ['/usr/bin/hello']);
  // Same digest from another working directory.
  const m2 = await loadManifest({ cwd: DEMO, reposDir: '/nonexistent' });
  assert.equal(inputDigest(m2), inputDigest(m));
});

test('demo RPMs are tiny and carry the intended file kinds (rpm -qp)', (t) => {
  if (!needTool(t, 'rpm')) return;
  const files = readdirSync(REPO).filter((f) => f.endsWith('.rpm')).sort();
  assert.deepEqual(files, ['demo-base-1.0-1.noarch.rpm', 'demo-data-1.0-1.noarch.rpm', 'demo-hello-1.0-1.noarch.rpm', 'demo-lib-1.0-1.noarch.rpm', 'demo-lib-1.2-1.noarch.rpm']);
  for (const f of files) assert.ok(readFileSync(path.join(REPO, f)).length < 16 * 1024, f);
  const q = (file: string, ...args: string[]) => {
    const r = spawnSync('rpm', ['-qp', '--nosignature', ...args, file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  const data = q(rpmFile('demo-data'), '--qf', '[%{FILEMODES:perms} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILECAPS}|%{FILEFLAGS:fflags}|%{FILENLINKS} %{FILENAMES}\n]');
  assert.match(data, /^-rwxr-xr-x root:root cap_net_bind_service=ep\|\|1 \/usr\/libexec\/demo\/bind-helper$/m);
  assert.match(data, /^drwxr-x--- demo:demo \|\|1 \/var\/lib\/demo$/m);
  assert.match(data, /^-rw-r--r-- root:root \|cn\|1 \/etc\/demo\/demo\.conf$/m);
  assert.match(data, /\|d\|1 \/usr\/share\/doc\/demo-data\/README$/m);
  assert.match(data, /\|l\|1 \/usr\/share\/licenses\/demo-data\/LICENSE$/m);
  assert.match(data, /^lrwxrwxrwx .*\/usr\/share\/demo\/current$/m);
  assert.match(data, /\|2 \/usr\/share\/demo\/data\.txt$/m);
  assert.match(data, /\|2 \/usr\/share\/demo\/data-hardlink\.txt$/m);
  assert.match(q(rpmFile('demo-data'), '--requires'), /^\(demo-lib >= 1\.0 if demo-hello\)$/m);
  const hello = rpmFile('demo-hello');
  assert.match(q(hello, '--requires'), /^demo-lib >= 1\.1$/m);
  assert.match(q(hello, '--requires'), /^\/bin\/sh$/m);
  assert.equal(q(hello, '--recommends').trim(), 'demo-data');
  assert.match(q(hello, '--scripts'), /postinstall scriptlet \(using \/bin\/sh\):\n:/);
  assert.match(q(rpmFile('demo-base'), '--provides'), /^\/bin\/sh$/m);
  assert.match(q(rpmFile('demo-base'), '-l'), /^\/etc\/passwd$/m);
});

test('dnf resolves demo-hello from the demo repo (newest demo-lib, weak dep demo-data)', (t) => {
  if (!needTool(t, 'dnf')) return;
  const root = tempDir(t);
  const r = spawnSync('dnf', ['--installroot', root, '--releasever', '1', '--disablerepo=*', '--repofrompath', `demo,${pathToFileURL(REPO).href}`, '--enablerepo', 'demo',
    '--setopt=demo.gpgcheck=0', '--setopt=install_weak_deps=True', '--setopt=reposdir=/nonexistent', '--setopt=cachedir=' + path.join(root, 'cache'), '--assumeno', 'install', 'demo-hello'], { encoding: 'utf8' });
  const out = r.stdout + r.stderr;
  assert.match(out, /Installing:\s+demo-hello\s+noarch\s+1\.0-1/);
  assert.match(out, /demo-lib\s+noarch\s+1\.2-1/);
  assert.match(out, /Installing weak dependencies:\s+demo-data\s+noarch\s+1\.0-1/);
  assert.match(out, /Install\s+4 Packages/);
});

test('build.sh reproduces the committed repository byte for byte (same tool versions)', (t) => {
  if (!needTool(t, 'rpmbuild', 'createrepo_c')) return;
  const want = readFileSync(path.join(DEMO, 'BUILT_WITH'), 'utf8');
  const have = `rpm ${spawnSync('rpm', ['--version'], { encoding: 'utf8' }).stdout.trim().split(' ')[2]}\ncreaterepo_c ${spawnSync('createrepo_c', ['--version'], { encoding: 'utf8' }).stdout.trim().split(' ')[1]}\n`;
  if (have !== want) return t.skip(`committed RPMs were built with ${want.replace(/\n/g, ' ')}; this machine has ${have.replace(/\n/g, ' ')}`);
  const out = path.join(tempDir(t), 'repo');
  const r = spawnSync('bash', [path.join(DEMO, 'build.sh'), out], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const list = (d: string) => [...readdirSync(d).filter((f) => f.endsWith('.rpm')), ...readdirSync(path.join(d, 'repodata')).map((f) => `repodata/${f}`)].sort();
  assert.deepEqual(list(out), list(REPO));
  for (const f of list(REPO)) assert.ok(readFileSync(path.join(out, f)).equals(readFileSync(path.join(REPO, f))), `${f} differs from the committed bytes`);
});
