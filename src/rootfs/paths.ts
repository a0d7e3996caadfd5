// Path safety for writing into a root: every path a package names is
// checked lexically, and every parent directory is resolved component by
// component inside the root (symlinks followed the way a chroot would,
// never by the kernel on our behalf), so no write can land outside it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RpmkitError } from '../errors.js';

function unsafe(pkg: string, p: string, why: string): RpmkitError {
  return new RpmkitError('UNSAFE_PATH', `${pkg}: refusing to write ${JSON.stringify(p)}: ${why}`, {
    hint: 'the package is malformed or hostile; do not install it',
    details: { package: pkg, path: p },
  });
}

/**
 * A package path ("/usr/bin/x", or a cpio name "./usr/bin/x") as root-relative
 * components. Rejects '..', empty names, NUL and anything not rooted.
 */
export function packagePathComponents(name: string, pkg: string): string[] {
  let p = name;
  if (p.startsWith('./')) p = p.slice(1);
  if (!p.startsWith('/')) throw unsafe(pkg, name, 'path is not absolute');
  if (p.includes('\0')) throw unsafe(pkg, name, 'path contains NUL');
  const parts = p.split('/').filter((c) => c !== '' && c !== '.');
  if (parts.some((c) => c === '..')) throw unsafe(pkg, name, "path contains a '..' segment");
  return parts;
}

/** The canonical "/a/b" spelling of a package path. */
export function canonicalPath(name: string, pkg: string): string {
  return `/${packagePathComponents(name, pkg).join('/')}`;
}

export interface ResolveHooks {
  /** Resolved directories (root-relative path -> host path), shared across calls; cleared by the caller on rollback. */
  cache?: Map<string, string>;
  /** Called for each directory the resolver had to create (for undo). */
  created?(hostPath: string): void;
  /** Mode for directories created on the way (rpm uses 0755). */
  dirMode?: number;
}

/**
 * What resolving a path needs from a root, so a directory on disk and an
 * in-memory tree follow symlinks by the same rules. Paths are root-relative
 * components with every symlink on the way already resolved.
 */
export interface RootLookup {
  /** What is at `parts` (a final symlink not followed); undefined when nothing is. */
  kind(parts: string[]): 'dir' | 'symlink' | 'other' | undefined;
  readlink(parts: string[]): string;
  /** Make the missing directory `parts` (its parent exists). */
  mkdir(parts: string[]): void;
}

const MAX_LINKS = 40;

/**
 * Resolve `components` (a directory path inside the root) to the host path of
 * that directory, following symlinks already in the root as a chroot would:
 * absolute targets start again at the root, relative ones at the link's
 * directory. A link that climbs above the root, or a non-directory on the
 * way, is refused. With `create`, missing directories are made.
 */
export async function resolveDirInRoot(root: string, components: string[], pkg: string, display: string, create: boolean | 'lexical', hooks: ResolveHooks = {}): Promise<string> {
  return resolveDirSync(root, components, pkg, display, create, hooks);
}

/**
 * Synchronous core of resolveDirInRoot: installs make tens of thousands of
 * these lookups, and sync lstat is an order of magnitude cheaper than a trip
 * through libuv's thread pool for each.
 */
export function resolveDirSync(root: string, components: string[], pkg: string, display: string, create: boolean | 'lexical', hooks: ResolveHooks = {}): string {
  const cache = hooks.cache;
  const cacheKey = components.join('/');
  const hit = cache?.get(cacheKey);
  if (hit !== undefined) return hit;
  // Start from the deepest ancestor already resolved: a fresh directory then
  // costs one lstat, not one per component from the root. The links that
  // ancestor took count against the limit, as in one walk from the root.
  const links = cache ? linksTaken(cache) : undefined;
  let from = 0;
  let start: string[] = [];
  let startLinks = 0;
  for (let i = components.length - 1; i > 0 && cache && links; i--) {
    const key = components.slice(0, i).join('/');
    const prefix = cache.get(key);
    const n = links.get(key);
    if (prefix === undefined || n === undefined) continue;
    // Cached paths are path.join(root, ...parts): the parts follow the root's own prefix.
    const rel = prefix.slice(path.join(root, '/').length);
    [from, start, startLinks] = [i, rel === '' ? [] : rel.split('/'), n];
    break;
  }
  const result = walkRoot(diskLookup(root, pkg, display, hooks), components.slice(from), pkg, display, create, start, startLinks);
  const host = path.join(root, ...result.parts);
  if (result.complete && cache) {
    cache.set(cacheKey, host);
    links?.set(cacheKey, result.links);
  }
  return host;
}

