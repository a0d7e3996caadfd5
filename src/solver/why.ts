// Why is a package in the install set? A breadth-first walk from the
// requested packages over the dependencies of what was installed, so each
// package gets the shortest, deterministic explanation: the spec that asked
// for it, or the package and dependency that pulled it in.
import type { Package } from '../repo/types.js';
import type { Pool } from './pool.js';
import { depSatisfied } from './rules.js';
import type { Job } from './solve.js';
import type { Reason, Resolution } from './types.js';

export function computeReasons(pool: Pool, installed: number[], jobs: Job[], specs: string[], weakDeps: boolean): Map<Package, Reason> {
  const inSet = new Uint8Array(pool.pkgs.length);
  for (const id of installed) inSet[id] = 1;
  const reasons = new Map<Package, Reason>();
  const queue: number[] = [];
  const give = (id: number, r: Reason) => {
    const p = pool.pkgs[id];
    if (reasons.has(p)) return;
    reasons.set(p, r);
    queue.push(id);
  };
  for (const j of jobs) {
    for (const c of j.candidates) {
      if (!inSet[c]) continue;
      const spec = specs[j.spec];
      give(c, pool.pkgs[c].repoId === '@commandline' ? { kind: 'local', file: spec } : { kind: 'requested', spec });
    }
  }
  const isIn = (x: number) => inSet[x] === 1;
  const walk = (allowWeak: boolean) => {
    for (let h = 0; h < queue.length; h++) {
      const s = queue[h];
      const p = pool.pkgs[s];
      for (const d of p.requires) {
        if (d.name.startsWith('rpmlib(')) continue;
        for (const t of pool.whatProvides(d)) if (inSet[t] && t !== s) give(t, { kind: 'requires', by: p, dep: d });
      }
      if (allowWeak) for (const d of p.recommends) for (const t of pool.whatProvides(d)) if (inSet[t] && t !== s) give(t, { kind: 'recommends', by: p, dep: d });
    }
  };
  walk(false);
  if (weakDeps) {
    for (let round = 0; round < 4; round++) {
      queue.length = 0;
      for (const id of installed) if (reasons.has(pool.pkgs[id])) queue.push(id);
      const before = reasons.size;
      walk(true);
      for (const id of installed) {
        const p = pool.pkgs[id];
        if (reasons.has(p)) continue;
        for (const d of p.supplements) {
          if (!depSatisfied(pool, d, isIn)) continue;
          const of = pool.whatProvides(d).find((x) => inSet[x] && reasons.has(pool.pkgs[x]));
          if (of !== undefined) {
            give(id, { kind: 'supplements', of: pool.pkgs[of], dep: d });
            break;
          }
        }
      }
      walk(true);
      if (reasons.size === before) break;
    }
  }
  return reasons;
}

/** The chain of reasons from a requested spec down to the package named `name` (first match by name or NEVRA). */
export function explainWhy(resolution: Resolution, name: string): { package: Package; reason: Reason }[] {
  if (!resolution.ok) return [];
  const nevra = (p: Package) => `${p.name}-${p.epoch !== '0' ? `${p.epoch}:` : ''}${p.version}-${p.release}.${p.arch}`;
  const target = resolution.packages.find((p) => p.name === name) ?? resolution.packages.find((p) => nevra(p) === name || `${p.name}.${p.arch}` === name);
  if (!target) return [];
  const out: { package: Package; reason: Reason }[] = [];
  const seen = new Set<Package>();
  for (let p: Package | undefined = target; p && !seen.has(p); ) {
    seen.add(p);
    const r = resolution.reasons.get(p);
    if (!r) break;
    out.push({ package: p, reason: r });
    p = r.kind === 'requires' || r.kind === 'recommends' ? r.by : r.kind === 'supplements' ? r.of : undefined;
  }
  return out.reverse();
}
