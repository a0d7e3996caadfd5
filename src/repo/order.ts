// The canonical package order: what the solver numbers a repository's
// packages in (libsolv's decisions follow its ids when alternatives tie), so
// answers do not depend on the order of the XML. The loader works it out
// once when it builds a cache entry and stores it, because checking it costs
// a warm resolve more than the rest of building the solver's pool.
import { compareEVR } from '../evr/index.js';
import type { Package } from './types.js';

/** Strings in UTF-16 code-unit order: the same in every locale. */
export const cmpStr = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Name, EVR, arch, repo, location — independent of input order. */
export function comparePackages(a: Package, b: Package): number {
  return cmpStr(a.name, b.name) || compareEVR(a, b) || cmpStr(a.arch, b.arch) || cmpStr(a.repoId, b.repoId) || cmpStr(a.location, b.location);
}

/** Source package name of a package ("dbus" for dbus-1.14-1.src.rpm), or ''. */
export function sourceName(p: Package): string {
  const s = p.sourcerpm;
  if (!s) return '';
  // Not a regular expression: this runs for every package of every pool.
  const t = s.endsWith('.src.rpm') ? s.slice(0, -8) : s.endsWith('.nosrc.rpm') ? s.slice(0, -10) : s;
  const r = t.lastIndexOf('-');
  const v = r > 0 ? t.lastIndexOf('-', r - 1) : -1;
  return v > 0 ? t.slice(0, v) : t;
}

/**
 * The order packages get their pool ids in: grouped by source package, then
 * by name (comparePackages). Independent of the order in the XML, and the
 * order distributions themselves write indexes in (Debian's Packages, hence
 * the graph libsolv is compared with).
 */
export function comparePoolOrder(a: Package, b: Package): number {
  return cmpStr(sourceName(a), sourceName(b)) || comparePackages(a, b);
}

/**
 * Where each package goes in pool order (a stable sort: equal packages keep
 * their order), or undefined when `list` is in pool order already — as
 * repositories usually are.
 */
export function poolOrderPermutation(list: readonly Package[]): number[] | undefined {
  // Subpackages share their source rpm (66k packages, 36k sources on Debian): cut each name once.
  const memo = new Map<string, string>();
  const keys = list.map((p) => {
    const s = p.sourcerpm;
    if (!s) return '';
    let k = memo.get(s);
    if (k === undefined) memo.set(s, (k = sourceName(p)));
    return k;
  });
  const cmp = (x: number, y: number) => cmpStr(keys[x] as string, keys[y] as string) || comparePackages(list[x] as Package, list[y] as Package);
  let sorted = true;
  for (let i = 1; i < list.length && sorted; i++) if (cmp(i - 1, i) > 0) sorted = false;
  if (sorted) return undefined;
  return list.map((_, i) => i).sort(cmp);
}

/** Sort `list` in place into pool order. */
export function sortPoolOrder(list: Package[]): void {
  const perm = poolOrderPermutation(list);
  if (!perm) return;
  const copy = perm.map((i) => list[i] as Package);
  for (let i = 0; i < copy.length; i++) list[i] = copy[i] as Package;
}
