// libsolv's testsolv on the testcases the differential tests (and the
// solver bench) write: many install jobs in one testcase, run once, and
// testsolv's output cut back into one result list per job.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { rng } from './rng.js';

/** `n` jobs of 1 to `maxNames` distinct names (sorted), the same on every run for a seed. */
export function sampleJobs(names: string[], n: number, seed: number, maxNames: number): string[][] {
  const r = rng(seed);
  const jobs: string[][] = [];
  for (let i = 0; i < n; i++) {
    // One name per job draws no count (samples stay as they were written).
    const k = maxNames > 1 ? 1 + Math.floor(r() * maxNames) : 1;
    const j = new Set<string>();
    while (j.size < k) j.add(names[Math.floor(r() * names.length)] as string);
    jobs.push([...j].sort());
  }
  return jobs;
}

/**
 * A testcase that installs each job in turn into an empty x86_64 system
 * from the repositories' `<id>.solv` files (with dnf's default priority and
 * cost), weak dependencies ignored unless `weakDeps`.
 */
export function jobsTestcase(repos: string[], jobs: string[][], weakDeps: boolean): string {
  const head = `repo system 0 empty\n${repos.map((r) => `repo ${r} -99.-1000 solv ${r}.solv\n`).join('')}system x86_64 rpm system\n`;
  return head + jobs.map((j) => `${weakDeps ? '' : 'solverflags ignorerecommended\n'}${j.map((n) => `job install name ${n}`).join('\n')}\nresult transaction,problems <inline>\n`).join('nextjob\n');
}

/** testsolv -r's output per step ("test N:" starts step N); with `steps`, every step has a list, maybe empty. */
export function splitTestsolvOutput(stdout: string, steps?: number): string[][] {
  const parts: string[][] = steps === undefined ? [] : Array.from({ length: steps }, () => []);
  let cur = 0;
  for (const l of stdout.split('\n')) {
    const m = /^test (\d+):$/.exec(l);
    if (m) cur = Number(m[1]) - 1;
    else if (l) (parts[cur] ??= []).push(l);
  }
  return parts;
}

/** Write jobsTestcase() to `file` (beside the .solv files), run testsolv -r on it, and give each job's result lines. */
export function testsolvJobs(file: string, repos: string[], jobs: string[][], weakDeps: boolean): { status: number | null; stderr: string; results: string[][] } {
  writeFileSync(file, jobsTestcase(repos, jobs, weakDeps));
  const r = spawnSync('testsolv', ['-r', file], { encoding: 'utf8', cwd: path.dirname(file), maxBuffer: 1 << 28 });
  return { status: r.status, stderr: r.stderr, results: splitTestsolvOutput(r.stdout, jobs.length) };
}
