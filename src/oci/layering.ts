// Splits a root's entries into up to N layers by owning package, so a rebuild
// after an update re-uses most layers. The split is a pure function of the
// entries, their package and the package facts, hence deterministic.
//
// Algorithm (documented in docs/image.md):
//  1. Group packages by source RPM (sub-packages of one build update together).
//  2. The N-2 heaviest groups (installed bytes; ties by name) each get their
//     own layer: an update to one of them touches only that layer.
//  3. All other packages share one layer; files no package owns (the rpmdb,
//     directories created on the way, generated files) go into the last layer,
//     because they change with every update.
//  4. Dedicated layers are ordered most-stable first: oldest build time, then
//     largest, then name — runtimes reuse a layer chain only up to the first
//     changed layer.
// Every layer repeats the parent directories of its entries (same metadata),
// and hardlinks stay in the layer of the file they link to.
import * as path from 'node:path';
import type { ScanEntry } from './scan.js';
import type { MetaLookup, PackageInfo } from './types.js';

export interface LayerPlan {
  entries: ScanEntry[];
  packages: string[];
}

interface Group {
  key: string;
  pkgs: Set<string>;
  bytes: number;
  buildtime: number;
}

export function planLayers(entries: ScanEntry[], n: number, meta?: MetaLookup, packages: PackageInfo[] = []): LayerPlan[] {
  const pkgOf = new Map<string, string | undefined>();
  for (const e of entries) pkgOf.set(e.rel, meta?.(e.rel)?.pkg);
  const allPkgs = [...new Set([...pkgOf.values()].filter((p): p is string => p !== undefined))].sort();
  if (n <= 1 || entries.length === 0) return [{ entries, packages: allPkgs }];

  const info = new Map(packages.map((p) => [p.name, p]));
  const groups = new Map<string, Group>();
  const groupOfPkg = new Map<string, Group>();
  for (const p of allPkgs) {
    const key = info.get(p)?.sourcerpm ?? p;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { key, pkgs: new Set(), bytes: 0, buildtime: -Infinity }));
    g.pkgs.add(p);
    const bt = info.get(p)?.buildtime;
    // Unknown build time counts as "new" (likely to change).
    g.buildtime = Math.max(g.buildtime, bt ?? Infinity);
    groupOfPkg.set(p, g);
  }
  for (const e of entries) {
    const p = pkgOf.get(e.rel);
    if (p !== undefined && e.type === 'file') groupOfPkg.get(p)!.bytes += e.size;
  }

  const byWeight = [...groups.values()].sort((a, b) => b.bytes - a.bytes || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const dedicated = byWeight.slice(0, Math.max(0, n - 2));
  dedicated.sort((a, b) => cmpNum(a.buildtime, b.buildtime) || b.bytes - a.bytes || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const slot = new Map<Group, number>(dedicated.map((g, i) => [g, i]));
  const restSlot = dedicated.length;
  const unownedSlot = dedicated.length + 1;

  const buckets: ScanEntry[][] = Array.from({ length: unownedSlot + 1 }, () => []);
  const layerOf = new Map<string, number>();
  for (const e of entries) {
    let i: number;
    if (e.type === 'link' && e.linkTo !== undefined && layerOf.has(e.linkTo)) i = layerOf.get(e.linkTo)!;
    else {
      const p = pkgOf.get(e.rel);
      i = p === undefined ? unownedSlot : (slot.get(groupOfPkg.get(p)!) ?? restSlot);
    }
    layerOf.set(e.rel, i);
    buckets[i].push(e);
  }

  // Parents of every entry, so each layer unpacks with the right directory metadata.
  const byRel = new Map(entries.map((e) => [e.rel, e]));
  const plans: LayerPlan[] = [];
  for (const bucket of buckets) {
    if (bucket.length === 0) continue;
    const have = new Set(bucket.map((e) => e.rel));
    const extra: ScanEntry[] = [];
    for (const e of bucket) {
      for (let d = path.posix.dirname(e.rel); d !== '.' && !have.has(d); d = path.posix.dirname(d)) {
        have.add(d);
        const de = byRel.get(d);
        if (de) extra.push(de);
      }
    }
    const all = extra.length ? [...bucket, ...extra] : bucket;
    const keyed = all.map((e) => ({ e, k: Buffer.from(e.rel, 'utf8') })).sort((a, b) => Buffer.compare(a.k, b.k));
    const pk = new Set<string>();
    for (const e of bucket) {
      const p = pkgOf.get(e.rel);
      if (p !== undefined) pk.add(p);
    }
    plans.push({ entries: keyed.map((x) => x.e), packages: [...pk].sort() });
  }
  return plans;
}

function cmpNum(a: number, b: number): number {
  return a === b ? 0 : a < b ? -1 : 1;
}
