// The solver's package pool: every installable package gets a small integer
// id (assigned in a canonical order, so answers do not depend on the order of
// repositories or XML entries), capability names are interned to provider
// lists, and `whatProvides` answers versioned questions with rpm's
// rangesOverlap (release-optional matching) — file paths included.
import { compareEVR, rangesOverlap } from '../evr/index.js';
import type { Dep, Package, RichDep } from '../repo/types.js';
import { CachedPackage, type Segment } from '../repo/cachedpackage.js';

/** Why a package of the repositories is not in the pool. */
export type FilteredReason =
  | { kind: 'exclude'; pattern: string; source: string }
  | { kind: 'arch'; arch: string }
  | { kind: 'priority'; repoId: string; betterRepoId: string };

export interface PoolRepoInfo {
  id: string;
  /** libsolv-style priority: higher wins. */
  prio: number;
  /** libsolv-style sub-priority: higher wins among equal packages (dnf: -cost). */
  subprio: number;
}

export interface PoolOptions {
  /** Architectures that may be installed, best first (noarch is always allowed). */
  arches: string[];
  /** dnf/libdnf's POOL_FLAG_IMPLICITOBSOLETEUSESCOLORS: same name, other arch color may coexist. */
  implicitObsoleteUsesColors: boolean;
  /** Capabilities that mark install-only (multi-version) packages, as dnf's installonlypkgs. */
  installonly: string[];
}

const COLOR: Record<string, number> = { noarch: 0, i386: 1, i486: 1, i586: 1, i686: 1, athlon: 1, x86_64: 2, x86_64_v2: 2, x86_64_v3: 2, x86_64_v4: 2, ppc: 1, ppc64: 2, s390: 1, s390x: 2, sparc: 1, sparc64: 2, armv7hl: 1, aarch64: 2 };

export const EMPTY: readonly number[] = Object.freeze([]) as readonly number[];

export interface PoolInput {
  repo: PoolRepoInfo;
  packages: Package[];
}

/** rpm-style arch ordering for a target: the arches that may be installed, best first. */
export function archesFor(target: string, multilib: boolean): string[] {
  const compat: Record<string, string[]> = {
    x86_64: ['i686', 'i586', 'i486', 'i386', 'athlon'],
    x86_64_v2: ['x86_64', 'i686', 'i586', 'i486', 'i386'],
    x86_64_v3: ['x86_64_v2', 'x86_64', 'i686', 'i586', 'i486', 'i386'],
    i686: ['i586', 'i486', 'i386'],
    i586: ['i486', 'i386'],
    ppc64: ['ppc'],
    s390x: ['s390'],
    sparc64: ['sparc'],
  };
  const c = compat[target] ?? [];
  // 64-bit targets get their 32-bit compat arches only for multilib; 32-bit
  // x86 targets always accept older x86 (as rpm's arch policy does).
  if (target.startsWith('x86_64_v')) return [target, ...c.filter((a) => a.startsWith('x86_64')), ...(multilib ? c.filter((a) => !a.startsWith('x86_64')) : [])];
  if (['x86_64', 'ppc64', 's390x', 'sparc64'].includes(target)) return [target, ...(multilib ? c : [])];
  return [target, ...c];
}

