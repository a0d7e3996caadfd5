// downloadPackages: every item ends up as a verified file — from a vendor
// dir, from the cache, or downloaded with retries, resume (Range) and mirror
// fallback into a partial file that is hashed while it streams and renamed
// into the cache only once size and checksum match.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import pLimit from 'p-limit';
import { RpmkitError } from '../errors.js';
import { httpGet } from '../net/index.js';
import { redactUrl } from '../util/redact.js';
import { blobPath, claimPartial, commitBlob, storeBlob } from './cache.js';
import type { DownloadItem, DownloadOptions, DownloadResult } from './types.js';
import { parseChecksum, verifyFile } from './verify.js';

/** Files up to this size are downloaded into memory (opts.memoryMax). */
const MEMORY_MAX = 4 << 20;

/** Why one URL did not give the file. */
interface UrlFailure {
  url: string;
  kind: 'vanished' | 'integrity' | 'auth' | 'network' | 'other';
  error: RpmkitError;
}

class ItemFailure extends Error {
  constructor(readonly item: DownloadItem, readonly failures: UrlFailure[]) {
    super(`${item.name}: ${failures.map((f) => f.error.message).join('; ')}`);
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(signal.reason);
    }, { once: true });
  });

function isRetryable(e: unknown): boolean {
  return Boolean((e as { retryable?: boolean } | null)?.retryable);
}

function statusOf(e: RpmkitError): number | undefined {
  const s = e.details?.status;
  return typeof s === 'number' ? s : undefined;
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await fs.stat(file)).size;
  } catch {
    return 0;
  }
}

/**
 * One URL, with our own retry loop so each retry resumes from what is
 * already on disk. Without `part` (a small file) the body stays in memory
 * and is returned once verified.
 */
async function fetchFromUrl(item: DownloadItem, url: string, part: string | undefined, opts: DownloadOptions, shown: { bytes: number }): Promise<{ failure?: UrlFailure; data?: Buffer[] }> {
  const { algo, hex } = parseChecksum(item.checksum, item.name);
  const retries = opts.retries ?? 4;
  const delay = opts.retryDelayMs ?? 300;
  const transport = item.repoId ? opts.repos?.[item.repoId] : undefined;
  let restartedClean = false;
  for (let attempt = 0; ; attempt++) {
    let start = part ? await sizeOf(part) : 0;
    if (part && start >= item.size) {
      // A complete-looking partial that was not committed is suspect: start over.
      await fs.rm(part, { force: true });
      start = 0;
    }
    // Bytes thrown away (restart from 0) are taken back from the progress total.
    if (start !== shown.bytes) {
      opts.onEvent?.({ type: 'progress', name: item.name, delta: start - shown.bytes });
      shown.bytes = start;
    }
    try {
      const r = await httpGet(url, {
        dest: part,
        // In memory, the body stays in the pieces it came in: they are
        // written out as they are (no copy of the whole file first).
        asChunks: true,
        start,
        maxSize: item.size,
        retries: 0,
        hash: algo,
        repoId: item.repoId,
        auth: transport?.auth,
        tls: transport?.tls,
        idleTimeoutMs: opts.idleTimeoutMs,
        signal: opts.signal,
        onProgress: (done) => {
          if (done > shown.bytes) {
            opts.onEvent?.({ type: 'progress', name: item.name, delta: done - shown.bytes });
            shown.bytes = done;
          }
        },
      });
      if (r.size < item.size) {
        // The body ended early without a length to tell: resumable like a reset.
        throw Object.assign(new RpmkitError('NETWORK', `${redactUrl(url)}: body ended after ${r.size} of ${item.size} bytes`), { retryable: true });
      }
      if (r.digest !== hex) {
        if (part) await fs.rm(part, { force: true });
        if (r.resumed && !restartedClean) {
          // The kept prefix may be what is wrong (a changed file on the server): once more from 0.
          restartedClean = true;
          continue;
        }
        return { failure: {
          url,
          kind: 'integrity',
          error: new RpmkitError('CHECKSUM_MISMATCH', `${item.name}: ${redactUrl(url)} has ${algo} ${r.digest}, the lock says ${hex}`, {
            hint: 'the server sent a different file than the lock names; the repository may have been rebuilt (run `rpmkit update`) or the mirror is bad',
            details: { package: item.name, url: redactUrl(url), expected: item.checksum, actual: `${algo}:${r.digest}` },
          }),
        } };
      }
      // Verified; a small file goes to the cache in one write (no fsync: cache hits are re-hashed, so a torn write is caught).
      return part ? {} : { data: r.chunks ?? [] };
    } catch (e) {
      if (!(e instanceof RpmkitError)) throw e;
      const status = statusOf(e);
      if (e.code === 'SIZE_MISMATCH') {
        if (part) await fs.rm(part, { force: true });
        return { failure: { url, kind: 'integrity', error: new RpmkitError('SIZE_MISMATCH', `${item.name}: ${redactUrl(url)} is larger than the ${item.size} bytes the lock says`, { hint: 'the server sent a different file than the lock names; the repository may have been rebuilt (run `rpmkit update`) or the mirror is bad', details: { package: item.name, url: redactUrl(url) } }) } };
      }
      if (status === 416 && !restartedClean) {
        restartedClean = true;
        if (part) await fs.rm(part, { force: true });
        continue;
      }
      if (status === 404 || status === 410 || e.code === 'NOT_FOUND') return { failure: { url, kind: 'vanished', error: e } };
      if (e.code === 'AUTH_FAILED') return { failure: { url, kind: 'auth', error: e } };
      if (opts.signal?.aborted) throw e;
      if (isRetryable(e) && attempt < retries) {
        opts.onEvent?.({ type: 'retry', name: item.name, url: redactUrl(url), attempt: attempt + 1, reason: e.message });
        await sleep(delay * 2 ** attempt, opts.signal);
        continue;
      }
      return { failure: { url, kind: isRetryable(e) ? 'network' : 'other', error: e } };
    }
  }
}

