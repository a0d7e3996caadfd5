// The lock-aware layer: the download items of a lock, fetching everything a
// lock names (from a vendor dir, the cache or the network), and `vendor`,
// which copies every locked RPM into a readable directory with an index.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { RpmkitError } from '../errors.js';
import { type Lock, type LockPackage, lockPackageFileName, lockPackageNevra, lockPackageUrls } from '../lockfile/index.js';
import { writeFileAtomic, tempPathFor } from '../util/atomic.js';
import { downloadPackages } from './download.js';
import type { DownloadItem, DownloadOptions, DownloadResult } from './types.js';
import { verifyFile } from './verify.js';

export const VENDOR_INDEX = 'vendor.json';

/** `<repo>/<name>-<version>-<release>.<arch>.rpm`: readable, and unique per repo. */
export function vendorPathFor(p: LockPackage): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._+~^-]/g, '_');
  return `${safe(p.repo)}/${safe(lockPackageFileName(p))}`;
}

export interface LockFetchOptions extends Omit<DownloadOptions, 'vendorDir'> {
  /** Mirror base URLs per repository id (with credentials, from the manifest); default the lock's base URL. */
  baseUrls?: Record<string, string[]>;
  /** Take every package from this directory (made by vendorPackages); no network, no cache. */
  vendorDir?: string;
}

export function lockItems(lock: Lock, baseUrls?: Record<string, string[]>): DownloadItem[] {
  return lock.packages.map((p) => ({
    name: lockPackageNevra(p),
    pkgName: p.name,
    urls: lockPackageUrls(lock, p, baseUrls),
    size: p.size,
    checksum: p.checksum,
    repoId: p.repo,
    vendorPath: vendorPathFor(p),
  }));
}

export interface FetchedPackage {
  pkg: LockPackage;
  path: string;
  source: DownloadResult['source'];
}

interface VendorIndex {
  version: number;
  lock_digest: string;
  packages: { name: string; epoch: string; version: string; release: string; arch: string; repo: string; path: string; checksum: string; size: number }[];
}

