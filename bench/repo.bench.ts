// Repository loading speed and memory on the Debian-derived 63k + 3k
// package repositories: rpmkit cold (empty cache) and warm, against
// `dnf --installroot ... --assumeno install python3 gnome-shell` cold and
// warm, in the same run. Prints wall times, peak RSS and the ratios.
// Targets: cold <= 1.0x dnf cold, warm <= 1.0x dnf warm, RSS <= 2x dnf.
// RPMKIT_PARSE_THREADS=2 (passed through to the child) measures the
// two-thread parser; RPMKIT_BENCH_LIB points at another build's repo/index.js.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { debianRepos } from '../test/helpers/fixtures.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.RPMKIT_BENCH_RUNS ?? 3);

function skip(msg: string): never {
  console.log(`repo bench skipped: ${msg}`);
  process.exit(0);
}
const ctx = { skip: (m: string) => skip(m) } as unknown as TestContext;
const repos = debianRepos(ctx);
if (!repos) skip('no Debian fixtures');
if (spawnSync('sh', ['-c', 'command -v dnf']).status !== 0) skip('dnf is not installed');
const dirs = [repos.main, ...(repos.updates ? [repos.updates] : [])];

const tmp = mkdtempSync(path.join(os.tmpdir(), 'rpmkit-bench-repo-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

// The child loads the repositories through the compiled library when it is
// built (as users run it), else through tsx (slower start-up; noted).
const dist = path.join(ROOT, 'dist', 'src', 'repo', 'index.js');
const distAlt = path.join(ROOT, 'dist', 'repo', 'index.js');
// RPMKIT_BENCH_LIB: a repo/index.js from another build (e.g. a private outDir).
const override = process.env.RPMKIT_BENCH_LIB ? path.resolve(process.env.RPMKIT_BENCH_LIB) : undefined;
const lib = override ?? (existsSync(distAlt) ? distAlt : existsSync(dist) ? dist : undefined);
const script = path.join(tmp, 'load.mjs');
const solverLib = lib ? path.join(path.dirname(path.dirname(lib)), 'solver', 'index.js') : path.join(ROOT, 'src', 'solver', 'index.ts');
writeFileSync(
  script,
  `import { loadRepos, repoFromUrl } from ${JSON.stringify(lib ?? path.join(ROOT, 'src', 'repo', 'index.ts'))};
const dirs = JSON.parse(process.argv[2]);
const repos = await loadRepos(dirs.map((d, i) => repoFromUrl(d, 'r' + i)), { cacheDir: process.argv[3] });
console.log(repos.map((r) => r.packages.length).join(' '));
if (process.argv[4] === 'resolve') {
  // What dnf's run does after loading: solve python3 + gnome-shell.
  const { resolve } = await import(${JSON.stringify(solverLib)});
  const r = await resolve(repos, { install: ['python3', 'gnome-shell'], arch: 'x86_64' });
  console.log(r.ok ? r.packages.length : 'unsolvable');
}
`,
);

interface Run {
  secs: number;
  rssMB: number;
  out: string;
}

function timed(cmd: string[], env: NodeJS.ProcessEnv = process.env): Run {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', ...cmd], { encoding: 'utf8', env, maxBuffer: 1 << 26 });
  const last = r.stderr.trim().split('\n').pop() ?? '';
  const m = /^([\d.]+) (\d+)$/.exec(last);
  if (!m) throw new Error(`could not time ${cmd.join(' ')}: ${r.stderr.slice(-1000)}`);
  return { secs: Number(m[1]), rssMB: Number(m[2]) / 1024, out: r.stdout.trim() };
}

const rpmkit = (cache: string, then?: 'resolve') => timed([process.execPath, ...(lib ? [] : ['--import', 'tsx']), script, JSON.stringify(dirs), cache, ...(then ? [then] : [])]);

function dnf(cache: string): Run {
  const root = path.join(tmp, 'dnfroot');
  const reposd = path.join(tmp, 'empty-reposd');
  mkdirSync(root, { recursive: true });
  mkdirSync(reposd, { recursive: true });
  const args = ['dnf', '-q', '--installroot', root, `--setopt=reposdir=${reposd}`, `--setopt=cachedir=${cache}`, '--releasever=12', '--assumeno'];
  dirs.forEach((d, i) => args.push(`--repofrompath=r${i},file://${d}`, `--setopt=r${i}.gpgcheck=0`));
  args.push('install', 'python3', 'gnome-shell');
  return timed(args);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/**
 * Cold then warm runs of each side, in turns (rpmkit, dnf, rpmkit, ...), so
 * a slow stretch of this shared machine hits both sides, each cold run into
 * a fresh cache folder after a `sync`; nothing is deleted until the end (on
 * this machine's ext4, mounted with `discard`, writing right after deleting
 * cost seconds of kernel time, landing on whichever side ran next).
 */
function inTurns(sides: Record<string, (cache: string) => Run>): Record<string, { cold: Run[]; warm: Run[] }> {
  const out: Record<string, { cold: Run[]; warm: Run[] }> = {};
  for (const name of Object.keys(sides)) out[name] = { cold: [], warm: [] };
  for (let i = 0; i < RUNS; i++) {
    for (const [name, f] of Object.entries(sides)) {
      const cache = path.join(tmp, `${name}-cache-${i}`);
      spawnSync('sync');
      out[name]!.cold.push(f(cache));
      out[name]!.warm.push(f(cache));
    }
  }
  return out;
}

console.log(`repositories: ${dirs.join(', ')}${lib ? '' : '  (library not built: running through tsx, start-up included)'}`);
const both = inTurns({ rpmkit: (c) => rpmkit(c), dnf });
const ours = both.rpmkit!;
const theirs = both.dnf!;
console.log(`rpmkit loaded ${ours.cold[0]?.out} packages`);
// Loading is lazy (packages decode their fields when read), so loading
// alone is not all of dnf's run: also time load + the same solve, warm.
const solveCache = path.join(tmp, 'rpmkit-solve-cache');
rpmkit(solveCache, 'resolve');
const oursSolve: Run[] = [];
for (let i = 0; i < RUNS; i++) oursSolve.push(rpmkit(solveCache, 'resolve'));

const row = (label: string, a: Run[], b: Run[]) => {
  const ta = median(a.map((r) => r.secs));
  const tb = median(b.map((r) => r.secs));
  const ma = Math.max(...a.map((r) => r.rssMB));
  const mb = Math.max(...b.map((r) => r.rssMB));
  console.log(`${label.padEnd(10)}  rpmkit ${ta.toFixed(2)} s ${ma.toFixed(0)} MB   dnf ${tb.toFixed(2)} s ${mb.toFixed(0)} MB   time ratio ${(ta / tb).toFixed(2)}x   RSS ratio ${(ma / mb).toFixed(2)}x`);
  return { time: ta / tb, rss: ma / mb };
};
const c = row('cold', ours.cold, theirs.cold);
const w = row('warm', ours.warm, theirs.warm);
const ws = row('warm+solve', oursSolve, theirs.warm);
console.log(`(warm+solve: rpmkit loads and resolves python3 + gnome-shell (${oursSolve[0]?.out.split('\n')[1]} packages), the same work as dnf's warm run)`);
const ok = c.time <= 1 && w.time <= 1 && c.rss <= 2 && w.rss <= 2 && ws.time <= 1 && ws.rss <= 2;
console.log(`targets (cold <= 1.0x, warm <= 1.0x, RSS <= 2x): ${ok ? 'met' : 'NOT met'}`);
