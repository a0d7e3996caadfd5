// Vendoring speed: the python3 closure of the Debian-derived repository
// (about 47 RPMs, 24 MB) over loopback HTTP, `rpmkit vendor` (lock already
// written) and `rpmkit lock` + `vendor` (resolution included, like dnf)
// against dnf fetching the same closure (`dnf install --downloadonly
// --destdir` into an empty installroot: what `dnf download --resolve
// --destdir` does, without needing dnf-plugins-core), cold caches each run, in the
// same run against the same server. Prints MB/s and ratios.
// Target: rpmkit vendor at least as fast as dnf (ratio >= 1.0).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { distroRepo } from '../test/helpers/fixtures.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.RPMKIT_BENCH_RUNS ?? 3);

function skip(msg: string): never {
  console.log(`fetch bench skipped: ${msg}`);
  process.exit(0);
}
const repo = distroRepo({ skip: (m: string) => skip(m) } as unknown as TestContext);
if (!repo) skip('no Debian-derived repository');
const haveDnfDownload = spawnSync('sh', ['-c', 'command -v dnf'], { stdio: 'ignore' }).status === 0;

const tmp = mkdtempSync(path.join(os.tmpdir(), 'rpmkit-bench-fetch-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

// The server runs in its own process so neither client shares an event loop with it.
const serverJs = path.join(tmp, 'server.mjs');
writeFileSync(serverJs, `import http from 'node:http'; import fs from 'node:fs'; import path from 'node:path';
const root = process.argv[2];
const s = http.createServer((req, res) => {
  const p = path.join(root, decodeURIComponent(req.url.split('?')[0]));
  fs.stat(p, (err, st) => {
    if (err || !st.isFile()) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'content-length': st.size });
    fs.createReadStream(p).pipe(res);
  });
});
s.listen(0, '127.0.0.1', () => console.log(s.address().port));
`);
const server = spawn(process.execPath, [serverJs, repo], { stdio: ['ignore', 'pipe', 'inherit'] });
process.on('exit', () => server.kill());
const port = await new Promise<number>((resolve) => server.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
const url = `http://127.0.0.1:${port}/`;

const distCli = path.join(ROOT, 'dist', 'bin', 'rpmkit.js');
const cliArgs = existsSync(distCli) ? [path.join(ROOT, 'bin', 'rpmkit')] : ['--import', 'tsx', path.join(ROOT, 'src', 'cli', 'main.ts')];
const how = existsSync(distCli) ? 'bin/rpmkit' : 'tsx (dist/ not built: slower start-up)';

function time(cmd: string, args: string[]): number {
  // Each run writes into fresh paths after a sync, and nothing is deleted
  // until the end: on this machine's ext4 (discard, in a VM) writing right
  // after a delete costs seconds of kernel time, which fell on whichever
  // side ran next (bench/util.ts bestInTurns does the same).
  spawnSync('sync');
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return ms;
}

function dirBytes(d: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const walk = (x: string) => {
    for (const f of readdirSync(x)) {
      const p = path.join(x, f);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (f.endsWith('.rpm')) {
        files++;
        bytes += st.size;
      }
    }
  };
  walk(d);
  return { files, bytes };
}

const manifest = path.join(tmp, 'rpmkit.toml');
writeFileSync(manifest, `[contents]\nrepositories = [${JSON.stringify(url)}]\npackages = ["python3"]\n`);

// The fetch stage alone, as a library user (or a long-lived process) sees it:
// a fresh process that imports only the lock and fetch stages.
const libDir = existsSync(path.join(ROOT, 'dist', 'fetch', 'index.js')) ? path.join(ROOT, 'dist') : undefined;
const libJs = path.join(tmp, 'vendor-lib.mjs');
writeFileSync(libJs, `import { readLock } from ${JSON.stringify(path.join(libDir ?? '', 'lockfile', 'index.js'))};
import { vendorPackages } from ${JSON.stringify(path.join(libDir ?? '', 'fetch', 'index.js'))};
const t0 = performance.now();
await vendorPackages(await readLock(process.argv[2]), process.argv[3], { cacheDir: process.argv[4] });
console.log(performance.now() - t0);
`);
function libRun(out: string, cache: string): { inProcess: number; wall: number } {
  spawnSync('sync');
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [libJs, path.join(tmp, 'rpmkit.lock'), out, cache], { encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`library vendor failed:\n${r.stderr}`);
  return { inProcess: Number(r.stdout.trim()), wall };
}
const libMs: number[] = [];
const libWallMs: number[] = [];

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const vendorMs: number[] = [];
const lockVendorMs: number[] = [];
const dnfMs: number[] = [];
let size = { files: 0, bytes: 0 };
let dnfSize = { files: 0, bytes: 0 };
for (let i = 0; i < RUNS; i++) {
  const c1 = path.join(tmp, `c${i}a`);
  const c2 = path.join(tmp, `c${i}b`);
  // lock + vendor from cold caches (resolution included, as dnf does).
  lockVendorMs.push(time(process.execPath, [...cliArgs, '-q', '-f', manifest, '--cache-dir', c1, 'lock']) + time(process.execPath, [...cliArgs, '-q', '-f', manifest, '--cache-dir', c1, 'vendor', '--out-dir', path.join(tmp, `v${i}a`)]));
  // vendor alone (lock present, empty package cache).
  vendorMs.push(time(process.execPath, [...cliArgs, '-q', '-f', manifest, '--cache-dir', c2, 'vendor', '--out-dir', path.join(tmp, `v${i}b`)]));
  size = dirBytes(path.join(tmp, `v${i}b`));
  if (libDir) {
    const lr = libRun(path.join(tmp, `v${i}c`), path.join(tmp, `c${i}c`));
    libMs.push(lr.inProcess);
    libWallMs.push(lr.wall);
  }
  if (haveDnfDownload) {
    const d = path.join(tmp, `dnf${i}`);
    dnfMs.push(time('dnf', ['install', '-y', '-q', '--downloadonly', '--destdir', d, '--setopt=reposdir=/dev/null', `--repofrompath=d,${url}`, '--setopt=d.gpgcheck=0', '--installroot', path.join(tmp, `root${i}`), `--setopt=cachedir=${path.join(tmp, `dc${i}`)}`, '--releasever=1', '--setopt=install_weak_deps=False', 'python3']));
    dnfSize = dirBytes(d);
  }
}

const mbps = (bytes: number, ms: number) => (bytes / 1e6 / (ms / 1000)).toFixed(1);
const v = median(vendorMs);
const lv = median(lockVendorMs);
console.log(`python3 closure: ${size.files} RPMs, ${(size.bytes / 1e6).toFixed(1)} MB over loopback HTTP; median of ${RUNS} cold runs; rpmkit via ${how}`);
console.log(`rpmkit vendor (lock present)      ${v.toFixed(0).padStart(6)} ms  ${mbps(size.bytes, v).padStart(6)} MB/s`);
if (libMs.length) {
  console.log(`rpmkit vendorPackages() (library) ${median(libWallMs).toFixed(0).padStart(6)} ms  ${mbps(size.bytes, median(libWallMs)).padStart(6)} MB/s  (process incl. start-up; ${median(libMs).toFixed(0)} ms inside)`);
}
console.log(`rpmkit lock + vendor              ${lv.toFixed(0).padStart(6)} ms  ${mbps(size.bytes, lv).padStart(6)} MB/s`);
if (haveDnfDownload) {
  const d = median(dnfMs);
  console.log(`dnf --downloadonly --destdir      ${d.toFixed(0).padStart(6)} ms  ${mbps(dnfSize.bytes, d).padStart(6)} MB/s  (${dnfSize.files} RPMs)`);
  console.log(`speed ratio (rpmkit / dnf, higher is better): vendor CLI ${(d / v).toFixed(2)}x${libMs.length ? `, vendor library ${(d / median(libWallMs)).toFixed(2)}x` : ''}, lock+vendor ${(d / lv).toFixed(2)}x  (target >= 1.0)`);
  if (dnfSize.files !== size.files) console.log(`note: dnf fetched ${dnfSize.files} RPMs, rpmkit ${size.files}`);
} else {
  console.log('dnf: not installed; no ratio');
}
process.exit(0);
