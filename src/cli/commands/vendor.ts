// `rpmkit vendor --out-dir DIR`: every RPM the lock names, downloaded,
// verified and copied into DIR/<repo>/<name>-<version>-<release>.<arch>.rpm
// with DIR/vendor.json as the index (what --vendor-dir reads). Also home of
// the download progress reporter the fetching commands share.
import type { Command } from 'commander';
import type cliProgressNs from 'cli-progress';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fetchLocked, vendorPackages, type FetchEvent, type LockFetchOptions, type RepoTransport } from '../../fetch/index.js';
import type { Lock } from '../../lockfile/index.js';
import { defaultCacheDir } from '../../util/cachedir.js';
import type { Manifest } from '../../config/index.js';
import { RpmkitError } from '../../errors.js';
import type { GlobalOptions, Output } from '../context.js';
import { globals, output } from '../options.js';
import { loadLockFor } from './lock.js';

// cli-progress is loaded only when a bar is drawn (a TTY).
const require = createRequire(import.meta.url);

function mb(n: number): string {
  return `${(n / 1e6).toFixed(1)} MB`;
}

/** The cache root: --cache-dir, $RPMKIT_CACHE_DIR, $XDG_CACHE_HOME/rpmkit, ~/.cache/rpmkit. */
export function cacheDirFor(g: GlobalOptions): string {
  return defaultCacheDir(g.cacheDir);
}

/**
 * Turns fetch events into a bar on a TTY (files, bytes, rate) or plain
 * lines otherwise; silent under -q/--json except for warnings.
 */
