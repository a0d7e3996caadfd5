// End-to-end proof on the real Debian-derived RPM repository (python3's
// closure, indexed by createrepo_c), served over file:// and over HTTP: the
// lock names exactly what dnf would install, with createrepo_c's checksums;
// re-lock is byte-identical; vendor fetches and verifies everything;
// --check catches manifest changes; failures leave the previous lock alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, readdirSync, rmSync, unlinkSync, existsSync, mkdirSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseLock, type Lock } from '../../src/lockfile/index.js';
import { ROOT, needTool, tempDir } from '../helpers/env.js';
import { distroRepo } from '../helpers/fixtures.js';
import { serve } from '../fetch/server.js';

/**
 * The CLI from source (independent of whether dist/ is built). Async: the
 * test's HTTP server runs in this process and must keep answering.
 */
function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    c.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** What `dnf --assumeno install` would install: name.arch -> evr. */
function dnfPlan(repoUrl: string, spec: string, root: string): Map<string, string> {
  const r = spawnSync('dnf', ['--installroot', root, '--setopt=reposdir=/dev/null', `--repofrompath=d,${repoUrl}`, '--setopt=d.gpgcheck=0', '--setopt=install_weak_deps=False', '--releasever=1', '--assumeno', 'install', spec], { encoding: 'utf8' });
  const out = `${r.stdout}\n${r.stderr}`;
  assert.match(out, /Operation aborted/, `dnf did not plan an install:\n${out}`);
  const plan = new Map<string, string>();
  const lines = out.split('\n');
  let inTable = false;
  for (let i = 0; i < lines.length; i++) {
    let l = lines[i];
    if (/^Installing( dependencies)?:/.test(l)) {
      inTable = true;
      continue;
    }
    if (/^Transaction Summary/.test(l)) break;
    if (!inTable) continue;
    // dnf wraps a long name onto its own line.
    if (/^ \S+$/.test(l) && i + 1 < lines.length) l = `${l} ${lines[++i].trim()}`;
    const m = /^ (\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+[\d.]+\s*[kMG]?\s*$/.exec(l);
    if (m) plan.set(`${m[1]}.${m[2]}`, m[3]);
  }
  assert.ok(plan.size > 0, `no packages parsed from dnf output:\n${out}`);
  return plan;
}

/** createrepo_c's checksums from primary.xml.gz: location -> "sha256:<hex>". */
function primaryChecksums(repo: string): Map<string, string> {
  const repomd = readFileSync(path.join(repo, 'repodata', 'repomd.xml'), 'utf8');
  const href = /<data type="primary">[\s\S]*?<location href="([^"]+)"/.exec(repomd)![1];
  const xml = gunzipSync(readFileSync(path.join(repo, href))).toString('utf8');
  const out = new Map<string, string>();
  for (const pkg of xml.split('<package ').slice(1)) {
    const ck = /<checksum type="(\w+)" pkgid="YES">([0-9a-f]+)<\/checksum>/.exec(pkg)!;
    const loc = /<location href="([^"]+)"/.exec(pkg)![1];
    out.set(loc, `${ck[1]}:${ck[2]}`);
  }
  return out;
}

function evr(p: Lock['packages'][number]): string {
  return `${p.epoch !== '0' ? `${p.epoch}:` : ''}${p.version}-${p.release}`;
}

function manifest(dir: string, repoUrl: string, extra = '', unsigned = false): string {
  const f = path.join(dir, 'rpmkit.toml');
  // The Debian-derived RPMs are unsigned: installing them needs gpgcheck off for their repository.
  const repo = unsigned ? `{ id = "deb", url = ${JSON.stringify(repoUrl)}, options = { gpgcheck = "0" } }` : JSON.stringify(repoUrl);
  writeFileSync(f, `[contents]\nrepositories = [${repo}]\npackages = ["python3"]\n${extra}`);
  return f;
}

