// `rpmkit resolve [--repo URL]... [--arch A] [--weak-deps] [--json] SPEC...`:
// what would be installed into an empty root, or — exit 4 — why it cannot be.
// Also home of the text rendering of solver problems (the solver itself only
// returns structured data).
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { RpmkitError } from '../../errors.js';
import type { Package, Repo } from '../../repo/types.js';
import { type Problem, type Resolution, type Reason, depToString, resolve } from '../../solver/index.js';
import { globals, output } from '../options.js';
import { loadReposFromCli, withRepoOptions } from '../repos.js';

export function nevra(p: Package): string {
  return `${p.name}-${p.epoch && p.epoch !== '0' ? `${p.epoch}:` : ''}${p.version}-${p.release}.${p.arch}`;
}

/** One problem as readable text (several lines). */
export function formatProblem(p: Problem): string {
  const pk = p.package ? nevra(p.package) : '?';
  const other = p.other ? nevra(p.other) : '?';
  let head: string;
  switch (p.kind) {
    case 'not-found':
      head = `no package matches '${p.dep}'`;
      break;
    case 'only-excluded':
      head = `'${p.dep}' matches only packages that are filtered out`;
      break;
    case 'nothing-provides':
      head = `nothing provides ${p.dep} needed by ${pk}`;
      break;
    case 'conflicts':
      head = `${pk} conflicts with ${p.dep ?? other}${p.other ? ` (provided by ${other})` : ''}`;
      break;
    case 'obsoletes':
      head = `${pk} obsoletes ${other} (${p.dep})`;
      break;
    case 'same-name':
      head = `cannot install both ${pk} and ${other}`;
      break;
    case 'requires':
      head = `${pk} requires ${p.dep}, but none of the providers can be installed`;
      break;
    default:
      head = `the request cannot be satisfied (${p.specs.join(', ')})`;
  }
  const lines = [head];
  if (p.chain.length > 1) lines.push(`  (required by: ${p.chain.join(' -> ')})`);
  if (p.otherChain && p.otherChain.length > 1) lines.push(`  (${other} required by: ${p.otherChain.join(' -> ')})`);
  for (const e of p.excluded ?? []) lines.push(`  ${e.nevra} from ${e.repo}: ${e.reason}`);
  for (const s of p.suggestions) lines.push(`  suggestion: ${s}`);
  return lines.join('\n');
}

export function formatReason(r: Reason): string {
  switch (r.kind) {
    case 'requested':
      return `requested as '${r.spec}'`;
    case 'local':
      return `local package ${r.file}`;
    case 'requires':
      return `required by ${nevra(r.by)} (${depToString(r.dep)})`;
    case 'recommends':
      return `recommended by ${nevra(r.by)} (${depToString(r.dep)})`;
    case 'supplements':
      return `supplements ${nevra(r.of)} (${depToString(r.dep)})`;
  }
}

export function problemJson(p: Problem): Record<string, unknown> {
  return {
    kind: p.kind,
    dep: p.dep,
    package: p.package ? nevra(p.package) : undefined,
    other: p.other ? nevra(p.other) : undefined,
    specs: p.specs,
    chain: p.chain,
    otherChain: p.otherChain,
    excluded: p.excluded,
    suggestions: p.suggestions,
    message: formatProblem(p).split('\n')[0],
  };
}

export function packageJson(p: Package): { name: string; epoch: string; version: string; release: string; arch: string; repo: string } {
  return { name: p.name, epoch: p.epoch, version: p.version, release: p.release, arch: p.arch, repo: p.repoId };
}

export interface ResolveCliOptions {
  weakDeps?: boolean;
  exclude?: string[];
  multilib?: boolean;
}

/**
 * Load repos + local .rpm files named on the command line and resolve;
 * shared by resolve and why. Without specs, the manifest's packages,
 * excludes and weak_deps are resolved against its repositories; `lock`
 * then restricts every package to the one rpmkit.lock records.
 */
