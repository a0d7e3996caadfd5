// The search: libsolv's solver_run_sat decision order on top of the CDCL
// core — job rules first, then unresolved requires rules (unambiguous ones
// before ambiguous ones, each choice ordered by the policy), then weak deps,
// then libsolv's minimization step (switch a branch to an alternative that
// got installed anyway). Conflicts are learned and backjumped over.
import { RpmkitError } from '../errors.js';
import type { Dep } from '../repo/types.js';
import type { Pool } from './pool.js';
import { Mode, type PolicyState, filterUnwanted } from './policy.js';
import { RuleSet, depSatisfied } from './rules.js';
import { RuleKind, Sat, neg, pos } from './sat.js';

export interface Job {
  /** Candidate package ids; the job asks for one of them. */
  candidates: number[];
  /** Index of the request spec the job came from. */
  spec: number;
}

export interface SolveOptions {
  weakDeps: boolean;
  installonly: boolean;
  /** Names asked for with an explicit arch (libsolv's SOLVER_SETARCH): no infarch rules. */
  noInfarch?: Set<string>;
}

export type SolveResult = { ok: true; installed: number[]; rules: RuleSet; sat: Sat } | { ok: false; core: number[]; rules: RuleSet; sat: Sat; jobClause: Map<number, number> };

interface Branch {
  level: number;
  alts: number[];
}

class State implements PolicyState {
  // How many decided packages recommend / suggest each package; kept in step
  // with the trail (applied on demand, undone on backtrack) rather than
  // rebuilt after every conflict.
  private recCnt: Int32Array;
  private sugCnt: Int32Array;
  private applied = 0;
  private readonly targets = new Map<number, { rec: number[]; sug: number[] }>();

  constructor(
    readonly pool: Pool,
    readonly sat: Sat,
  ) {
    this.recCnt = new Int32Array(pool.pkgs.length);
    this.sugCnt = new Int32Array(pool.pkgs.length);
  }

  isInstalled(id: number): boolean {
    return this.sat.value[id] > 0;
  }

  private targetsOf(id: number): { rec: number[]; sug: number[] } {
    let t = this.targets.get(id);
    if (!t) {
      const p = this.pool.pkgs[id];
      t = { rec: p.recommends.flatMap((d) => weakTargets(this.pool, d)), sug: p.suggests.flatMap((d) => weakTargets(this.pool, d)) };
      this.targets.set(id, t);
    }
    return t;
  }

  /** policy_update_recommendsmap: provides of what decided packages recommend/suggest. */
  private update(): void {
    const sat = this.sat;
    for (; this.applied < sat.trailLen; this.applied++) {
      const l = sat.trail[this.applied];
      if (l & 1) continue;
      const t = this.targetsOf(l >> 1);
      for (const id of t.rec) this.recCnt[id]++;
      for (const id of t.sug) this.sugCnt[id]++;
    }
  }

  /** Call right after a backtrack: undo what the unassigned part of the trail added. */
  reset(): void {
    const sat = this.sat;
    for (; this.applied > sat.trailLen; ) {
      const l = sat.trail[--this.applied];
      if (l & 1) continue;
      const t = this.targetsOf(l >> 1);
      for (const id of t.rec) this.recCnt[id]--;
      for (const id of t.sug) this.sugCnt[id]--;
    }
  }

  isRecommended(id: number): boolean {
    this.update();
    return this.recCnt[id] > 0;
  }

  isSuggested(id: number): boolean {
    this.update();
    return this.sugCnt[id] > 0;
  }

  isSupplementing(id: number): boolean {
    const p = this.pool.pkgs[id];
    if (!p.supplements.length) return false;
    return p.supplements.some((d) => depSatisfied(this.pool, d, (x) => this.sat.value[x] > 0));
  }

  isEnhancing(id: number): boolean {
    const p = this.pool.pkgs[id];
    if (!p.enhances.length) return false;
    return p.enhances.some((d) => depSatisfied(this.pool, d, (x) => this.sat.value[x] > 0));
  }
}

