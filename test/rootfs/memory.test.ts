// The in-memory root an image is built from must hold exactly what an install
// to disk holds: the same packages through `buildLocked` staged in memory and
// on disk give byte-identical images (manifest digest, every layer), on
// packages that use every file feature, with docs and languages left out or
// not, and split into layers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { readdirSync } from 'node:fs';
import { needTool, sharedPath, tempDir } from '../helpers/env.js';
import { buildRpms, type TestPackage } from './build-rpm.js';
import { buildLocked, chooseStage, type BuildLockedResult, type LockedFile } from '../../src/pipeline/index.js';
import { installRoot, installTree, isRoot } from '../../src/rootfs/index.js';
import type { LockPackage } from '../../src/lockfile/index.js';
import { RpmkitError } from '../../src/errors.js';

const pkgs: TestPackage[] = [
  {
    name: 'mbase',
    files: [
      { path: '/etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\ntester:x:1234:1234::/home/tester:/bin/sh\n' },
      { path: '/etc/group', content: 'root:x:0:\ntesters:x:4321:\n' },
      { path: '/usr/lib/os-release', content: 'ID=test\n' },
      { path: '/etc/os-release', symlink: '../usr/lib/os-release' },
      // merged /usr: later packages ship /lib paths that land in /usr/lib.
      { path: '/usr/lib', dir: true },
      { path: '/lib', symlink: 'usr/lib' },
    ],
  },
  {
    name: 'mfeat',
    files: [
      { path: '/usr/bin/ping', content: 'PING', directive: '%caps(cap_net_raw=ep)' },
      { path: '/usr/bin/su', content: 'SU', directive: '%attr(4755,root,root)' },
      { path: '/usr/bin/mine', content: 'MINE', directive: '%attr(0750,tester,testers)' },
      { path: '/usr/bin/nobody', content: 'X', directive: '%attr(0644,ghostuser,ghostgroup)' },
      { path: '/usr/share/doc/mfeat/README', content: 'readme', directive: '%doc' },
      { path: '/usr/share/licenses/mfeat/COPYING', content: 'mit', directive: '%license' },
      { path: '/usr/share/locale/de/mfeat.mo', content: 'de', directive: '%lang(de)' },
      { path: '/usr/share/locale/fr/mfeat.mo', content: 'fr', directive: '%lang(fr)' },
      { path: '/var/log/mfeat.log', directive: '%ghost' },
      { path: '/var/log/mfeat-kept.log', content: 'a log the image leaves out' },
      { path: '/etc/mfeat.conf', content: 'conf', directive: '%config(noreplace)' },
      { path: '/var/lib/mfeat', dir: true, directive: '%attr(0700,tester,testers)' },
      { path: '/lib/mfeat/a', content: 'same' },
      { path: '/lib/mfeat/b', hardlink: '/lib/mfeat/a' },
      { path: '/lib/mfeat/l', symlink: 'a' },
      { path: '/lib/mfeat/abs', symlink: '/etc/mfeat.conf' },
      { path: '/lib/mfeat/empty', content: '' },
      { path: '/run/mfeat.fifo', fifo: true },
    ],
    scripts: { post: 'echo hi' },
  },
  {
    name: 'mshare',
    files: [
      // The same directory with another mode (the later package wins) and an identical file.
      { path: '/var/lib/mfeat', dir: true, directive: '%attr(0750,root,root)' },
      { path: '/etc/mfeat.conf', content: 'conf', directive: '%config(noreplace)' },
      { path: '/usr/lib/mfeat/c', content: 'c' },
    ],
  },
];

// Device nodes go into a disk root only as root (mknod); the memory tree always has them.
const devs: TestPackage = {
  name: 'mdevs',
  files: [
    { path: '/dev/null', directive: '%attr(0666,root,root) %dev(c,1,3)' },
    { path: '/dev/loop9', directive: '%attr(0660,root,root) %dev(b,7,9)' },
  ],
};

function locked(files: string[]): LockedFile[] {
  return files.map((f) => ({ path: f, pkg: { name: path.basename(f), repo: 'test', checksum: '' } as unknown as LockPackage }));
}

// No SOURCE_DATE_EPOCH: as by default, mtimes are clamped to the newest build
// time, so the packaged files keep theirs (and take part in the comparison).
delete process.env.SOURCE_DATE_EPOCH;

async function build(dir: string, files: string[], stage: 'memory' | 'disk', name: string, extra: { docs?: boolean; layers?: number } = {}): Promise<BuildLockedResult> {
  return buildLocked({ files: locked(files), keyRings: new Map(), config: {}, arch: 'x86_64', layoutDir: path.join(dir, name), tag: 't', stage, ...extra });
}

for (const variant of [{ docs: true }, { docs: false, layers: 3 }]) {
  test(`memory and disk staging give the same image (docs=${variant.docs}, layers=${variant.layers ?? 1})`, async (t) => {
    if (!needTool(t, 'rpmbuild')) return;
    const dir = tempDir(t);
    const files = buildRpms(dir, isRoot() ? [...pkgs, devs] : pkgs);
    const mem = await build(dir, files, 'memory', 'mem', variant);
    const disk = await build(dir, files, 'disk', 'disk', variant);
    assert.equal(mem.stage, 'memory');
    assert.equal(disk.stage, 'disk');
    assert.deepEqual(mem.layers, disk.layers);
    assert.equal(mem.manifestDigest, disk.manifestDigest);
    assert.equal(mem.layers.length, variant.layers ?? 1);
    // What the install reports agrees too (the disk root's path aside).
    // (A disk install as root also says when the host has no setcap; a tree needs none.)
    const strip = (r: BuildLockedResult) => ({ ...r.install, root: '', rpmdb: undefined, chowned: false, notices: r.install.notices.filter((n) => !n.startsWith('could not set capabilities')) });
    assert.deepEqual(strip(mem), strip(disk));
    assert.ok(mem.install.notices.some((n) => n.startsWith('user ghostuser is not defined')));
    assert.deepEqual(mem.install.scriptlets, [{ package: 'mfeat-1-1.noarch', phase: 'postin', interpreter: '/bin/sh' }]);
  });
}

