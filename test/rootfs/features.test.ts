// The installer against rpm itself on packages that use every file feature:
// rpm -i --root of the same RPMs must give the same tree (types, modes,
// owners, contents, link targets, hardlinks), with --excludedocs and
// _install_langs matching docs=false and langs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getxattr } from './xattr.js';
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import { needTool, tempDir } from '../helpers/env.js';
import { buildRpms, type TestPackage } from './build-rpm.js';
import { snapshot, diffTrees, rpmCmd, verifyProblems } from './tree.js';
import { installRoot, isRoot, readOwnershipManifest, capsTextToXattr } from '../../src/rootfs/index.js';

const base: TestPackage = {
  name: 'tbase',
  files: [
    { path: '/etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\ntester:x:1234:1234::/home/tester:/bin/sh\n' },
    { path: '/etc/group', content: 'root:x:0:\ndaemon:x:1:\ntesters:x:4321:\n' },
    { path: '/etc/os-release', content: 'ID=test\n' },
  ],
};

const feat: TestPackage = {
  name: 'feat',
  requires: ['tbase'],
  files: [
    { path: '/usr/bin/ping', content: 'PING', directive: '%caps(cap_net_raw=ep)' },
    { path: '/usr/bin/su', content: 'SU', directive: '%attr(4755,root,root)' },
    { path: '/usr/bin/mine', content: 'MINE', directive: '%attr(0750,tester,testers)' },
    { path: '/usr/bin/nobody', content: 'X', directive: '%attr(0644,ghostuser,ghostgroup)' },
    { path: '/usr/share/doc/feat/README', content: 'readme', directive: '%doc' },
    { path: '/usr/share/licenses/feat/COPYING', content: 'mit', directive: '%license' },
    { path: '/usr/share/locale/de/feat.mo', content: 'de', directive: '%lang(de)' },
    { path: '/usr/share/locale/fr/feat.mo', content: 'fr', directive: '%lang(fr)' },
    { path: '/var/log/feat.log', directive: '%ghost' },
    { path: '/etc/feat.conf', content: 'conf', directive: '%config(noreplace)' },
    { path: '/var/lib/feat', dir: true, directive: '%attr(0700,daemon,daemon)' },
    { path: '/usr/lib/feat/a', content: 'same' },
    { path: '/usr/lib/feat/b', hardlink: '/usr/lib/feat/a' },
    { path: '/usr/lib/feat/c', hardlink: '/usr/lib/feat/a' },
    { path: '/usr/lib/feat/l', symlink: 'a' },
    { path: '/usr/lib/feat/abs', symlink: '/etc/feat.conf' },
    { path: '/usr/lib/feat/empty', content: '' },
  ],
  scripts: { post: 'echo hi', preun: 'echo bye' },
};

// Device nodes and a FIFO (rpm creates them as root; rpmkit too, or records them).
const devs: TestPackage = {
  name: 'devs',
  files: [
    { path: '/dev/null', directive: '%attr(0666,root,root) %dev(c,1,3)' },
    { path: '/dev/loop9', directive: '%attr(0660,root,root) %dev(b,7,9)' },
  ],
};

// A second package sharing a directory and an identical file: no conflict.
const share: TestPackage = {
  name: 'share',
  files: [
    { path: '/usr/lib/feat/a', content: 'same' },
    { path: '/usr/lib/share/x', content: 'x' },
  ],
};

const IGNORE = ['var/lib/rpm', 'var/tmp', 'usr/lib/sysimage'];

for (const variant of [{ docs: true, langs: undefined as string[] | undefined }, { docs: false, langs: ['de'] }]) {
  test(`same tree as rpm -i --root (docs=${variant.docs}, langs=${variant.langs ?? 'all'})`, async (t) => {
    if (!needTool(t, 'rpmbuild', 'rpm')) return;
    if (!isRoot()) return t.skip('rpm -i --root needs root to chown and chroot');
    const dir = tempDir(t);
    const files = buildRpms(dir, [base, feat, share, devs]);
    const theirs = path.join(dir, 'rpm-root');
    const flags = [...(variant.docs ? [] : ['--excludedocs']), ...(variant.langs ? ['--define', `_install_langs ${variant.langs.join(':')}`] : [])];
    const r = rpmCmd(['--root', theirs, '--dbpath', '/var/lib/rpm', '-i', '--nodeps', '--noscripts', ...flags, ...files]);
    assert.equal(r.status, 0, r.stderr);
    const ours = path.join(dir, 'our-root');
    const manifest = path.join(dir, 'our-root.rpmkit-meta.json');
    const report = await installRoot({ root: ours, packages: files.map((file) => ({ file })), docs: variant.docs, langs: variant.langs, manifestPath: manifest, installTime: 1700000000 });
    assert.deepEqual(diffTrees(snapshot(ours, IGNORE), snapshot(theirs, IGNORE)), []);
    assert.deepEqual(verifyProblems(ours), []);
    // rpm's own view of both databases agrees on the file states (excluded docs/langs are "not installed").
    const states = (root: string) => rpmCmd(['--root', root, '--dbpath', '/var/lib/rpm', '-q', '--qf', '[%{FILESTATES:fstate} %{FILENAMES}\n]', 'feat']).stdout;
    assert.equal(states(ours), states(theirs));
    // Capabilities: rpm set the xattr; we record the same bytes.
    const m = await readOwnershipManifest(manifest);
    const ping = m.entries.find((e) => e.path === '/usr/bin/ping');
    assert.ok(ping);
    const xattr = getxattr(path.join(theirs, 'usr/bin/ping'), 'security.capability');
    assert.ok(xattr, 'rpm set security.capability');
    assert.equal(ping.caps, xattr.toString('hex'));
    assert.equal(getxattr(path.join(ours, 'usr/bin/ping'), 'security.capability')?.toString('hex'), ping.caps);
    assert.equal(ping.caps, Buffer.from(capsTextToXattr('cap_net_raw=ep')).toString('hex'));
    // Owners recorded by name and number, unknown names fall back to root.
    const mine = m.entries.find((e) => e.path === '/usr/bin/mine');
    assert.deepEqual([mine?.user, mine?.uid, mine?.group, mine?.gid], ['tester', 1234, 'testers', 4321]);
    const nobody = m.entries.find((e) => e.path === '/usr/bin/nobody');
    assert.deepEqual([nobody?.uid, nobody?.gid], [0, 0]);
    assert.ok(report.notices.some((n) => n.includes('ghostuser')));
    // Scriptlets are listed, not run.
    assert.deepEqual(report.scriptlets.map((s) => `${s.package} ${s.phase} ${s.interpreter}`).sort(), ['feat-1-1.noarch postin /bin/sh', 'feat-1-1.noarch preun /bin/sh']);
    assert.equal(report.osRelease, true);
    assert.deepEqual(report.skippedNodes, []);
  });
}

