// `rpmkit build` end to end on real RPMs (Debian's python3 closure rewrapped
// by ../shared/tools/deb2rpm-distro.sh): two builds of one lock in different
// directories and processes give the same digest, with no SOURCE_DATE_EPOCH
// set, staged in memory or on disk; skopeo and umoci read the image; python3
// runs in the unpacked rootfs; rpm lists every locked package there; push to
// a real registry reads back with the same digest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync, cpSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { needTool, runCli, tempDir } from '../helpers/env.js';
import { distroRepo } from '../helpers/fixtures.js';
import { startRegistry } from '../registry/helpers.js';

const env = { SOURCE_DATE_EPOCH: '' };

function sh(cmd: string, args: string[]) {
  return spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
}

test('rpmkit build: reproducible image of the python3 closure, read by skopeo/umoci/rpm, pushed to a registry', async (t) => {
  const repo = distroRepo(t);
  if (!repo || !needTool(t, 'skopeo', 'umoci', 'rpm', 'docker-registry')) return;
  const dir = tempDir(t);
  const a = path.join(dir, 'a');
  const manifest = `[contents]\nrepositories = [{ id = "distro", url = "file://${repo}", options = { gpgcheck = "0" } }]\npackages = ["python3"]\ndocs = false\n\n[image]\nentrypoint = ["/usr/bin/python3"]\ncmd = ["-c", "print(42)"]\nenvs = { LANG = "C.UTF-8" }\nlabels = { "org.opencontainers.image.title" = "py" }\nexposed_ports = ["8080/tcp"]\nworkdir = "/"\n`;
  writeFileSync(path.join(dir, 'rpmkit.toml'), manifest);
  const cache = path.join(dir, 'cache');
  // The first build locks on its own (no lock yet).
  const r1 = runCli(['-f', path.join(dir, 'rpmkit.toml'), '--cache-dir', cache, '--json', 'build', '--image', a, '--tag', 'py'], { env });
  assert.equal(r1.status, 0, r1.stderr);
  const b1 = JSON.parse(r1.stdout) as { manifestDigest: string; packages: number; size: number };
  const lockText = readFileSync(path.join(dir, 'rpmkit.lock'), 'utf8');
  const locked = lockText.match(/^\[\[packages\]\]/gm)?.length ?? 0;
  assert.equal(b1.packages, locked);

  // Same lock, another directory, another cache, offline from a vendor dir: same digest.
  const other = path.join(dir, 'other');
  cpSync(path.join(dir, 'rpmkit.toml'), path.join(other, 'rpmkit.toml'));
  cpSync(path.join(dir, 'rpmkit.lock'), path.join(other, 'rpmkit.lock'));
  const v = runCli(['-f', path.join(dir, 'rpmkit.toml'), '--cache-dir', cache, '-q', 'vendor', '--out-dir', path.join(other, 'vendor')]);
  assert.equal(v.status, 0, v.stderr);
  const b = path.join(other, 'image');
  const r2 = runCli(['-f', path.join(other, 'rpmkit.toml'), '--cache-dir', path.join(other, 'cache'), '--locked', '--vendor-dir', path.join(other, 'vendor'), '--json', 'build', '--image', b, '--tag', 'py'], { env });
  assert.equal(r2.status, 0, r2.stderr);
  const b2 = JSON.parse(r2.stdout) as { manifestDigest: string; stage: string };
  assert.equal(b2.manifestDigest, b1.manifestDigest);
  assert.equal(b2.stage, 'memory');
  // Staged on disk instead of in memory: the same bytes.
  const r3 = runCli(['-f', path.join(other, 'rpmkit.toml'), '--cache-dir', path.join(other, 'cache'), '--locked', '--vendor-dir', path.join(other, 'vendor'), '--json', 'build', '--image', path.join(other, 'image-disk'), '--tag', 'py', '--stage', 'disk'], { env });
  assert.equal(r3.status, 0, r3.stderr);
  const b3 = JSON.parse(r3.stdout) as { manifestDigest: string; stage: string };
  assert.deepEqual([b3.stage, b3.manifestDigest], ['disk', b1.manifestDigest]);

  // skopeo reads the config as the manifest said.
  const insp = sh('skopeo', ['inspect', '--config', `oci:${a}:py`]);
  assert.equal(insp.status, 0, insp.stderr);
  const cfg = JSON.parse(insp.stdout) as { architecture: string; config: { Entrypoint: string[]; Cmd: string[]; Env: string[]; ExposedPorts: Record<string, unknown>; Labels: Record<string, string> } };
  assert.equal(cfg.architecture, 'amd64');
  assert.deepEqual(cfg.config.Entrypoint, ['/usr/bin/python3']);
  assert.deepEqual(cfg.config.Cmd, ['-c', 'print(42)']);
  assert.ok(cfg.config.Env.includes('LANG=C.UTF-8'));
  assert.ok(cfg.config.Env.some((e) => e.startsWith('PATH=')));
  assert.ok('8080/tcp' in cfg.config.ExposedPorts);
  assert.equal(cfg.config.Labels['org.opencontainers.image.title'], 'py');
  const raw = sh('skopeo', ['inspect', `oci:${a}:py`]);
  assert.equal(raw.status, 0, raw.stderr);
  assert.equal((JSON.parse(raw.stdout) as { Digest: string }).Digest, b1.manifestDigest);

  // umoci unpacks it; rpm sees every package; python3 runs in it.
  const bundle = path.join(dir, 'bundle');
  const un = sh('umoci', ['unpack', ...(process.getuid?.() === 0 ? [] : ['--rootless']), '--image', `${a}:py`, bundle]);
  assert.equal(un.status, 0, un.stderr);
  const rootfs = path.join(bundle, 'rootfs');
  const qa = sh('rpm', ['--root', rootfs, '--dbpath', '/var/lib/rpm', '-qa']);
  assert.equal(qa.status, 0, qa.stderr);
  assert.equal(qa.stdout.trim().split('\n').length, locked);
  const va = sh('rpm', ['--root', rootfs, '--dbpath', '/var/lib/rpm', '-Va', '--nomtime']);
  // Only mtime ('T') may differ; rpm -Va prints nothing for clean files.
  const bad = va.stdout.split('\n').filter((l) => l.trim() && !/^\.{7}T?\.? /.test(l) && !/^\.+T/.test(l));
  assert.deepEqual(bad, []);
  if (process.getuid?.() === 0) {
    const py = sh('chroot', [rootfs, '/usr/bin/python3', '-c', 'import ssl, sqlite3; print(42)']);
    assert.equal(py.status, 0, py.stderr);
    assert.equal(py.stdout.trim(), '42');
  }

  // Push to a real registry and read it back.
  mkdirSync(path.join(dir, 'registry'), { recursive: true });
  const reg = await startRegistry(t, path.join(dir, 'registry'));
  const push = runCli(['--json', 'push', '--image', a, '--tag', 'py', `${reg.host}/rpmkit/py:1`]);
  assert.equal(push.status, 0, push.stderr);
  const remote = sh('skopeo', ['inspect', '--tls-verify=false', `docker://${reg.host}/rpmkit/py:1`]);
  assert.equal(remote.status, 0, remote.stderr);
  assert.equal((JSON.parse(remote.stdout) as { Digest: string }).Digest, b1.manifestDigest);
});

