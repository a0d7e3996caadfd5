// Installs RPM packages into a root directory the way rpm would — files,
// directories, symlinks, hardlinks, modes, mtimes, owners (when we are root),
// %doc/%lang exclusion, %ghost left out — without running rpm or any
// scriptlet. Each package is all-or-nothing: on any failure what it wrote
// is undone and the root is as it was before that package.
import { promises as fs, constants as C } from 'node:fs';
import * as fss from 'node:fs';
import * as path from 'node:path';
import { RpmkitError } from '../errors.js';
import type { RpmFile } from '../rpm/index.js';
import { loadInOrder, READ_AHEAD, type LoadedPackage } from './prefetch.js';
import { buildRpmdb, readRpmdbBlobs, installedPackage, FILE_STATE } from '../rpmdb/index.js';
import { packagePathComponents, resolveDirInRoot } from './paths.js';
import { readIdMaps, readOwnershipManifest, writeOwnershipManifest, type OwnershipEntry } from './ownership.js';
import {
  archiveIndex,
  checkArchiveComplete,
  checkOwner,
  fileType,
  nevraOf,
  numberOwners,
  OS_RELEASE_NOTICE,
  ownershipOf,
  planPackage,
  skippedScriptlets,
  specialType,
  S_IFDIR,
  S_IFLNK,
  S_IFREG,
  type OwnedPath,
  type PlannedFile,
  type SkippedNode,
  type SkippedScriptlet,
} from './plan.js';
import { UndoLog } from './undo.js';
import { checkBody, readAll, makeNode, setCaps, tmpName, refreshUmask, writeBody, writeData } from './write.js';
import { WriteQueue } from './writequeue.js';

export type { SkippedNode, SkippedScriptlet } from './plan.js';

/** How many written in-memory files may wait to land at once. */
const WRITE_WINDOW = 32;

export interface InstallPackage {
  /** A local .rpm file. */
  file: string;
  /** The file as already read (readRpm), to not read its headers twice. */
  rpm?: RpmFile;
  /** Its digests were checked already (with its signature, say): not checked again. */
  digestsChecked?: boolean;
}

export interface InstallOptions {
  /** The root directory (created when missing). */
  root: string;
  /** Packages in install order. */
  packages: InstallPackage[];
  /** Install %doc files (default true; %license files are always installed). */
  docs?: boolean;
  /** Languages to keep for %lang files, like dnf's install_langs (default: all). */
  langs?: string[];
  /** Expect /etc/os-release in the result, like rpmoci's os_release (default true). */
  osRelease?: boolean;
  /** INSTALLTIME for the rpmdb (default SOURCE_DATE_EPOCH, else now). */
  installTime?: number;
  /** Target architecture (rpmdb transaction colour). */
  arch?: string;
  /** Write /var/lib/rpm/rpmdb.sqlite (default true). */
  rpmdb?: boolean;
  /** Also write the ownership manifest to this file (must be outside the root). */
  manifestPath?: string;
  /** Check header and payload digests before installing (default true, like rpm). */
  verifyDigests?: boolean;
  /** Progress callback: one call per package before it is installed. */
  onPackage?(nevra: string, index: number, total: number): void;
}

export interface InstalledPackageReport {
  nevra: string;
  name: string;
  file: string;
  /** Paths created or replaced on disk. */
  installed: number;
  /** %doc / %lang files left out. */
  excluded: number;
  /** %ghost files (recorded in the rpmdb only). */
  ghosts: number;
}

export interface InstallReport {
  root: string;
  packages: InstalledPackageReport[];
  /** Every scriptlet and trigger that was not run. */
  scriptlets: SkippedScriptlet[];
  /** Device nodes, FIFOs and sockets not created (not root, or no mknod). */
  skippedNodes: SkippedNode[];
  /** Owner, mode and capabilities of every installed path (sorted by path). */
  ownership: OwnershipEntry[];
  /** True when owners were applied with chown (running as root). */
  chowned: boolean;
  /** Whether /etc/os-release exists in the result. */
  osRelease: boolean;
  rpmdb?: string;
  notices: string[];
}