export async function resolveFromCli(cmd: Command, specs: string[], o: ResolveCliOptions, useLock = false): Promise<{ resolution: Resolution; repos: Repo[]; source: string }> {
  const g = globals(cmd);
  if (!specs.length) {
    const { loadManifest } = await import('../../config/index.js');
    const { loadForResolve } = await import('./update.js');
    const m = await loadManifest({ file: g.file, basearch: g.arch });
    const loaded = await loadForResolve(cmd, m);
    const request = { ...loaded.request, weakDeps: o.weakDeps || loaded.request.weakDeps, exclude: [...(loaded.request.exclude ?? []), ...(o.exclude ?? [])] };
    const repoFilters = Object.fromEntries(m.contents.repositories.map((d) => [d.id, { includepkgs: d.includepkgs, excludepkgs: d.excludepkgs }]));
    let repos = loaded.repos;
    let source = m.path;
    if (useLock) {
      const lockPath = path.join(m.dir, 'rpmkit.lock');
      if (existsSync(lockPath)) {
        const { readLock, checksumString } = await import('../../lockfile/index.js');
        const lock = await readLock(lockPath);
        const pinned = new Set(lock.packages.map((p) => `${p.name}\u0000${p.checksum}`));
        const names = new Set(lock.packages.map((p) => p.name));
        // Only the locked build of every locked name stays visible.
        repos = repos.map((r) => {
          const copy = Object.create(r) as Repo;
          copy.packages = r.packages.filter((p) => !names.has(p.name) || pinned.has(`${p.name}\u0000${checksumString(p.checksum)}`));
          return copy;
        });
        source = lockPath;
      }
    }
    const resolution = await resolve(repos, request, { repoFilters });
    return { resolution, repos, source };
  }
  const localFiles = specs.filter((s) => s.endsWith('.rpm') && existsSync(s));
  const names = specs.filter((s) => !localFiles.includes(s));
  const localPackages: Package[] = [];
  if (localFiles.length) {
    const rpm = await import('../../rpm/index.js');
    for (const f of localFiles) {
      const pkg = await rpm.rpmToPackage(await rpm.readRpm(f));
      pkg.location = f;
      localPackages.push(pkg);
    }
  }
  const repos = await loadReposFromCli(cmd);
  const resolution = await resolve(repos, { install: names, localPackages, exclude: o.exclude, arch: g.arch, weakDeps: Boolean(o.weakDeps), multilib: Boolean(o.multilib) });
  return { resolution, repos, source: 'command line' };
}

export function unsatisfiable(problems: Problem[]): RpmkitError {
  const text = problems.map(formatProblem).join('\n');
  return new RpmkitError('UNSATISFIABLE', `the request cannot be satisfied:\n${text}`, {
    hint: problems.flatMap((p) => p.suggestions)[0] ?? 'see the problems above',
    details: { problems: problems.map(problemJson) },
  });
}

export function withSolverOptions(cmd: Command): Command {
  return cmd
    .option('--weak-deps', 'also install Recommends and Supplements (off by default)')
    .option('--exclude <glob>', 'never install packages matching this glob (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--multilib', 'allow the 32-bit compat arches of the target (i686 on x86_64)');
}

export function register(program: Command): void {
  withSolverOptions(withRepoOptions(program.command('resolve').argument('[spec...]', "package names, NEVRAs, capabilities, /paths, globs or local .rpm files (default: the manifest's packages)").description('show the packages that installing SPEC into an empty root needs')))
    .action(async (specs: string[], o: ResolveCliOptions, cmd: Command) => {
      const { resolution } = await resolveFromCli(cmd, specs, o);
      if (!resolution.ok) throw unsatisfiable(resolution.problems);
      const pkgs = resolution.packages;
      const out = output(cmd);
      out.result({ packages: pkgs.map(packageJson) }, () => {
        const rows = pkgs.map((p) => [p.name, p.arch, `${p.epoch !== '0' ? `${p.epoch}:` : ''}${p.version}-${p.release}`, p.repoId]);
        const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length), 4));
        const body = rows.map((r) => `${r[0].padEnd(w[0])}  ${r[1].padEnd(w[1])}  ${r[2].padEnd(w[2])}  ${r[3]}`).join('\n');
        const total = pkgs.reduce((a, p) => a + (p.size?.package ?? 0), 0);
        return `${body}\n\n${pkgs.length} packages, ${(total / 1048576).toFixed(1)} MiB to download`;
      });
    });
}
