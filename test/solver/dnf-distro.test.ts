// On real RPMs (Debian's python3 closure rewrapped by deb2rpm-distro.sh):
// `rpmkit resolve` must pick exactly the packages dnf picks for the same
// request (dnf --installroot --downloadonly into a scratch dir, weak deps
// off), and fail where dnf fails. Also checks the CLI output contract
// (JSON shape, sorting, exit 4 with a readable explanation) and `why`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { needTool, runCli, tempDir } from '../helpers/env.js';
import { distroRepo } from '../helpers/fixtures.js';

const dnfErrors = new Map<string, string>();

function dnfSet(repo: string, dir: string, specs: string[]): string[] | 'fail' {
  const root = path.join(dir, `root-${specs.join('_').replace(/[^A-Za-z0-9_.-]/g, '_')}`);
  const dl = `${root}-dl`;
  mkdirSync(root, { recursive: true });
  mkdirSync(dl, { recursive: true });
  const r = spawnSync(
    'dnf',
    ['--installroot', root, '--noplugins', '--setopt=gpgcheck=0', '--setopt=reposdir=/dev/null', `--repofrompath=d,${repo}`, '--setopt=d.gpgcheck=0', '--setopt=install_weak_deps=False', '--releasever=1', '--downloadonly', '--downloaddir', dl, '-y', '-q', 'install', ...specs],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) {
    dnfErrors.set(specs.join(' '), `${r.stdout}\n${r.stderr}`.trim().slice(-800));
    return 'fail';
  }
  return readdirSync(dl)
    .filter((f) => f.endsWith('.rpm'))
    .sort();
}

interface JsonPkg {
  name: string;
  epoch: string;
  version: string;
  release: string;
  arch: string;
  repo: string;
}

function rpmkitSet(repo: string, cache: string, specs: string[]): { files: string[]; json: { packages: JsonPkg[] } } | { status: number; stderr: string } {
  const r = runCli(['--json', '--cache-dir', cache, 'resolve', '--repo', `d=${repo}`, ...specs]);
  if (r.status !== 0) return { status: r.status ?? -1, stderr: r.stderr };
  const json = JSON.parse(r.stdout) as { packages: JsonPkg[] };
  return { files: json.packages.map((p) => `${p.name}-${p.version}-${p.release}.${p.arch}.rpm`).sort(), json };
}

