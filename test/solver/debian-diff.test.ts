// Differential test against libsolv on the 63k-package graph made from
// Debian bookworm (main, and main + security as two repositories): for a
// deterministic sample of jobs of 1-3 package names, rpmkit's install set
// must equal testsolv's (rpmmd2solv from the same repodata, solverflags
// ignorerecommended), and where libsolv finds no solution rpmkit must not
// find one either.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { needTool, runCli, tempDir } from '../helpers/env.js';
import { debianRepos } from '../helpers/fixtures.js';
import { loadRepo, repoFromUrl } from '../../src/repo/index.js';
import type { Package, Repo } from '../../src/repo/types.js';
import { resolveOnce } from '../../src/solver/index.js';
import { sampleJobs, testsolvJobs } from '../helpers/testsolv.js';


function toSolv(repodata: string, out: string): void {
  const primary = readdirSync(path.join(repodata, 'repodata')).find((f) => f.endsWith('primary.xml.gz'));
  assert.ok(primary, `no primary.xml.gz in ${repodata}`);
  const r = spawnSync('sh', ['-c', `zcat '${path.join(repodata, 'repodata', primary)}' | rpmmd2solv > '${out}'`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

const nevra = (p: Package) => `${p.name}-${p.epoch !== '0' ? `${p.epoch}:` : ''}${p.version}-${p.release}.${p.arch}`;

/** Run testsolv on a testcase of many jobs; per job: sorted NEVRA@repo list or 'unsat'. */
function libsolv(dir: string, repos: string[], jobs: string[][], weak = false): (string[] | 'unsat')[] {
  const r = testsolvJobs(path.join(dir, `jobs-${repos.join('-')}${weak ? '-weak' : ''}.t`), repos, jobs, weak);
  assert.ok(r.status === 0 || r.status === 1, `testsolv failed: ${r.stderr}`);
  return r.results.map((lines) => (lines.some((l) => l.startsWith('problem ')) ? 'unsat' : lines.filter((l) => l.startsWith('install ')).map((l) => l.slice(8)).sort()));
}

async function compare(t: import('node:test').TestContext, repos: Repo[], solvDir: string, jobs: string[][], weak = false): Promise<string[]> {
  const ref = libsolv(
    solvDir,
    repos.map((r) => r.id),
    jobs,
    weak,
  );
  let same = 0;
  let unsat = 0;
  const diffs: string[] = [];
  jobs.forEach((job, i) => {
    const res = resolveOnce(repos, { install: job, arch: 'x86_64', weakDeps: weak }).resolution;
    const expected = ref[i];
    if (expected === 'unsat') {
      unsat++;
      if (res.ok) diffs.push(`${job.join(' ')}: libsolv finds no solution, rpmkit installs ${res.packages.length} packages`);
      else same++;
      return;
    }
    if (!res.ok) {
      diffs.push(`${job.join(' ')}: libsolv installs ${expected.length} packages, rpmkit reports ${res.problems.map((p) => p.kind).join(', ')}`);
      return;
    }
    const mine = res.packages.map((p) => `${nevra(p)}@${p.repoId}`).sort();
    const a = new Set(expected);
    const b = new Set(mine);
    const onlyRef = expected.filter((x) => !b.has(x));
    const onlyMine = mine.filter((x) => !a.has(x));
    if (onlyRef.length || onlyMine.length) diffs.push(`${job.join(' ')}: libsolv only: ${onlyRef.slice(0, 10).join(' ')}; rpmkit only: ${onlyMine.slice(0, 10).join(' ')}`);
    else same++;
  });
  t.diagnostic(`${jobs.length} jobs over ${repos.map((r) => r.id).join('+')}${weak ? ' with weak deps' : ''}: ${same} identical (${unsat} unsatisfiable in both), ${diffs.length} differ`);
  if (!weak) assert.deepEqual(diffs, []);
  return diffs;
}

test('Debian graph: rpmkit install sets equal libsolv (testsolv) on sampled jobs', async (t) => {
  if (!needTool(t, 'testsolv', 'rpmmd2solv')) return;
  const deb = debianRepos(t);
  if (!deb) return;
  const dir = tempDir(t);
  const cache = path.join(dir, 'cache');
  const load = (url: string, id: string) => loadRepo({ ...repoFromUrl(url, id), gpgcheck: false }, { cacheDir: cache });
  const main = await load(deb.main, 'main');
  toSolv(deb.main, path.join(dir, 'main.solv'));
  const names = [...new Set(main.packages.map((p) => p.name))].sort();

  await t.test('main: 40 jobs of 1-3 names', async (t2) => {
    await compare(t2, [main], dir, sampleJobs(names, 40, 20240611, 3));
  });

  await t.test('main with weak deps (libsolv without ignorerecommended): 20 jobs, at least 85% identical', async (t2) => {
    const diffs = await compare(t2, [main], dir, sampleJobs(names, 20, 5, 3), true);
    for (const d of diffs) t2.diagnostic(`differs: ${d}`);
    // Recommends are soft: after long chains of weak choices and conflicts
    // the two searches may settle on different, equally valid sets.
    assert.ok(diffs.length <= 3, `${diffs.length} of 20 differ`);
  });

  await t.test('why: a package only weak deps pull in is explained, and --weak-deps installs it', async (t2) => {
    const r = runCli(['--cache-dir', cache, 'why', 'ca-certificates', 'python3', '--repo', `main=${deb.main}`]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /only weak dependencies would pull it in \(python3-\S+ -> .*ca-certificates-/);
    assert.match(r.stderr, /--weak-deps/);
    const w = runCli(['--json', '--cache-dir', cache, 'why', '--weak-deps', 'ca-certificates', 'python3', '--repo', `main=${deb.main}`]);
    assert.equal(w.status, 0, w.stderr);
    const chain = (JSON.parse(w.stdout) as { chain: { reason: string }[] }).chain;
    assert.equal(chain[chain.length - 1].reason, 'recommends');
    t2.diagnostic(`chain: ${chain.length} steps`);
  });

  await t.test('main + updates: 12 jobs, incl. names updated by the security repo', async (t2) => {
    if (!deb.updates) {
      t2.skip('no bookworm-security apt list on this machine');
      return;
    }
    const updates = await load(deb.updates, 'updates');
    toSolv(deb.updates, path.join(dir, 'updates.solv'));
    const updated = [...new Set(updates.packages.map((p) => p.name))].filter((n) => names.includes(n)).sort();
    const jobs = [...sampleJobs(updated, 6, 7, 3), ...sampleJobs(names, 6, 99, 3)];
    await compare(t2, [main, updates], dir, jobs);
  });
});