export function progressReporter(out: Output, g: GlobalOptions): { onEvent: (e: FetchEvent) => void; stop: () => void } {
  const quiet = Boolean(g.quiet || g.json);
  const tty = Boolean(process.stderr.isTTY) && !quiet;
  let bar: cliProgressNs.SingleBar | undefined;
  let files = 0;
  let total = 0;
  let done = 0;
  let t0 = Date.now();
  return {
    onEvent(e) {
      switch (e.type) {
        case 'start':
          total = e.files;
          t0 = Date.now();
          if (tty && e.files > 0) {
            const cliProgress = require('cli-progress') as typeof cliProgressNs;
            bar = new cliProgress.SingleBar({
              format: 'fetching [{bar}] {percentage}% | {files}/{nfiles} files | {mbdone}/{mbtotal} MB | {rate} MB/s',
              hideCursor: true,
              clearOnComplete: true,
              stream: process.stderr,
            }, cliProgress.Presets.shades_classic);
            bar.start(e.bytes, 0, { files: 0, nfiles: e.files, mbdone: '0.0', mbtotal: (e.bytes / 1e6).toFixed(1), rate: '0.0' });
          } else if (!quiet && e.files > 0) out.info(`fetching ${e.files} packages (${mb(e.bytes)})`);
          break;
        case 'progress':
          done += e.delta;
          bar?.update(done, { mbdone: (done / 1e6).toFixed(1), rate: (done / 1e6 / Math.max(0.001, (Date.now() - t0) / 1000)).toFixed(1) });
          break;
        case 'file-done':
          files++;
          if (e.source !== 'network') {
            done += e.bytes;
          }
          if (bar) bar.update(done, { files, mbdone: (done / 1e6).toFixed(1) });
          else if (!quiet && e.source === 'network') out.info(`  [${files}/${total}] ${e.name} (${mb(e.bytes)})`);
          else out.debug(`[${files}/${total}] ${e.name} from ${e.source}`);
          break;
        case 'retry':
          if (bar) out.debug(`retry ${e.attempt} for ${e.name}: ${e.reason}`);
          else out.info(`  retrying ${e.name} (attempt ${e.attempt + 1}): ${e.reason}`);
          break;
        case 'mirror-failed':
          out.warn(`${e.name}: ${e.url} failed (${e.reason}); trying the next mirror`);
          break;
        case 'done':
          bar?.stop();
          bar = undefined;
          if (e.files > 0) out.info(`fetched ${e.files} packages: ${mb(e.downloaded)} downloaded, ${mb(e.bytes - e.downloaded)} from cache/vendor, ${(e.ms / 1000).toFixed(1)} s${e.downloaded ? ` (${(e.downloaded / 1e6 / Math.max(0.001, e.ms / 1000)).toFixed(1)} MB/s)` : ''}`);
          break;
        default:
          break;
      }
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}

/** Mirror URLs (with credentials) and TLS/auth options per repository, from the manifest. */
export function transportFromManifest(m: Manifest | undefined): { baseUrls: Record<string, string[]>; repos: Record<string, RepoTransport> } {
  const baseUrls: Record<string, string[]> = {};
  const repos: Record<string, RepoTransport> = {};
  for (const d of m?.contents.repositories ?? []) {
    if (d.baseurl.length) baseUrls[d.id] = d.baseurl;
    repos[d.id] = {
      auth: d.username ? { username: d.username, password: d.password ?? '' } : undefined,
      tls: { verify: d.sslverify, caFile: d.sslcacert, certFile: d.sslclientcert, keyFile: d.sslclientkey },
    };
  }
  return { baseUrls, repos };
}

/**
 * Every locked package as a verified local file, with progress: what
 * install/build call. Honours the global --vendor-dir (no network then) and
 * --cache-dir.
 */
export async function fetchLockedForCli(cmd: Command, lock: Lock, manifest: Manifest | undefined, extra: Partial<LockFetchOptions> = {}) {
  const g = globals(cmd);
  const out = output(cmd);
  const rep = progressReporter(out, g);
  try {
    return await fetchLocked(lock, { cacheDir: cacheDirFor(g), vendorDir: g.vendorDir, ...transportFromManifest(manifest), onEvent: rep.onEvent, ...extra });
  } finally {
    rep.stop();
  }
}

export function register(program: Command): void {
  program
    .command('vendor')
    .description('download every locked RPM, verify it, and put it in DIR/<repo>/ with DIR/vendor.json (for --vendor-dir and offline builds)')
    .requiredOption('-o, --out-dir <dir>', 'directory to fill (created; RPMs the lock no longer names are removed from it)')
    .option('--check', 'only verify that DIR holds every locked RPM intact (no network)')
    .option('-j, --jobs <n>', 'parallel downloads (default 8)', (v) => Number(v))
    .action(async (opts: { outDir: string; check?: boolean; jobs?: number }, cmd: Command) => {
      const g = globals(cmd);
      const out = output(cmd);
      if (opts.jobs !== undefined && !(Number.isInteger(opts.jobs) && opts.jobs > 0)) {
        throw new RpmkitError('USAGE', '--jobs needs a positive whole number', { hint: 'e.g. `rpmkit vendor -j 4 --out-dir DIR`' });
      }
      const { lock, lockPath, manifest } = await loadLockFor(cmd, { requireFresh: Boolean(g.locked) });
      if (opts.check) {
        const r = await fetchLocked(lock, { cacheDir: cacheDirFor(g), vendorDir: opts.outDir });
        out.result({ dir: path.resolve(opts.outDir), packages: r.length, ok: true }, () => `${opts.outDir}: all ${r.length} locked packages present and verified`);
        return;
      }
      const rep = progressReporter(out, g);
      try {
        const r = await vendorPackages(lock, opts.outDir, { cacheDir: cacheDirFor(g), concurrency: opts.jobs, ...transportFromManifest(manifest), onEvent: rep.onEvent });
        const bytes = lock.packages.reduce((s, p) => s + p.size, 0);
        out.result(
          { dir: r.dir, lock: lockPath, packages: r.packages.map((p) => ({ name: p.pkg.name, path: path.relative(r.dir, p.path), checksum: p.pkg.checksum, size: p.pkg.size })), reused: r.reused, pruned: r.pruned },
          () => `vendored ${r.packages.length} packages (${mb(bytes)}) into ${r.dir}${r.reused ? ` (${r.reused} already there)` : ''}${r.pruned.length ? `; removed ${r.pruned.length} no longer locked` : ''}`,
        );
      } finally {
        rep.stop();
      }
    });
}