test('lock python3 over file:// = dnf\'s plan with createrepo_c checksums; re-lock identical; --check catches changes', async (t) => {
  const repo = distroRepo(t);
  if (!repo || !needTool(t, 'dnf')) return;
  const dir = tempDir(t);
  const cache = path.join(dir, 'cache');
  const url = pathToFileURL(repo).href;
  const m = manifest(dir, url);
  const r = await cli(['-f', m, '--cache-dir', cache, 'lock']);
  assert.equal(r.status, 0, r.stderr);
  const lockFile = path.join(dir, 'rpmkit.lock');
  const text = readFileSync(lockFile, 'utf8');
  const lock = parseLock(text);

  const plan = dnfPlan(url, 'python3', path.join(dir, 'dnfroot'));
  const ours = new Map(lock.packages.map((p) => [`${p.name}.${p.arch}`, evr(p)]));
  assert.deepEqual([...ours.entries()].sort(), [...plan.entries()].sort());

  const sums = primaryChecksums(repo);
  for (const p of lock.packages) {
    assert.equal(p.checksum, sums.get(p.location), `${p.name}: checksum differs from primary.xml`);
    const file: Buffer = readFileSync(path.join(repo, p.location));
    assert.equal(p.size, file.length);
    assert.equal(p.checksum, `sha256:${createHash('sha256').update(file).digest('hex')}`);
  }
  const repomd = readFileSync(path.join(repo, 'repodata', 'repomd.xml'));
  assert.equal(lock.repositories[0].repomdChecksum, `sha256:${createHash('sha256').update(repomd).digest('hex')}`);

  // Re-lock: byte-identical.
  assert.equal((await cli(['-f', m, '--cache-dir', cache, 'lock'])).status, 0);
  assert.equal(readFileSync(lockFile, 'utf8'), text);
  // Fresh: --check exits 0; --locked lock is a check too.
  assert.equal((await cli(['-f', m, '--cache-dir', cache, 'lock', '--check'])).status, 0);
  // A manifest change: exit 3, saying what changed, lock untouched.
  manifest(dir, url, 'exclude = ["nano"]\n');
  writeFileSync(m, readFileSync(m, 'utf8').replace('packages = ["python3"]', 'packages = ["python3", "tar"]'));
  const c = await cli(['-f', m, '--cache-dir', cache, 'lock', '--check']);
  assert.equal(c.status, 3, c.stderr);
  assert.match(c.stderr, /LOCK_STALE/);
  assert.match(c.stderr, /package "tar" was added/);
  assert.match(c.stderr, /exclude changed/);
  const l = await cli(['-f', m, '--cache-dir', cache, '--locked', 'vendor', '--out-dir', path.join(dir, 'v')]);
  assert.equal(l.status, 3, l.stderr);
  assert.equal(readFileSync(lockFile, 'utf8'), text);
  assert.equal((await cli(['-f', m, '--cache-dir', cache, 'lock'])).status, 0);
  assert.equal((await cli(['-f', m, '--cache-dir', cache, 'lock', '--check'])).status, 0);
  assert.deepEqual(parseLock(readFileSync(lockFile, 'utf8')).packages, lock.packages, 'tar was already in the closure');

  // hermeto interop: export rpms.lock.yaml, then rebuild the lock from it (and from an rpmoci.lock): same bytes.
  const now = readFileSync(lockFile, 'utf8');
  const y = path.join(dir, 'rpms.lock.yaml');
  assert.equal((await cli(['-f', m, '--cache-dir', cache, 'lock', '--export-rpms-lock-yaml', y])).status, 0);
  assert.match(readFileSync(y, 'utf8'), /lockfileVendor: redhat/);
  unlinkSync(lockFile);
  const imp = await cli(['-f', m, '--cache-dir', cache, 'lock', '--import', y]);
  assert.equal(imp.status, 0, imp.stderr);
  assert.match(imp.stdout, new RegExp(`imported ${lock.packages.length} of ${lock.packages.length} packages`));
  assert.equal(readFileSync(lockFile, 'utf8'), now);
  const rpmoci = path.join(dir, 'rpmoci.lock');
  writeFileSync(rpmoci, `pkg_specs = ["python3", "tar"]\nglobal_key_specs = []\n\n${lock.packages.map((p) => `[[packages]]\nname = "${p.name}"\nevr = "${evr(p)}"\nrepoid = "d"\n\n[packages.checksum]\nalgorithm = "sha256"\nchecksum = "${p.checksum.slice(7)}"\n`).join('\n')}`);
  unlinkSync(lockFile);
  const imp2 = await cli(['-f', m, '--cache-dir', cache, 'lock', '--import', rpmoci]);
  assert.equal(imp2.status, 0, imp2.stderr);
  assert.equal(readFileSync(lockFile, 'utf8'), now);
});