/** Links followed to resolve each cached path, kept beside the caller's cache (which holds host paths only). */
const linkCounts = new WeakMap<Map<string, string>, Map<string, number>>();
function linksTaken(cache: Map<string, string>): Map<string, number> {
  let m = linkCounts.get(cache);
  if (!m) linkCounts.set(cache, (m = new Map()));
  return m;
}

function diskLookup(root: string, pkg: string, display: string, hooks: ResolveHooks): RootLookup {
  const host = (parts: string[]) => path.join(root, ...parts);
  return {
    kind(parts) {
      let st;
      try {
        st = fs.lstatSync(host(parts));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw notFoundOrIo(e, pkg, display);
      }
      return st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'other';
    },
    readlink: (parts) => fs.readlinkSync(host(parts)),
    mkdir(parts) {
      const h = host(parts);
      fs.mkdirSync(h, { mode: hooks.dirMode ?? 0o755 });
      fs.chmodSync(h, hooks.dirMode ?? 0o755);
      hooks.created?.(h);
    },
  };
}

/**
 * The resolution itself, over any root. `complete` is false when `lexical`
 * stopped at a missing directory: `parts` then ends in names that do not
 * exist yet (and so cannot be symlinks). `start` is a directory already
 * resolved (real names, no symlinks) that `components` are relative to,
 * reached by following `startLinks` links.
 */
export function walkRoot(root: RootLookup, components: string[], pkg: string, display: string, create: boolean | 'lexical', start: readonly string[] = [], startLinks = 0): { parts: string[]; complete: boolean; links: number } {
  const stack: string[] = [...start];
  const todo = [...components];
  let links = startLinks;
  while (todo.length > 0) {
    const c = todo.shift()!;
    if (c === '' || c === '.') continue;
    if (c === '..') {
      if (stack.length === 0) throw unsafe(pkg, display, 'a symlink on the way points above the root');
      stack.pop();
      continue;
    }
    stack.push(c);
    const kind = root.kind(stack);
    if (kind === undefined) {
      // The rest does not exist yet: it can only be plain names from here on.
      if (create === 'lexical') return { parts: [...stack, ...todo.filter((x) => x !== '' && x !== '.' && x !== '..')], complete: false, links };
      if (!create) throw new RpmkitError('IO_ERROR', `${pkg}: cannot resolve ${display}: /${stack.join('/')} does not exist`, { details: { package: pkg, path: display } });
      root.mkdir(stack);
    } else if (kind === 'symlink') {
      if (++links > MAX_LINKS) throw unsafe(pkg, display, 'too many levels of symbolic links');
      const target = root.readlink(stack);
      stack.pop();
      if (target.startsWith('/')) stack.length = 0;
      todo.unshift(...target.split('/'));
    } else if (kind === 'other') {
      stack.pop();
      throw new RpmkitError('FILE_CONFLICT', `${pkg}: cannot create ${display}: /${[...stack, c].join('/')} is not a directory`, {
        hint: 'another package (or a file already in the root) occupies a directory this package needs',
        details: { package: pkg, path: display },
      });
    }
  }
  return { parts: stack, complete: true, links };
}

function notFoundOrIo(e: unknown, pkg: string, display: string): RpmkitError {
  return new RpmkitError('IO_ERROR', `${pkg}: cannot resolve ${display}: ${(e as Error).message}`, { cause: e, details: { package: pkg, path: display } });
}

/** Resolve a path (all components) inside the root without creating anything; undefined when missing. */
export async function resolveExisting(root: string, components: string[], pkg: string): Promise<string | undefined> {
  try {
    return await resolveDirInRoot(root, components, pkg, `/${components.join('/')}`, false);
  } catch (e) {
    if (e instanceof RpmkitError && e.code === 'IO_ERROR') return undefined;
    throw e;
  }
}