export class Pool {
  /** Packages by id; index 0 is unused so that ids can be signed literals. */
  readonly pkgs: Package[] = [undefined as unknown as Package];
  readonly prio: number[] = [0];
  readonly subprio: number[] = [0];
  readonly repoOf: PoolRepoInfo[] = [undefined as unknown as PoolRepoInfo];
  /** Arch score: 1 = noarch, >1 lower is better, 0 = unknown. */
  readonly archScore: number[] = [0];
  /** name -> ids of the packages with that name, ascending. */
  readonly byName: NameIndex = new NameIndex(this);
  /** Ids of the packages not from a cache segment, by name (the segments' index answers for theirs). */
  private readonly ownByName = new Map<string, number[]>();
  /**
   * capability name -> providers, as one flat array (CSR): ids of the
   * packages providing name n are provIds[provOff[n] .. provOff[n + 1]).
   * Flat arrays keep a 63k-package pool from allocating 300k small lists.
   */
  private readonly capId = new Map<string, number>();
  private provOff: Int32Array = new Int32Array(1);
  private provIds: Int32Array = new Int32Array(0);
  /**
   * Packages decoded from the repository cache answer from their segment's
   * stored capability index instead: per segment, package number -> pool
   * id (0: that package is not in the pool).
   */
  private readonly segIds = new Map<Segment, Int32Array>();
  private fileIndex: Map<string, number[]> | undefined;
  private readonly cache = new Map<string, number[]>();
  private readonly depCache = new WeakMap<Dep, number[]>();
  /** capability names mentioned by some package's Supplements -> those packages. */
  readonly supplementsIndex = new Map<string, number[]>();
  readonly installonlyIds = new Set<number>();
  readonly opts: PoolOptions;
  private readonly archRank = new Map<string, number>();

  constructor(inputs: PoolInput[], opts: PoolOptions) {
    this.opts = opts;
    opts.arches.forEach((a, i) => this.archRank.set(a, i + 2));
    // Packages whose provides go into this pool's own index (not from a cache segment).
    const own: number[] = [];
    // Consecutive packages nearly always share a segment: no Map lookup for each.
    let lastSeg: Segment | undefined;
    let lastIds: Int32Array | undefined;
    const archScores = new Map<string, number>();
    for (const input of inputs) {
      const { prio, subprio } = input.repo;
      for (const p of input.packages) {
        const id = this.pkgs.length;
        const seg = p instanceof CachedPackage ? p.segment : undefined;
        if (seg?.caps) {
          if (seg !== lastSeg) {
            lastSeg = seg;
            lastIds = this.segIds.get(seg);
            if (!lastIds) this.segIds.set(seg, (lastIds = new Int32Array(seg.packageCount)));
          }
          lastIds![(p as CachedPackage).segmentIndex] = id;
        } else {
          own.push(id);
          let l = this.ownByName.get(p.name);
          if (!l) this.ownByName.set(p.name, (l = []));
          l.push(id);
        }
        this.pkgs.push(p);
        this.prio.push(prio);
        this.subprio.push(subprio);
        this.repoOf.push(input.repo);
        const arch = p.arch;
        let score = archScores.get(arch);
        if (score === undefined) archScores.set(arch, (score = arch === 'noarch' ? 1 : (this.archRank.get(arch) ?? 0)));
        this.archScore.push(score);
        if (p instanceof CachedPackage && !p.hasDeps(6)) continue;
        for (const d of p.supplements) for (const n of depNames(d)) {
          let s = this.supplementsIndex.get(n);
          if (!s) this.supplementsIndex.set(n, (s = []));
          if (s[s.length - 1] !== id) s.push(id);
        }
      }
    }
    this.indexProvides(own);
    for (const cap of opts.installonly) for (const id of this.whatProvides({ name: cap })) this.installonlyIds.add(id);
  }

