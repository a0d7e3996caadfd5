// Walks a root directory into the sorted entry list a layer is written from:
// byte order of paths (so parents come before children), hardlinks resolved
// to their first occurrence, and the non-deterministic leftovers of package
// installs (caches, logs, rpmdb lock/WAL files) left out like rpmoci does.
import { promises as fs, type Stats } from 'node:fs';
import * as path from 'node:path';
import { RpmkitError } from '../errors.js';
import type { MemoryEntry, ScanEntry } from './types.js';
import type { TarType } from './tar.js';

export type { ScanEntry } from './types.js';

/** Directories whose *contents* never go into an image (the directories themselves stay: packages own them). */
const EMPTIED_DIRS = ['var/cache', 'var/log', 'var/tmp'];
/** Trees dropped entirely: package-manager state that is not the rpmdb. */
const DROPPED_TREES = ['var/lib/dnf', 'usr/lib/sysimage/dnf', 'usr/lib/sysimage/libdnf5', 'var/lib/yum'];
// root/.rpmdb: Debian's rpm keeps its database in ~/.rpmdb.
const RPMDB_DIRS = ['var/lib/rpm', 'usr/lib/sysimage/rpm', 'root/.rpmdb'];

/**
 * Whether a path is an install leftover that would make images differ run to
 * run. rpmoci removes var/log, var/cache, var/tmp, var/lib/dnf and the rpm
 * lock, and checkpoints the sqlite WAL; we keep the (package-owned) directories
 * but not their contents, and refuse a non-empty WAL rather than lose data.
 */
export function isLeftover(rel: string, size: number): boolean {
  for (const d of EMPTIED_DIRS) if (rel.startsWith(`${d}/`)) return true;
  for (const d of DROPPED_TREES) if (rel === d || rel.startsWith(`${d}/`)) return true;
  for (const d of RPMDB_DIRS) {
    if (path.posix.dirname(rel) !== d) continue;
    const base = path.posix.basename(rel);
    if (base === '.rpm.lock' || base === '.dbenv.lock' || base.startsWith('__db.') || base === 'rpmdb.sqlite-shm') return true;
    if (base === 'rpmdb.sqlite-wal') {
      if (size === 0) return true;
      throw new RpmkitError('IMAGE_INVALID', `${rel} is a non-empty sqlite write-ahead log: the rpmdb is not checkpointed`, {
        hint: `checkpoint it first: sqlite3 ROOT/${d}/rpmdb.sqlite 'PRAGMA journal_mode=DELETE'`,
      });
    }
  }
  return false;
}

function typeOf(st: Stats): TarType | undefined {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  if (st.isFIFO()) return 'fifo';
  return undefined; // sockets: no tar type; docker and rpmoci skip them too
}

