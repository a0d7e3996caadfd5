// resolve(): repositories + request -> the set of packages to install into
// an empty root, or structured problems. Builds the pool (arch policy,
// excludes, includepkgs, dnf's per-name repo priority), turns specs into
// jobs, runs the solver, and asks the caller's repos for filelists only when
// a file dependency is not provided by primary data.
import { arch as hostArch } from 'node:process';
import type { Package, Repo } from '../repo/types.js';
import { cmpStr, comparePackages, sortPoolOrder } from '../repo/order.js';
import { Pool, type PoolInput, type FilteredReason, archesFor } from './pool.js';
import { chainTo, depToString, describeCore } from './problems.js';
import { type Job, solve } from './solve.js';
import { globToRegExp, matchSpec, similarNames, isGlob } from './spec.js';
import type { Problem, Reason, Resolution, ResolveOptions, ResolveRequest } from './types.js';
import { computeReasons } from './why.js';

/** dnf's default installonlypkgs. */
export const DEFAULT_INSTALLONLY = ['kernel', 'kernel-PAE', 'installonlypkg(kernel)', 'installonlypkg(kernel-module)', 'installonlypkg(vm)', 'multiversion(kernel)'];

export function defaultArch(): string {
  const m: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', ia32: 'i686', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loongarch64' };
  return m[hostArch] ?? hostArch;
}

function nevraForms(p: Package): string[] {
  const e = p.epoch && p.epoch !== '0' ? `${p.epoch}:` : '';
  return [p.name, `${p.name}.${p.arch}`, `${p.name}-${e}${p.version}-${p.release}`, `${p.name}-${e}${p.version}-${p.release}.${p.arch}`];
}

interface Built {
  pool: Pool;
  filtered: { pkg: Package; reason: FilteredReason }[];
}

// Pools are reused while the same repository objects (and filters) are
// asked again: building the provides index is the metadata-loading part of
// a solve, as libsolv's createwhatprovides is.
const poolCache = new WeakMap<Repo, { repos: Repo[]; key: string; built: Built }[]>();

function cachedPool(repos: Repo[], req: ResolveRequest, opts: ResolveOptions, arches: string[]): Built {
  if (!repos.length || req.localPackages?.length) return buildPool(repos, req, opts, arches);
  const key = JSON.stringify([arches, req.exclude ?? [], opts.repoFilters ?? {}, opts.installonly ?? null, repos.map((r) => [r.id, r.priority, r.cost, r.packages.length, r.filelistsLoaded])]);
  const list = poolCache.get(repos[0]) ?? [];
  const hit = list.find((e) => e.key === key && e.repos.length === repos.length && e.repos.every((r, i) => r === repos[i]));
  if (hit) return hit.built;
  const built = buildPool(repos, req, opts, arches);
  list.push({ repos: [...repos], key, built });
  if (list.length > 4) list.shift();
  poolCache.set(repos[0], list);
  return built;
}

