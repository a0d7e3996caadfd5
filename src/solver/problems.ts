// Turning an unsatisfiable core (the original rules behind a level-0
// conflict) into a problem a user can act on: the most telling rule
// (nothing provides > conflicts/obsoletes > same name > requires, as
// libsolv's solver_findproblemrule ranks them), the chain from the request
// to the package, and suggestions.
import { formatEVR, opSymbol } from '../evr/index.js';
import type { Dep } from '../repo/types.js';
import type { Pool } from './pool.js';
import type { RuleSet } from './rules.js';
import { RuleKind, type Sat } from './sat.js';
import type { Job } from './solve.js';
import type { Problem, ProblemKind } from './types.js';

export function depToString(d: Dep): string {
  if (d.rich) return d.name.startsWith('(') ? d.name : `(${d.name})`;
  if (d.op && d.evr) return `${d.name} ${opSymbol(d.op)} ${formatEVR(d.evr)}`;
  return d.name;
}

/** Shortest requires path from a job's candidates to `target` (ids), over the rules' graph. */
export function chainTo(pool: Pool, rules: RuleSet, jobs: Job[], specs: string[], target: number, only?: Set<number>): string[] {
  const adj = new Map<number, number[]>();
  for (const r of rules.reqRules) {
    const c = rules.sat.clauses[r.clause];
    let l = adj.get(r.owner);
    if (!l) adj.set(r.owner, (l = []));
    for (const lit of c) if (!(lit & 1)) l.push(lit >> 1);
  }
  for (const l of adj.values()) l.sort((a, b) => a - b);
  const prev = new Map<number, number>();
  const startSpec = new Map<number, string>();
  const queue: number[] = [];
  const js = only ? jobs.filter((_, j) => only.has(j)) : jobs;
  for (const j of js) {
    for (const c of j.candidates) {
      if (!startSpec.has(c)) {
        startSpec.set(c, specs[j.spec]);
        prev.set(c, 0);
        queue.push(c);
      }
    }
  }
  for (let h = 0; h < queue.length; h++) {
    const s = queue[h];
    if (s === target) break;
    for (const t of adj.get(s) ?? []) {
      if (!prev.has(t)) {
        prev.set(t, s);
        queue.push(t);
      }
    }
  }
  if (!prev.has(target)) return [pool.nevra(target)];
  const path: number[] = [];
  for (let x = target; x; x = prev.get(x)!) path.push(x);
  path.reverse();
  return [startSpec.get(path[0])!, ...path.map((x) => pool.nevra(x))];
}

/** BFS distance (in requires edges) of every reachable package from the jobs' candidates. */
function jobDistances(rules: RuleSet, jobs: Job[], only: Set<number>): Map<number, number> {
  const adj = new Map<number, number[]>();
  for (const r of rules.reqRules) {
    let l = adj.get(r.owner);
    if (!l) adj.set(r.owner, (l = []));
    for (const lit of rules.sat.clauses[r.clause]) if (!(lit & 1)) l.push(lit >> 1);
  }
  const dist = new Map<number, number>();
  const queue: number[] = [];
  jobs.forEach((j, k) => {
    if (only.size && !only.has(k)) return;
    for (const c of j.candidates) if (!dist.has(c)) {
      dist.set(c, 0);
      queue.push(c);
    }
  });
  for (let h = 0; h < queue.length; h++) {
    const s = queue[h];
    for (const t of adj.get(s) ?? []) if (!dist.has(t)) {
      dist.set(t, dist.get(s)! + 1);
      queue.push(t);
    }
  }
  return dist;
}

/** The dependency libsolv names for "nothing provides": the first unprovided plain Requires, then Requires(pre). */
function firstUnprovided(pool: Pool, id: number): Dep | undefined {
  const reqs = pool.pkgs[id].requires.filter((d) => !d.name.startsWith('rpmlib(') && !d.rich);
  for (const d of [...reqs.filter((x) => !x.pre), ...reqs.filter((x) => x.pre)]) if (pool.whatProvides(d).length === 0) return d;
  return undefined;
}

const RANK: Partial<Record<RuleKind, number>> = { [RuleKind.Requires]: 4, [RuleKind.Conflicts]: 2, [RuleKind.Obsoletes]: 2, [RuleKind.SameName]: 3 };

/** The problem behind an unsatisfiable core. */
export function describeCore(pool: Pool, rules: RuleSet, sat: Sat, core: number[], jobs: Job[], specs: string[], jobClause: Map<number, number>): { problem: Problem; jobsInCore: number[] } {
  const jobsInCore = core.filter((c) => jobClause.has(c)).map((c) => jobClause.get(c)!);
  const only = new Set(jobsInCore);
  let best = -1;
  let bestRank = 99;
  const dist = jobDistances(rules, jobs, only);
  const better = (a: number, b: number): boolean => {
    // Closest to the request first, then the oldest build of a name: the
    // search tries newest first, so the oldest is the last that failed — the
    // one libsolv's proof (and so dnf's message) names.
    const pa = sat.infos[a].pkg;
    const pb = sat.infos[b].pkg;
    const da = dist.get(pa) ?? 1e9;
    const db = dist.get(pb) ?? 1e9;
    if (da !== db) return da < db;
    if (pa !== pb && pool.pkgs[pa] && pool.pkgs[pb] && pool.pkgs[pa].name === pool.pkgs[pb].name) return pool.evrCmp(pa, pb) < 0;
    return a < b;
  };
  for (const c of core) {
    const info = sat.infos[c];
    let rank = RANK[info.kind] ?? 99;
    if (info.kind === RuleKind.Requires && sat.clauses[c].length === 1) rank = 1; // nothing provides
    if (rank < bestRank || (rank === bestRank && best >= 0 && better(c, best))) {
      bestRank = rank;
      best = c;
    }
  }
  const jobSpecs = [...new Set(jobsInCore.map((j) => specs[jobs[j].spec]))];
  if (best < 0) {
    return { problem: { kind: 'unsatisfiable', specs: jobSpecs, chain: jobSpecs, suggestions: ['the requested specs cannot be installed together; try them one at a time to see which one fails'] }, jobsInCore };
  }
  const info = sat.infos[best];
  let dep = info.info >= 0 && info.kind !== RuleKind.SameName ? rules.deps[info.info] : undefined;
  if (bestRank === 1) dep = firstUnprovided(pool, info.pkg) ?? dep;
  let kind: ProblemKind;
  switch (info.kind) {
    case RuleKind.Requires:
      kind = bestRank === 1 ? 'nothing-provides' : 'requires';
      break;
    case RuleKind.Conflicts:
      kind = 'conflicts';
      break;
    case RuleKind.Obsoletes:
      kind = 'obsoletes';
      break;
    default:
      kind = 'same-name';
  }
  const problem: Problem = {
    kind,
    dep: dep ? depToString(dep) : undefined,
    package: pool.pkgs[info.pkg],
    other: info.other ? pool.pkgs[info.other] : undefined,
    specs: jobSpecs,
    chain: chainTo(pool, rules, jobs, specs, info.pkg, only),
    suggestions: [],
  };
  if (info.other) {
    const oc = chainTo(pool, rules, jobs, specs, info.other, only);
    if (oc.length > 1) problem.otherChain = oc;
  }
  return { problem, jobsInCore };
}
