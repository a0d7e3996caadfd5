// Rule generation: turns the packages reachable from the jobs into clauses
// (requires incl. rich deps as CNF, conflicts, obsoletes, one version per
// name), the way libsolv's solver_addpkgrulesforsolvable does — only for
// packages that can be reached, so a 66k-package pool costs what the job needs.
import type { Dep, RichDep } from '../repo/types.js';
import { type Pool, depNames, sortUnique } from './pool.js';
import { RuleKind, Sat, neg, pos } from './sat.js';

export interface BuildOptions {
  weakDeps: boolean;
  /** Install-only packages may coexist in several versions. */
  installonly: boolean;
  /** Names whose inferior-arch packages were asked for explicitly (no infarch rule). */
  noInfarch?: Set<string>;
}

/** A requires rule, kept for libsolv's "resolve unresolved rules" scan. */
export interface ReqRule {
  clause: number;
  owner: number;
}

export class RuleSet {
  readonly deps: Dep[] = [];
  readonly reached: Uint8Array;
  readonly reachedList: number[] = [];
  readonly reqRules: ReqRule[] = [];
  /** Requires dependencies that nothing provides, per owner (for diagnostics). */
  private readonly samePairs = new Set<number>();

  constructor(
    readonly pool: Pool,
    readonly sat: Sat,
    readonly opts: BuildOptions,
  ) {
    this.reached = new Uint8Array(pool.pkgs.length);
  }

  depIndex(d: Dep): number {
    this.deps.push(d);
    return this.deps.length - 1;
  }

  /** Add every rule for the packages reachable from `roots`. */
  addClosure(roots: Iterable<number>): void {
    const queue: number[] = [];
    const push = (id: number) => {
      if (!this.reached[id]) {
        this.reached[id] = 1;
        this.reachedList.push(id);
        queue.push(id);
      }
    };
    for (const r of roots) push(r);
    for (;;) {
      this.drain(queue, push);
      // libsolv's infarch rules: an inferior arch only in lock-step with the best one.
      for (const id of this.infarchRules()) push(id);
      if (!queue.length) break;
    }
  }

  private readonly infarchDone = new Set<number>();

  /** Add infarch rules for reached packages; returns lock-step packages to reach. */
  private infarchRules(): number[] {
    const pool = this.pool;
    const out: number[] = [];
    const names = new Set<string>();
    for (const id of this.reachedList) if (pool.archScore[id] > 1) names.add(pool.pkgs[id].name);
    for (const name of names) {
      if (this.opts.noInfarch?.has(name)) continue;
      const all = pool.byName.get(name)!;
      const reached = all.filter((id) => this.reached[id]);
      let best = 0;
      for (const id of all) {
        const a = pool.archScore[id];
        if (a > 1 && (!best || a < best)) best = a;
      }
      if (!best) continue;
      for (const p of reached) {
        const a = pool.archScore[p];
        if (a === 1 || a === best || a === 0 || this.infarchDone.has(p)) continue;
        this.infarchDone.add(p);
        const lsq: number[] = [];
        if (pool.opts.implicitObsoleteUsesColors) {
          for (const q of all) {
            if (q === p || pool.pkgs[q].arch === pool.pkgs[p].arch || pool.evrCmp(q, p) !== 0) continue;
            const qa = pool.archScore[q];
            if (qa === 1 || qa === best) lsq.push(q);
          }
        }
        const ci = this.sat.addClause([neg(p), ...lsq.map(pos)], { kind: RuleKind.SameName, pkg: p, info: -1, other: lsq[0] ?? 0 });
        // With several lock-step candidates the search must pick one.
        if (lsq.length > 1) this.reqRules.push({ clause: ci, owner: p });
        out.push(...lsq);
      }
    }
    return out;
  }

  private drain(queue: number[], push: (id: number) => void): void {
    const pool = this.pool;
    while (queue.length) {
      const s = queue.shift()!;
      const p = pool.pkgs[s];
      for (const d of p.requires) {
        if (d.name.startsWith('rpmlib(')) continue;
        for (const id of this.addRequires(s, d)) push(id);
      }
      for (const d of p.conflicts) for (const id of this.addConflicts(s, d)) push(id);
      for (const d of p.obsoletes) this.addObsoletes(s, d);
      this.addSameName(s);
      if (this.opts.weakDeps) {
        for (const d of p.recommends) for (const id of pool.whatProvides(d)) push(id);
        // Packages that supplement something this one provides may be pulled in.
        const names = [p.name, ...p.provides.map((x) => x.name)];
        for (const n of names) for (const id of pool.supplementsIndex.get(n) ?? []) push(id);
      }
    }
  }