function buildPool(repos: Repo[], req: ResolveRequest, opts: ResolveOptions, arches: string[]): Built {
  const filtered: Built['filtered'] = [];
  const allowed = new Set([...arches, 'noarch']);
  const excl = (req.exclude ?? []).map((p) => ({ p, re: globToRegExp(p) }));
  const sortedRepos = [...repos].sort((a, b) => cmpStr(a.id, b.id));
  // Per-name best (lowest) dnf priority across repos, after excludes.
  const kept = new Map<Repo, Package[]>();
  const bestPrio = new Map<string, { prio: number; repo: string }>();
  // With one priority everywhere (the usual case) there is nothing to filter per name.
  const samePrio = sortedRepos.every((r) => r.priority === sortedRepos[0].priority);
  for (const r of sortedRepos) {
    const f = opts.repoFilters?.[r.id];
    const inc = f?.includepkgs?.length ? f.includepkgs.map(globToRegExp) : undefined;
    const rex = (f?.excludepkgs ?? []).map((p) => ({ p, re: globToRegExp(p) }));
    const list: Package[] = [];
    for (const p of r.packages) {
      if (!allowed.has(p.arch)) {
        filtered.push({ pkg: p, reason: { kind: 'arch', arch: p.arch } });
        continue;
      }
      const forms = excl.length || rex.length || inc ? nevraForms(p) : [];
      const hit = excl.find((x) => forms.some((f) => x.re.test(f)));
      if (hit) {
        filtered.push({ pkg: p, reason: { kind: 'exclude', pattern: hit.p, source: '--exclude' } });
        continue;
      }
      const rh = rex.find((x) => forms.some((f2) => x.re.test(f2)));
      if (rh) {
        filtered.push({ pkg: p, reason: { kind: 'exclude', pattern: rh.p, source: `excludepkgs of repo ${r.id}` } });
        continue;
      }
      if (inc && !inc.some((re) => forms.some((f2) => re.test(f2)))) {
        filtered.push({ pkg: p, reason: { kind: 'exclude', pattern: '(not in includepkgs)', source: `includepkgs of repo ${r.id}` } });
        continue;
      }
      list.push(p);
      if (!samePrio) {
        const b = bestPrio.get(p.name);
        if (!b || r.priority < b.prio) bestPrio.set(p.name, { prio: r.priority, repo: r.id });
      }
    }
    kept.set(r, list);
  }
  const inputs: PoolInput[] = [];
  for (const r of sortedRepos) {
    const list = samePrio ? kept.get(r)! : kept.get(r)!.filter((p) => {
      const b = bestPrio.get(p.name)!;
      if (r.priority > b.prio) {
        filtered.push({ pkg: p, reason: { kind: 'priority', repoId: r.id, betterRepoId: b.repo } });
        return false;
      }
      return true;
    });
    // A filtered subsequence of a list in pool order is in pool order too.
    if (!r.poolOrdered) sortPoolOrder(list);
    inputs.push({ repo: { id: r.id, prio: -r.priority, subprio: -r.cost }, packages: list });
  }
  if (req.localPackages?.length) {
    const local = [...req.localPackages].sort(comparePackages);
    inputs.push({ repo: { id: '@commandline', prio: Number.MAX_SAFE_INTEGER, subprio: 0 }, packages: local });
  }
  const pool = new Pool(inputs, { arches, implicitObsoleteUsesColors: true, installonly: opts.installonly ?? DEFAULT_INSTALLONLY });
  return { pool, filtered };
}

function explainFiltered(filtered: Built['filtered'], match: (p: Package) => boolean): { nevra: string; repo: string; reason: string }[] {
  const out: { nevra: string; repo: string; reason: string }[] = [];
  for (const f of filtered) {
    if (!match(f.pkg)) continue;
    const r = f.reason;
    const reason = r.kind === 'exclude' ? `excluded by ${r.pattern} (${r.source})` : r.kind === 'arch' ? `architecture ${r.arch} is not enabled` : `repo ${r.repoId} has lower priority than ${r.betterRepoId}, which also has this name`;
    const p = f.pkg;
    out.push({ nevra: `${p.name}-${p.epoch !== '0' ? `${p.epoch}:` : ''}${p.version}-${p.release}.${p.arch}`, repo: p.repoId, reason });
  }
  return out.sort((a, b) => cmpStr(a.nevra, b.nevra)).slice(0, 10);
}

function suggestionsFor(ex: { reason: string }[]): string[] {
  const s: string[] = [];
  if (ex.some((e) => e.reason.includes('--exclude'))) s.push('remove the matching --exclude pattern');
  if (ex.some((e) => e.reason.includes('excludepkgs') || e.reason.includes('includepkgs'))) s.push("adjust the repository's includepkgs/excludepkgs");
  if (ex.some((e) => e.reason.includes('architecture'))) s.push('ask for that architecture explicitly (e.g. NAME.i686), or enable multilib / use --arch');
  if (ex.some((e) => e.reason.includes('lower priority'))) s.push('change the repository priorities');
  return s;
}