/** A path this package put on disk; `existed` for a directory that was already there. */
interface Written {
  plan: PlannedFile;
  host: string;
  existed?: boolean;
}

function ioError(pkg: string, what: string, e: unknown): RpmkitError {
  if (e instanceof RpmkitError) return e;
  return new RpmkitError('IO_ERROR', `${pkg}: ${what}: ${(e as Error).message}`, { cause: e, details: { package: pkg } });
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Install packages into opts.root. Throws RpmkitError; the root keeps every package installed before the failing one. */
export async function installRoot(opts: InstallOptions): Promise<InstallReport> {
  const root = path.resolve(opts.root);
  refreshUmask();
  await fs.mkdir(root, { recursive: true });
  if (opts.manifestPath) {
    const rel = path.relative(root, path.resolve(opts.manifestPath));
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) {
      throw new RpmkitError('USAGE', `the ownership manifest ${opts.manifestPath} must be outside the root ${root}`, { hint: 'use the default DIR.rpmkit-meta.json next to the root' });
    }
  }
  const asRoot = isRoot();
  const report: InstallReport = { root, packages: [], scriptlets: [], skippedNodes: [], ownership: [], chowned: asRoot, osRelease: false, notices: [] };
  const owned = new Map<string, OwnedPath>();
  const dirCache = new Map<string, string>();
  const ownership = new Map<string, Omit<OwnershipEntry, 'uid' | 'gid'>>();
  // Paths we did not create (their owner on disk is unknown); everything we
  // created as root is already root:root and needs no chown to stay that way.
  const existedBefore = new Set<string>();
  const dbPackages: { header: Uint8Array; signature?: Uint8Array; fileStates: number[]; name: string }[] = [];
  const total = opts.packages.length;

  // Packages an earlier run recorded in the root's rpmdb take part in conflict checks.
  const existingDb = await existingRpmdb(root);
  const alreadyInstalled = new Set<string>();
  const dbPlanCache = new Map<string, string>();
  for (const blob of existingDb) {
    const ip = installedPackage(blob);
    alreadyInstalled.add(ip.nevra);
    for (const f of ip.files) {
      let components: string[];
      try {
        components = packagePathComponents(f.path, ip.nevra);
      } catch {
        continue;
      }
      owned.set(await conflictKey(root, components, ip.nevra, dirCache, dbPlanCache), { pkg: ip.nevra, file: f, sameRun: false });
    }
  }

  // A failing package is undone; the packages before it stay installed and
  // get their owners, rpmdb and manifest below, then the error is rethrown.
  let failure: unknown;
  try {
  // The next packages are read (and decompressed) while this one is written.
  let pi = -1;
  for await (const loaded of loadInOrder(opts.packages, READ_AHEAD, { verifyDigests: opts.verifyDigests })) {
    pi++;
    const file = opts.packages[pi].file;
    const rpm = loaded.rpm;
    await loaded.verified;
    if (rpm.isSource) throw new RpmkitError('RPM_UNSUPPORTED', `${file}: is a source package; only binary packages can be installed`);
    const nevra = nevraOf(rpm);
    if (alreadyInstalled.has(nevra)) {
      report.notices.push(`package ${nevra} is already installed`);
      continue;
    }
    opts.onPackage?.(nevra, pi, total);
    const pkgReport: InstalledPackageReport = { nevra, name: rpm.nevra.name, file, installed: 0, excluded: 0, ghosts: 0 };

    // 1. Plan: path safety, exclusions and conflicts, before touching the disk.
    const { plan, states, excluded, ghosts } = planPackage(rpm, nevra, opts);
    pkgReport.excluded = excluded;
    pkgReport.ghosts = ghosts;
    const planCache = new Map<string, string>();
    for (const p of plan) {
      if (p.skip) continue;
      checkOwner(owned.get(await conflictKey(root, p.components, nevra, dirCache, planCache)), p, nevra);
    }

    // 2. Extract, with an undo log for this package.
    const undo = new UndoLog();
    const written: Written[] = [];
    try {
      await extractPackage(dirCache, root, loaded, rpm, nevra, plan, undo, written, report, asRoot, states);
    } catch (e) {
      await undo.rollback();
      dirCache.clear();
      throw ioError(nevra, 'install failed', e);
    }
    await undo.commit();

    // 3. Bookkeeping once the package is fully on disk.
    for (const { plan: p, host, existed } of written) {
      const f = p.file;
      const rel = `/${path.relative(root, host).split(path.sep).join('/')}`;
      if (existed) existedBefore.add(rel);
      else existedBefore.delete(rel);
      owned.set(await conflictKey(root, p.components, nevra, dirCache), { pkg: nevra, file: f, sameRun: true });
      ownership.set(rel, ownershipOf(rel, f, nevra));
      pkgReport.installed++;
    }
    report.scriptlets.push(...skippedScriptlets(rpm, nevra));
    dbPackages.push({ header: rpm.headerBlob, signature: rpm.signature.blob, fileStates: states, name: nevra });
    report.packages.push(pkgReport);
  }
  } catch (e) {
    failure = e;
  }
  if (failure !== undefined && report.packages.length === 0) throw failure;

  // 4. Owners: names -> numbers through the root's own passwd/group, now that the package set is in.
  const owners = numberOwners(ownership.values(), await readIdMaps(root));
  report.ownership = owners.entries;
  for (const e of asRoot ? owners.entries : []) {
    const host = path.join(root, e.path);
    if (e.uid !== 0 || e.gid !== 0 || existedBefore.has(e.path)) {
      try {
        fss.lchownSync(host, e.uid, e.gid);
        // chown clears set-id bits: put the mode back.
        if (fileType(e.mode) !== S_IFLNK) fss.chmodSync(host, e.mode & 0o7777);
      } catch (err) {
        throw ioError(e.pkg, `cannot set owner of ${e.path}`, err);
      }
    }
    // File capabilities last (chown clears them). Node cannot setxattr, so
    // use libcap's setcap when the host has it; the manifest has them anyway.
    if (e.capsText && fileType(e.mode) === S_IFREG && !setCaps(host, e.capsText)) {
      report.notices.push(`could not set capabilities ${e.capsText} on ${e.path} (no setcap tool?); recorded in the ownership manifest`);
    }
  }
  report.notices.push(...owners.notices);
  if (report.skippedNodes.length > 0) {
    report.notices.push(`${report.skippedNodes.length} device node(s)/FIFO(s) not created (needs root); recorded in the report for the image stage`);
  }

  // 5. os-release, like rpmoci's os_release.
  report.osRelease = await hasOsRelease(root);
  if (opts.osRelease !== false && !report.osRelease) {
    report.notices.push(OS_RELEASE_NOTICE);
  }

  // 6. The rpm database.
  if (opts.rpmdb !== false) {
    const dir = await resolveDirInRoot(root, ['var', 'lib', 'rpm'], 'rpmdb', '/var/lib/rpm', true);
    const target = path.join(dir, 'rpmdb.sqlite');
    // Packages a previous run recorded stay in the database, first.
    const bytes = await buildRpmdb(dbPackages, { installTime: opts.installTime, arch: opts.arch, existing: existingDb });
    const tmp = tmpName(dir, 'rpmdb');
    await fs.writeFile(tmp, bytes, { mode: 0o644, flag: C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW });
    await fs.rename(tmp, target);
    report.rpmdb = target;
  }
  if (opts.manifestPath) {
    // A manifest from an earlier run into this root keeps its entries (this run's win).
    const merged = new Map<string, OwnershipEntry>();
    const prev = await readOwnershipManifest(opts.manifestPath).catch(() => undefined);
    if (prev && prev.root === root) for (const e of prev.entries) merged.set(e.path, e);
    for (const e of report.ownership) merged.set(e.path, e);
    await writeOwnershipManifest(opts.manifestPath, { version: 1, root, entries: [...merged.values()] });
  }
  if (failure !== undefined) {
    const err = failure instanceof RpmkitError ? failure : ioError('install', 'failed', failure);
    const installed = report.packages.map((p) => p.nevra);
    throw new RpmkitError(err.code, err.message, {
      hint: err.hint ?? (installed.length ? `the ${installed.length} package(s) before it are installed and recorded in the rpmdb` : undefined),
      cause: err.cause ?? err,
      details: { ...err.details, installedBefore: installed },
    });
  }
  return report;
}