test('over HTTP: same lock content; vendor fetches and verifies all; --vendor-dir catches missing/altered files', async (t) => {
  const repo = distroRepo(t);
  if (!repo) return;
  const s = await serve({}, repo);
  t.after(() => s.close());
  const dir = tempDir(t);
  const cache = path.join(dir, 'cache');
  const m = manifest(dir, s.url, '', true);
  assert.equal((await cli(['-f', m, '--cache-dir', cache, 'lock'])).status, 0);
  const lock = parseLock(readFileSync(path.join(dir, 'rpmkit.lock'), 'utf8'));
  const sums = primaryChecksums(repo);
  for (const p of lock.packages) assert.equal(p.checksum, sums.get(p.location));
  // The same packages, files and checksums as a lock made over file://.
  const fdir = path.join(dir, 'file');
  const fm = manifest((mkdirSync(fdir), fdir), pathToFileURL(repo).href);
  assert.equal((await cli(['-f', fm, '--cache-dir', cache, 'lock'])).status, 0);
  const flock = parseLock(readFileSync(path.join(fdir, 'rpmkit.lock'), 'utf8'));
  const strip = (l: Lock) => l.packages.map((p) => ({ ...p, repo: '' }));
  assert.deepEqual(strip(lock), strip(flock));
  assert.equal(lock.repositories[0].baseurl, s.url);

  const out = path.join(dir, 'vendor');
  const v = await cli(['-f', m, '--cache-dir', cache, '--json', 'vendor', '--out-dir', out]);
  assert.equal(v.status, 0, v.stderr);
  const index = JSON.parse(readFileSync(path.join(out, 'vendor.json'), 'utf8')) as { packages: { path: string; checksum: string; size: number; name: string }[] };
  assert.equal(index.packages.length, lock.packages.length);
  for (const p of index.packages) {
    const b = readFileSync(path.join(out, p.path));
    assert.equal(b.length, p.size);
    assert.equal(`sha256:${createHash('sha256').update(b).digest('hex')}`, p.checksum);
    assert.match(p.path, /^[^/]+\/[^/]+\.rpm$/);
  }
  const rpmFetches = s.log.filter((l) => l.path.endsWith('.rpm')).length;
  assert.equal(rpmFetches, lock.packages.length, 'each package fetched once');
  // Vendor again: nothing fetched.
  assert.equal((await cli(['-f', m, '--cache-dir', path.join(dir, 'cache2'), 'vendor', '--out-dir', out])).status, 0);
  assert.equal(s.log.filter((l) => l.path.endsWith('.rpm')).length, rpmFetches);
  assert.equal((await cli(['-f', m, 'vendor', '--out-dir', out, '--check'])).status, 0);

  // Offline build from the vendor dir: the repository is gone, the cache empty, the lock enforced.
  await s.close();
  const help = await cli(['--help']);
  if (/\binstall \[options\]/.test(help.stdout)) {
    const root = path.join(dir, 'root');
    const inst = await cli(['-f', m, '--cache-dir', path.join(dir, 'empty-cache'), '--locked', '--vendor-dir', out, 'install', '--root', root]);
    assert.equal(inst.status, 0, inst.stderr);
    assert.ok(existsSync(path.join(root, 'usr', 'bin', 'python3.11')));
    assert.ok(!existsSync(path.join(dir, 'empty-cache', 'blobs')), 'nothing fetched into the cache');
  }

  // Altered vendored file: integrity error naming the package.
  const victim = index.packages.find((p) => p.name === 'libffi8')!;
  const vf = path.join(out, victim.path);
  const orig = readFileSync(vf);
  const bad = Buffer.from(orig);
  bad[bad.length - 10] ^= 1;
  writeFileSync(vf, bad);
  const a = await cli(['-f', m, 'vendor', '--out-dir', out, '--check']);
  assert.equal(a.status, 6, a.stderr);
  assert.match(a.stderr, /libffi8-3\.4\.4-1\.x86_64.*altered/);
  unlinkSync(vf);
  const b = await cli(['-f', m, 'vendor', '--out-dir', out, '--check']);
  assert.notEqual(b.status, 0);
  assert.match(b.stderr, /libffi8.*missing/);
  writeFileSync(vf, orig);
});

