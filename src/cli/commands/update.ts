// `rpmkit update [PKG...]`: re-resolve the manifest. With names, every other
// locked package stays pinned to its locked file and only the named ones
// (plus whatever they force) move; when the pins make that impossible, the
// fewest pins are released and the output says which. Also the resolution
// glue shared by `lock`, `update`, `outdated` and `lock --import`.
import type { Command } from 'commander';
import { RpmkitError } from '../../errors.js';
import type { Manifest } from '../../config/index.js';
import type { Package, Repo } from '../../repo/index.js';
import type { Problem, ResolveOptions, ResolveRequest, Resolution } from '../../solver/index.js';
import { compareEVR } from '../../evr/index.js';
import {
  buildLock, checksumString, matchForeignLock, parseRpmociLock, parseRpmsLockYaml,
  type Lock, type LockInput,
} from '../../lockfile/index.js';
import { globals, output } from '../options.js';
import { cacheDirFor } from './vendor.js';
import { runLock } from './lock.js';

export interface Loaded {
  repos: Repo[];
  localPackages: Package[];
  request: ResolveRequest;
}

// The repository, solver and rpm stages are loaded when a command resolves,
// not when the CLI starts: `vendor`, `lock --check` and `install` never need them.
async function resolve(repos: Repo[], request: ResolveRequest, opts: ResolveOptions): Promise<Resolution> {
  return (await import('../../solver/index.js')).resolve(repos, request, opts);
}

/** Repositories and the resolve request for a manifest. */
export async function loadForResolve(cmd: Command, m: Manifest, opts: { offline?: boolean; refresh?: boolean } = {}): Promise<Loaded> {
  const g = globals(cmd);
  const out = output(cmd);
  const defs = m.contents.repositories.filter((d) => d.enabled);
  const { loadRepos } = await import('../../repo/index.js');
  const { readRpm, rpmToPackage } = await import('../../rpm/index.js');
  const repos = await loadRepos(defs, { cacheDir: cacheDirFor(g), offline: opts.offline, refresh: opts.refresh, log: (s) => out.debug(s) });
  const localPackages: Package[] = [];
  for (const f of m.contents.localPackages) localPackages.push(await rpmToPackage(await readRpm(f)));
  const localSet = new Set(m.contents.localPackages);
  return {
    repos,
    localPackages,
    request: {
      // Local .rpm paths are passed as packages, not as specs.
      install: m.contents.packages.filter((s) => !localSet.has(s) && !/\.rpm$/.test(s)),
      localPackages,
      exclude: m.contents.exclude,
      arch: m.arch,
      weakDeps: m.contents.weakDeps,
    },
  };
}

function repoFilters(m: Manifest): Record<string, { includepkgs?: string[]; excludepkgs?: string[] }> {
  const f: Record<string, { includepkgs?: string[]; excludepkgs?: string[] }> = {};
  for (const d of m.contents.repositories) f[d.id] = { includepkgs: d.includepkgs, excludepkgs: d.excludepkgs };
  return f;
}

/**
 * Repos in which every pinned name offers only its pinned file(s). The
 * copies share Package objects with the originals (and inherit
 * loadFilelists), so filelists load once.
 */
function pinRepos(repos: Repo[], pins: Map<string, Set<string>>): Repo[] {
  return repos.map((r) => {
    const copy = Object.create(r) as Repo;
    copy.packages = r.packages.filter((p) => {
      const want = pins.get(p.name);
      return !want || want.has(checksumString(p.checksum));
    });
    return copy;
  });
}

/** UNSATISFIABLE with the problems worded as `rpmkit resolve` words them. */
async function problemsError(problems: Problem[]): Promise<RpmkitError> {
  return (await import('./resolve.js')).unsatisfiable(problems);
}

function lockishNevra(p: Package): string {
  return `${p.name}-${p.epoch && p.epoch !== '0' ? `${p.epoch}:` : ''}${p.version}-${p.release}.${p.arch}`;
}

/** Names a failed resolution points at: the packages in its problems and their chains. */
function namesInProblems(problems: Problem[]): Set<string> {
  const out = new Set<string>();
  for (const p of problems) {
    if (p.package) out.add(p.package.name);
    if (p.other) out.add(p.other.name);
    for (const c of [...p.chain, ...(p.otherChain ?? [])]) {
      const m = /^(.+)-[^-]+-[^-]+$/.exec(c.replace(/\.[^.]+$/, ''));
      if (m) out.add(m[1]);
    }
  }
  return out;
}

