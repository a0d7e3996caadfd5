// Solver benchmark on the 66k-package Debian-derived graph (main + security)
// ($RPMKIT_FIXTURES or $TMPDIR/rpmkit-fixtures/debian, built by the tests):
//  1. per-job solving time with metadata loaded: rpmkit's resolveOnce vs
//     libsolv's own "solver_solve took N ms" (testsolv -v, same jobs, same
//     repodata via rpmmd2solv) — the distribution of the ratio;
//  2. a whole `rpmkit resolve` process vs a warm `dnf --assumeno install`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRepo, repoFromUrl } from '../src/repo/index.js';
import type { Repo } from '../src/repo/types.js';
import { resolveOnce } from '../src/solver/index.js';
import { jobsTestcase, sampleJobs } from '../test/helpers/testsolv.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FIXTURES = process.env.RPMKIT_FIXTURES ?? path.join(os.tmpdir(), 'rpmkit-fixtures');
const MAIN = path.join(FIXTURES, 'debian', 'main');
const UPDATES = path.join(FIXTURES, 'debian', 'updates');
const JOBS = Number(process.env.RPMKIT_BENCH_JOBS ?? 40);

function have(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}


const q = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))];
};
const fmt = (xs: number[], unit = 'ms', d = 1) => `min ${q(xs, 0).toFixed(d)}${unit}  median ${q(xs, 0.5).toFixed(d)}${unit}  p90 ${q(xs, 0.9).toFixed(d)}${unit}  max ${q(xs, 1).toFixed(d)}${unit}`;

