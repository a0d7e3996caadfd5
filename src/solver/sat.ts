// A CDCL SAT core: two watched literals per clause, first-UIP clause
// learning and non-chronological backjumping. Decisions are taken by the
// caller (the policy in solve.ts), as libsolv's solver does; this module only
// propagates, learns and backtracks. Variables are package ids (>= 1);
// literal v is 2v, not-v is 2v+1.

export const pos = (v: number): number => v << 1;
export const neg = (v: number): number => (v << 1) | 1;
export const litVar = (l: number): number => l >> 1;
export const isNeg = (l: number): boolean => (l & 1) === 1;

/** What a clause stands for, so that problems can be explained. */
export const enum RuleKind {
  Job = 1,
  Requires = 2,
  Conflicts = 3,
  Obsoletes = 4,
  SameName = 5,
  Learned = 6,
}

export interface RuleInfo {
  kind: RuleKind;
  /** The package whose dependency made the rule (0 for job/learned rules). */
  pkg: number;
  /** Index into the caller's side tables (dep for package rules, job index for job rules). */
  info: number;
  /** The other package for conflicts/obsoletes/same-name rules. */
  other: number;
}

interface SatArrays {
  value: Int8Array;
  level: Int32Array;
  reason: Int32Array;
  trail: Int32Array;
  seen: Uint8Array;
  head: Int32Array;
}
/** Arrays released by finished solvers, by variable count (at most one set each). */
const spare = new Map<number, SatArrays>();

export class Sat {
  readonly clauses: Int32Array[] = [];
  readonly infos: RuleInfo[] = [];
  /** For learned clauses: the clauses they were derived from (for unsat cores). */
  readonly antecedents = new Map<number, number[]>();
  value: Int8Array;
  level: Int32Array;
  reason: Int32Array;
  trail: Int32Array;
  trailLen = 0;
  private qhead = 0;
  readonly trailLim: number[] = [];
  /**
   * Watch lists as linked lists in typed arrays (libsolv's n1/n2 scheme):
   * entry e = 2 * clause + slot watches clause[slot]; head[lit] is the first
   * entry watching lit, next[e] the following one. No per-literal arrays.
   */
  private head: Int32Array;
  private next: Int32Array = new Int32Array(1024);
  private seen: Uint8Array;
  /** Clauses that were unit when added at level 0 (propagated by `start`). */
  private units: number[] = [];
  /** A clause that is empty (nothing can satisfy it): immediate conflict. */
  emptyClause = -1;

  constructor(readonly nvars: number) {
    const a = spare.get(nvars);
    if (a) {
      spare.delete(nvars);
      a.value.fill(0);
      a.level.fill(0);
      a.reason.fill(-1);
      a.seen.fill(0);
      a.head.fill(-1);
    }
    this.value = a?.value ?? new Int8Array(nvars + 1);
    this.level = a?.level ?? new Int32Array(nvars + 1);
    this.reason = a?.reason ?? new Int32Array(nvars + 1).fill(-1);
    this.trail = a?.trail ?? new Int32Array(nvars + 1);
    this.seen = a?.seen ?? new Uint8Array(nvars + 1);
    this.head = a?.head ?? new Int32Array(2 * nvars + 2).fill(-1);
  }

  /**
   * Hand this solver's per-variable arrays to the next solver of the same
   * size; only when nothing reads this one any more. One per variable is
   * 1.5 MB on a 66k-package pool, and a resolve solves once per round:
   * fresh pages cost more than clearing them (~1 ms a solve).
   */
  release(): void {
    spare.set(this.nvars, { value: this.value, level: this.level, reason: this.reason, trail: this.trail, seen: this.seen, head: this.head });
  }

  get decisionLevel(): number {
    return this.trailLim.length;
  }

  /** Value of a literal: 1 true, -1 false, 0 unassigned. */
  litValue(l: number): number {
    const v = this.value[l >> 1];
    return l & 1 ? -v : v;
  }

  /** Add an original clause before search starts (level 0). Returns its index. */
  addClause(lits: number[], info: RuleInfo): number {
    const c = Int32Array.from(lits);
    const idx = this.clauses.length;
    this.clauses.push(c);
    this.infos.push(info);
    if (c.length === 0) {
      if (this.emptyClause < 0) this.emptyClause = idx;
    } else if (c.length === 1) this.units.push(idx);
    else {
      this.watch(c[0], idx, 0);
      this.watch(c[1], idx, 1);
    }
    return idx;
  }

  private watch(lit: number, ci: number, slot: number): void {
    const e = 2 * ci + slot;
    if (e >= this.next.length) {
      const n = new Int32Array(Math.max(this.next.length * 2, e + 2));
      n.set(this.next);
      this.next = n;
    }
    this.next[e] = this.head[lit];
    this.head[lit] = e;
  }

  /** Assign the level-0 units; returns a conflicting clause index or -1. */
  start(): number {
    if (this.emptyClause >= 0) return this.emptyClause;
    for (const idx of this.units) {
      const l = this.clauses[idx][0];
      const v = this.litValue(l);
      if (v < 0) return idx;
      if (v === 0) this.assign(l, idx);
    }
    return this.propagate();
  }

  assign(l: number, reason: number): void {
    const v = l >> 1;
    this.value[v] = l & 1 ? -1 : 1;
    this.level[v] = this.trailLim.length;
    this.reason[v] = reason;
    this.trail[this.trailLen++] = l;
  }

  /** Open a new decision level and assign `l` there. */
  decide(l: number): void {
    this.trailLim.push(this.trailLen);
    this.assign(l, -1);
  }

