// Differential test against libsolv on real RPM metadata: CentOS Stream 9
// BaseOS + AppStream (../shared/data/repodata; rich deps, file deps via
// filelists, versioned provides). For sampled jobs rpmkit's install set must
// equal testsolv's (repo2solv -F of the same repodata), libsolv's
// unsatisfiable jobs must be unsatisfiable for rpmkit too, and where libsolv
// says "nothing provides X needed by Y", rpmkit must name the same X and Y.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { needTool, sharedPath, tempDir } from '../helpers/env.js';
import { loadRepo, repoFromUrl } from '../../src/repo/index.js';
import { resolve } from '../../src/solver/index.js';
import { sampleJobs, testsolvJobs } from '../helpers/testsolv.js';


/**
 * BaseOS + AppStream as .solv files for testsolv (in a temp dir) and as
 * rpmkit pools, plus their sorted binary package names; undefined (test
 * skipped) without the tools or ../shared.
 */
async function centos(t: TestContext) {
  if (!needTool(t, 'testsolv', 'repo2solv')) return undefined;
  const baseDir = sharedPath(t, 'data/repodata/centos-stream9-baseos');
  const appDir = sharedPath(t, 'data/repodata/centos-stream9-appstream');
  if (!baseDir || !appDir) return undefined;
  const dir = tempDir(t);
  for (const [id, d] of [
    ['baseos', baseDir],
    ['appstream', appDir],
  ]) {
    const r = spawnSync('repo2solv', ['-F', '-o', path.join(dir, `${id}.solv`), d], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  }
  const load = (d: string, id: string) => loadRepo({ ...repoFromUrl(d, id), gpgcheck: false }, { cacheDir: path.join(dir, 'cache') });
  const repos = [await load(baseDir, 'baseos'), await load(appDir, 'appstream')];
  const names = [...new Set(repos.flatMap((r) => r.packages).filter((p) => p.arch !== 'src').map((p) => p.name))].sort();
  return { dir, repos, names };
}

test('CentOS Stream 9: rpmkit equals libsolv on sampled jobs, problems included', async (t) => {
  const c = await centos(t);
  if (!c) return;
  const { dir, repos, names } = c;
  const jobs = sampleJobs(names, 60, 90210, 2);
  const parts = testsolvJobs(path.join(dir, 'jobs.t'), ['baseos', 'appstream'], jobs, false).results;
  let same = 0;
  let unsat = 0;
  let explained = 0;
  let libsolvExplained = 0;
  let checked = 0;
  const diffs: string[] = [];
  for (let i = 0; i < jobs.length; i++) {
    const job = jobs[i];
    const res = await resolve(repos, { install: job, arch: 'x86_64' });
    const problems = parts[i].filter((l) => / info /.test(l)).map((l) => l.replace(/^problem \S+ info /, ''));
    if (parts[i].some((l) => l.startsWith('problem '))) {
      unsat++;
      if (res.ok) {
        diffs.push(`${job.join(' ')}: libsolv: ${problems.join('; ')}; rpmkit installs ${res.packages.length} packages`);
        continue;
      }
      // Every rpmkit explanation must be true: the package really requires
      // the dep, nothing in the pool provides it, and the chain links each
      // package to one that requires it, starting from a requested spec.
      for (const p of res.problems) {
        if (p.kind !== 'nothing-provides') continue;
        const pk = p.package!;
        const all = repos.flatMap((r) => r.packages);
        const depName = p.dep!.split(' ')[0];
        assert.ok(pk.requires.some((d) => d.name === depName), `${pk.name} does not require ${p.dep}`);
        if (!depName.startsWith('/')) assert.ok(!all.some((q) => q.arch !== 'src' && q.arch !== 'i686' && q.provides.some((d) => d.name === depName && p.dep === depName)), `${depName} is provided`);
        assert.ok(job.includes(p.chain[0]), `chain ${p.chain.join(' -> ')} does not start at a spec`);
        checked++;
      }
      // How often rpmkit names the same "nothing provides X needed by Y" as libsolv.
      for (const text of problems) {
        const m = /^nothing provides (.+) needed by (\S+)$/.exec(text);
        if (!m) continue;
        libsolvExplained++;
        if (res.problems.some((p) => p.kind === 'nothing-provides' && p.dep === m[1] && p.package && `${p.package.name}-${p.package.epoch !== '0' ? `${p.package.epoch}:` : ''}${p.package.version}-${p.package.release}.${p.package.arch}` === m[2])) explained++;
      }
      same++;
      continue;
    }
    const want = parts[i].filter((l) => l.startsWith('install ')).map((l) => l.slice(8)).sort();
    if (!res.ok) {
      diffs.push(`${job.join(' ')}: libsolv installs ${want.length}, rpmkit: ${res.problems.map((p) => p.kind).join(', ')}`);
      continue;
    }
    const got = res.packages.map((p) => `${p.name}-${p.epoch !== '0' ? `${p.epoch}:` : ''}${p.version}-${p.release}.${p.arch}@${p.repoId}`).sort();
    if (JSON.stringify(got) === JSON.stringify(want)) same++;
    else diffs.push(`${job.join(' ')}: libsolv only ${want.filter((x) => !got.includes(x)).slice(0, 8).join(' ')}; rpmkit only ${got.filter((x) => !want.includes(x)).slice(0, 8).join(' ')}`);
  }
  t.diagnostic(`${jobs.length} jobs on baseos+appstream: ${same} identical (${unsat} unsatisfiable in both), ${diffs.length} differ`);
  t.diagnostic(`"nothing provides" explanations: ${checked} checked true; ${explained} of libsolv's ${libsolvExplained} named identically`);
  assert.ok(checked > 0);
  assert.deepEqual(diffs, []);
});

test('CentOS Stream 9 with weak deps: equal to libsolv without ignorerecommended (conditional Recommends)', async (t) => {
  const c = await centos(t);
  if (!c) return;
  const { dir, repos, names } = c;
  const jobs = sampleJobs(names, 25, 4711, 1);
  const parts = testsolvJobs(path.join(dir, 'jobs.t'), ['baseos', 'appstream'], jobs, true).results;
  const diffs: string[] = [];
  let same = 0;
  for (let i = 0; i < jobs.length; i++) {
    const res = await resolve(repos, { install: jobs[i], arch: 'x86_64', weakDeps: true });
    if (parts[i].some((l) => l.startsWith('problem '))) {
      if (res.ok) diffs.push(`${jobs[i].join(' ')}: libsolv finds no solution`);
      else same++;
      continue;
    }
    const want = parts[i].filter((l) => l.startsWith('install ')).map((l) => l.slice(8)).sort();
    const got = res.ok ? res.packages.map((p) => `${p.name}-${p.epoch !== '0' ? `${p.epoch}:` : ''}${p.version}-${p.release}.${p.arch}@${p.repoId}`).sort() : [];
    if (JSON.stringify(got) === JSON.stringify(want)) same++;
    else diffs.push(`${jobs[i].join(' ')}: libsolv only ${want.filter((x) => !got.includes(x)).slice(0, 6).join(' ')}; rpmkit only ${got.filter((x) => !want.includes(x)).slice(0, 6).join(' ')}`);
  }
  t.diagnostic(`${jobs.length} jobs with weak deps: ${same} identical, ${diffs.length} differ`);
  assert.deepEqual(diffs, []);
});
