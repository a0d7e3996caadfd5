// Install order for the rootfs stage: dependencies before dependents,
// Requires(pre) edges first. Loops are broken as rpm's tsort does: inside a
// strongly connected component the plain Requires edges are dropped first
// (Requires(pre) edges are kept as long as they do not loop themselves),
// and ties are ordered by name so the order is deterministic.
import { compareEVR } from '../evr/index.js';
import type { Package } from '../repo/types.js';
import { rangesOverlap } from '../evr/index.js';
import type { Dep } from '../repo/types.js';
import { cmpStr } from '../repo/order.js';

const cmpPkg = (a: Package, b: Package) => cmpStr(a.name, b.name) || compareEVR(a, b) || cmpStr(a.arch, b.arch);

function providers(pkgs: Package[], byCap: Map<string, number[]>, d: Dep): number[] {
  const out: number[] = [];
  if (d.rich) {
    for (const a of d.rich.args) out.push(...providers(pkgs, byCap, a));
    return out;
  }
  for (const i of byCap.get(d.name) ?? []) {
    const p = pkgs[i];
    const ok = p.name === d.name && rangesOverlap('EQ', p, d.op, d.evr) || p.provides.some((pd) => pd.name === d.name && rangesOverlap(pd.op, pd.evr, d.op, d.evr)) || p.files.includes(d.name);
    if (ok) out.push(i);
  }
  return out;
}

/** Order `pkgs` for installation (dependencies first). */
export function installOrder(input: Package[]): Package[] {
  const pkgs = [...input].sort(cmpPkg);
  const n = pkgs.length;
  const byCap = new Map<string, number[]>();
  const add = (k: string, i: number) => {
    const l = byCap.get(k);
    if (!l) byCap.set(k, [i]);
    else if (l[l.length - 1] !== i) l.push(i);
  };
  pkgs.forEach((p, i) => {
    add(p.name, i);
    for (const d of p.provides) add(d.name, i);
    for (const f of p.files) add(f, i);
  });
  // edges[i] = packages i depends on; pre[i] = those needed by Requires(pre).
  const edges: Set<number>[] = pkgs.map(() => new Set());
  const pre: Set<number>[] = pkgs.map(() => new Set());
  pkgs.forEach((p, i) => {
    for (const d of p.requires) {
      if (d.name.startsWith('rpmlib(')) continue;
      const prov = providers(pkgs, byCap, d);
      if (prov.includes(i)) continue;
      // rpm adds one edge to the first provider in the transaction.
      const t = prov[0];
      if (t === undefined) continue;
      edges[i].add(t);
      if (d.pre) pre[i].add(t);
    }
  });
  const out: number[] = [];
  orderSubset([...Array(n).keys()], edges, pre, out, pkgs);
  return out.map((i) => pkgs[i]);
}

/** Tarjan SCCs over `nodes` with `edges`, emitted dependencies-first. */
function sccs(nodes: number[], edges: (i: number) => Iterable<number>, inSet: Set<number>): number[][] {
  const index = new Map<number, number>();
  const low = new Map<number, number>();
  const onStack = new Set<number>();
  const stack: number[] = [];
  const out: number[][] = [];
  let counter = 0;
  const visit = (v0: number) => {
    // Iterative Tarjan to survive deep dependency chains.
    const work: { v: number; it: Iterator<number> }[] = [];
    const enter = (v: number) => {
      index.set(v, counter);
      low.set(v, counter);
      counter++;
      stack.push(v);
      onStack.add(v);
      work.push({ v, it: [...edges(v)].filter((w) => inSet.has(w)).sort((a, b) => a - b)[Symbol.iterator]() });
    };
    enter(v0);
    while (work.length) {
      const top = work[work.length - 1];
      const nx = top.it.next();
      if (!nx.done) {
        const w = nx.value;
        if (!index.has(w)) enter(w);
        else if (onStack.has(w)) low.set(top.v, Math.min(low.get(top.v)!, index.get(w)!));
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1].v;
        low.set(parent, Math.min(low.get(parent)!, low.get(top.v)!));
      }
      if (low.get(top.v) === index.get(top.v)) {
        const comp: number[] = [];
        for (;;) {
          const w = stack.pop()!;
          onStack.delete(w);
          comp.push(w);
          if (w === top.v) break;
        }
        out.push(comp.sort((a, b) => a - b));
      }
    }
  };
  for (const v of nodes) if (!index.has(v)) visit(v);
  return out;
}

function orderSubset(nodes: number[], edges: Set<number>[], pre: Set<number>[], out: number[], pkgs: Package[]): void {
  const inSet = new Set(nodes);
  // Tarjan emits components in reverse topological order of the "depends on"
  // relation, i.e. dependencies first — exactly the install order we want.
  for (const comp of sccs(nodes, (i) => edges[i], inSet)) {
    if (comp.length === 1) {
      out.push(comp[0]);
      continue;
    }
    // A loop: keep only Requires(pre) edges inside it and order again; a
    // loop of pre edges alone is broken by dropping every edge (name order).
    const compSet = new Set(comp);
    const preOnly = comp.map((i) => [...pre[i]].filter((t) => compSet.has(t)));
    if (preOnly.every((l) => l.length === 0)) {
      out.push(...comp.sort((a, b) => cmpPkg(pkgs[a], pkgs[b])));
      continue;
    }
    const subEdges: Set<number>[] = edges.map(() => new Set<number>());
    comp.forEach((i, k) => preOnly[k].forEach((t) => subEdges[i].add(t)));
    const empty: Set<number>[] = edges.map(() => new Set<number>());
    const inner = sccs(comp.sort((a, b) => cmpPkg(pkgs[a], pkgs[b])), (i) => subEdges[i], compSet);
    for (const c of inner) {
      if (c.length === 1) out.push(c[0]);
      else orderSubset(c, empty, empty, out, pkgs);
    }
  }
}
