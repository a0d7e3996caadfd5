// Images of a real root: the Debian-derived python3 closure installed by dnf
// (the reference installer) from ../shared/tools/deb2rpm-distro.sh. The image
// must be reproducible, unpack (umoci) to the same tree, run python3 in a
// chroot, and keep an rpmdb that `rpm --root` reads; --layers N must unpack
// to the same tree.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { needTool, tempDir } from '../helpers/env.js';
import { distroRepo } from '../helpers/fixtures.js';
import { readTree, rpmkit, run } from './helpers.js';
import { isLeftover } from '../../src/oci/index.js';

const SDE = '1700000000';

function installRoot(t: TestContext): { dir: string; root: string } | undefined {
  if (process.getuid?.() !== 0) {
    t.skip('needs root (dnf --installroot, chroot, umoci unpack with owners)');
    return undefined;
  }
  if (!needTool(t, 'dnf', 'rpm', 'umoci', 'skopeo', 'chroot', 'python3')) return undefined;
  const repo = distroRepo(t);
  if (!repo) return undefined;
  const dir = tempDir(t, 'rpmkit-oci-distro-');
  const root = path.join(dir, 'root');
  const r = run('dnf', ['--installroot', root, '--setopt=reposdir=/dev/null', `--repofrompath=d,${repo}`, '--nogpgcheck', '--releasever=1', '-q', '-y', 'install', 'python3']);
  assert.equal(r.status, 0, r.stderr);
  // Like rpmoci: checkpoint the rpmdb's write-ahead log before packaging.
  for (const db of ['root/.rpmdb/rpmdb.sqlite', 'var/lib/rpm/rpmdb.sqlite', 'usr/lib/sysimage/rpm/rpmdb.sqlite']) {
    const p = path.join(root, db);
    if (existsSync(p)) run('python3', ['-c', 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("PRAGMA journal_mode=DELETE"); c.close()', p]);
  }
  return { dir, root };
}

function build(root: string, layout: string, extra: string[] = []): { manifestDigest: string; layers: { packages: string[] }[] } {
  const r = rpmkit(['--json', 'image-from-root', '--root', root, '--image', layout, '--tag', 'py', ...extra], { SOURCE_DATE_EPOCH: SDE });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { manifestDigest: string; layers: { packages: string[] }[] };
}

function unpack(layout: string, bundle: string): string {
  const u = run('umoci', ['unpack', '--image', `${layout}:py`, bundle]);
  assert.equal(u.status, 0, u.stderr);
  return path.join(bundle, 'rootfs');
}

test('python3 closure: reproducible, unpacks to the same tree, python3 runs, rpm -qa lists every package', (t) => {
  const inst = installRoot(t);
  if (!inst) return;
  const { dir, root } = inst;
  const a = build(root, path.join(dir, 'img-a'));
  const b = build(root, path.join(dir, 'img-b'));
  assert.equal(b.manifestDigest, a.manifestDigest, 'two builds in two processes and directories');

  const insp = JSON.parse(run('skopeo', ['inspect', `oci:${path.join(dir, 'img-a')}:py`]).stdout) as { Digest: string };
  assert.equal(insp.Digest, a.manifestDigest);

  const rootfs = unpack(path.join(dir, 'img-a'), path.join(dir, 'bundle'));
  const py = run('chroot', [rootfs, '/usr/bin/python3', '-c', 'import sys; print(1, sys.version_info[0])']);
  assert.equal(py.status, 0, py.stderr);
  assert.equal(py.stdout.trim(), '1 3');

  const want = run('rpm', ['--root', root, '-qa']).stdout.trim().split('\n').sort();
  const got = run('rpm', ['--root', rootfs, '-qa']).stdout.trim().split('\n').sort();
  assert.ok(want.length > 20, `expected the python3 closure, got ${want.length} packages`);
  assert.deepEqual(got, want);

  const src = readTree(root);
  const img = readTree(rootfs);
  for (const p of [...src.keys()]) if (isLeftover(p, lstatSync(path.join(root, p)).size)) src.delete(p);
  assert.deepEqual([...img.keys()], [...src.keys()]);
  for (const [p, s] of src) {
    const g = img.get(p)!;
    assert.deepEqual({ ...g, ino: g.ino?.split('/')[1] }, { ...s, ino: s.ino?.split('/')[1] }, p);
  }
});

test('python3 closure in 5 layers by package: same tree, python3 runs', (t) => {
  const inst = installRoot(t);
  if (!inst) return;
  const { dir, root } = inst;
  // Ownership manifest as the rootfs stage writes it: owner, mode and package per path.
  const q = run('rpm', ['--root', root, '-qa', '--qf', '[%{FILENAMES}\t%{=NAME}\n]']);
  assert.equal(q.status, 0, q.stderr);
  const meta: Record<string, { uid: number; gid: number; mode: number; pkg: string }> = {};
  for (const line of q.stdout.split('\n')) {
    const [file, pkg] = line.split('\t');
    if (!file || !pkg) continue;
    let st;
    try {
      st = lstatSync(path.join(root, file));
    } catch {
      continue; // %ghost or excluded docs
    }
    meta[file] = { uid: st.uid, gid: st.gid, mode: st.mode & 0o7777, pkg };
  }
  const metaFile = path.join(dir, 'meta.json');
  writeFileSync(metaFile, JSON.stringify(meta));
  const one = build(root, path.join(dir, 'one'), ['--meta', metaFile]);
  const five = build(root, path.join(dir, 'five'), ['--meta', metaFile, '--layers', '5']);
  assert.equal(one.layers.length, 1);
  assert.equal(five.layers.length, 5);
  const names = run('rpm', ['--root', root, '-qa', '--qf', '%{NAME}\n']).stdout.trim().split('\n');
  const inLayers = five.layers.flatMap((l) => l.packages);
  assert.equal(new Set(inLayers).size, inLayers.length, 'each package in one layer');
  for (const p of inLayers) assert.ok(names.includes(p), p);
  assert.deepEqual(five.layers.at(-1)!.packages, [], 'the last layer holds files no package owns');

  const r1 = readTree(unpack(path.join(dir, 'one'), path.join(dir, 'b1')));
  const rootfs5 = unpack(path.join(dir, 'five'), path.join(dir, 'b5'));
  const r5 = readTree(rootfs5);
  const norm = (m: Map<string, { ino?: string }>) => [...m].map(([k, v]) => [k, { ...v, ino: v.ino?.split('/')[1] }]);
  assert.deepEqual(norm(r5), norm(r1));
  const py = run('chroot', [rootfs5, '/usr/bin/python3', '-c', 'print(1)']);
  assert.equal(py.stdout.trim(), '1', py.stderr);
});

test('rpmkit install-rpms root + its ownership manifest -> image (sidecar picked up by default): python3 runs, rpm -qa, 5 layers', (t) => {
  if (!needTool(t, 'umoci', 'chroot', 'rpm')) return;
  if (process.getuid?.() !== 0) {
    t.skip('needs root (umoci unpack with owners, chroot)');
    return;
  }
  const repo = distroRepo(t);
  if (!repo) return;
  const dir = tempDir(t, 'rpmkit-oci-native-');
  const root = path.join(dir, 'root');
  const rpms = readdirSync(repo).filter((f) => f.endsWith('.rpm')).map((f) => path.join(repo, f));
  const inst = rpmkit(['install-rpms', '--root', root, ...rpms]);
  if (inst.status !== 0 && /unknown command/.test(inst.stderr)) {
    t.skip('rpmkit install-rpms is not available in this tree');
    return;
  }
  assert.equal(inst.status, 0, inst.stderr);
  assert.ok(existsSync(`${root}.rpmkit-meta.json`), 'the install stage writes ROOT.rpmkit-meta.json');
  const ra = rpmkit(['image-from-root', '--root', root, '--image', path.join(dir, 'img-a'), '--tag', 'py'], { SOURCE_DATE_EPOCH: SDE });
  assert.equal(ra.status, 0, ra.stderr);
  assert.match(ra.stderr, /using ownership manifest .*root\.rpmkit-meta\.json/);
  const rootfs = unpack(path.join(dir, 'img-a'), path.join(dir, 'bundle'));
  const py = run('chroot', [rootfs, '/usr/bin/python3', '-c', 'print(1)']);
  assert.equal(py.stdout.trim(), '1', py.stderr);
  // rpmkit writes /var/lib/rpm; Debian's rpm looks in ~/.rpmdb unless told.
  const want = run('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', '-qa']).stdout.trim().split('\n').sort();
  const got = run('rpm', ['--root', rootfs, '--dbpath', '/var/lib/rpm', '-qa']).stdout.trim().split('\n').sort();
  assert.equal(want.length, rpms.length);
  assert.deepEqual(got, want);
  const five = build(root, path.join(dir, 'five'), ['--layers', '5']);
  assert.equal(five.layers.length, 5);
  const r5 = unpack(path.join(dir, 'five'), path.join(dir, 'b5'));
  assert.equal(run('chroot', [r5, '/usr/bin/python3', '-c', 'print(2)']).stdout.trim(), '2');
});