function time(cmd: string, args: string[], opts: { cwd?: string } = {}): { ms: number; status: number | null; stdout: string; stderr: string } {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: opts.cwd, maxBuffer: 1 << 28 });
  return { ms: performance.now() - t0, status: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function main(): Promise<void> {
  if (!existsSync(path.join(MAIN, 'repodata'))) {
    console.log(`skip: ${MAIN} not built (run the solver tests once: RPMKIT_TEST=test/solver/debian node --import tsx test/run.ts)`);
    return;
  }
  if (!have('testsolv') || !have('rpmmd2solv')) {
    console.log('skip: testsolv/rpmmd2solv not installed');
    return;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rpmkit-bench-solver-'));
  try {
    const sources = [{ id: 'main', dir: MAIN }, ...(existsSync(path.join(UPDATES, 'repodata')) ? [{ id: 'updates', dir: UPDATES }] : [])];
    for (const src of sources) {
      const primary = readdirSync(path.join(src.dir, 'repodata')).find((f) => f.endsWith('primary.xml.gz'))!;
      spawnSync('sh', ['-c', `zcat '${path.join(src.dir, 'repodata', primary)}' | rpmmd2solv > '${path.join(dir, `${src.id}.solv`)}'`]);
    }
    const cache = path.join(dir, 'cache');
    let t0 = performance.now();
    const repos: Repo[] = [];
    for (const src of sources) repos.push(await loadRepo({ ...repoFromUrl(src.dir, src.id), gpgcheck: false }, { cacheDir: cache }));
    const loadMs = performance.now() - t0;
    t0 = performance.now();
    resolveOnce(repos, { install: ['bash'], arch: 'x86_64' }); // builds and caches the pool
    const poolMs = performance.now() - t0;
    const total = repos.reduce((a, r) => a + r.packages.length, 0);
    console.log(`Debian ${sources.map((s) => s.id).join(' + ')}: ${total} packages; rpmkit metadata load ${loadMs.toFixed(0)} ms (cold cache), pool index ${poolMs.toFixed(0)} ms`);

    const names = [...new Set(repos[0].packages.map((p) => p.name))].sort();
    const jobs = sampleJobs(names, JOBS, 424242, 3);
    // libsolv: one testsolv run, one "solver_solve took N ms" per job.
    writeFileSync(path.join(dir, 'jobs.t'), jobsTestcase(sources.map((s) => s.id), jobs, false));
    const ts = time('testsolv', ['-v', 'jobs.t'], { cwd: dir });
    const libsolvMs = [...`${ts.stdout}\n${ts.stderr}`.matchAll(/solver_solve took (\d+) ms/g)].map((m) => Number(m[1]));
    if (libsolvMs.length !== jobs.length) throw new Error(`testsolv reported ${libsolvMs.length} solve times for ${jobs.length} jobs`);
    // Each job once, in the same order as testsolv ran them (the pool's
    // provider cache carries over between jobs in both, nothing else does).
    const mineMs: number[] = [];
    for (const j of jobs) {
      const s = performance.now();
      resolveOnce(repos, { install: j, arch: 'x86_64' });
      mineMs.push(performance.now() - s);
    }
    // libsolv's timer has 1 ms resolution: compare against at least 1 ms.
    const ratios = mineMs.map((m, i) => m / Math.max(libsolvMs[i], 1));
    console.log(`\nper-job solve time, ${jobs.length} jobs of 1-3 names (metadata loaded):`);
    console.log(`  libsolv : ${fmt(libsolvMs, 'ms', 0)}`);
    console.log(`  rpmkit  : ${fmt(mineMs)}`);
    console.log(`  ratio rpmkit/libsolv: ${fmt(ratios, 'x', 2)}   (target: median <= 2x)`);
    console.log(`  total   : libsolv ${libsolvMs.reduce((a, b) => a + b, 0)} ms, rpmkit ${mineMs.reduce((a, b) => a + b, 0).toFixed(0)} ms`);
    // The same jobs again in this process: what is left once each job's
    // packages have been decoded and the solver's code compiled, i.e. the
    // solving itself (libsolv's figure never includes either).
    const againMs = jobs.map((j) => {
      const s = performance.now();
      resolveOnce(repos, { install: j, arch: 'x86_64' });
      return performance.now() - s;
    });
    const againRatios = againMs.map((m, i) => m / Math.max(libsolvMs[i], 1));
    console.log(`  again, same process: rpmkit ${fmt(againMs)}; ratio ${fmt(againRatios, 'x', 2)}`);
    // RPMKIT_BENCH_VERBOSE=1: every job, slowest ratio first (which jobs make the tail).
    if (process.env.RPMKIT_BENCH_VERBOSE) {
      for (const i of ratios.map((_, k) => k).sort((a, b) => (ratios[b] as number) - (ratios[a] as number))) {
        console.log(`    ${(ratios[i] as number).toFixed(2).padStart(6)}x  rpmkit ${(mineMs[i] as number).toFixed(1).padStart(6)} ms  libsolv ${String(libsolvMs[i]).padStart(3)} ms  ${(jobs[i] as string[]).join(' ')}`);
      }
    }

    // Whole process: rpmkit resolve vs a warm dnf.
    if (!have('dnf')) {
      console.log('\nskip process comparison: dnf not installed');
      return;
    }
    const cli = existsSync(path.join(ROOT, 'dist', 'bin', 'rpmkit.js')) ? [path.join(ROOT, 'bin', 'rpmkit')] : ['--import', 'tsx', path.join(ROOT, 'src', 'cli', 'main.ts')];
    const root = path.join(dir, 'root');
    mkdirSync(root);
    const dnfArgs = (spec: string) => ['--installroot', root, '--noplugins', '--setopt=reposdir=/dev/null', `--setopt=cachedir=${path.join(dir, 'dnfcache')}`, ...sources.flatMap((src) => [`--repofrompath=${src.id},${src.dir}`, `--setopt=${src.id}.gpgcheck=0`]), '--setopt=install_weak_deps=False', '--releasever=12', '--assumeno', 'install', spec];
    const rpmkitArgs = (spec: string) => [...cli, '--cache-dir', cache, 'resolve', ...sources.flatMap((src) => ['--repo', `${src.id}=${src.dir}`]), spec];
    for (const spec of ['python3', 'gnome-shell']) {
      time('dnf', dnfArgs(spec)); // warm dnf's solv cache
      time(process.execPath, rpmkitArgs(spec)); // warm rpmkit's metadata cache
      const d: number[] = [];
      const m: number[] = [];
      for (let k = 0; k < 3; k++) {
        d.push(time('dnf', dnfArgs(spec)).ms);
        const rr = time(process.execPath, rpmkitArgs(spec));
        if (rr.status !== 0) throw new Error(`rpmkit resolve ${spec} failed: ${rr.stderr}`);
        m.push(rr.ms);
      }
      console.log(`\nprocess, warm, install ${spec}: dnf median ${q(d, 0.5).toFixed(0)} ms, rpmkit resolve median ${q(m, 0.5).toFixed(0)} ms, ratio ${(q(m, 0.5) / q(d, 0.5)).toFixed(2)}x (target <= 1x)`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