  /** Unit propagation; returns the index of a conflicting clause or -1. */
  propagate(): number {
    const { clauses, value, head } = this;
    while (this.qhead < this.trailLen) {
      const p = this.trail[this.qhead++];
      const falseLit = p ^ 1;
      let prev = -1;
      let e = head[falseLit];
      while (e !== -1) {
        const next = this.next;
        const nextE = next[e];
        const ci = e >> 1;
        const slot = e & 1;
        const c = clauses[ci];
        const other = c[1 - slot];
        const ov = value[other >> 1];
        if ((other & 1 ? -ov : ov) > 0) {
          prev = e;
          e = nextE;
          continue;
        }
        let moved = false;
        for (let k = 2; k < c.length; k++) {
          const l = c[k];
          const lv = value[l >> 1];
          if ((l & 1 ? -lv : lv) >= 0) {
            // Move this watch to l: unlink from falseLit's list, link into l's.
            c[slot] = l;
            c[k] = falseLit;
            if (prev === -1) head[falseLit] = nextE;
            else next[prev] = nextE;
            next[e] = head[l];
            head[l] = e;
            moved = true;
            break;
          }
        }
        if (moved) {
          e = nextE;
          continue;
        }
        if (ov === 0) {
          this.assign(other, ci);
          prev = e;
          e = nextE;
          continue;
        }
        this.qhead = this.trailLen;
        return ci;
      }
    }
    return -1;
  }

  /** Undo every assignment above `lvl`. */
  backtrack(lvl: number): void {
    if (this.trailLim.length <= lvl) return;
    const start = this.trailLim[lvl];
    for (let i = this.trailLen - 1; i >= start; i--) {
      const v = this.trail[i] >> 1;
      this.value[v] = 0;
      this.reason[v] = -1;
    }
    this.trailLen = start;
    this.qhead = start;
    this.trailLim.length = lvl;
  }

  /**
   * First-UIP conflict analysis. Returns the learned clause (UIP literal
   * first) and the level to jump back to; the caller backtracks and calls
   * `learn`.
   */
  analyze(confl: number): { lits: number[]; btLevel: number; used: number[] } {
    const seen = this.seen;
    const cur = this.decisionLevel;
    const out: number[] = [0];
    const used: number[] = [];
    const touched: number[] = [];
    let pathC = 0;
    let p = -1;
    let idx = this.trailLen - 1;
    let c = confl;
    for (;;) {
      used.push(c);
      const cl = this.clauses[c];
      for (let k = 0; k < cl.length; k++) {
        const q = cl[k];
        if (q === p) continue;
        const v = q >> 1;
        if (seen[v]) continue;
        if (this.level[v] === 0) {
          // Level-0 facts are kept out of the learned clause but their
          // reasons belong to the proof (unsat cores need them).
          seen[v] = 1;
          touched.push(v);
          this.collectLevel0(v, used, touched);
          continue;
        }
        seen[v] = 1;
        touched.push(v);
        if (this.level[v] >= cur) pathC++;
        else out.push(q);
      }
      while (!seen[this.trail[idx] >> 1]) idx--;
      p = this.trail[idx];
      idx--;
      c = this.reason[p >> 1];
      pathC--;
      if (pathC <= 0) break;
    }
    out[0] = p ^ 1;
    let btLevel = 0;
    let maxI = 1;
    for (let k = 1; k < out.length; k++) {
      const l = this.level[out[k] >> 1];
      if (l > btLevel) {
        btLevel = l;
        maxI = k;
      }
    }
    if (out.length > 1) [out[1], out[maxI]] = [out[maxI], out[1]];
    for (const v of touched) seen[v] = 0;
    return { lits: out, btLevel, used };
  }

  private collectLevel0(v: number, used: number[], touched: number[]): void {
    const stack = [v];
    while (stack.length) {
      const x = stack.pop()!;
      const r = this.reason[x];
      if (r < 0) continue;
      used.push(r);
      for (const q of this.clauses[r]) {
        const y = q >> 1;
        if (!this.seen[y]) {
          this.seen[y] = 1;
          touched.push(y);
          stack.push(y);
        }
      }
    }
  }

  /** Add a learned clause after backtracking and assert its first literal. */
  learn(lits: number[], used: number[]): number {
    const c = Int32Array.from(lits);
    const idx = this.clauses.length;
    this.clauses.push(c);
    this.infos.push({ kind: RuleKind.Learned, pkg: 0, info: -1, other: 0 });
    this.antecedents.set(idx, used);
    if (c.length > 1) {
      this.watch(c[0], idx, 0);
      this.watch(c[1], idx, 1);
    }
    this.assign(c[0], idx);
    return idx;
  }

  /**
   * The original clauses behind a conflict at level 0: walks reasons and
   * expands learned clauses into what they were derived from.
   */
  core(confl: number): number[] {
    const out = new Set<number>();
    const seenC = new Set<number>();
    const seenV = new Uint8Array(this.nvars + 1);
    const stack = [confl];
    while (stack.length) {
      const c = stack.pop()!;
      if (seenC.has(c)) continue;
      seenC.add(c);
      const ante = this.antecedents.get(c);
      if (ante) {
        for (const a of ante) stack.push(a);
      } else out.add(c);
      for (const q of this.clauses[c]) {
        const v = q >> 1;
        if (seenV[v]) continue;
        seenV[v] = 1;
        if (this.value[v] !== 0 && this.reason[v] >= 0) stack.push(this.reason[v]);
      }
    }
    return [...out].sort((a, b) => a - b);
  }
}