async function fetchOne(item: DownloadItem, opts: DownloadOptions): Promise<DownloadResult> {
  if (opts.vendorDir !== undefined) {
    if (!item.vendorPath) throw new RpmkitError('INTERNAL', `${item.name}: no vendor path`);
    const file = path.join(opts.vendorDir, item.vendorPath);
    const v = await verifyFile(file, item.size, item.checksum);
    if (!v.ok) {
      throw new RpmkitError(v.reason === 'missing' ? 'LOCKED_PACKAGE_MISSING' : v.reason === 'size' ? 'SIZE_MISMATCH' : 'CHECKSUM_MISMATCH',
        `${item.name}: vendored file ${file} ${v.reason === 'missing' ? 'is missing' : `was altered (${v.detail})`}`, {
          hint: 'run `rpmkit vendor --out-dir DIR` again to refresh the vendor directory from the lock',
          details: { package: item.name, path: file, reason: v.reason },
        });
    }
    opts.onEvent?.({ type: 'file-done', name: item.name, source: 'vendor', bytes: item.size });
    return { item, path: file, source: 'vendor' };
  }
  const blob = blobPath(opts.cacheDir, item.checksum);
  const hit = await (opts.verifyCached === false
    ? sizeOf(blob).then((s) => (s === item.size ? { ok: true as const } : { ok: false as const, reason: s ? 'size' : 'missing' }))
    : verifyFile(blob, item.size, item.checksum));
  if (hit.ok) {
    opts.onEvent?.({ type: 'file-done', name: item.name, source: 'cache', bytes: item.size });
    return { item, path: blob, source: 'cache' };
  }
  // A bad entry (disk error, tampering) is dropped, then fetched again.
  if (hit.reason !== 'missing') await fs.rm(blob, { force: true });
  if (opts.offline) {
    throw new RpmkitError('LOCKED_PACKAGE_MISSING', `${item.name} is not in the cache (${opts.cacheDir}) and network access is off`, {
      hint: 'run once with network access, or use --vendor-dir with a directory made by `rpmkit vendor`',
      details: { package: item.name },
    });
  }
  const failures: UrlFailure[] = [];
  // A small file is fetched into memory and stored in one write: there is
  // no partial file to resume, so nothing to claim (no lock symlink, stat
  // and unlink per package, which are most of a closure's packages).
  const claim = item.size <= (opts.memoryMax ?? MEMORY_MAX) ? undefined : await claimPartial(opts.cacheDir, item.checksum);
  const shown = { bytes: 0 };
  try {
    for (const url of item.urls) {
      opts.onEvent?.({ type: 'file-start', name: item.name, url: redactUrl(url) });
      const { failure: f, data } = await fetchFromUrl(item, url, claim?.path, opts, shown);
      if (!f) {
        const dest = claim ? await commitBlob(opts.cacheDir, item.checksum, claim.path) : await storeBlob(opts.cacheDir, item.checksum, data ?? []);
        opts.onEvent?.({ type: 'file-done', name: item.name, source: 'network', bytes: item.size });
        return { item, path: dest, source: 'network' };
      }
      failures.push(f);
      if (item.urls.length > 1) opts.onEvent?.({ type: 'mirror-failed', name: item.name, url: redactUrl(url), reason: f.error.message });
      // A file another mirror served wrong must not be resumed from.
      if (f.kind === 'integrity' && claim) await fs.rm(claim.path, { force: true });
      if (f.kind === 'integrity' || f.kind === 'vanished') {
        opts.onEvent?.({ type: 'progress', name: item.name, delta: -shown.bytes });
        shown.bytes = 0;
      }
    }
  } finally {
    await claim?.release();
  }
  throw new ItemFailure(item, failures);
}