test('a payload too big to read ahead (streamed, with a hardlink to the big file): the same image both ways', async (t) => {
  if (!needTool(t, 'rpmbuild')) return;
  const dir = tempDir(t);
  // Over the installers' 96 MiB read-ahead limit, so both stream the entry bodies.
  const files = buildRpms(dir, [
    {
      name: 'mbig',
      payload: 'w1.zstdio',
      files: [
        { path: '/usr/share/mbig/big', bytes: 100 * 1024 * 1024 + 3 },
        { path: '/usr/share/mbig/big-link', hardlink: '/usr/share/mbig/big' },
        { path: '/usr/share/mbig/small', content: 'small' },
      ],
    },
  ]);
  const mem = await build(dir, files, 'memory', 'mem');
  const disk = await build(dir, files, 'disk', 'disk');
  assert.equal(mem.manifestDigest, disk.manifestDigest);
});

test('a memory install refuses what a disk install refuses, with the same code and words', async (t) => {
  if (!needTool(t, 'rpmbuild')) return;
  const dir = tempDir(t);
  const [base, conflicting, overDir, escape, escWrite] = buildRpms(dir, [
    { name: 'ebase', files: [{ path: '/etc/dup', content: 'one' }, { path: '/usr/share/e/inside', content: 'i' }] },
    { name: 'econf', files: [{ path: '/etc/dup', content: 'two' }] },
    // /usr/share/e is a directory no package owns: not a conflict, but not replaceable either.
    { name: 'eoverdir', files: [{ path: '/usr/share/e', content: 'a file where a directory is' }] },
    { name: 'elink', files: [{ path: '/etc/x', symlink: '../../../../tmp' }] },
    { name: 'ewrite', files: [{ path: '/etc/x/f', content: 'out' }] },
  ]);
  const cases: [string[], string, RegExp][] = [
    [[base, conflicting], 'FILE_CONFLICT', /^file \/etc\/dup conflicts between attempted installs of ebase-1-1\.noarch and econf-1-1\.noarch$/],
    [[base, overDir], 'FILE_CONFLICT', /cannot replace directory \/usr\/share\/e/],
    [[escape, escWrite], 'UNSAFE_PATH', /ewrite-1-1\.noarch.*above the root/],
  ];
  const failure = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      assert.ok(e instanceof RpmkitError, String(e));
      return e;
    }
    assert.fail('expected a failure');
  };
  for (const [i, [files, code, message]] of cases.entries()) {
    const packages = files.map((file) => ({ file }));
    const mem = await failure(installTree({ packages }));
    const disk = await failure(installRoot({ root: path.join(dir, `root-${i}`), packages }));
    assert.equal(mem.code, code, mem.message);
    assert.match(mem.message, message);
    assert.deepEqual([mem.code, mem.message], [disk.code, disk.message]);
  }
});

test('auto staging: memory while the packages fit in a quarter of RAM, disk for a kept root', () => {
  assert.equal(chooseStage('auto', 1000, undefined, 4000), 'memory');
  assert.equal(chooseStage('auto', 1001, undefined, 4000), 'disk');
  assert.equal(chooseStage('memory', 10 ** 12, undefined, 4000), 'memory');
  assert.equal(chooseStage('auto', 1, '/tmp/keep', 4000), 'disk');
  assert.throws(() => chooseStage('memory', 1, '/tmp/keep'), (e: unknown) => e instanceof RpmkitError && e.code === 'USAGE');
});

test('real packages (distributions, rpm-rs, go-rpmutils): each one gives the same image in memory and on disk, or the same error', async (t) => {
  const roots = [sharedPath(t, 'data/rpms/distro'), sharedPath(t, 'data/rpms/edge')];
  if (roots.some((r) => !r)) return;
  const dir = tempDir(t);
  const files = roots.flatMap((r) => readdirSync(r!).filter((f) => f.endsWith('.rpm') && !f.endsWith('.src.rpm')).map((f) => path.join(r!, f)));
  let same = 0;
  let refused = 0;
  for (const [i, file] of files.entries()) {
    const outcome = async (stage: 'memory' | 'disk') => {
      try {
        return (await build(dir, [file], stage, `${stage}-${i}`)).manifestDigest;
      } catch (e) {
        assert.ok(e instanceof RpmkitError, `${path.basename(file)} (${stage}): ${String(e)}`);
        return `${e.code}: ${e.message}`;
      }
    };
    const mem = await outcome('memory');
    assert.equal(mem, await outcome('disk'), path.basename(file));
    if (mem.startsWith('sha256:')) same++;
    else refused++;
  }
  // Most build; the known-bad ones (corrupted payloads, broken headers) fail alike.
  t.diagnostic(`${same} built the same image both ways, ${refused} refused alike`);
  assert.ok(same >= 30, `${same} built, ${refused} refused`);
});