/** Packages a (possibly rich) Recommends/Suggests points at: every provider of its positive atoms. */
function weakTargets(pool: Pool, d: Dep): number[] {
  if (!d.rich) return pool.whatProvides(d);
  const r = d.rich;
  switch (r.op) {
    case 'and':
    case 'or':
      return r.args.flatMap((a) => weakTargets(pool, a));
    case 'if':
    case 'unless':
      return [...weakTargets(pool, r.args[0]), ...(r.args[2] ? weakTargets(pool, r.args[2]) : [])];
    default:
      return pool.whatProvides(d);
  }
}

/**
 * What a Recommends asks to install now: providers of its positive part,
 * and for `(A if B)` / `(A unless B)` only when the condition holds — the
 * condition itself is never what gets recommended.
 */
function weakCandidates(pool: Pool, d: Dep, installed: (id: number) => boolean): number[] {
  if (!d.rich) return pool.whatProvides(d);
  const r = d.rich;
  switch (r.op) {
    case 'and':
    case 'or':
      return r.args.flatMap((a) => weakCandidates(pool, a, installed));
    case 'if':
      if (depSatisfied(pool, r.args[1], installed)) return weakCandidates(pool, r.args[0], installed);
      return r.args[2] ? weakCandidates(pool, r.args[2], installed) : [];
    case 'unless':
      if (!depSatisfied(pool, r.args[1], installed)) return weakCandidates(pool, r.args[0], installed);
      return r.args[2] ? weakCandidates(pool, r.args[2], installed) : [];
    default:
      return pool.whatProvides(d);
  }
}

class Unsat {
  constructor(readonly conflict: number) {}
}

