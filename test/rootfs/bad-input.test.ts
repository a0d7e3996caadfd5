// Hostile and broken packages: '..' in the header or the archive, symlinks
// that would carry a write out of the root, truncated and corrupted
// packages, conflicting files. Each gives a coded error (and a non-zero
// exit from the CLI) and leaves the root exactly as it was after the
// packages before the failing one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { needTool, tempDir } from '../helpers/env.js';
import { distroRepo } from '../helpers/fixtures.js';
import { buildRpms, fixDigests, type TestPackage } from './build-rpm.js';
import { snapshot, diffTrees, rpmCmd, runSrcCli } from './tree.js';
import { splitRpm } from '../rpmdb/split-rpm.js';
import { installRoot, installTree, packagePathComponents } from '../../src/rootfs/index.js';
import { RpmkitError } from '../../src/errors.js';

const good: TestPackage = { name: 'good', files: [{ path: '/etc/good.conf', content: 'good\n' }, { path: '/usr/share/good/data', content: 'data' }] };

/** Replace every occurrence of `from` by `to` (same length) in the file, from byte `start` on. */
function patch(file: string, from: string, to: string, start = 0): number {
  assert.equal(from.length, to.length);
  const b = readFileSync(file);
  let n = 0;
  for (let i = b.indexOf(from, start); i >= 0; i = b.indexOf(from, i + 1)) {
    b.write(to, i, 'latin1');
    n++;
  }
  writeFileSync(file, b);
  // Keep the package's digests consistent with the patch, as an attacker would.
  fixDigests(file);
  return n;
}

/**
 * Install [good, ...bad] into a fresh root and expect `code`; the root must
 * then equal a root made from `good` alone (rpmdb included: the packages
 * before the failure are recorded). An install into memory fails alike.
 */