/** Names directly related to `names` by requires/provides within `pkgs` (one hop both ways). */
function neighbours(pkgs: Package[], names: Set<string>): Set<string> {
  const provides = new Map<string, Set<string>>();
  for (const p of pkgs) {
    for (const d of [...p.provides, { name: p.name }]) {
      let s = provides.get(d.name);
      if (!s) provides.set(d.name, (s = new Set()));
      s.add(p.name);
    }
    for (const f of p.files) {
      let s = provides.get(f);
      if (!s) provides.set(f, (s = new Set()));
      s.add(p.name);
    }
  }
  const out = new Set(names);
  for (const p of pkgs) {
    const reqNames = new Set<string>();
    for (const d of p.requires) for (const n of provides.get(d.name) ?? []) reqNames.add(n);
    if (names.has(p.name)) for (const n of reqNames) out.add(n);
    for (const n of reqNames) if (names.has(n)) out.add(p.name);
  }
  return out;
}

export interface RelockResult {
  lock: Lock;
  notes: string[];
}

/** Named packages that did not reach the newest version the repositories offer (same arch). */
function heldBack(repos: Repo[], chosen: Package[], float: Set<string>): Package[] {
  const out: Package[] = [];
  for (const p of chosen) {
    if (!float.has(p.name)) continue;
    for (const r of repos) {
      if (r.packages.some((q) => q.name === p.name && q.arch === p.arch && compareEVR(q, p) > 0)) {
        out.push(p);
        break;
      }
    }
  }
  return out;
}

/**
 * Resolve with the locked packages of every name not in `float` pinned, and
 * the floating names expected to reach their newest version. When the pins
 * make that impossible, release pins step by step — the names a failed
 * resolution points at, else the requires/provides neighbours of what moves
 * — and finally everything.
 */
async function resolvePinned(loaded: Loaded, m: Manifest, pinned: Map<string, Set<string>>, float: Set<string>): Promise<{ packages: Package[]; released: string[]; held: Package[] }> {
  const opts = { repoFilters: repoFilters(m) };
  const pins = new Map([...pinned].filter(([n]) => !float.has(n)));
  const released: string[] = [];
  let lastProblems: Problem[] = [];
  let best: Package[] | undefined;
  for (let round = 0; round < 8; round++) {
    const r = await resolve(pins.size ? pinRepos(loaded.repos, pins) : loaded.repos, loaded.request, opts);
    let drop = new Set<string>();
    if (r.ok) {
      const held = heldBack(loaded.repos, r.packages, float);
      if (!held.length || !pins.size) return { packages: r.packages, released, held };
      best ??= r.packages;
      const all = loaded.repos.flatMap((x) => x.packages);
      drop = new Set([...neighbours(all, new Set([...held.map((p) => p.name), ...released]))].filter((n) => pins.has(n)));
    } else {
      lastProblems = r.problems;
      if (!pins.size) break;
      drop = new Set([...namesInProblems(r.problems)].filter((n) => pins.has(n)));
      if (!drop.size) {
        const all = loaded.repos.flatMap((x) => x.packages);
        drop = new Set([...neighbours(all, new Set([...float, ...released]))].filter((n) => pins.has(n)));
      }
    }
    if (!drop.size || round >= 6) drop = new Set(pins.keys());
    for (const n of [...drop].sort()) {
      pins.delete(n);
      released.push(n);
    }
  }
  if (best) return { packages: best, released: [], held: heldBack(loaded.repos, best, float) };
  throw await problemsError(lastProblems);
}

function pinsFromLock(lock: Lock): Map<string, Set<string>> {
  const pins = new Map<string, Set<string>>();
  for (const p of lock.packages) {
    let s = pins.get(p.name);
    if (!s) pins.set(p.name, (s = new Set()));
    s.add(p.checksum);
  }
  return pins;
}

function lockablePackages(pkgs: Package[]): Package[] {
  // Local .rpm files are re-read at install time (as rpmoci does); the lock holds repository packages.
  return pkgs.filter((p) => p.repoId !== '@commandline');
}