export function solve(pool: Pool, jobs: Job[], opts: SolveOptions): SolveResult {
  const sat = new Sat(pool.pkgs.length - 1);
  const rules = new RuleSet(pool, sat, { weakDeps: opts.weakDeps, installonly: opts.installonly, noInfarch: opts.noInfarch });
  const jobClause = new Map<number, number>();
  const jobClauses: number[] = [];
  for (let j = 0; j < jobs.length; j++) {
    const ci = sat.addClause(jobs[j].candidates.map(pos), { kind: RuleKind.Job, pkg: 0, info: j, other: 0 });
    jobClause.set(ci, j);
    jobClauses.push(ci);
  }
  rules.addClosure(jobs.flatMap((j) => j.candidates));
  // libsolv sorts its package rules (solver_unifyrules): by -owner, then literals.
  const reqOrder = rules.reqRules
    .map((r) => r.clause)
    .sort((a, b) => {
      const ca = sat.clauses[a];
      const cb = sat.clauses[b];
      const oa = sat.infos[a].pkg;
      const ob = sat.infos[b].pkg;
      if (oa !== ob) return ob - oa;
      const n = Math.min(ca.length, cb.length);
      for (let i = 1; i < n; i++) if (ca[i] !== cb[i]) return (ca[i] >> 1) - (cb[i] >> 1);
      return ca.length - cb.length;
    });
  const st = new State(pool, sat);
  const branches: Branch[] = [];

  const fail = (confl: number): SolveResult => ({ ok: false, core: sat.core(confl), rules, sat, jobClause });

  const c0 = sat.start();
  if (c0 >= 0) return fail(c0);

  /** Decide `lit` at a new level and propagate, learning from conflicts. */
  const trace = process.env.RPMKIT_SOLVER_TRACE ? (m: string) => process.stderr.write(`${m}\n`) : undefined;
  const setPropagateLearn = (lit: number): number => {
    sat.decide(lit);
    trace?.(`installing ${pool.nevra(lit >> 1)} level ${sat.decisionLevel}`);
    for (;;) {
      const confl = sat.propagate();
      if (confl < 0) return sat.decisionLevel;
      if (sat.decisionLevel === 0) throw new Unsat(confl);
      const { lits, btLevel, used } = sat.analyze(confl);
      trace?.(`conflict at ${sat.decisionLevel}, learned rule for level ${btLevel}`);
      sat.backtrack(btLevel);
      while (branches.length && branches[branches.length - 1].level >= btLevel) branches.pop();
      st.reset();
      sat.learn(lits, used);
    }
  };

  const selectAndInstall = (dq: number[]): number => {
    const level = sat.decisionLevel;
    if (dq.length > 1) dq = filterUnwanted(pool, dq, Mode.Choose, st);
    if (dq.length > 1) branches.push({ level, alts: dq });
    if (dq.length > 1) trace?.(`branch at ${level}: ${dq.map((x) => pool.nevra(x)).join(' ')}`);
    return setPropagateLearn(pos(dq[0]));
  };

  /** Undecided positive literals of an unsatisfied clause whose negative literals all hold; undefined when nothing to decide. */
  const openChoices = (ci: number): number[] | undefined => {
    const c = sat.clauses[ci];
    const value = sat.value;
    // A check pass first: this runs for every requires rule after every
    // decision, and nearly all of them are satisfied; no array for those.
    let open = 0;
    for (let k = 0; k < c.length; k++) {
      const l = c[k];
      const v = value[l >> 1];
      if (l & 1) {
        if (v <= 0) return undefined;
      } else {
        if (v > 0) return undefined;
        if (v === 0) open++;
      }
    }
    if (!open) return undefined;
    const dq: number[] = [];
    for (let k = 0; k < c.length; k++) {
      const l = c[k];
      if (!(l & 1) && value[l >> 1] === 0) dq.push(l >> 1);
    }
    return open > 1 ? dq.sort((a, b) => a - b) : dq;
  };

  const resolveDependencies = (): boolean => {
    const origLevel = sat.decisionLevel;
    const nr = reqOrder.length;
    if (!nr) return false;
    let postponed = 0;
    for (let i = 0, n = 0; ; i++, n++) {
      if (n >= nr) {
        if (postponed <= 0) break;
        i = postponed - 1;
        postponed = -1;
        n = 0;
      }
      if (i >= nr) i = 0;
      let dq = openChoices(reqOrder[i]);
      if (!dq) continue;
      if (dq.length > 1 && postponed >= 0) {
        const before = dq;
        dq = filterUnwanted(pool, dq, Mode.ChooseNoReorder, st);
        if (dq.length === 1) trace?.(`pruned ${before.map((x) => pool.nevra(x)).join(' ')} -> ${pool.nevra(dq[0])}`);
        if (dq.length > 1) {
          if (!postponed) postponed = i + 1;
          continue;
        }
      }
      const level = selectAndInstall(dq);
      if (level < origLevel) return true;
      n = -1;
    }
    return false;
  };

  /** libsolv's weak-deps pass: supplemented packages, then recommended ones, best versions only. */
  const weak = (): boolean => {
    if (!opts.weakDeps) return false;
    const installed = (x: number) => sat.value[x] > 0;
    const dq: number[] = [];
    const inDq = new Set<number>();
    const pushU = (x: number) => {
      if (!inDq.has(x)) {
        inDq.add(x);
        dq.push(x);
      }
    };
    for (const s of rules.reachedList.slice().sort((a, b) => a - b)) {
      if (sat.value[s] > 0) {
        for (const d of pool.pkgs[s].recommends) {
          if (d.rich ? depSatisfied(pool, d, installed) : pool.whatProvides(d).some(installed)) continue;
          for (const x of weakCandidates(pool, d, installed)) if (sat.value[x] === 0 && rules.reached[x]) pushU(x);
        }
      }
    }
    const dqs: number[] = [];
    for (const s of rules.reachedList.slice().sort((a, b) => a - b)) {
      if (sat.value[s] !== 0 || !pool.pkgs[s].supplements.length || !st.isSupplementing(s)) continue;
      // With multilib colors, do not add another arch of a name already installed.
      if (pool.opts.implicitObsoleteUsesColors && (pool.byName.get(pool.pkgs[s].name) ?? []).some((q) => q !== s && sat.value[q] > 0)) continue;
      dqs.push(s);
    }
    for (const x of dqs) pushU(x);
    if (!dq.length) return false;
    if (dq.length === 1) {
      setPropagateLearn(pos(dq[0]));
      return true;
    }
    const best = new Set(filterUnwanted(pool, dq, Mode.Recommend, st));
    const startLen = sat.trailLen;
    let decided = false;
    for (const p of dqs) {
      if (sat.value[p] !== 0 || !best.has(p)) continue;
      const before = sat.decisionLevel;
      decided = true;
      if (setPropagateLearn(pos(p)) <= before) return true;
    }
    if (sat.trailLen < startLen) return true;
    const installedNow = Array.from(sat.trail.subarray(0, sat.trailLen)).filter((l) => !(l & 1)).map((l) => l >> 1);
    for (const s of installedNow) {
      for (const d of pool.pkgs[s].recommends) {
        if (d.rich ? depSatisfied(pool, d, installed) : pool.whatProvides(d).some(installed)) continue;
        let cand = weakCandidates(pool, d, installed).filter((x) => sat.value[x] === 0 && best.has(x));
        if (!cand.length) continue;
        if (cand.length > 1) cand = filterUnwanted(pool, cand, Mode.Choose, st);
        const level = sat.decisionLevel;
        if (cand.length > 1) branches.push({ level, alts: cand });
        decided = true;
        if (setPropagateLearn(pos(cand[0])) <= level) return true;
      }
    }
    // Candidates the policy pruned away (another arch, an older version)
    // are not installed by weak deps: with nothing decided, we are done.
    return decided;
  };

  const minimize = (): boolean => {
    let pick: { bi: number; p: number } | undefined;
    for (let bi = branches.length - 1; bi >= 0; bi--) {
      const b = branches[bi];
      for (const p of b.alts.slice(1)) {
        if (p <= 0) continue;
        if (sat.value[p] > 0 && sat.level[p] > b.level && p !== b.alts[0]) {
          pick = { bi, p };
          break;
        }
      }
    }
    if (!pick) return false;
    const b = branches[pick.bi];
    trace?.(`minimizing ${sat.level[pick.p]} -> ${b.level} with ${pool.nevra(pick.p)}`);
    b.alts[b.alts.indexOf(pick.p, 1)] = 0;
    sat.backtrack(b.level);
    branches.length = pick.bi;
    st.reset();
    setPropagateLearn(pos(pick.p));
    return true;
  };

  try {
    outer: for (let guard = 0; ; guard++) {
      if (guard > 1_000_000) throw new Error('solver did not converge');
      for (const ci of jobClauses) {
        const dq = openChoices(ci);
        if (!dq) continue;
        const before = sat.decisionLevel;
        const level = selectAndInstall(dq);
        if (level <= before) continue outer;
      }
      if (resolveDependencies()) continue;
      if (weak()) continue;
      if (minimize()) continue;
      break;
    }
  } catch (e) {
    if (e instanceof Unsat) return fail(e.conflict);
    throw e;
  }
  // Safety net: every original rule must hold (undecided = not installed).
  for (let ci = 0; ci < sat.clauses.length; ci++) {
    if (sat.infos[ci].kind === RuleKind.Learned) continue;
    const c = sat.clauses[ci];
    let ok = false;
    for (let k = 0; k < c.length && !ok; k++) ok = c[k] & 1 ? sat.value[c[k] >> 1] <= 0 : sat.value[c[k] >> 1] > 0;
    if (!ok) throw new RpmkitError('INTERNAL', `solver left a rule unsatisfied (${Array.from(c, (l) => `${l & 1 ? '!' : ''}${pool.nevra(l >> 1)}`).join(' | ')})`);
  }
  const installed = rules.reachedList.filter((x) => sat.value[x] > 0).sort((a, b) => a - b);
  return { ok: true, installed, rules, sat };
}

export { neg };