  private addRequires(s: number, d: Dep): number[] {
    const pool = this.pool;
    const sat = this.sat;
    if (d.rich) {
      const cnf = richCNF(pool, d.rich, false);
      if (!cnf) return [];
      const out: number[] = [];
      const di = this.depIndex(d);
      for (const cl of cnf) {
        if (cl.includes(pos(s))) continue;
        const lits = [neg(s), ...cl.filter((l) => l !== neg(s))];
        const ci = sat.addClause(lits, { kind: RuleKind.Requires, pkg: s, info: di, other: 0 });
        this.reqRules.push({ clause: ci, owner: s });
        for (const l of cl) if (!(l & 1)) out.push(l >> 1);
      }
      return out;
    }
    const prov = pool.whatProvides(d);
    if (prov.includes(s)) return [];
    const lits = [neg(s)];
    for (const id of prov) lits.push(pos(id));
    const ci = sat.addClause(lits, { kind: RuleKind.Requires, pkg: s, info: this.depIndex(d), other: 0 });
    this.reqRules.push({ clause: ci, owner: s });
    return prov;
  }

  private addConflicts(s: number, d: Dep): number[] {
    const pool = this.pool;
    const out: number[] = [];
    if (d.rich) {
      const cnf = richCNF(pool, d.rich, true);
      if (!cnf) return out;
      const di = this.depIndex(d);
      for (const cl of cnf) {
        if (cl.includes(neg(s))) continue;
        const lits = [neg(s), ...cl.filter((l) => l !== pos(s))];
        const ci = this.sat.addClause(lits, { kind: RuleKind.Conflicts, pkg: s, info: di, other: 0 });
        // `Conflicts: (A if B)` can require something (B); the search must decide it.
        if (lits.some((l) => !(l & 1))) this.reqRules.push({ clause: ci, owner: s });
        for (const l of lits) if (!(l & 1)) out.push(l >> 1);
      }
      return out;
    }
    let di = -1;
    for (const id of pool.whatProvides(d)) {
      if (id === s) continue;
      if (di < 0) di = this.depIndex(d);
      this.sat.addClause([neg(s), neg(id)], { kind: RuleKind.Conflicts, pkg: s, info: di, other: id });
    }
    return out;
  }

  private addObsoletes(s: number, d: Dep): void {
    if (d.rich) return;
    const pool = this.pool;
    let di = -1;
    for (const id of pool.whatMatchesName(d)) {
      if (id === s) continue;
      if (pool.pkgs[id].name === pool.pkgs[s].name) continue; // the same-name rule covers it
      if (di < 0) di = this.depIndex(d);
      this.sat.addClause([neg(s), neg(id)], { kind: RuleKind.Obsoletes, pkg: s, info: di, other: id });
    }
  }

  private addSameName(s: number): void {
    const pool = this.pool;
    if (this.opts.installonly && pool.installonlyIds.has(s)) return;
    const l = pool.byName.get(pool.pkgs[s].name)!;
    if (l.length < 2) return;
    const n = pool.pkgs.length;
    for (const id of l) {
      if (id === s) continue;
      if (this.opts.installonly && pool.installonlyIds.has(id)) continue;
      if (pool.colorsDiffer(s, id)) continue;
      const key = Math.min(s, id) * n + Math.max(s, id);
      if (this.samePairs.has(key)) continue;
      this.samePairs.add(key);
      this.sat.addClause([neg(s), neg(id)], { kind: RuleKind.SameName, pkg: s, info: -1, other: id });
    }
  }
}

type CNF = number[][];

/**
 * CNF of a rich dependency over package literals (or of its negation),
 * without auxiliary variables, as libsolv's cplxdeps does. Returns
 * undefined when the formula is trivially true.
 */
export function richCNF(pool: Pool, r: RichDep, negate: boolean): CNF | undefined {
  let per = cnfCache.get(pool);
  if (!per) cnfCache.set(pool, (per = [new Map(), new Map()]));
  const known = per[negate ? 1 : 0] as Map<RichDep, CNF | undefined>;
  if (known.has(r)) return known.get(r);
  const cnf = toCNF(pool, { rich: r, name: '' }, negate);
  const out = cnf === TRUE ? undefined : cnf;
  known.set(r, out);
  return out;
}

/**
 * CNFs already made, per pool (they follow its providers) and rich
 * dependency: cache-decoded packages share one object per distinct
 * dependency, and Debian's alternatives ("a | b") are rich dependencies
 * that hundreds of packages repeat. Callers only read them.
 */
const cnfCache = new WeakMap<Pool, Map<RichDep, CNF | undefined>[]>();

const TRUE: CNF = [];

function atom(pool: Pool, d: Dep, negate: boolean): CNF {
  const prov = pool.whatProvides(d);
  // A positive atom is one clause (OR of providers); a negated atom is one
  // unit clause per provider.
  if (!negate) return [prov.map(pos)];
  return prov.map((p) => [neg(p)]);
}