  /** Two passes over the provides of packages `own`: count per capability name, then fill the flat index. */
  private indexProvides(own: number[]): void {
    const capId = this.capId;
    let counts = new Int32Array(1 << 16);
    const bump = (name: string) => {
      let c = capId.get(name);
      if (c === undefined) {
        c = capId.size;
        capId.set(name, c);
        if (c >= counts.length) {
          const n = new Int32Array(counts.length * 2);
          n.set(counts);
          counts = n;
        }
      }
      counts[c]++;
    };
    const pkgs = this.pkgs;
    for (const id of own) {
      const p = pkgs[id];
      const name = p.name;
      bump(name);
      eachProvideName(p, (n) => {
        if (n !== name) bump(n);
      });
    }
    const n = capId.size;
    const off = new Int32Array(n + 1);
    for (let c = 0; c < n; c++) off[c + 1] = off[c] + counts[c];
    const fill = off.slice(0, n);
    const ids = new Int32Array(off[n]);
    for (const id of own) {
      const p = pkgs[id];
      const name = p.name;
      ids[fill[capId.get(name)!]++] = id;
      let last = '';
      eachProvideName(p, (n) => {
        if (n === name || n === last) return;
        last = n;
        const c = capId.get(n)!;
        // A package listing one name twice (different versions) is indexed once per entry; dedupe here.
        if (fill[c] > off[c] && ids[fill[c] - 1] === id) return;
        ids[fill[c]++] = id;
      });
    }
    // Compact away the slots left by deduplication.
    let w = 0;
    const outOff = new Int32Array(n + 1);
    for (let c = 0; c < n; c++) {
      outOff[c] = w;
      for (let k = off[c]; k < fill[c]; k++) ids[w++] = ids[k];
    }
    outOff[n] = w;
    this.provOff = outOff;
    this.provIds = ids.subarray(0, w);
  }

  get size(): number {
    return this.pkgs.length - 1;
  }

  /** Packages whose provides (or, for a path, file list) satisfy `dep`; ascending ids. Rich deps: union of what could satisfy. */
  whatProvides(dep: Dep): number[] {
    const hit = this.depCache.get(dep);
    if (hit) return hit;
    const key = dep.rich ? dep.name : dep.op && dep.evr ? `${dep.name}\u0000${dep.op}\u0000${dep.evr.epoch ?? ''}:${dep.evr.version}-${dep.evr.release ?? ''}` : dep.name;
    let r = this.cache.get(key);
    if (!r) {
      r = dep.rich ? this.richUnion(dep.rich) : this.computeProviders(dep);
      this.cache.set(key, r);
    }
    this.depCache.set(dep, r);
    return r;
  }

  /** Ids of the packages named `name`, ascending. */
  idsNamed(name: string): number[] {
    const out = [...(this.ownByName.get(name) ?? [])];
    if (this.segIds.size) for (const id of this.providersOfName(name, true)) if (this.pkgs[id].name === name) out.push(id);
    return out.length > 1 ? out.sort((a, b) => a - b) : out;
  }

  /** Every package with a provide (or its own name) called `name`, in no particular order. */
  private providersOfName(name: string, segmentsOnly = false): number[] {
    const out: number[] = [];
    const c = segmentsOnly ? undefined : this.capId.get(name);
    if (c !== undefined) for (let k = this.provOff[c]; k < this.provOff[c + 1]; k++) out.push(this.provIds[k]);
    if (this.segIds.size) {
      for (const [seg, ids] of this.segIds) {
        const cap = seg.caps!.find(name);
        if (cap < 0) continue;
        const prov = seg.caps!.providers(cap);
        for (let k = 0; k < prov.length; k++) {
          const id = ids[prov[k]];
          if (id) out.push(id);
        }
      }
    }
    return out;
  }

  private computeProviders(dep: Dep): number[] {
    const out: number[] = [];
    const versioned = dep.op !== undefined && dep.evr !== undefined;
    for (const id of this.providersOfName(dep.name)) {
      if (!versioned) {
        out.push(id);
        continue;
      }
      const p = this.pkgs[id];
      // The implicit `name = evr` of the package itself, then its explicit provides.
      let ok = p.name === dep.name && rangesOverlap('EQ', p, dep.op, dep.evr);
      if (!ok) for (const pd of p.provides) if (!pd.rich && pd.name === dep.name && rangesOverlap(pd.op, pd.evr, dep.op, dep.evr)) {
        ok = true;
        break;
      }
      if (ok) out.push(id);
    }
    if (dep.name.startsWith('/')) {
      const f = this.files().get(dep.name);
      if (f) out.push(...f);
    }
    return sortUnique(out);
  }

  private richUnion(r: RichDep): number[] {
    const out: number[] = [];
    for (const a of r.args) out.push(...this.whatProvides(a));
    return sortUnique(out);
  }