/** Resolve `request` against `repos` into an install set (see README/docs/solver.md). */
export async function resolve(repos: Repo[], request: ResolveRequest, opts: ResolveOptions = {}): Promise<Resolution> {
  for (let attempt = 0; ; attempt++) {
    const r = resolveOnce(repos, request, opts);
    if (r.needFilelists && attempt === 0) {
      const todo = repos.filter((x) => !x.filelistsLoaded);
      if (todo.length) {
        // File deps that primary.xml cannot answer: load filelists, then redo.
        for (const x of todo) await x.loadFilelists();
        continue;
      }
    }
    return r.resolution;
  }
}

/** The synchronous core of `resolve` (no filelists loading). */
export function resolveOnce(repos: Repo[], request: ResolveRequest, opts: ResolveOptions = {}): { resolution: Resolution; needFilelists: boolean } {
  const target = request.arch ?? defaultArch();
  const specs = request.install;
  // Arches named explicitly in specs (foo.i686) are enabled for this request.
  let arches = archesFor(target, request.multilib ?? false);
  const extra = new Set<string>();
  for (const s of specs) {
    const m = /\.([A-Za-z0-9_]+)$/.exec(s);
    if (m && archesFor(target, true).includes(m[1]) && !arches.includes(m[1])) extra.add(m[1]);
  }
  if (extra.size) arches = [...arches, ...[...archesFor(target, true)].filter((a) => extra.has(a))];
  const { pool, filtered } = cachedPool(repos, request, opts, arches);
  const problems: Problem[] = [];
  const jobs: Job[] = [];
  const allSpecs: string[] = [...specs];
  let needFilelists = false;
  const idx = { byName: pool.byName, pkgs: pool.pkgs, whatProvides: (d: Parameters<Pool['whatProvides']>[0]) => pool.whatProvides(d) };
  specs.forEach((spec, si) => {
    const t = matchSpec(idx, spec);
    if (t.groups.length) {
      for (const g of t.groups) jobs.push({ candidates: g.ids, spec: si });
      return;
    }
    if (spec.startsWith('/')) needFilelists = true;
    // Not found: is it only excluded/filtered away?
    const fpkgs = filtered.map((f) => f.pkg);
    const fidx = buildFilteredIndex(fpkgs);
    const ft = matchSpec(fidx, spec);
    if (ft.groups.length) {
      const hit = new Set(ft.groups.flatMap((g) => g.ids).map((i) => fidx.pkgs[i]));
      const ex = explainFiltered(filtered, (p) => hit.has(p));
      problems.push({ kind: 'only-excluded', dep: spec, specs: [spec], chain: [spec], excluded: ex, suggestions: suggestionsFor(ex) });
      return;
    }
    const names = new Set<string>([...pool.byName.keys()]);
    const sim = isGlob(spec) ? [] : similarNames(names, spec, 5);
    problems.push({ kind: 'not-found', dep: spec, specs: [spec], chain: [spec], suggestions: sim.length ? [`did you mean: ${sim.join(', ')}?`] : ['check the spelling, or add the repository that has it (--repo URL)'] });
  });
  for (const lp of request.localPackages ?? []) {
    const id = pool.pkgs.indexOf(lp);
    if (id > 0) {
      allSpecs.push(lp.location || `${lp.name}.rpm`);
      jobs.push({ candidates: [id], spec: allSpecs.length - 1 });
    }
  }
  const weakDeps = request.weakDeps ?? false;
  // A spec naming an arch (foo.i686) is libsolv's SOLVER_SETARCH: no infarch rule for that name.
  const noInfarch = new Set<string>();
  specs.forEach((spec, si) => {
    if (!/\.([A-Za-z0-9_]+)$/.test(spec)) return;
    for (const j of jobs) if (j.spec === si) for (const id of j.candidates) if (spec.endsWith(`.${pool.pkgs[id].arch}`)) noInfarch.add(pool.pkgs[id].name);
  });
  const maxProblems = opts.maxProblems ?? 10;
  if (!jobs.length && !problems.length) return { resolution: { ok: true, packages: [], reasons: new Map(), specs: new Map() }, needFilelists: false };
  let active = jobs;
  for (let round = 0; round < maxProblems && active.length; round++) {
    const res = solve(pool, active, { weakDeps, installonly: true, noInfarch });
    if (!needFilelists) {
      for (const id of res.rules.reachedList) {
        for (const d of pool.pkgs[id].requires) if (d.name.startsWith('/') && pool.whatProvides(d).length === 0) needFilelists = true;
      }
    }
    if (res.ok) {
      if (problems.length) break;
      const packages = res.installed.map((id) => pool.pkgs[id]).sort(comparePackages);
      const reasons = computeReasons(pool, res.installed, active, allSpecs, weakDeps);
      const specMap = new Map<string, Package[]>();
      for (const j of active) {
        const spec = allSpecs[j.spec];
        const hit = j.candidates.filter((c) => res.sat.value[c] > 0).map((c) => pool.pkgs[c]);
        specMap.set(spec, [...(specMap.get(spec) ?? []), ...hit].sort(comparePackages));
      }
      res.sat.release();
      return { resolution: { ok: true, packages, reasons, specs: specMap }, needFilelists: false };
    }
    const { problem, jobsInCore } = describeCore(pool, res.rules, res.sat, res.core, active, allSpecs, res.jobClause);
    res.sat.release();
    enrich(problem, pool, filtered);
    problems.push(problem);
    // Drop the jobs of this problem and look for further, independent problems.
    const drop = new Set(jobsInCore.length ? jobsInCore : [active.length - 1]);
    active = active.filter((_, j) => !drop.has(j));
  }
  return { resolution: { ok: false, problems: dedupe(problems) }, needFilelists };
}