/** Header blobs of the rpm database already in the root (none when there is none). */
async function existingRpmdb(root: string): Promise<Uint8Array[]> {
  let dir: string;
  try {
    dir = await resolveDirInRoot(root, ['var', 'lib', 'rpm'], 'rpmdb', '/var/lib/rpm', false);
  } catch {
    return [];
  }
  const file = path.join(dir, 'rpmdb.sqlite');
  const st = await fs.lstat(file).catch(() => undefined);
  if (!st?.isFile()) return [];
  return readRpmdbBlobs(new Uint8Array(await fs.readFile(file)));
}

async function hasOsRelease(root: string): Promise<boolean> {
  for (const rel of [['etc'], ['usr', 'lib']]) {
    try {
      const dir = await resolveDirInRoot(root, rel, 'os-release', `/${rel.join('/')}`, false);
      const st = await fs.lstat(path.join(dir, 'os-release'));
      if (st.isFile() || st.isSymbolicLink()) return true;
    } catch {
      // not there
    }
  }
  return false;
}

/**
 * The path inside the root that a package path lands on (parents resolved), for conflict checks.
 * `planCache` holds lexical results too (parents that do not exist yet): only
 * valid while nothing is written, i.e. for the planning of one package.
 */
async function conflictKey(root: string, components: string[], pkg: string, cache?: Map<string, string>, planCache?: Map<string, string>): Promise<string> {
  if (components.length === 0) return '/';
  const parentKey = components.length === 1 ? '' : components.slice(0, -1).join('/');
  let parent = planCache?.get(parentKey);
  if (parent === undefined) {
    parent = await resolveDirInRoot(root, components.slice(0, -1), pkg, `/${components.join('/')}`, 'lexical', { cache });
    planCache?.set(parentKey, parent);
  }
  return `/${path.relative(root, path.join(parent, components[components.length - 1]))}`;
}

