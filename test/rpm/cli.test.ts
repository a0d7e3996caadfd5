// `rpmkit inspect` and `rpmkit verify` end to end, checked against rpm's own
// view of the same files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ROOT, needTool, sharedPath, tempDir } from '../helpers/env.js';

/** Run the CLI from source (independent of other stages' build state). */
function cli(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

test('inspect --json: NEVRA, files and deps equal rpm -qp; digests and signature status present', async (t) => {
  const data = sharedPath(t, 'data');
  if (!data || !needTool(t, 'rpm')) return;
  const file = path.join(data, 'rpms/distro/hello-2.12.1-2.fc39.x86_64.rpm');
  const r = cli(['inspect', '--json', file, '--key', path.join(data, 'keys/distro/RPM-GPG-KEY-fedora-39-primary')]);
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout) as Record<string, unknown> & { files: { path: string }[]; requires: { name: string }[]; provides: { name: string }[]; signature: { status: string }; digests: { status: string }; scriptlets: unknown[] };
  const db = tempDir(t);
  const q = (...a: string[]) => spawnSync('rpm', ['--dbpath', db, '--nosignature', '-qp', ...a, file], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  const [n, e, v, rel, a] = q('--qf', '%{NAME}\\n%{EPOCH}\\n%{VERSION}\\n%{RELEASE}\\n%{ARCH}\\n');
  assert.deepEqual([j.name, j.epoch ?? '(none)', j.version, j.release, j.arch], [n, e, v, rel, a]);
  assert.deepEqual(j.files.map((f) => f.path), q('-l'));
  assert.deepEqual(j.requires.map((d) => d.name), q('--requires').map((l) => l.split(' ')[0]));
  assert.deepEqual(j.provides.map((d) => d.name), q('--provides').map((l) => l.split(' ')[0]));
  assert.equal(j.payloadCompressor, 'zstd');
  assert.equal(j.digests.status, 'OK');
  assert.equal(j.signature.status, 'OK');
  // Text output names the same things.
  const txt = cli(['inspect', file]);
  assert.equal(txt.status, 0);
  assert.match(txt.stdout, /Name {8}: hello/);
  assert.match(txt.stdout, /\/usr\/bin\/hello/);
  assert.match(txt.stdout, /Signature {3}: NOKEY/);
});

test('verify: exit 0 when good, 6 on NOKEY / BAD digest, --nosignature accepts unknown keys', async (t) => {
  const data = sharedPath(t, 'data');
  if (!data) return;
  const good = path.join(data, 'rpms/edge/hello-2.0-1.x86_64-signed.rpm');
  const key = path.join(data, 'keys/test/rpm-rpm.org-rsa-2048-test.pub');
  const ok = cli(['verify', good, '--key', key]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /Header V4 RSA\/SHA256 Signature, key ID 1964c5fc: OK/);
  assert.match(ok.stdout, /digests signatures OK/);

  const nokey = cli(['verify', good]);
  assert.equal(nokey.status, 6);
  assert.match(nokey.stderr, /SIGNATURE_INVALID/);
  assert.match(nokey.stdout, /NOKEY/);
  assert.equal(cli(['verify', '--nosignature', good]).status, 0);

  const unsigned = cli(['verify', path.join(data, 'rpms/edge/hello-2.0-1.x86_64.rpm'), '--key', key]);
  assert.equal(unsigned.status, 6, 'an unsigned package fails unless --nosignature');

  const bad = cli(['verify', '--json', '--nosignature', path.join(data, 'rpms/edge/libzypp-signed_broken.rpm'), good]);
  assert.equal(bad.status, 6);
  const j = JSON.parse(bad.stdout) as { error: { code: string; details: { results: { path: string; ok: boolean }[] } } };
  assert.equal(j.error.code, 'CHECKSUM_MISMATCH');
  assert.deepEqual(j.error.details.results.map((r) => r.ok), [false, true]);

  const notRpm = cli(['verify', path.join(data, 'keys/test/rpm-alice.asc')]);
  assert.equal(notRpm.status, 6);
  assert.match(notRpm.stderr, /RPM_INVALID/);
});