function dedupe(ps: Problem[]): Problem[] {
  const seen = new Set<string>();
  return ps.filter((p) => {
    const k = JSON.stringify([p.kind, p.dep, p.package && `${p.package.name}-${p.package.version}-${p.package.release}.${p.package.arch}`, p.other?.name, p.specs]);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function buildFilteredIndex(pkgs: Package[]) {
  const all: Package[] = [undefined as unknown as Package, ...pkgs];
  const byName = new Map<string, number[]>();
  all.forEach((p, i) => {
    if (!i) return;
    let l = byName.get(p.name);
    if (!l) byName.set(p.name, (l = []));
    l.push(i);
  });
  const sub = new Pool([{ repo: { id: 'filtered', prio: 0, subprio: 0 }, packages: pkgs }], { arches: [], implicitObsoleteUsesColors: true, installonly: [] });
  return { byName, pkgs: all, whatProvides: (d: Parameters<Pool['whatProvides']>[0]) => sub.whatProvides(d) };
}

/** Add exclusion facts and suggestions to a solver problem. */
function enrich(problem: Problem, pool: Pool, filtered: Built['filtered']): void {
  if (problem.kind === 'nothing-provides' && problem.dep) {
    const depName = problem.dep.split(' ')[0].replace(/^\(/, '');
    const fp = filtered.filter((f) => f.pkg.name === depName || f.pkg.provides.some((d) => d.name === depName) || f.pkg.files.includes(depName));
    if (fp.length) {
      const set = new Set(fp.map((f) => f.pkg));
      problem.excluded = explainFiltered(filtered, (p) => set.has(p));
      problem.suggestions.push(...suggestionsFor(problem.excluded));
    } else if (pool.hasCapability(depName)) {
      problem.suggestions.push(`${depName} exists, but not in a version that matches ${problem.dep}; check the repositories' versions (a newer/older repository may be needed)`);
    } else if (!depName.startsWith('/')) {
      const sim = similarNames(pool.byName.keys(), depName, 3);
      problem.suggestions.push(`no enabled repository has ${depName}${sim.length ? ` (similar names: ${sim.join(', ')})` : ''}; add the repository that provides it`);
    } else problem.suggestions.push(`no package in the enabled repositories contains the file ${depName}`);
  } else if (problem.kind === 'conflicts' || problem.kind === 'obsoletes' || problem.kind === 'same-name') {
    if (problem.specs.length > 1) problem.suggestions.push(`do not request ${problem.specs.join(' and ')} together`);
    else problem.suggestions.push('exclude one of the two packages (--exclude) so the other alternative is used, or pick another version');
  }
}

export { chainTo, depToString, comparePackages };
export type { Reason };