function summarize(failed: ItemFailure[]): RpmkitError {
  const vanished = failed.filter((f) => f.failures.length > 0 && f.failures.every((u) => u.kind === 'vanished'));
  if (vanished.length === failed.length) {
    const names = vanished.map((f) => f.item.name);
    return new RpmkitError('LOCKED_PACKAGE_MISSING',
      `${names.length === 1 ? 'a locked package is' : `${names.length} locked packages are`} no longer in ${names.length === 1 ? 'its repository' : 'their repositories'} (HTTP 404): ${vanished.map((f) => `${f.item.name} (${redactUrl(f.failures[0].url)})`).join(', ')}`, {
        hint: `the repository moved on since the lock was written; run \`rpmkit update ${[...new Set(vanished.map((f) => f.item.pkgName ?? f.item.name))].join(' ')}\` to lock versions it has now, or build from a --vendor-dir made earlier with \`rpmkit vendor\``,
        details: { packages: names },
      });
  }
  const first = failed.find((f) => !f.failures.every((u) => u.kind === 'vanished')) ?? failed[0];
  const last = first.failures[first.failures.length - 1]?.error;
  const others = failed.length > 1 ? ` (and ${failed.length - 1} more: ${failed.filter((f) => f !== first).map((f) => f.item.name).slice(0, 10).join(', ')})` : '';
  return new RpmkitError(last?.code ?? 'NETWORK', `cannot download ${first.item.name}: ${first.failures.map((f) => f.error.message).join('; ') || 'no URL to fetch it from'}${others}`, {
    hint: last?.hint,
    cause: last,
    details: { packages: failed.map((f) => f.item.name) },
  });
}

/**
 * Make every item available as a verified local file. Items sharing a
 * checksum are fetched once. All items are attempted before an error is
 * thrown, so one run reports every missing package (and fills the cache with
 * the rest).
 */
export async function downloadPackages(items: DownloadItem[], opts: DownloadOptions): Promise<DownloadResult[]> {
  const t0 = Date.now();
  const limit = pLimit(Math.max(1, opts.concurrency ?? 8));
  const byChecksum = new Map<string, Promise<DownloadResult>>();
  const bytes = items.reduce((s, i) => s + i.size, 0);
  opts.onEvent?.({ type: 'start', files: items.length, bytes });
  let downloaded = 0;
  const onEvent = opts.onEvent;
  const inner: DownloadOptions = {
    ...opts,
    onEvent: (e) => {
      if (e.type === 'file-done' && e.source === 'network') downloaded += e.bytes;
      onEvent?.(e);
    },
  };
  const settled = await Promise.allSettled(items.map((item) => {
    const key = opts.vendorDir !== undefined ? `${item.vendorPath}\0${item.checksum}` : item.checksum.toLowerCase();
    let p = byChecksum.get(key);
    if (!p) {
      p = limit(() => fetchOne(item, inner));
      byChecksum.set(key, p);
      return p;
    }
    return p.then((r) => ({ ...r, item }));
  }));
  const results: DownloadResult[] = [];
  const failed: ItemFailure[] = [];
  const errors: RpmkitError[] = [];
  for (const s of settled) {
    if (s.status === 'fulfilled') results.push(s.value);
    else if (s.reason instanceof ItemFailure) {
      if (!failed.some((f) => f.item.checksum === s.reason.item.checksum)) failed.push(s.reason);
    } else if (s.reason instanceof RpmkitError) errors.push(s.reason);
    else throw s.reason;
  }
  if (errors.length) {
    const e = errors[0];
    if (errors.length > 1) {
      const more = errors.slice(1, 10).map((x) => `  - ${x.message}`).join('\n');
      throw new RpmkitError(e.code, `${e.message}\nand ${errors.length - 1} more:\n${more}${errors.length > 10 ? `\n  - ... (${errors.length - 10} more)` : ''}`, { hint: e.hint, details: { ...e.details, errors: errors.map((x) => x.toJSON()) } });
    }
    throw e;
  }
  if (failed.length) throw summarize(failed);
  opts.onEvent?.({ type: 'done', files: items.length, bytes, downloaded, ms: Date.now() - t0 });
  return results;
}
