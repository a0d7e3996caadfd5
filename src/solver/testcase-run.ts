// Runs one step of a libsolv testcase with this solver and prints the
// outcome in the testcase's result format (`install NEVRA@repo`, `problem`
// lines), so it can be compared with the expected block. Steps outside what
// an install-into-an-empty-root solver does (erase, update, distupgrade,
// locks, favor, installed systems) are reported as out of scope.
import { Pool, archesFor } from './pool.js';
import { describeCore } from './problems.js';
import { type Job, solve } from './solve.js';
import { parseTestcaseDep, testcaseSolvableStr, type Testcase, type TestcaseStep } from './testcase.js';
import type { Package } from '../repo/types.js';

export type StepOutcome = { scope: 'skip'; reason: string } | { scope: 'run'; ok: boolean; lines: string[]; problems: { kind: string; text: string }[] };

const OK_SOLVERFLAGS = new Set(['ignorerecommended', 'strictrepopriority', 'allowuninstall', 'keeporphans', 'allowvendorchange', 'keepexplicitobsoletes', 'bestobeypolicy', 'yumobsoletes', 'focusinstalled', 'noautotarget', '!dupallowarchchange', '!dupallowdowngrade']);
const OK_POOLFLAGS = new Set(['implicitobsoleteusescolors']);

function allArchesFor(sysArch: string): string[] | undefined {
  if (sysArch === 'unset') return undefined;
  if (sysArch === 'x86_64') return ['x86_64', 'i686', 'i586', 'i486', 'i386', 'athlon'];
  return archesFor(sysArch, true);
}