test('faults: a repo that fails leaves the previous lock untouched; a vanished RPM says so and suggests update', async (t) => {
  const repo = distroRepo(t);
  if (!repo) return;
  const s = await serve({}, repo);
  t.after(() => s.close());
  const dir = tempDir(t);
  const m = manifest(dir, s.url);
  assert.equal((await cli(['-f', m, '--cache-dir', path.join(dir, 'c1'), 'lock'])).status, 0);
  const lockFile = path.join(dir, 'rpmkit.lock');
  const before = readFileSync(lockFile);
  // Metadata fails (503 every time) during a re-lock with a changed manifest and a cold cache.
  s.faults.set('/repodata/repomd.xml', [{ kind: 'status', status: 503 }]);
  writeFileSync(m, readFileSync(m, 'utf8').replace('"python3"', '"python3", "dash"'));
  const r = await cli(['-f', m, '--cache-dir', path.join(dir, 'c2'), 'lock'], { RPMKIT_NET_RETRY_DELAY_MS: '10' });
  assert.notEqual(r.status, 0);
  assert.deepEqual(readFileSync(lockFile), before, 'previous lock untouched');
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('rpmkit.lock')), ['rpmkit.lock'], 'no temp lock left');
  s.faults.delete('/repodata/repomd.xml');

  // A locked RPM vanished from the repository (404).
  writeFileSync(m, readFileSync(m, 'utf8').replace('"python3", "dash"', '"python3"'));
  const lock = parseLock(before.toString('utf8'));
  const gone = lock.packages.find((p) => p.name === 'libmd0')!;
  s.faults.set(`/${gone.location}`, [{ kind: 'status', status: 404 }]);
  const v = await cli(['-f', m, '--cache-dir', path.join(dir, 'c3'), 'vendor', '--out-dir', path.join(dir, 'v')]);
  assert.equal(v.status, 1, v.stderr);
  assert.match(v.stderr, /LOCKED_PACKAGE_MISSING/);
  assert.match(v.stderr, /libmd0-1\.0\.4-2\.x86_64.*no longer|no longer.*libmd0/);
  assert.match(v.stderr, /rpmkit update libmd0/);
  // Everything else reached the cache, verified; nothing corrupt.
  const blobs = path.join(dir, 'c3', 'blobs', 'sha256');
  let n = 0;
  for (const ab of readdirSync(blobs)) for (const f of readdirSync(path.join(blobs, ab))) {
    assert.equal(createHash('sha256').update(readFileSync(path.join(blobs, ab, f))).digest('hex'), f);
    n++;
  }
  assert.equal(n, lock.packages.length - 1);
  assert.ok(!existsSync(path.join(dir, 'v', 'vendor.json')), 'no index for an incomplete vendor dir');
  rmSync(path.join(dir, 'v'), { recursive: true, force: true });
});