test('the umask changes no mode: 077 and 000 give the tree 022 gives', async (t) => {
  if (!needTool(t, 'rpmbuild')) return;
  const dir = tempDir(t);
  const files = buildRpms(dir, [base, feat, share]);
  const trees = [];
  for (const mask of [0o022, 0o077, 0o000]) {
    const old = process.umask(mask);
    try {
      const root = path.join(dir, `root-${mask.toString(8)}`);
      await installRoot({ root, packages: files.map((file) => ({ file })), manifestPath: `${root}.json`, installTime: 1700000000 });
      trees.push(snapshot(root, ['var/lib/rpm']));
    } finally {
      process.umask(old);
    }
  }
  assert.deepEqual(diffTrees(trees[1], trees[0], 'umask 077', 'umask 022'), []);
  assert.deepEqual(diffTrees(trees[2], trees[0], 'umask 000', 'umask 022'), []);
  assert.equal(trees[0].get('usr/bin/su')?.mode, '4755');
  assert.equal(trees[0].get('usr/lib/feat/a')?.mode, '644');
  assert.equal(trees[0].get('var/lib/feat')?.mode, '700');
});

test('rootless install records owners without chown (as a normal user)', async (t) => {
  if (!needTool(t, 'rpmbuild', 'setpriv')) return;
  if (!isRoot()) return t.skip('needs root to switch to an unprivileged user for the test');
  const dir = tempDir(t);
  const files = buildRpms(dir, [base, feat, devs]);
  const { chmodSync } = await import('node:fs');
  chmodSync(dir, 0o777);
  const root = path.join(dir, 'rootless');
  const script = `import { installRoot } from ${JSON.stringify(path.resolve('src/rootfs/index.ts'))};
const r = await installRoot({ root: ${JSON.stringify(root)}, packages: ${JSON.stringify(files.map((file) => ({ file })))}, manifestPath: ${JSON.stringify(`${root}.rpmkit-meta.json`)}, installTime: 1 });
console.log(JSON.stringify({ chowned: r.chowned, n: r.packages.length, nodes: r.skippedNodes.map((x) => [x.path, x.type, x.major, x.minor]) }));`;
  const { spawnSync } = await import('node:child_process');
  const { writeFileSync } = await import('node:fs');
  const scriptPath = path.join(dir, 'rootless.mts');
  writeFileSync(scriptPath, script);
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--import', 'tsx', scriptPath], { encoding: 'utf8', cwd: process.cwd() });
  assert.equal(r.status, 0, r.stderr);
  // Device nodes need root: recorded for the image stage instead; a FIFO needs no privilege.
  assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').pop()!), { chowned: false, n: 3, nodes: [['/dev/loop9', 'block', 7, 9], ['/dev/null', 'char', 1, 3]] });
  const m = await readOwnershipManifest(`${root}.rpmkit-meta.json`);
  const lib = m.entries.find((e) => e.path === '/var/lib/feat');
  assert.deepEqual([lib?.uid, lib?.gid, (lib?.mode ?? 0) & 0o7777], [1, 1, 0o700]);
  const su = m.entries.find((e) => e.path === '/usr/bin/su');
  assert.equal((su?.mode ?? 0) & 0o7777, 0o4755);
  // Owners and capabilities cannot be applied without root: rpm -V sees exactly those (U, G, P) and nothing else.
  assert.deepEqual(verifyProblems(root).filter((l) => !/^\.{5}[UG.]{2}[.T][.P]\s/.test(l)), []);
  assert.equal(existsSync(path.join(root, 'dev/null')), false);
});

test('a FIFO is created (no privilege needed)', async (t) => {
  if (!needTool(t, 'rpmbuild')) return;
  const dir = tempDir(t);
  // rpm itself hangs reading a FIFO's content in -i/-V, so this one is checked directly.
  const files = buildRpms(dir, [{ name: 'fifo', files: [{ path: '/run/feat.fifo', fifo: true, directive: '%attr(0600,root,root)' }] }]);
  const root = path.join(dir, 'root');
  const r = await installRoot({ root, packages: files.map((file) => ({ file })), installTime: 1 });
  const { lstatSync } = await import('node:fs');
  const st = lstatSync(path.join(root, 'run/feat.fifo'));
  assert.ok(st.isFIFO());
  assert.equal(st.mode & 0o7777, 0o600);
  assert.deepEqual(r.skippedNodes, []);
});