async function expectFailure(dir: string, goodFiles: string[], bad: string, code: string, message?: RegExp): Promise<RpmkitError> {
  const ref = path.join(dir, `ref-${randomBytes(3).toString('hex')}`);
  await installRoot({ root: ref, packages: goodFiles.map((file) => ({ file })), installTime: 1700000000 });
  const root = path.join(dir, `root-${randomBytes(3).toString('hex')}`);
  let err: unknown;
  try {
    await installRoot({ root, packages: [...goodFiles, bad].map((file) => ({ file })), installTime: 1700000000 });
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof RpmkitError, `expected an RpmkitError, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  if (message) assert.match(err.message, message);
  assert.deepEqual(diffTrees(snapshot(root), snapshot(ref), 'after failure', 'before'), []);
  // The in-memory install an image is built from refuses it with the same words.
  await assert.rejects(installTree({ packages: [...goodFiles, bad].map((file) => ({ file })) }), (e: unknown) => {
    assert.ok(e instanceof RpmkitError);
    assert.deepEqual([e.code, e.message], [err.code, err.message]);
    return true;
  });
  // The CLI says the same with a non-zero exit.
  const cliRoot = path.join(dir, `cli-${randomBytes(3).toString('hex')}`);
  const r = runSrcCli(['install-rpms', '--no-order', '--root', cliRoot, ...goodFiles, bad]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, new RegExp(`error\\[${code}\\]`));
  return err;
}

test('path checks: .. and relative names are refused', () => {
  assert.deepEqual(packagePathComponents('./usr/bin/x', 'p'), ['usr', 'bin', 'x']);
  for (const bad of ['/usr/../../etc/passwd', '../x', 'usr/bin/x', '/a/\0b']) {
    assert.throws(() => packagePathComponents(bad, 'pkg-1'), (e: unknown) => e instanceof RpmkitError && e.code === 'UNSAFE_PATH' && e.message.includes('pkg-1'));
  }
});

test("'..' in the header's file list: UNSAFE_PATH naming the package", async (t) => {
  if (!needTool(t, 'rpmbuild')) return;
  const dir = tempDir(t);
  const [g, bad] = buildRpms(dir, [good, { name: 'dots', files: [{ path: '/usr/share/dots/ok', content: 'ok' }, { path: '/xx/f', content: 'evil' }] }]);
  assert.ok(patch(bad, '/xx/', '/../') >= 1);
  const e = await expectFailure(dir, [g], bad, 'UNSAFE_PATH', /dots-1-1\.noarch/);
  assert.match(e.message, /\.\./);
});

test("'..' only in the cpio archive: UNSAFE_PATH", async (t) => {
  if (!needTool(t, 'rpmbuild')) return;
  const dir = tempDir(t);
  const [g, bad] = buildRpms(dir, [good, { name: 'cpiodots', files: [{ path: '/usr/share/cd/ok', content: 'ok' }, { path: '/yy/f', content: 'evil' }] }]);
  const { payloadOffset } = splitRpm(bad);
  assert.equal(patch(bad, './yy/f', './../f', payloadOffset), 1);
  await expectFailure(dir, [g], bad, 'UNSAFE_PATH', /cpiodots-1-1\.noarch/);
});

test('an archive entry the header does not list: PAYLOAD_INVALID', async (t) => {
  if (!needTool(t, 'rpmbuild')) return;
  const dir = tempDir(t);
  const [g, bad] = buildRpms(dir, [good, { name: 'absname', files: [{ path: '/usr/share/an/ok', content: 'ok' }, { path: '/zz/f', content: 'x' }] }]);
  const { payloadOffset } = splitRpm(bad);
  assert.equal(patch(bad, './zz/f', '/tmp/f', payloadOffset), 1);
  await expectFailure(dir, [g], bad, 'PAYLOAD_INVALID', /not in the package header/);
});

test('a symlink pointing above the root cannot carry a later write out of it', async (t) => {
  if (!needTool(t, 'rpmbuild')) return;
  const dir = tempDir(t);
  const unique = `rpmkit-escape-${randomBytes(4).toString('hex')}`;
  const [g, link, writer] = buildRpms(dir, [
    good,
    { name: 'esclink', files: [{ path: '/etc/x', symlink: '../../../../../../../../tmp' }] },
    { name: 'escwrite', files: [{ path: `/etc/x/${unique}`, content: 'pwned' }] },
  ]);
  await expectFailure(dir, [g, link], writer, 'UNSAFE_PATH', /escwrite-1-1\.noarch.*above the root/);
  assert.equal(existsSync(path.join('/tmp', unique)), false);
});

test('an absolute symlink is followed inside the root, never on the host', async (t) => {
  if (!needTool(t, 'rpmbuild')) return;
  const dir = tempDir(t);
  const hostTarget = path.join(dir, 'host-target');
  mkdirSync(hostTarget);
  const files = buildRpms(dir, [
    { name: 'abslink', files: [{ path: '/etc/a', symlink: hostTarget }, { path: `${hostTarget}/keep`, content: 'in root' }] },
    { name: 'abswrite', files: [{ path: '/etc/a/f', content: 'through the link' }] },
  ]);
  const root = path.join(dir, 'root');
  await installRoot({ root, packages: files.map((file) => ({ file })), installTime: 1 });
  assert.deepEqual(readdirSync(hostTarget), []);
  assert.equal(readFileSync(path.join(root, hostTarget, 'f'), 'utf8'), 'through the link');
});

test('a corrupted file body: CHECKSUM_MISMATCH, files already written by that package are undone', async (t) => {
  if (!needTool(t, 'rpmbuild')) return;
  const dir = tempDir(t);
  const [g, bad] = buildRpms(dir, [
    good,
    {
      name: 'corrupt',
      files: [
        { path: '/etc/good.conf', content: 'good\n' }, // shared, identical
        { path: '/usr/share/corrupt/a', content: 'first file' },
        { path: '/usr/share/corrupt/b', content: 'second file' },
        { path: '/usr/share/corrupt/z', content: 'THE LAST FILE' },
      ],
    },
  ]);
  const { payloadOffset } = splitRpm(bad);
  assert.equal(patch(bad, 'THE LAST FILE', 'THE LAST FILX', payloadOffset), 1);
  await expectFailure(dir, [g], bad, 'CHECKSUM_MISMATCH', /corrupt-1-1\.noarch.*\/usr\/share\/corrupt\/z/);
});

test('a zstd package whose header digest does not match a body: CHECKSUM_MISMATCH from the digests the decode worker works out', async (t) => {
  if (!needTool(t, 'rpmbuild')) return;
  const before = process.env.RPMKIT_DECODE_THREADS;
  process.env.RPMKIT_DECODE_THREADS = '1'; // the worker path, also on a one-core machine
  t.after(() => {
    if (before === undefined) delete process.env.RPMKIT_DECODE_THREADS;
    else process.env.RPMKIT_DECODE_THREADS = before;
  });
  const dir = tempDir(t);
  const [bad] = buildRpms(dir, [{ name: 'zbad', payload: 'w3.zstdio', files: [{ path: '/usr/share/zbad/a', content: 'first' }, { path: '/usr/share/zbad/z', content: 'THE LAST FILE' }] }]);
  const sha = (s: string) => createHash('sha256').update(s).digest('hex');
  const b = readFileSync(bad);
  const at = b.indexOf(sha('THE LAST FILE'));
  assert.ok(at > 0 && at < splitRpm(bad).payloadOffset, 'the digest is in the header');
  b.write(sha('THE LAST FILX'), at, 'latin1');
  writeFileSync(bad, b);
  // Package-level digests off: the file digest check alone must refuse it.
  for (const install of [(root: string) => installRoot({ root, packages: [{ file: bad }], verifyDigests: false }), () => installTree({ packages: [{ file: bad }], verifyDigests: false })]) {
    const root = path.join(dir, `root-${randomBytes(3).toString('hex')}`);
    await assert.rejects(install(root), (e: unknown) => e instanceof RpmkitError && e.code === 'CHECKSUM_MISMATCH' && /zbad.*\/usr\/share\/zbad\/z: content digest/.test(e.message));
  }
});

test('a package that replaces a file already in the root gets it back on failure', async (t) => {
  if (!needTool(t, 'rpmbuild')) return;
  const dir = tempDir(t);
  const [bad] = buildRpms(dir, [{ name: 'replacer', files: [{ path: '/etc/motd', content: 'new motd' }, { path: '/usr/share/zz/last', content: 'LASTLAST' }] }]);
  const { payloadOffset } = splitRpm(bad);
  patch(bad, 'LASTLAST', 'LASTLAS!', payloadOffset);
  const root = path.join(dir, 'root');
  mkdirSync(path.join(root, 'etc'), { recursive: true });
  writeFileSync(path.join(root, 'etc', 'motd'), 'the original motd');
  const before = snapshot(root);
  await assert.rejects(installRoot({ root, packages: [{ file: bad }] }), (e: unknown) => e instanceof RpmkitError && e.code === 'CHECKSUM_MISMATCH');
  assert.deepEqual(diffTrees(snapshot(root), before), []);
  assert.equal(readFileSync(path.join(root, 'etc', 'motd'), 'utf8'), 'the original motd');
});

test('truncated and corrupted real packages: coded errors, root as before', async (t) => {
  const repo = distroRepo(t);
  if (!repo) return;
  const dir = tempDir(t);
  const files = readdirSync(repo).filter((f) => f.endsWith('.rpm')).sort();
  const g = path.join(repo, files.find((f) => f.startsWith('libc6-'))!);
  const victim = readFileSync(path.join(repo, files.find((f) => f.startsWith('coreutils-'))!));

  const truncated = path.join(dir, 'truncated.rpm');
  writeFileSync(truncated, victim.subarray(0, Math.floor(victim.length / 2)));
  const e1 = await expectFailure(dir, [g], truncated, 'RPM_INVALID');
  assert.match(e1.message, /truncated/);

  const headerOnly = path.join(dir, 'header-cut.rpm');
  writeFileSync(headerOnly, victim.subarray(0, 300));
  await expectFailure(dir, [g], headerOnly, 'RPM_INVALID');

  // Flip bytes in the middle of the compressed payload.
  const corrupted = Buffer.from(victim);
  const off = splitRpm(path.join(repo, files.find((f) => f.startsWith('coreutils-'))!)).payloadOffset;
  const mid = off + Math.floor((corrupted.length - off) / 2);
  for (let i = 0; i < 64; i++) corrupted[mid + i] ^= 0xa5;
  const corruptFile = path.join(dir, 'corrupted.rpm');
  writeFileSync(corruptFile, corrupted);
  const ref = path.join(dir, 'cref');
  await installRoot({ root: ref, packages: [{ file: g }], installTime: 1700000000 });
  const root = path.join(dir, 'croot');
  let err: unknown;
  try {
    await installRoot({ root, packages: [{ file: g }, { file: corruptFile }], installTime: 1700000000 });
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof RpmkitError && ['PAYLOAD_INVALID', 'CHECKSUM_MISMATCH'].includes(err.code), String(err));
  assert.deepEqual(diffTrees(snapshot(root), snapshot(ref)), []);
});

test('the same path with different content in two packages: FILE_CONFLICT worded like rpm', async (t) => {
  if (!needTool(t, 'rpmbuild', 'rpm')) return;
  const dir = tempDir(t);
  const [a, b] = buildRpms(dir, [
    { name: 'conf-a', files: [{ path: '/etc/dup', content: 'one' }, { path: '/etc/shared', content: 'same' }] },
    { name: 'conf-b', files: [{ path: '/etc/dup', content: 'two' }, { path: '/etc/shared', content: 'same' }] },
  ]);
  const err = await expectFailure(dir, [a], b, 'FILE_CONFLICT');
  // rpm's own wording for the same transaction.
  const r = rpmCmd(['--root', path.join(dir, 'rpmroot'), '--dbpath', '/var/lib/rpm', '-i', '--test', '--nodeps', a, b]);
  assert.notEqual(r.status, 0);
  const rpmLine = r.stderr.split('\n').map((l) => l.trim()).find((l) => l.startsWith('file /etc/dup'));
  assert.equal(err.message, rpmLine);
});

test('a second run into the same root: earlier packages stay in the rpmdb and take part in conflict checks', async (t) => {
  if (!needTool(t, 'rpmbuild', 'rpm')) return;
  const dir = tempDir(t);
  const [a, b, c] = buildRpms(dir, [
    { name: 'run-a', files: [{ path: '/etc/dup', content: 'one' }] },
    { name: 'run-b', files: [{ path: '/etc/dup', content: 'two' }] },
    { name: 'run-c', files: [{ path: '/etc/dup', content: 'one' }, { path: '/etc/c', content: 'c' }] },
  ]);
  const root = path.join(dir, 'root');
  await installRoot({ root, packages: [{ file: a }], installTime: 1 });
  const before = snapshot(root);
  await assert.rejects(installRoot({ root, packages: [{ file: b }], installTime: 2 }), (e: unknown) =>
    e instanceof RpmkitError && e.code === 'FILE_CONFLICT' && e.message === 'file /etc/dup from install of run-b-1-1.noarch conflicts with file from package run-a-1-1.noarch');
  assert.deepEqual(diffTrees(snapshot(root), before), []);
  // An identical shared file and a new one: fine; installing run-a again is a no-op.
  const r = await installRoot({ root, packages: [{ file: c }, { file: a }], installTime: 3 });
  assert.ok(r.notices.includes('package run-a-1-1.noarch is already installed'));
  const qa = rpmCmd(['--root', root, '--dbpath', '/var/lib/rpm', '-qa', '--qf', '%{NAME} %{INSTALLTIME}\n']);
  assert.deepEqual(qa.stdout.trim().split('\n').sort(), ['run-a 1', 'run-c 3']);
  const qf = rpmCmd(['--root', root, '--dbpath', '/var/lib/rpm', '-qf', '--qf', '%{NAME}\n', '/etc/dup']);
  assert.deepEqual(qf.stdout.trim().split('\n').sort(), ['run-a', 'run-c']);
});

test('a package whose digests do not match is refused before anything is written', async (t) => {
  if (!needTool(t, 'rpmbuild')) return;
  const dir = tempDir(t);
  const [g, bad] = buildRpms(dir, [good, { name: 'baddigest', files: [{ path: '/usr/share/bd/a', content: 'AAAA' }] }]);
  const b = readFileSync(bad);
  const i = b.indexOf('AAAA', splitRpm(bad).payloadOffset);
  b.write('AAAB', i, 'latin1'); // no digest fix-up this time
  writeFileSync(bad, b);
  const e = await expectFailure(dir, [g], bad, 'CHECKSUM_MISMATCH', /Payload SHA256 digest: BAD/);
  assert.match(e.message, /baddigest/);
});