async function extractPackage(
  dirCache: Map<string, string>,
  root: string,
  loaded: LoadedPackage,
  rpm: RpmFile,
  nevra: string,
  plan: PlannedFile[],
  undo: UndoLog,
  written: Written[],
  report: InstallReport,
  asRoot: boolean,
  states: number[],
): Promise<void> {
  const seen = new Set<number>();
  // Hardlink sets: members wait for the one entry that carries the body.
  const linkDone = new Map<string, string>();
  const linkWaiting = new Map<string, PlannedFile[]>();
  const hooks = { created: (h: string) => undo.created(h), dirMode: 0o755, cache: dirCache };

  const parentOf = (p: PlannedFile) => resolveDirInRoot(root, p.components.slice(0, -1), nevra, p.file.path, true, hooks);

  const place = async (p: PlannedFile, tmp: string, parent: string) => {
    const target = path.join(parent, p.components[p.components.length - 1]);
    const st = fss.lstatSync(target, { throwIfNoEntry: false });
    if (st?.isDirectory()) {
      fss.rmSync(tmp, { force: true });
      throw new RpmkitError('FILE_CONFLICT', `${nevra}: cannot replace directory ${p.file.path} with a ${fileType(p.file.mode) === S_IFLNK ? 'symlink' : 'file'}`, {
        hint: 'a package installed earlier (or the root itself) has a directory where this package ships a file',
        details: { package: nevra, path: p.file.path },
      });
    }
    if (st) {
      // Replacing a symlink may change how later paths resolve.
      if (st.isSymbolicLink()) dirCache.clear();
      const backup = tmpName(parent, 'bak');
      fss.renameSync(target, backup);
      undo.replaced(target, backup);
    } else {
      undo.created(target);
    }
    fss.renameSync(tmp, target);
    written.push({ plan: p, host: target });
    return target;
  };

  const writeLinkTo = async (p: PlannedFile, existing: string) => {
    const parent = await parentOf(p);
    const tmp = tmpName(parent, 'tmp');
    fss.linkSync(existing, tmp);
    undo.created(tmp);
    await place(p, tmp, parent);
  };

  const writes = new WriteQueue(WRITE_WINDOW);
  // Entries handled on the spot (not queued) must not overtake a queued file for the same path.
  const targetOf = async (p: PlannedFile) => path.join(await parentOf(p), p.components[p.components.length - 1]);
  const beforeImmediate = async (p: PlannedFile) => {
    if (writes.hasTargets && writes.has(await targetOf(p))) await writes.drain();
  };
  // Hardlink sets whose body entry has been queued (decided in archive order, like linkDone).
  const linkQueued = new Set<string>();

  try {
  for await (const entry of loaded.entries()) {
    const p = plan[archiveIndex(entry, nevra)];
    seen.add(p.index);
    if (p.skip) continue;
    const f = p.file;
    if (p.components.length === 0) continue; // "/" itself
    const t = fileType(f.mode);
    const special = specialType(t);
    if (t === S_IFREG) {
      const key = `${f.device}:${f.inode}`;
      const isMember = f.nlink > 1 && (linkQueued.has(key) || (entry.size === 0 && f.size > 0));
      if (isMember) {
        await writes.add({
          run: async () => {
            if (linkDone.has(key)) {
              await writeLinkTo(p, linkDone.get(key)!);
              return;
            }
            const w = linkWaiting.get(key) ?? [];
            w.push(p);
            linkWaiting.set(key, w);
          },
        });
        continue;
      }
      if (f.nlink > 1) linkQueued.add(key);
      const dir = await parentOf(p);
      const target = path.join(dir, p.components[p.components.length - 1]);
      let tmp = '';
      let write: Promise<void> | undefined;
      if (entry.data && WRITE_WINDOW > 0) {
        checkBody(entry.data, f, nevra);
        const data = entry.data;
        // A path no queued entry will take is written in place: no temp name
        // and no rename; the undo log removes it on failure. Whether something
        // is already there is left to open(O_EXCL) (no lstat per file: on a
        // fresh root it is always ENOENT), which falls back to a temp file.
        const direct = !writes.has(target);
        write = (async () => {
          if (direct) {
            try {
              await writeData(target, data, f, () => undo.created(target));
              tmp = target;
              return;
            } catch (e) {
              // Something appeared there after all: go through a temp file like any other replacement.
              if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
            }
          }
          const t = tmpName(dir, 'tmp');
          await writeData(t, data, f, () => undo.created(t));
          tmp = t;
        })();
        write.catch(() => {});
      } else {
        await writes.drain();
        tmp = await writeBody(dir, entry, f, nevra);
        undo.created(tmp);
      }
      await writes.add({
        write,
        target,
        run: async () => {
          // Resolved again: a symlink placed in the meantime may have moved it (rename works across directories).
          const parent = await parentOf(p);
          let host: string;
          if (tmp === target && path.join(parent, p.components[p.components.length - 1]) === target) {
            written.push({ plan: p, host: target });
            host = target;
          } else {
            host = await place(p, tmp, parent);
          }
          if (f.nlink > 1) {
            linkDone.set(key, host);
            for (const w of linkWaiting.get(key) ?? []) await writeLinkTo(w, host);
            linkWaiting.delete(key);
          }
        },
      });
      continue;
    }
    // Everything else is handled on the spot, in order with the queued files' paths.
    await beforeImmediate(p);
    if (t === S_IFDIR) {
      await ensureDir(root, p, nevra, undo, written, hooks);
    } else if (t === S_IFLNK) {
      const parent = await parentOf(p);
      // rpm takes the target from the header; the archive body must agree.
      const body = entry.data ?? (await readAll(entry, 65536, nevra));
      if (body.length > 65536) throw new RpmkitError('PAYLOAD_INVALID', `${nevra}: ${entry.path}: ${entry.size} bytes is too large here`);
      if (body.length > 0 && body.toString('utf8') !== f.linkTarget) {
        throw new RpmkitError('PAYLOAD_INVALID', `${nevra}: symlink ${f.path}: archive target ${JSON.stringify(body.toString('utf8'))} differs from the header's ${JSON.stringify(f.linkTarget)}`, { details: { package: nevra, path: f.path } });
      }
      // Where nothing is yet (a fresh root: always), the link is made in
      // place; anything in the way goes through a temp name and place().
      const target = path.join(parent, p.components[p.components.length - 1]);
      if (created(() => fss.symlinkSync(f.linkTarget, target))) {
        undo.created(target);
        linkMtime(target, f.mtime);
        written.push({ plan: p, host: target });
        continue;
      }
      // A symlink that replaces something may change how later paths resolve: let the queue land first.
      await writes.drain();
      const tmp = tmpName(parent, 'tmp');
      fss.symlinkSync(f.linkTarget, tmp);
      undo.created(tmp);
      linkMtime(tmp, f.mtime);
      await place(p, tmp, parent);
    } else if (special) {
      const type = special;
      const major = entry.rdevMajor;
      const minor = entry.rdevMinor;
      await writes.drain();
      const parent = await parentOf(p);
      const made = type === 'fifo' || (asRoot && type !== 'socket') ? makeNode(parent, type, major, minor, f.mode) : undefined;
      if (made) {
        await place(p, made, parent);
      } else {
        report.skippedNodes.push({ package: nevra, path: f.path, type, major, minor, mode: f.mode });
        states[p.index] = FILE_STATE.NOTINSTALLED;
      }
    } else {
      throw new RpmkitError('PAYLOAD_INVALID', `${nevra}: ${f.path} has unknown file type ${(f.mode >>> 12).toString(8)}`, { details: { package: nevra, path: f.path } });
    }
  }
  await writes.drain();
  } catch (e) {
    // Let writes still in flight finish, so the rollback sees (and removes) their temp files.
    await writes.settle();
    throw e;
  }

  checkArchiveComplete(plan, seen, linkWaiting, nevra);
}