  /** Packages named exactly `name` whose EVR matches (op, evr): rpm's obsoletes matching. */
  whatMatchesName(dep: Dep): number[] {
    const l = this.byName.get(dep.name);
    if (!l) return EMPTY as number[];
    return l.filter((id) => rangesOverlap('EQ', this.pkgs[id], dep.op, dep.evr));
  }

  /** True when `name` has any provider at all (ignoring versions), for diagnostics. */
  hasCapability(name: string): boolean {
    return this.capId.has(name) || this.providersOfName(name).length > 0 || (name.startsWith('/') && this.files().has(name));
  }

  private files(): Map<string, number[]> {
    if (!this.fileIndex) {
      const m = new Map<string, number[]>();
      for (let id = 1; id < this.pkgs.length; id++) {
        for (const f of this.pkgs[id].files) {
          const l = m.get(f);
          if (!l) m.set(f, [id]);
          else if (l[l.length - 1] !== id) l.push(id);
        }
      }
      this.fileIndex = m;
    }
    return this.fileIndex;
  }

  /** Can packages a and b of the same name be installed side by side (multilib colors)? */
  colorsDiffer(a: number, b: number): boolean {
    if (!this.opts.implicitObsoleteUsesColors) return false;
    const ca = COLOR[this.pkgs[a].arch] ?? 0;
    const cb = COLOR[this.pkgs[b].arch] ?? 0;
    return ca !== 0 && cb !== 0 && ca !== cb;
  }

  evrCmp(a: number, b: number): number {
    return compareEVR(this.pkgs[a], this.pkgs[b]);
  }

  nevra(id: number): string {
    const p = this.pkgs[id];
    return `${p.name}-${p.epoch && p.epoch !== '0' ? `${p.epoch}:` : ''}${p.version}-${p.release}.${p.arch}`;
  }
}

/**
 * name -> ids of the packages with that name, ascending: a Map's reading
 * side, looked up on demand (a resolve asks for a few hundred names of
 * tens of thousands); listing every name builds the whole map once.
 */
export class NameIndex {
  private readonly memo = new Map<string, number[]>();
  private all: Map<string, number[]> | undefined;
  constructor(private readonly pool: Pool) {}

  get(name: string): number[] | undefined {
    if (this.all) return this.all.get(name);
    let ids = this.memo.get(name);
    if (ids === undefined) this.memo.set(name, (ids = this.pool.idsNamed(name)));
    return ids.length ? ids : undefined;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  keys(): IterableIterator<string> {
    return this.full().keys();
  }

  [Symbol.iterator](): IterableIterator<[string, number[]]> {
    return this.full()[Symbol.iterator]();
  }

  private full(): Map<string, number[]> {
    if (!this.all) {
      const m = new Map<string, number[]>();
      const pkgs = this.pool.pkgs;
      for (let id = 1; id < pkgs.length; id++) {
        const n = pkgs[id].name;
        const l = m.get(n);
        if (l) l.push(id);
        else m.set(n, [id]);
      }
      this.all = m;
    }
    return this.all;
  }
}

/** The names of a package's plain provides; cache-decoded packages give them without building their list. */
function eachProvideName(p: Package, fn: (name: string) => void): void {
  if (p instanceof CachedPackage) p.eachProvideName(fn);
  else for (const d of p.provides) if (!d.rich) fn(d.name);
}

/** Capability names a (possibly rich) dependency mentions. */
export function depNames(d: Dep): string[] {
  if (!d.rich) return [d.name];
  const out: string[] = [];
  const walk = (r: RichDep) => {
    for (const a of r.args) {
      if (a.rich) walk(a.rich);
      else out.push(a.name);
    }
  };
  walk(d.rich);
  return out;
}

export function sortUnique(a: number[]): number[] {
  if (a.length < 2) return a;
  a.sort((x, y) => x - y);
  let j = 1;
  for (let i = 1; i < a.length; i++) if (a[i] !== a[j - 1]) a[j++] = a[i];
  a.length = j;
  return a;
}