/** Byte-order comparison of UTF-8 paths (JS string order differs above U+FFFF). */
export function comparePaths(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** True when `rel` is excluded by a user pattern: exact path or "dir/" prefix. */
function userExcluded(rel: string, exclude: string[]): boolean {
  for (const e of exclude) {
    const p = e.replace(/^\.?\/+/, '');
    if (p.endsWith('/') ? rel.startsWith(p) || `${rel}/` === p : rel === p || rel.startsWith(`${p}/`)) return true;
  }
  return false;
}

export async function scanRoot(rootDir: string, exclude: string[] = []): Promise<ScanEntry[]> {
  let rootSt: Stats;
  try {
    rootSt = await fs.stat(rootDir);
  } catch (e) {
    throw new RpmkitError('NOT_FOUND', `root directory ${rootDir} cannot be read`, { cause: e, hint: 'install a root first (rpmkit install --root DIR)' });
  }
  if (!rootSt.isDirectory()) throw new RpmkitError('USAGE', `${rootDir} is not a directory`);

  const out: ScanEntry[] = [];
  const inode = new Map<ScanEntry, string>();
  const walk = async (relDir: string): Promise<void> => {
    const abs = relDir ? path.join(rootDir, relDir) : rootDir;
    let raw: Buffer[];
    try {
      raw = await fs.readdir(abs, { encoding: 'buffer' });
    } catch (e) {
      throw new RpmkitError('IO_ERROR', `cannot list ${abs}: ${(e as Error).message}`, { cause: e });
    }
    // Tar names are written as UTF-8; a name that is not would be silently rewritten.
    const names = raw.map((b) => {
      const s = b.toString('utf8');
      if (!Buffer.from(s, 'utf8').equals(b)) {
        throw new RpmkitError('UNSAFE_PATH', `file name ${JSON.stringify(s)} in ${abs} is not valid UTF-8`, { hint: 'rename or remove it before building the image' });
      }
      return s;
    });
    const stats = await Promise.all(
      names.map((name) =>
        fs.lstat(path.join(abs, name)).catch((e: unknown) => {
          throw new RpmkitError('IO_ERROR', `cannot stat ${path.join(abs, name)}: ${(e as Error).message}`, { cause: e });
        }),
      ),
    );
    for (let i = 0; i < names.length; i++) {
      const rel = relDir ? `${relDir}/${names[i]}` : names[i];
      const st = stats[i];
      const type = typeOf(st);
      if (!type || isLeftover(rel, st.size) || userExcluded(rel, exclude)) continue;
      const e: ScanEntry = { rel, type, mode: st.mode, size: st.size, mtime: Math.floor(st.mtimeMs / 1000) };
      if (type === 'char' || type === 'block') {
        e.devmajor = major(st.rdev);
        e.devminor = minor(st.rdev);
      }
      if (type !== 'dir' && st.nlink > 1) inode.set(e, `${st.dev}:${st.ino}`);
      out.push(e);
      if (type === 'dir') await walk(rel);
    }
  };
  await walk('');

  return linkHardlinks(sortEntries(out), (e) => inode.get(e));
}

/**
 * A root handed over in memory, made ready like a scanned one: leftovers and
 * user exclusions dropped, sorted, hardlinks (one `inode` on several paths)
 * turned into links to the first path.
 */
export function memoryEntries(list: MemoryEntry[], exclude: string[] = []): ScanEntry[] {
  for (const e of list) {
    // Nothing of an in-memory root is read from the disk: a file without its bytes, or a link without its target, is a caller's bug.
    const bad = e.type === 'file' ? !(e.data ? e.data.length === e.size : e.size === 0) : e.type === 'symlink' && e.linkname === undefined;
    if (bad) throw new RpmkitError('USAGE', `in-memory root: ${e.rel}: ${e.type === 'file' ? `content (${e.data?.length ?? 'none'}) does not match its size ${e.size}` : 'symlink without a target'}`);
  }
  const kept = list.filter((e) => !isLeftover(e.rel, e.size) && !userExcluded(e.rel, exclude));
  const inode = new Map<ScanEntry, object>();
  const entries = kept.map((m) => {
    const { inode: ino, ...e } = m;
    if (e.type === 'file') {
      e.data ??= Buffer.alloc(0);
      if (ino !== undefined) inode.set(e, ino);
    }
    return e;
  });
  return linkHardlinks(sortEntries(entries), (e) => inode.get(e));
}

/** Byte order of paths, so parents come before children. */
export function sortEntries(entries: ScanEntry[]): ScanEntry[] {
  const keyed = entries.map((e) => ({ e, k: Buffer.from(e.rel, 'utf8') }));
  keyed.sort((a, b) => Buffer.compare(a.k, b.k));
  return keyed.map((x) => x.e);
}

/** Hardlinks: the first path (in archive order) of an inode carries the data, later ones become links to it. */
export function linkHardlinks<K>(sorted: ScanEntry[], inodeOf: (e: ScanEntry) => K | undefined): ScanEntry[] {
  const seen = new Map<K, string>();
  for (const e of sorted) {
    const key = inodeOf(e);
    if (key === undefined) continue;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, e.rel);
    else {
      e.linkTo = first;
      e.type = 'link';
      e.size = 0;
      e.data = undefined;
    }
  }
  return sorted;
}

function major(rdev: number): number {
  return ((rdev >>> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
}
function minor(rdev: number): number {
  return (rdev & 0xff) | ((rdev >>> 12) & ~0xff & 0xfffff);
}
