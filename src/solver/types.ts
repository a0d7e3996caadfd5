// Public shapes of the solver stage: the request, the resolution, the
// reasons a package is in the set, and structured problems (the CLI alone
// turns them into sentences).
import type { Dep, Package } from '../repo/types.js';

export interface ResolveRequest {
  /** Package specs: names, NEVRA forms, capabilities, file paths, globs. */
  install: string[];
  /** Local packages (e.g. read from .rpm files); each one is installed. */
  localPackages?: Package[];
  /** Glob patterns of packages never to install (dnf's excludepkgs / --exclude). */
  exclude?: string[];
  /** Target architecture (default: the host's, e.g. x86_64). */
  arch?: string;
  /** Install Recommends and Supplements (default false, as rpmoci). */
  weakDeps?: boolean;
  /** Allow the 32-bit compat arches of a 64-bit target (i686 on x86_64). */
  multilib?: boolean;
}

export interface ResolveOptions {
  /** Per-repository includepkgs/excludepkgs (dnf .repo options), by repo id. */
  repoFilters?: Record<string, { includepkgs?: string[]; excludepkgs?: string[] }>;
  /** Capabilities marking install-only packages (default: dnf's installonlypkgs). */
  installonly?: string[];
  /** Stop after this many problems (default 10). */
  maxProblems?: number;
}

export type Reason =
  | { kind: 'requested'; spec: string }
  | { kind: 'local'; file: string }
  | { kind: 'requires'; by: Package; dep: Dep }
  | { kind: 'recommends'; by: Package; dep: Dep }
  | { kind: 'supplements'; of: Package; dep: Dep };

export type ProblemKind = 'not-found' | 'only-excluded' | 'nothing-provides' | 'conflicts' | 'obsoletes' | 'same-name' | 'requires' | 'unsatisfiable';

export interface Problem {
  kind: ProblemKind;
  /** The dependency text involved (`foo >= 1.2`), or the spec for not-found. */
  dep?: string;
  /** The package whose dependency fails / that conflicts / that obsoletes. */
  package?: Package;
  /** The other package (conflict target, obsoleted package, same-name rival). */
  other?: Package;
  /** The request spec(s) this problem blocks. */
  specs: string[];
  /** Path from the requested spec to `package`: [spec, nevra, ..., nevra]. */
  chain: string[];
  /** Path from a requested spec to `other`, when it differs. */
  otherChain?: string[];
  /** Why packages were filtered out, when that matters (exclude pattern, arch, priority). */
  excluded?: { nevra: string; repo: string; reason: string }[];
  /** Actionable hints, plain text. */
  suggestions: string[];
}

export type Resolution =
  | { ok: true; packages: Package[]; reasons: Map<Package, Reason>; specs: Map<string, Package[]> }
  | { ok: false; problems: Problem[] };
