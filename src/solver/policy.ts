// Which candidate to try first: libsolv's policy_filter_unwanted, step by
// step — best repository priority, best architecture, newest version per
// name (names compared with strcmp for determinism), packages recommended
// or supplemented by what is already chosen, then the reordering heuristics
// (dislike old versions, common versioned provides, suggested first).
import type { Pool } from './pool.js';

export const enum Mode {
  Choose = 0,
  ChooseNoReorder = 1,
  Recommend = 2,
}

/** What the policy needs to know about the current search state. */
export interface PolicyState {
  isInstalled(id: number): boolean;
  isRecommended(id: number): boolean;
  isSupplementing(id: number): boolean;
  isSuggested(id: number): boolean;
  isEnhancing(id: number): boolean;
}

function strcmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function bestVersionCmp(pool: Pool, a: number, b: number): number {
  const pa = pool.pkgs[a];
  const pb = pool.pkgs[b];
  if (pa.name !== pb.name) return strcmp(pa.name, pb.name);
  if (pa.arch !== pb.arch) {
    const aa = pool.archScore[a];
    const ab = pool.archScore[b];
    if (aa !== ab && aa > 1 && ab > 1) return aa - ab;
  }
  const r = pool.subprio[b] - pool.subprio[a];
  if (r) return r;
  return a - b;
}

export function pruneToHighestPrio(pool: Pool, list: number[]): number[] {
  let best = -Infinity;
  for (const id of list) if (pool.prio[id] > best) best = pool.prio[id];
  return list.filter((id) => pool.prio[id] === best);
}

function archClass(score: number): number {
  // Every arch of the policy list is its own class (rpm's ':' separators).
  return score;
}

export function pruneToBestArch(pool: Pool, list: number[]): number[] {
  let best = 0;
  for (const id of list) {
    const a = pool.archScore[id];
    if (a && a !== 1 && (!best || a < best)) best = a;
  }
  if (!best) return list;
  const out = list.filter((id) => {
    const a = pool.archScore[id];
    return a === 1 || archClass(a) === archClass(best);
  });
  return out.length ? out : list;
}

export function pruneToBestVersion(pool: Pool, list: number[]): number[] {
  if (list.length < 2) return list;
  const sorted = [...list].sort((a, b) => bestVersionCmp(pool, a, b));
  const out: number[] = [];
  let best = 0;
  for (const id of sorted) {
    if (!best) {
      best = id;
      continue;
    }
    if (pool.pkgs[best].name !== pool.pkgs[id].name) {
      out.push(best);
      best = id;
      continue;
    }
    if (pool.evrCmp(best, id) < 0) best = id;
  }
  out.push(best);
  return out.length > 1 ? pruneObsoleted(pool, out) : out;
}

/** Drop candidates obsoleted by another candidate of a different name. */
function pruneObsoleted(pool: Pool, list: number[]): number[] {
  const inList = new Set(list);
  const obsoleted = new Set<number>();
  for (const id of list) {
    for (const d of pool.pkgs[id].obsoletes) {
      for (const o of pool.whatMatchesName(d)) {
        if (o !== id && inList.has(o) && pool.pkgs[o].name !== pool.pkgs[id].name) obsoleted.add(o);
      }
    }
  }
  if (obsoleted.size === 0) return list;
  // Mutual obsoletes keep both (libsolv keeps the SCC of the first).
  const out = list.filter((id) => {
    if (!obsoleted.has(id)) return true;
    return pool.pkgs[id].obsoletes.length > 0 && list.some((o) => o !== id && obsoleted.has(o) && pool.pkgs[id].obsoletes.some((d) => pool.whatMatchesName(d).includes(o)) && pool.pkgs[o].obsoletes.some((d) => pool.whatMatchesName(d).includes(id)));
  });
  return out.length ? out : list;
}

/** Prefer what chosen packages recommend (libsolv >= 0.7 no longer prunes to suggested here). */
function pruneToRecommended(list: number[], st: PolicyState): number[] {
  const out = list.filter((id) => st.isRecommended(id) || st.isSupplementing(id));
  return out.length ? out : list;
}

/** Move candidates for which a newer same-name same-arch package exists to the back. */
function dislikeOldVersions(pool: Pool, list: number[]): number[] {
  const good: number[] = [];
  const bad: number[] = [];
  for (const id of list) {
    const p = pool.pkgs[id];
    let isBad = false;
    for (const q of pool.byName.get(p.name) ?? []) {
      if (q === id || pool.pkgs[q].arch !== p.arch) continue;
      if (pool.prio[q] !== pool.prio[id]) {
        if (pool.prio[id] > pool.prio[q]) continue;
        isBad = true;
        break;
      }
      if (pool.evrCmp(q, id) > 0) {
        isBad = true;
        break;
      }
    }
    (isBad ? bad : good).push(id);
  }
  return bad.length ? [...good, ...bad] : list;
}