async function ensureDir(root: string, p: PlannedFile, nevra: string, undo: UndoLog, written: Written[], hooks: { created(h: string): void; dirMode: number; cache: Map<string, string> }): Promise<void> {
  const parent = await resolveDirInRoot(root, p.components.slice(0, -1), nevra, p.file.path, true, hooks);
  const host = path.join(parent, p.components[p.components.length - 1]);
  const mode = p.file.mode & 0o7777;
  // A directory not resolved before is usually new: mkdir first, and look
  // at what is in the way only on EEXIST (one syscall instead of two).
  if (!hooks.cache.has(p.components.join('/')) && created(() => fss.mkdirSync(host, { mode }))) {
    undo.created(host);
    fss.chmodSync(host, mode);
    written.push({ plan: p, host });
    return;
  }
  const st = fss.lstatSync(host);
  if (st.isDirectory()) {
    undo.meta(host, st.mode & 0o7777);
    fss.chmodSync(host, mode);
    written.push({ plan: p, host, existed: true });
    return;
  }
  if (st.isSymbolicLink()) {
    // rpm accepts a symlink to a directory where a package ships a directory
    // (/lib -> usr/lib): the link stays, nothing is written through it.
    await resolveDirInRoot(root, p.components, nevra, p.file.path, false);
    return;
  }
  throw new RpmkitError('FILE_CONFLICT', `${nevra}: cannot create directory ${p.file.path}: a file is in the way`, { details: { package: nevra, path: p.file.path } });
}

/** Run a call that creates a path; false when something is already there (EEXIST). */
function created(make: () => void): boolean {
  try {
    make();
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

function linkMtime(host: string, mtime: number): void {
  try {
    fss.lutimesSync(host, mtime, mtime);
  } catch {
    // not supported everywhere; the mtime of a link is cosmetic
  }
}