/** `lock` / `update [names]`: a new lock for the manifest. */
export async function relock(cmd: Command, m: Manifest, input: LockInput, previous: Lock | undefined, names: string[], refresh = false): Promise<RelockResult> {
  // `update` always asks the repositories for their newest metadata; `lock` honours metadata_expire.
  const loaded = await loadForResolve(cmd, m, { refresh });
  const notes: string[] = [];
  if (!names.length || !previous) {
    if (names.length) notes.push('no previous lock: resolving everything');
    const r = await resolve(loaded.repos, loaded.request, { repoFilters: repoFilters(m) });
    if (!r.ok) throw await problemsError(r.problems);
    return { lock: buildLock(input, loaded.repos, lockablePackages(r.packages)), notes };
  }
  const lockedNames = new Set(previous.packages.map((p) => p.name));
  const unknown = names.filter((n) => !lockedNames.has(n));
  if (unknown.length) {
    throw new RpmkitError('PACKAGE_SPEC_INVALID', `not in the lock: ${unknown.join(', ')}`, { hint: 'name packages as the lock lists them (`rpmkit outdated` shows what can move); add new packages to the manifest and run `rpmkit lock`' });
  }
  // A locked file the repositories no longer have cannot stay pinned: it moves, and we say so.
  const available = new Set(loaded.repos.flatMap((r) => r.packages.map((p) => checksumString(p.checksum))));
  const pins = pinsFromLock(previous);
  const vanished: string[] = [];
  for (const [name, sums] of pins) {
    if (![...sums].every((c) => available.has(c))) {
      pins.delete(name);
      if (!names.includes(name)) vanished.push(name);
    }
  }
  if (vanished.length) notes.push(`locked files no longer in the repositories, so these move too: ${vanished.sort().join(', ')}`);
  const { packages, released, held } = await resolvePinned(loaded, m, pins, new Set(names));
  if (released.length) notes.push(`also unpinned to make the update possible: ${released.join(', ')}`);
  for (const p of held) notes.push(`${p.name} stays at ${lockishNevra(p)}: its newer versions cannot be installed with the rest of the manifest`);
  return { lock: buildLock(input, loaded.repos, lockablePackages(packages)), notes };
}

/** `lock --import FILE`: the foreign lock's package files pinned, the rest resolved. */
export async function importForeignLock(cmd: Command, m: Manifest, input: LockInput, text: string, file: string, arch?: string): Promise<RelockResult> {
  const fl = /^\s*(---|lockfileVersion\s*:)/m.test(text) || /\.ya?ml$/i.test(file) ? parseRpmsLockYaml(text, file, arch ?? m.arch) : parseRpmociLock(text, file);
  const loaded = await loadForResolve(cmd, m);
  const match = matchForeignLock(fl, loaded.repos);
  const notes: string[] = [`imported ${match.packages.length} of ${fl.packages.length} packages from ${file} (${fl.format})`];
  if (match.missing.length) notes.push(`not in the configured repositories (resolved afresh): ${match.missing.map((p) => `${p.name}-${p.version}-${p.release}`).join(', ')}`);
  if (fl.packageSpecs && fl.packageSpecs.join('\0') !== m.contents.packages.join('\0')) notes.push(`note: ${file} was made for packages [${fl.packageSpecs.join(', ')}]; the manifest asks for [${m.contents.packages.join(', ')}]`);
  const pins = new Map<string, Set<string>>();
  for (const p of match.packages) {
    let s = pins.get(p.name);
    if (!s) pins.set(p.name, (s = new Set()));
    s.add(checksumString(p.checksum));
  }
  const { packages, released } = await resolvePinned(loaded, m, pins, new Set());
  if (released.length) notes.push(`could not keep the imported versions of: ${released.join(', ')}`);
  return { lock: buildLock(input, loaded.repos, lockablePackages(packages)), notes };
}

export function register(program: Command): void {
  program
    .command('update')
    .description('re-resolve: with PKG names, move only those (and what they force) and keep the rest of rpmkit.lock pinned; without, same as `lock`')
    .argument('[packages...]', 'locked package names to move')
    .action(async (packages: string[], _opts: unknown, cmd: Command) => runLock(cmd, {}, packages, true));
}