/**
 * libsolv's sort_by_common_dep: when candidates provide the same capability
 * with versions (`Provides: Y = 2`), prefer the higher provided version.
 */
function sortByCommonDep(pool: Pool, list: number[]): number[] {
  type Ent = { i: number; name: string; evr: { epoch?: string; version: string; release?: string }; lt: boolean };
  const ents: Ent[] = [];
  list.forEach((id, i) => {
    for (const d of pool.pkgs[id].provides) {
      if (d.rich || !d.evr || (d.op !== 'EQ' && d.op !== 'LE' && d.op !== 'LT')) continue;
      if (d.op === 'EQ') {
        const s = `${d.evr.epoch ? `${d.evr.epoch}:` : ''}${d.evr.version}${d.evr.release !== undefined ? `-${d.evr.release}` : ''}`;
        if (s.length >= 4 && /^[0-9a-f]+$/.test(s)) continue; // ignore hashes
      }
      ents.push({ i, name: d.name, evr: d.evr, lt: d.op === 'LT' });
    }
  });
  if (ents.length < 2) return list;
  const cmpEnt = (x: Ent, y: Ent): number => {
    if (x.name !== y.name) return strcmp(x.name, y.name);
    if (x.lt === y.lt && x.evr === y.evr) return 0;
    // Higher versions first.
    const r = -evrCmpMatchRelease(x.evr, y.evr);
    if (r) return r;
    if (x.lt !== y.lt) return x.lt ? 1 : -1;
    return 0;
  };
  ents.sort(cmpEnt);
  const badness = new Array<number>(list.length).fill(0);
  let lastName: string | undefined;
  let bad = 0;
  let haveBad = false;
  for (let k = 0; k < ents.length; k++) {
    const e = ents[k];
    if (lastName !== undefined && e.name === lastName) {
      const prev = ents[k - 1];
      if (prev.i !== e.i && cmpEnt(prev, e) === -1) {
        bad++;
        haveBad = true;
      }
    } else {
      bad = 0;
      lastName = e.name;
    }
    badness[e.i] += bad;
  }
  if (!haveBad) return list;
  const idx = list.map((_, i) => i);
  // Stable: sort by badness, keep order otherwise.
  idx.sort((a, b) => badness[a] - badness[b] || a - b);
  return idx.map((i) => list[i]);
}

import { rpmvercmp } from '../evr/index.js';
function evrCmpMatchRelease(a: { epoch?: string; version: string; release?: string }, b: { epoch?: string; version: string; release?: string }): number {
  const ea = a.epoch ?? '0';
  const eb = b.epoch ?? '0';
  const r = rpmvercmp(ea, eb);
  if (r) return r;
  const v = rpmvercmp(a.version, b.version);
  if (v) return v;
  if (a.release === undefined || b.release === undefined) return 0;
  return rpmvercmp(a.release, b.release);
}

function preferSuggested(list: number[], st: PolicyState): number[] {
  const a = list.filter((id) => st.isSuggested(id) || st.isEnhancing(id));
  if (!a.length || a.length === list.length) return list;
  const set = new Set(a);
  return [...a, ...list.filter((id) => !set.has(id))];
}

const policyTrace = Boolean(process.env.RPMKIT_POLICY_TRACE);

/** policy_filter_unwanted: prune and order candidates, best first. */
export function filterUnwanted(pool: Pool, list: number[], mode: Mode, st: PolicyState): number[] {
  const dbg = policyTrace ? (m: string, l: number[]) => process.stderr.write(`${m}: ${l.map((x) => pool.nevra(x)).join(' ')}\n`) : undefined;
  dbg?.('in', list);
  if (list.length > 1) list = pruneToHighestPrio(pool, list);
  dbg?.('prio', list);
  if (list.length > 1) list = pruneToBestArch(pool, list);
  dbg?.('arch', list);
  if (list.length > 1) list = pruneToBestVersion(pool, list);
  dbg?.('version', list);
  if (list.length > 1 && (mode === Mode.Choose || mode === Mode.ChooseNoReorder)) {
    list = pruneToRecommended(list, st);
    dbg?.('recommended', list);
    if (list.length > 1 && mode === Mode.Choose) {
      list = dislikeOldVersions(pool, list);
      list = sortByCommonDep(pool, list);
      list = preferSuggested(list, st);
    }
  }
  return list;
}