test('rpmkit build --locked refuses a stale lock and leaves the image untouched', async (t) => {
  const repo = distroRepo(t);
  if (!repo) return;
  const dir = tempDir(t);
  const toml = path.join(dir, 'rpmkit.toml');
  writeFileSync(toml, `[contents]\nrepositories = [{ id = "distro", url = "file://${repo}", options = { gpgcheck = "0" } }]\npackages = ["dash"]\n`);
  const cache = path.join(dir, 'cache');
  const img = path.join(dir, 'img');
  const r1 = runCli(['-f', toml, '--cache-dir', cache, '-q', 'build', '--image', img, '--tag', 't'], { env });
  assert.equal(r1.status, 0, r1.stderr);
  const index = readFileSync(path.join(img, 'index.json'), 'utf8');
  writeFileSync(toml, readFileSync(toml, 'utf8').replace('["dash"]', '["dash", "coreutils"]'));
  const r2 = runCli(['-f', toml, '--cache-dir', cache, '--locked', 'build', '--image', img, '--tag', 't'], { env });
  assert.equal(r2.status, 3, r2.stderr);
  assert.match(r2.stderr, /LOCK_STALE/);
  assert.match(r2.stderr, /coreutils/);
  assert.equal(readFileSync(path.join(img, 'index.json'), 'utf8'), index);
});

test('gpgcheck on without a key refuses to install, naming the package and the fix', async (t) => {
  const repo = distroRepo(t);
  if (!repo) return;
  const dir = tempDir(t);
  const toml = path.join(dir, 'rpmkit.toml');
  writeFileSync(toml, `[contents]\nrepositories = [{ id = "distro", url = "file://${repo}" }]\npackages = ["dash"]\n`);
  const root = path.join(dir, 'root');
  const r = runCli(['-f', toml, '--cache-dir', path.join(dir, 'cache'), 'install', '--root', root]);
  assert.equal(r.status, 6, r.stderr);
  assert.match(r.stderr, /SIGNATURE_INVALID/);
  assert.match(r.stderr, /gpgcheck/);
});
