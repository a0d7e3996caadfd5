// Looking around a pool: which packages provide a capability (or own a
// file), and name/summary search. Used by `rpmkit provides` / `search`.
import { rangesOverlap } from '../evr/index.js';
import type { Dep, Package } from './types.js';
import { globToRegExp, isGlob } from './filter.js';

export interface ProvideMatch {
  pkg: Package;
  /** The provide that matched, or the file path. */
  via: Dep | { file: string };
}

/** Packages providing `dep` (versioned ranges honoured); paths match file lists too. */
export function whatProvides(packages: Iterable<Package>, dep: Dep): ProvideMatch[] {
  const out: ProvideMatch[] = [];
  const glob = isGlob(dep.name) && !dep.op ? globToRegExp(dep.name) : undefined;
  const isPath = dep.name.startsWith('/');
  for (const p of packages) {
    let hit: ProvideMatch['via'] | undefined;
    for (const pr of p.provides) {
      if ((glob ? glob.test(pr.name) : pr.name === dep.name) && rangesOverlap(pr.op, pr.evr, dep.op, dep.evr)) {
        hit = pr;
        break;
      }
    }
    if (!hit && isPath && !dep.op) {
      for (const f of p.files) {
        if (glob ? glob.test(f) : f === dep.name) {
          hit = { file: f };
          break;
        }
      }
    }
    if (hit) out.push({ pkg: p, via: hit });
  }
  return out.sort((a, b) => cmpPkg(a.pkg, b.pkg));
}

/** Name glob, or case-insensitive substring of name or summary. */
export function searchPackages(packages: Iterable<Package>, pattern: string): Package[] {
  const out: Package[] = [];
  if (isGlob(pattern)) {
    const re = globToRegExp(pattern);
    for (const p of packages) if (re.test(p.name)) out.push(p);
  } else {
    const q = pattern.toLowerCase();
    for (const p of packages) if (p.name.toLowerCase().includes(q) || (p.summary ?? '').toLowerCase().includes(q)) out.push(p);
  }
  return out.sort(cmpPkg);
}

export function cmpPkg(a: Package, b: Package): number {
  const k = (p: Package) => [p.name, p.epoch, p.version, p.release, p.arch, p.repoId];
  const x = k(a);
  const y = k(b);
  for (let i = 0; i < x.length; i++) {
    const u = x[i] as string;
    const v = y[i] as string;
    if (u !== v) return u < v ? -1 : 1;
  }
  return 0;
}