function providerSet(pool: Pool, d: Dep): number[] {
  if (!d.rich) return pool.whatProvides(d);
  const r = d.rich;
  if (r.op === 'with') {
    let s = providerSet(pool, r.args[0]);
    for (const a of r.args.slice(1)) {
      const t = new Set(providerSet(pool, a));
      s = s.filter((x) => t.has(x));
    }
    return s;
  }
  if (r.op === 'without') {
    const t = new Set(providerSet(pool, r.args[1]));
    return providerSet(pool, r.args[0]).filter((x) => !t.has(x));
  }
  if (r.op === 'or') return sortUnique(r.args.flatMap((a) => providerSet(pool, a)));
  return pool.whatProvides(d);
}

function or(a: CNF, b: CNF): CNF {
  if (a === TRUE || b === TRUE) return TRUE;
  const out: CNF = [];
  for (const x of a) for (const y of b) out.push(sortUnique([...x, ...y]));
  return simplify(out);
}

function and(a: CNF, b: CNF): CNF {
  if (a === TRUE) return b;
  if (b === TRUE) return a;
  return simplify([...a, ...b]);
}

function simplify(c: CNF): CNF {
  const out: CNF = [];
  const seen = new Set<string>();
  for (const cl of c) {
    let taut = false;
    for (let i = 1; i < cl.length; i++) if ((cl[i] ^ cl[i - 1]) === 1) taut = true;
    if (taut) continue;
    const k = cl.join(',');
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(cl);
  }
  return out.length === 0 ? TRUE : out;
}

function toCNF(pool: Pool, d: Dep, negate: boolean): CNF {
  if (!d.rich) {
    const a = atom(pool, d, negate);
    return a.length === 0 ? TRUE : a;
  }
  const r = d.rich;
  const [a, b, c] = r.args;
  switch (r.op) {
    case 'with':
    case 'without': {
      const prov = providerSet(pool, d);
      const cnf = negate ? prov.map((p) => [neg(p)]) : [prov.map(pos)];
      return cnf.length === 0 ? TRUE : cnf;
    }
    case 'and':
      return negate ? r.args.map((x) => toCNF(pool, x, true)).reduce(or) : r.args.map((x) => toCNF(pool, x, false)).reduce(and);
    case 'or':
      return negate ? r.args.map((x) => toCNF(pool, x, true)).reduce(and) : r.args.map((x) => toCNF(pool, x, false)).reduce(or);
    case 'if': {
      // (a if b) = b -> a ; (a if b else c) = (b -> a) & (!b -> c)
      const f = c === undefined ? or(toCNF(pool, b, true), toCNF(pool, a, false)) : and(or(toCNF(pool, b, true), toCNF(pool, a, false)), or(toCNF(pool, b, false), toCNF(pool, c, false)));
      if (!negate) return f;
      // !(b -> a) = b & !a ; !((b->a)&(!b->c)) = (b & !a) | (!b & !c)
      if (c === undefined) return and(toCNF(pool, b, false), toCNF(pool, a, true));
      return or(and(toCNF(pool, b, false), toCNF(pool, a, true)), and(toCNF(pool, b, true), toCNF(pool, c, true)));
    }
    case 'unless': {
      // (a unless b) = !b -> a ; (a unless b else c) = (!b -> a) & (b -> c)
      if (!negate) {
        if (c === undefined) return or(toCNF(pool, b, false), toCNF(pool, a, false));
        return and(or(toCNF(pool, b, false), toCNF(pool, a, false)), or(toCNF(pool, b, true), toCNF(pool, c, false)));
      }
      if (c === undefined) return and(toCNF(pool, b, true), toCNF(pool, a, true));
      return or(and(toCNF(pool, b, true), toCNF(pool, a, true)), and(toCNF(pool, b, false), toCNF(pool, c, true)));
    }
  }
  return TRUE;
}

/** Evaluate a dependency against a set of installed ids (for supplements/enhances). */
export function depSatisfied(pool: Pool, d: Dep, installed: (id: number) => boolean): boolean {
  if (!d.rich) return pool.whatProvides(d).some(installed);
  const r = d.rich;
  const ev = (x: Dep) => depSatisfied(pool, x, installed);
  switch (r.op) {
    case 'and':
      return r.args.every(ev);
    case 'or':
      return r.args.some(ev);
    case 'with':
    case 'without':
      return providerSet(pool, d).some(installed);
    case 'if':
      return ev(r.args[1]) ? ev(r.args[0]) : r.args[2] ? ev(r.args[2]) : false;
    case 'unless':
      return !ev(r.args[1]) ? ev(r.args[0]) : r.args[2] ? ev(r.args[2]) : false;
  }
  return false;
}

export { depNames };