test('rpmkit resolve picks the same packages as dnf on real RPMs', async (t) => {
  if (!needTool(t, 'dnf')) return;
  const repo = distroRepo(t);
  if (!repo) return;
  const dir = tempDir(t);
  const cache = path.join(dir, 'cache');
  const cases = [['python3'], ['coreutils'], ['dash', 'tar'], ['python3.11-minimal', 'libc6'], ['/usr/bin/python3'], ['libexpat1.x86_64'], ['python3*-minimal']];
  let compared = 0;
  for (const specs of cases) {
    const want = dnfSet(repo, dir, specs);
    const got = rpmkitSet(repo, cache, specs);
    if (want === 'fail') {
      assert.ok('status' in got, `dnf fails ${specs.join(' ')} but rpmkit resolves it; dnf said: ${dnfErrors.get(specs.join(' '))}`);
      continue;
    }
    assert.ok('files' in got, `rpmkit failed on ${specs.join(' ')}: ${'stderr' in got ? got.stderr : ''}`);
    assert.deepEqual(got.files, want, `install set of ${specs.join(' ')}`);
    compared++;
    // Output contract: sorted by name, arch, then EVR; every package from repo "d".
    const names = got.json.packages.map((p) => p.name);
    assert.deepEqual(names, [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    for (const p of got.json.packages) assert.equal(p.repo, 'd');
  }
  t.diagnostic(`${compared} requests resolved identically to dnf`);
  assert.ok(compared >= 5);
});

test('unsatisfiable and unknown requests: exit 4 with an explanation, like dnf fails', async (t) => {
  if (!needTool(t, 'dnf')) return;
  const repo = distroRepo(t);
  if (!repo) return;
  const dir = tempDir(t);
  const cache = path.join(dir, 'cache');
  assert.equal(dnfSet(repo, dir, ['pyhton3']), 'fail');
  const r = runCli(['--cache-dir', cache, 'resolve', '--repo', `d=${repo}`, 'pyhton3']);
  assert.equal(r.status, 4, r.stderr);
  assert.match(r.stderr, /no package matches 'pyhton3'/);
  assert.match(r.stderr, /did you mean: .*python3/);
  // Excluding a needed library: nothing provides it, with the chain and the exclude named.
  const x = runCli(['--cache-dir', cache, 'resolve', '--repo', `d=${repo}`, '--exclude', 'libexpat1', 'python3']);
  assert.equal(x.status, 4, x.stderr);
  assert.match(x.stderr, /nothing provides libexpat\.so\.1\(\)\(64bit\) needed by \S+/);
  assert.match(x.stderr, /required by: python3 -> /);
  assert.match(x.stderr, /excluded by libexpat1 \(--exclude\)/);
  const j = runCli(['--json', '--cache-dir', cache, 'resolve', '--repo', `d=${repo}`, '--exclude', 'libexpat1', 'python3']);
  assert.equal(j.status, 4);
  const err = JSON.parse(j.stdout) as { error: { code: string; details: { problems: { kind: string; chain: string[] }[] } } };
  assert.equal(err.error.code, 'UNSATISFIABLE');
  assert.equal(err.error.details.problems[0].kind, 'nothing-provides');
  assert.equal(err.error.details.problems[0].chain[0], 'python3');
});

test('rpmkit why shows the requires path to a package', async (t) => {
  const repo = distroRepo(t);
  if (!repo) return;
  const dir = tempDir(t);
  const r = runCli(['--json', '--cache-dir', path.join(dir, 'cache'), 'why', 'libexpat1', 'python3', '--repo', `d=${repo}`]);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { chain: { package: string; reason: string; by?: string; spec?: string }[] };
  assert.equal(out.chain[0].reason, 'requested');
  assert.equal(out.chain[0].spec, 'python3');
  assert.match(out.chain[out.chain.length - 1].package, /^libexpat1-/);
  for (let i = 1; i < out.chain.length; i++) {
    assert.equal(out.chain[i].reason, 'requires');
    assert.equal(out.chain[i].by, out.chain[i - 1].package);
  }
});

test('resolve and why without specs use the manifest (and why pins rpmkit.lock)', async (t) => {
  const repo = distroRepo(t);
  if (!repo) return;
  const dir = tempDir(t);
  writeFileSync(path.join(dir, 'rpmkit.toml'), `[contents]\nrepositories = [{ id = "d", url = "file://${repo}", options = { gpgcheck = "0" } }]\npackages = ["python3"]\n`);
  const env = { RPMKIT_CACHE_DIR: path.join(dir, 'cache') };
  const r = runCli(['--json', 'resolve'], { cwd: dir, env });
  assert.equal(r.status, 0, r.stderr);
  const viaSpec = runCli(['--json', 'resolve', '--repo', `d=${repo}`, 'python3'], { cwd: dir, env });
  assert.deepEqual(JSON.parse(r.stdout), JSON.parse(viaSpec.stdout));
  const w = runCli(['--json', 'why', 'libffi8'], { cwd: dir, env });
  assert.equal(w.status, 0, w.stderr);
  const chain = (JSON.parse(w.stdout) as { chain: { package: string; spec?: string }[] }).chain;
  assert.equal(chain[0].spec, 'python3');
  assert.match(chain[chain.length - 1].package, /^libffi8-/);
  const missing = runCli(['why', 'no-such-package'], { cwd: dir, env });
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /not in the install set/);
});

test('local .rpm files are installed from @commandline, their deps from the repos', async (t) => {
  const repo = distroRepo(t);
  if (!repo) return;
  const dir = tempDir(t);
  const file = readdirSync(repo).find((f) => /^python3-3[\d.]+-.*\.rpm$/.test(f));
  assert.ok(file, 'python3 rpm in the distro repo');
  const viaFile = runCli(['--json', '--cache-dir', path.join(dir, 'cache'), 'resolve', '--repo', `d=${repo}`, path.join(repo, file)]);
  assert.equal(viaFile.status, 0, viaFile.stderr);
  const viaName = runCli(['--json', '--cache-dir', path.join(dir, 'cache'), 'resolve', '--repo', `d=${repo}`, 'python3']);
  const a = (JSON.parse(viaFile.stdout) as { packages: JsonPkg[] }).packages;
  const b = (JSON.parse(viaName.stdout) as { packages: JsonPkg[] }).packages;
  assert.equal(a.find((p) => p.name === 'python3')?.repo, '@commandline');
  assert.deepEqual(
    a.map((p) => `${p.name}-${p.version}-${p.release}`),
    b.map((p) => `${p.name}-${p.version}-${p.release}`),
  );
});

test('install order of the python3 closure respects Requires(pre) and every requires edge outside loops', async (t) => {
  const repo = distroRepo(t);
  if (!repo) return;
  const dir = tempDir(t);
  const { loadRepo, repoFromUrl } = await import('../../src/repo/index.js');
  const { resolve, installOrder } = await import('../../src/solver/index.js');
  const r = await loadRepo({ ...repoFromUrl(repo, 'd'), gpgcheck: false }, { cacheDir: path.join(dir, 'cache') });
  const res = await resolve([r], { install: ['python3'], arch: 'x86_64' });
  assert.ok(res.ok);
  const order = installOrder(res.packages);
  assert.equal(order.length, res.packages.length);
  const pos = new Map(order.map((p, i) => [p, i]));
  // Edges p -> provider q (first provider in the set, as rpm does).
  const provider = (name: string) => res.packages.find((q) => q.name === name || q.provides.some((d) => d.name === name) || q.files.includes(name));
  const edges: [typeof order[number], typeof order[number], boolean][] = [];
  for (const p of order) for (const d of p.requires) {
    if (d.name.startsWith('rpmlib(') || d.rich) continue;
    const q = provider(d.name);
    if (q && q !== p) edges.push([p, q, Boolean(d.pre)]);
  }
  // Which edges close a loop: q reaches p.
  const reach = (from: typeof order[number], to: typeof order[number], preOnly: boolean) => {
    const seen = new Set([from]);
    const stack = [from];
    while (stack.length) {
      const x = stack.pop()!;
      if (x === to) return true;
      for (const [a, b, pre] of edges) if (a === x && (!preOnly || pre) && !seen.has(b)) {
        seen.add(b);
        stack.push(b);
      }
    }
    return false;
  };
  let checked = 0;
  for (const [p, q, pre] of edges) {
    const inLoop = reach(q, p, false);
    if (!inLoop || (pre && !reach(q, p, true))) {
      assert.ok(pos.get(q)! < pos.get(p)!, `${q.name} must come before ${p.name}${pre ? ' (Requires(pre))' : ''}`);
      checked++;
    }
  }
  t.diagnostic(`${order.length} packages, ${edges.length} requires edges, ${checked} ordering constraints checked`);
  assert.ok(checked > 20);
});
