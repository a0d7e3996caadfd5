// User package specs -> candidate packages, the way dnf reads them: try
// NEVRA, name.arch, name, name-[e:]version-release, name-[e:]version in
// turn (first form that matches wins), then capabilities (`perl(Foo)`,
// `libc.so.6()(64bit)`, `foo >= 1.2`), then file paths; globs (fnmatch)
// select every matching name.
import { type DepOp, KNOWN_ARCHES, compareEVR, opFromSymbol, parseEVR, parseNEVRA } from '../evr/index.js';
import type { Dep, Package } from '../repo/types.js';
import { globToRegExp, isGlob } from '../repo/filter.js';

export interface SpecTarget {
  /** Every package the spec could mean, grouped by the name that will become one job each. */
  groups: { label: string; ids: number[] }[];
  how: 'nevra' | 'name' | 'provides' | 'file' | 'glob' | 'none';
}

/** What spec matching reads of a name index (a Map, or the pool's NameIndex). */
export interface NameLookup {
  get(name: string): number[] | undefined;
  keys(): Iterable<string>;
  [Symbol.iterator](): Iterator<[string, number[]]>;
}

export interface SpecIndex {
  byName: NameLookup;
  pkgs: Package[];
  whatProvides(dep: Dep): number[];
}

// Globs are dnf's (fnmatch without FNM_PATHNAME), the same the repo filters use.
export { globToRegExp, isGlob };

/** Parse `name OP evr` (with spaces) into a dependency, or undefined. */
export function parseCapabilitySpec(spec: string): Dep | undefined {
  const m = /^(\S+)\s*(<=|>=|=<|=>|==|=|<|>)\s*(\S+)$/.exec(spec.trim());
  if (!m) return undefined;
  const op: DepOp | undefined = opFromSymbol(m[2]);
  if (!op) return undefined;
  return { name: m[1], op, evr: parseEVR(m[3]) };
}

function evrMatches(p: Package, epoch: string | undefined, version: string, release: string | undefined): boolean {
  if (p.version !== version && compareEVR({ version: p.version }, { version }) !== 0) return false;
  if (release !== undefined && p.release !== release) return false;
  if (epoch !== undefined && (p.epoch || '0') !== epoch) return false;
  return true;
}

/** The candidates a spec names in `idx` (ids into idx.pkgs). */
export function matchSpec(idx: SpecIndex, spec: string): SpecTarget {
  const s = spec.trim();
  const cap = parseCapabilitySpec(s);
  if (cap) {
    const ids = idx.whatProvides(cap);
    return ids.length ? { groups: [{ label: s, ids }], how: 'provides' } : { groups: [], how: 'none' };
  }
  if (isGlob(s)) {
    const re = globToRegExp(s);
    const byLabel = new Map<string, number[]>();
    for (const [name, ids] of idx.byName) {
      if (re.test(name)) {
        byLabel.set(name, [...ids]);
        continue;
      }
      for (const id of ids) {
        const p = idx.pkgs[id];
        const e = p.epoch && p.epoch !== '0' ? `${p.epoch}:` : '';
        const forms = [`${p.name}.${p.arch}`, `${p.name}-${p.version}`, `${p.name}-${e}${p.version}-${p.release}`, `${p.name}-${e}${p.version}-${p.release}.${p.arch}`];
        if (forms.some((f) => re.test(f))) {
          let l = byLabel.get(name);
          if (!l) byLabel.set(name, (l = []));
          l.push(id);
        }
      }
    }
    if (byLabel.size) {
      const groups = [...byLabel.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([label, ids]) => ({ label, ids }));
      return { groups, how: 'glob' };
    }
    if (s.startsWith('/')) return { groups: [], how: 'none' };
    return { groups: [], how: 'none' };
  }
  const byName = (name: string, f: (p: Package) => boolean) => (idx.byName.get(name) ?? []).filter((id) => f(idx.pkgs[id]));
  // NEVRA with a known arch.
  const nevra = parseNEVRA(s, false);
  if (nevra && nevra.arch) {
    const ids = byName(nevra.name, (p) => p.arch === nevra.arch && evrMatches(p, nevra.epoch, nevra.version, nevra.release));
    if (ids.length) return { groups: [{ label: s, ids }], how: 'nevra' };
  }
  // name.arch
  const dot = s.lastIndexOf('.');
  if (dot > 0 && KNOWN_ARCHES.has(s.slice(dot + 1))) {
    const arch = s.slice(dot + 1);
    const ids = byName(s.slice(0, dot), (p) => p.arch === arch);
    if (ids.length) return { groups: [{ label: s, ids }], how: 'nevra' };
  }
  // name
  const exact = idx.byName.get(s);
  if (exact?.length) return { groups: [{ label: s, ids: [...exact] }], how: 'name' };
  // name-[e:]version-release
  if (nevra && !nevra.arch) {
    const ids = byName(nevra.name, (p) => evrMatches(p, nevra.epoch, nevra.version, nevra.release));
    if (ids.length) return { groups: [{ label: s, ids }], how: 'nevra' };
  }
  // name-[e:]version
  const dash = s.lastIndexOf('-');
  if (dash > 0) {
    const name = s.slice(0, dash);
    let ver = s.slice(dash + 1);
    let epoch: string | undefined;
    const c = ver.indexOf(':');
    if (c >= 0) {
      epoch = ver.slice(0, c) || '0';
      ver = ver.slice(c + 1);
    }
    const ids = byName(name, (p) => evrMatches(p, epoch, ver, undefined));
    if (ids.length) return { groups: [{ label: s, ids }], how: 'nevra' };
  }
  // capability or file path
  const ids = idx.whatProvides({ name: s });
  if (ids.length) return { groups: [{ label: s, ids }], how: s.startsWith('/') ? 'file' : 'provides' };
  return { groups: [], how: 'none' };
}

/** Levenshtein distance, capped (for "did you mean" suggestions). */
export function editDistance(a: string, b: string, cap = 4): number {
  if (Math.abs(a.length - b.length) > cap) return cap + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > cap) return cap + 1;
    prev = cur;
  }
  return prev[b.length];
}

/** Up to `n` known names close to `name` (edit distance, then prefix matches). */
export function similarNames(names: Iterable<string>, name: string, n = 5): string[] {
  const scored: [number, string][] = [];
  const lower = name.toLowerCase();
  for (const cand of names) {
    const cl = cand.toLowerCase();
    let d = editDistance(lower, cl, 3);
    if (d > 3 && (cl.startsWith(lower) || lower.startsWith(cl)) && Math.min(cl.length, lower.length) >= 3) d = 3.5;
    if (d <= 3.5 && cand !== name) scored.push([d, cand]);
  }
  scored.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return scored.slice(0, n).map((x) => x[1]);
}