/** Vendor paths recorded in DIR/vendor.json, by checksum (a dir may be laid out by an older rpmkit). */
async function readVendorIndex(dir: string): Promise<Map<string, string> | undefined> {
  let text: string;
  try {
    text = await fs.readFile(path.join(dir, VENDOR_INDEX), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const idx = JSON.parse(text) as VendorIndex;
    return new Map(idx.packages.map((p) => [p.checksum, p.path]));
  } catch (e) {
    throw new RpmkitError('LOCK_INVALID', `${path.join(dir, VENDOR_INDEX)} is not valid JSON: ${(e as Error).message}`, { hint: 'run `rpmkit vendor --out-dir DIR` again' });
  }
}

/**
 * Every locked package as a verified local file, in lock order. With
 * `vendorDir` only that directory is used; a missing or altered file is an
 * error naming the package.
 */
export async function fetchLocked(lock: Lock, opts: LockFetchOptions): Promise<FetchedPackage[]> {
  const items = lockItems(lock, opts.baseUrls);
  if (opts.vendorDir !== undefined) {
    const idx = await readVendorIndex(opts.vendorDir);
    if (idx) for (const it of items) it.vendorPath = idx.get(it.checksum) ?? it.vendorPath;
  }
  const results = await downloadPackages(items, opts);
  const byName = new Map(results.map((r) => [r.item.name, r]));
  return lock.packages.map((pkg) => {
    const r = byName.get(lockPackageNevra(pkg))!;
    return { pkg, path: r.path, source: r.source };
  });
}

export interface VendorResult {
  dir: string;
  packages: FetchedPackage[];
  /** Files removed because the lock no longer names them. */
  pruned: string[];
  /** Packages already present and verified in DIR. */
  reused: number;
}

/**
 * Put a verified file at dest. A hard link costs no copy, and linking
 * straight to a free name is already atomic (the name appears with the
 * whole file). Editing a vendored file in place would then change the cache
 * blob too, but both are re-verified before use (cache hits are hashed;
 * --vendor-dir hashes every file), so such an edit is caught, never
 * trusted. A name that is taken (an altered file), or another filesystem:
 * a temporary file renamed over it, size-checked when it was a copy.
 */
async function placeFile(src: string, dest: string, size: number, what: string): Promise<void> {
  try {
    await fs.link(src, dest);
    return;
  } catch {
    // EEXIST, EXDEV, EPERM...: the careful way below.
  }
  const tmp = tempPathFor(dest);
  try {
    let copied = false;
    try {
      await fs.link(src, tmp);
    } catch {
      await fs.copyFile(src, tmp, fs.constants.COPYFILE_FICLONE);
      copied = true;
    }
    if (copied) {
      const st = await fs.stat(tmp);
      if (st.size !== size) throw new RpmkitError('SIZE_MISMATCH', `${what}: copy to ${dest} has ${st.size} bytes, expected ${size}`);
    }
    await fs.rename(tmp, dest);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

/**
 * Put every locked RPM in `outDir/<repo>/<name>-<version>-<release>.<arch>.rpm`,
 * verified, plus `outDir/vendor.json` (the index `--vendor-dir` reads). Files
 * already there and intact are kept; files the previous vendor.json listed
 * and the lock no longer names are removed (nothing else in DIR is touched).
 */
export async function vendorPackages(lock: Lock, outDir: string, opts: Omit<LockFetchOptions, 'vendorDir'>): Promise<VendorResult> {
  const dir = path.resolve(outDir);
  // mkdir says whether it made DIR: a new one holds nothing to reuse or prune.
  const fresh = (await fs.mkdir(dir, { recursive: true })) !== undefined;
  const previous = fresh ? undefined : await readVendorIndex(dir).then((m) => (m ? [...m.values()] : undefined)).catch(() => undefined);
  const items = lockItems(lock, opts.baseUrls);
  // Reuse what is already vendored and intact.
  const present = fresh ? items.map(() => false) : await Promise.all(items.map(async (it) => (await verifyFile(path.join(dir, it.vendorPath!), it.size, it.checksum)).ok));
  const missing = items.filter((_, i) => !present[i]);
  const fetched = await downloadPackages(missing, { ...opts, vendorDir: undefined });
  await Promise.all([...new Set(fetched.map((r) => path.dirname(path.join(dir, r.item.vendorPath!))))].map((d) => fs.mkdir(d, { recursive: true })));
  await Promise.all(fetched.map((r) => placeFile(r.path, path.join(dir, r.item.vendorPath!), r.item.size, r.item.name)));
  const index: VendorIndex = {
    version: 1,
    lock_digest: lock.input.digest,
    packages: lock.packages.map((p) => ({ name: p.name, epoch: p.epoch, version: p.version, release: p.release, arch: p.arch, repo: p.repo, path: vendorPathFor(p), checksum: p.checksum, size: p.size })),
  };
  await writeFileAtomic(path.join(dir, VENDOR_INDEX), `${JSON.stringify(index, null, 2)}\n`);
  // Prune what an earlier `vendor` put here and the lock no longer names —
  // only files the previous index listed, never anything else in DIR.
  const keep = new Set(index.packages.map((p) => p.path));
  const pruned: string[] = [];
  for (const rel of previous ?? []) {
    if (keep.has(rel) || rel.includes('..') || path.isAbsolute(rel)) continue;
    await fs.rm(path.join(dir, rel), { force: true });
    pruned.push(rel);
    await fs.rmdir(path.dirname(path.join(dir, rel))).catch(() => {}); // only when now empty
  }
  return {
    dir,
    packages: lock.packages.map((pkg) => ({ pkg, path: path.join(dir, vendorPathFor(pkg)), source: 'vendor' as const })),
    pruned: pruned.sort(),
    reused: items.length - missing.length,
  };
}

/** Check a vendor directory against a lock without copying anything (`rpmkit vendor --check`). */
export async function verifyVendorDir(lock: Lock, dir: string): Promise<FetchedPackage[]> {
  return fetchLocked(lock, { cacheDir: dir, vendorDir: dir });
}