export function runTestcaseStep(tc: Testcase, step: TestcaseStep): StepOutcome {
  if (!step.resultKinds.includes('transaction') && !step.resultKinds.includes('problems')) return { scope: 'skip', reason: `result kind ${step.resultKinds.join(',') || '(none)'} is not a transaction` };
  const installedRepo = tc.repos.find((r) => r.name === tc.system.installed);
  const expected = step.result.filter((l) => /^(install|erase|upgrade|downgrade|reinstall|change|problem)/.test(l));
  if (installedRepo && installedRepo.packages.length && expected.some((l) => !/^(install|problem) /.test(l))) return { scope: 'skip', reason: 'expects erase/upgrade of installed packages (out of scope)' };
  for (const j of step.jobs) if (j.verb !== 'install') return { scope: 'skip', reason: `job ${j.verb} ${j.select} is out of scope` };
  for (const j of step.jobs) if (j.flags.length) return { scope: 'skip', reason: `job flags [${j.flags.join(',')}] are out of scope` };
  if (!step.jobs.length) return { scope: 'skip', reason: 'no jobs' };
  for (const f of step.solverflags) if (!OK_SOLVERFLAGS.has(f)) return { scope: 'skip', reason: `solverflags ${f} is out of scope` };
  for (const f of step.poolflags) if (!OK_POOLFLAGS.has(f)) return { scope: 'skip', reason: `poolflags ${f} is out of scope` };
  if (step.disabled.length) return { scope: 'skip', reason: 'disabled packages are out of scope' };
  if (tc.repos.some((r) => r.packages.some((p) => [...p.requires, ...p.provides, ...p.supplements, ...p.recommends].some((d) => d.name.startsWith('namespace:') || d.name.startsWith('locale(')))) || step.jobs.some((j) => j.args.includes('namespace:'))) return { scope: 'skip', reason: 'namespace dependencies are out of scope' };
  if (tc.system.disttype !== 'rpm' && tc.system.disttype !== '*') return { scope: 'skip', reason: `disttype ${tc.system.disttype}` };

  const arches = allArchesFor(tc.system.arch);
  let inputs = tc.repos.map((r) => ({ repo: { id: r.name, prio: r === installedRepo ? Number.MAX_SAFE_INTEGER : r.prio, subprio: r.subprio }, packages: r.packages.filter((p) => p.arch !== 'src' && p.arch !== 'nosrc' && (!arches || p.arch === 'noarch' || arches.includes(p.arch) || r === installedRepo)) }));
  if (step.solverflags.includes('strictrepopriority')) {
    // dnf's rule: a name is taken only from the best-priority repo that has it.
    const best = new Map<string, number>();
    for (const i of inputs) if (i.repo.id !== installedRepo?.name) for (const p of i.packages) best.set(p.name, Math.max(best.get(p.name) ?? -Infinity, i.repo.prio));
    const named = new Set(step.jobs.filter((j) => j.select === 'pkg' || j.select === 'oneof').flatMap((j) => j.args.split(/\s+/)));
    inputs = inputs.map((i) => (i.repo.id === installedRepo?.name ? i : { ...i, packages: i.packages.filter((p) => best.get(p.name) === i.repo.prio || named.has(testcaseSolvableStr(p))) }));
  }
  const pool = new Pool(inputs, { arches: arches ?? [], implicitObsoleteUsesColors: step.poolflags.includes('implicitobsoleteusescolors'), installonly: [] });
  const jobs: Job[] = [];
  const specs: string[] = [];
  const byStr = new Map<string, number>();
  for (let id = 1; id < pool.pkgs.length; id++) byStr.set(testcaseSolvableStr(pool.pkgs[id]), id);
  for (const j of step.jobs) {
    specs.push(j.raw);
    let cands: number[] = [];
    if (j.select === 'name') {
      const d = parseTestcaseDep(j.args);
      cands = pool.whatMatchesName(d);
    } else if (j.select === 'provides') cands = pool.whatProvides(parseTestcaseDep(j.args));
    else if (j.select === 'pkg' || j.select === 'oneof') cands = j.args.split(/\s+/).map((s) => byStr.get(s)).filter((x): x is number => x !== undefined);
    else return { scope: 'skip', reason: `job selection ${j.select}` };
    jobs.push({ candidates: [...cands].sort((a, b) => a - b), spec: specs.length - 1 });
  }
  // Installed packages stay installed (only install jobs are in scope).
  if (installedRepo) {
    for (let id = 1; id < pool.pkgs.length; id++) {
      if (pool.repoOf[id].id === installedRepo.name) {
        specs.push(`installed ${testcaseSolvableStr(pool.pkgs[id])}`);
        jobs.push({ candidates: [id], spec: specs.length - 1 });
      }
    }
  }
  const weakDeps = !step.solverflags.includes('ignorerecommended');
  const noInfarch = new Set<string>();
  step.jobs.forEach((j, k) => {
    if (j.select === 'pkg') for (const id of jobs[k].candidates) noInfarch.add(pool.pkgs[id].name);
  });
  const res = solve(pool, jobs, { weakDeps, installonly: false, noInfarch });
  if (res.ok) {
    const lines = res.installed.filter((id) => pool.repoOf[id].id !== installedRepo?.name).map((id) => `install ${testcaseSolvableStr(pool.pkgs[id])}`).sort();
    return { scope: 'run', ok: true, lines, problems: [] };
  }
  // Count problems as libsolv does: disable the jobs of each problem in turn.
  const problems: { kind: string; text: string }[] = [];
  let active = jobs;
  let res2: ReturnType<typeof solve> = res;
  for (let round = 0; round < 20; round++) {
    if (res2.ok) break;
    const { problem, jobsInCore } = describeCore(pool, res2.rules, res2.sat, res2.core, active, specs, res2.jobClause);
    problems.push({ kind: problem.kind, text: problemText(problem.kind, problem.package, problem.other, problem.dep) });
    const drop = new Set(jobsInCore.length ? jobsInCore : [active.length - 1]);
    active = active.filter((_, k) => !drop.has(k));
    if (!active.length) break;
    res2 = solve(pool, active, { weakDeps, installonly: false, noInfarch });
  }
  return { scope: 'run', ok: false, lines: [], problems };
}

function nevra(p: Package): string {
  return `${p.name}-${p.epoch !== '0' ? `${p.epoch}:` : ''}${p.version}-${p.release}.${p.arch}`;
}

/** libsolv's wording of a problem (solver_problemruleinfo2str). */
export function problemText(kind: string, pkg?: Package, other?: Package, dep?: string): string {
  switch (kind) {
    case 'nothing-provides':
      return `nothing provides ${dep} needed by ${pkg ? nevra(pkg) : '?'}`;
    case 'conflicts':
      return `package ${pkg ? nevra(pkg) : '?'} conflicts with ${dep} provided by ${other ? nevra(other) : '?'}`;
    case 'obsoletes':
      return `package ${pkg ? nevra(pkg) : '?'} obsoletes ${dep} provided by ${other ? nevra(other) : '?'}`;
    case 'same-name':
      return `cannot install both ${other ? nevra(other) : '?'} and ${pkg ? nevra(pkg) : '?'}`;
    default:
      return `${kind} ${dep ?? ''}`.trim();
  }
}
