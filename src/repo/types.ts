// The in-memory package pool contract shared by the metadata stage (which
// fills it) and the solver, lock and install stages (which read it). Data
// only, read-only to readers: packages from the pool cache decode their
// fields on first read (cachedpackage.ts), others are plain objects;
// plainPackage() gives a plain copy of either.
import type { DepOp, EVR } from '../evr/index.js';

/** Operators of rpm's rich (boolean) dependencies. */
export type RichOp = 'and' | 'or' | 'if' | 'unless' | 'with' | 'without';

/** A parsed rich dependency tree: `(a or (b if c else d))`. */
export interface RichDep {
  op: RichOp;
  /** and/or/with/without: 2+ operands; if/unless: [then, cond] or [then, cond, else]. */
  args: Dep[];
}

/**
 * One dependency entry (provides, requires, conflicts, ...). A rich
 * dependency keeps its raw text in `name` (starting with '(') and its parsed
 * tree in `rich`.
 */
export interface Dep {
  name: string;
  op?: DepOp;
  evr?: EVR;
  /** Requires(pre) / Requires(post) etc. marked pre="1" in primary.xml. */
  pre?: boolean;
  rich?: RichDep;
}

export type FileType = 'file' | 'dir' | 'ghost';

export interface Checksum {
  /** sha256, sha512, sha1, md5 ... as named by the repository metadata */
  type: string;
  /** lowercase hex */
  value: string;
}

export interface Package {
  name: string;
  /** Always set; '0' when the metadata has none. */
  epoch: string;
  version: string;
  release: string;
  arch: string;
  /** Id of the repository this package was loaded from ('@commandline' for local files). */
  repoId: string;
  /** Path relative to the repository base URL (or absolute URL when xml:base is set). */
  location: string;
  /** xml:base of <location>, when the repository points elsewhere for payloads. */
  locationBase?: string;
  checksum: Checksum;
  size: { package: number; installed: number; archive: number };
  time: { file: number; build: number };
  sourcerpm?: string;
  summary?: string;
  description?: string;
  url?: string;
  license?: string;
  vendor?: string;
  group?: string;
  buildhost?: string;
  packager?: string;
  headerRange?: { start: number; end: number };
  provides: Dep[];
  requires: Dep[];
  conflicts: Dep[];
  obsoletes: Dep[];
  recommends: Dep[];
  suggests: Dep[];
  supplements: Dep[];
  enhances: Dep[];
  /**
   * Files known for this package: primary.xml's subset until the repo's
   * filelists are loaded, then the full list. Sorted is not guaranteed.
   */
  files: string[];
  /** Parallel to `files` when known: the type of each entry ('file' default). */
  fileTypes?: FileType[];
}

/** One advisory from updateinfo.xml. */
export interface Advisory {
  id: string;
  type: string;
  severity?: string;
  title?: string;
  issued?: string;
  updated?: string;
  references: { type: string; id?: string; href?: string; title?: string }[];
  packages: { name: string; epoch: string; version: string; release: string; arch: string; filename?: string }[];
}

/** A repository as the later stages see it. */
export interface Repo {
  id: string;
  name?: string;
  /** Base URL packages are fetched from (credentials stripped). */
  baseUrl: string;
  /** Lower number wins (dnf semantics); default 99. */
  priority: number;
  /** Lower cost wins among equal candidates; default 1000. */
  cost: number;
  /** repomd <revision>, when present. */
  revision?: string;
  /** Checksum (sha256 hex) of repomd.xml: identifies the snapshot. */
  repomdChecksum: string;
  /** Newest <timestamp> among the repomd data entries. */
  timestamp?: number;
  packages: Package[];
  /**
   * `packages` are in the solver's canonical pool order (repo/order.ts), as
   * the cache stores them, so building a pool need not check or sort them.
   */
  poolOrdered?: boolean;
  advisories?: Advisory[];
  /** True once `loadFilelists` replaced primary's file subsets with full lists. */
  filelistsLoaded: boolean;
  /** Load filelists.xml (if the repo has one) into every package's `files`. Idempotent. */
  loadFilelists(): Promise<void>;
}

/**
 * A repository as configured (manifest, .repo file or --repo URL), before
 * anything is fetched. The config stage produces it; the repo stage loads it.
 */
export interface RepoDefinition {
  id: string;
  name?: string;
  /** One or more base URLs (mirrors, tried in order); may be empty when metalink/mirrorlist is set. */
  baseurl: string[];
  metalink?: string;
  mirrorlist?: string;
  enabled: boolean;
  /** Verify package signatures (default true). */
  gpgcheck: boolean;
  /** Verify repomd.xml.asc (default false). */
  repoGpgcheck: boolean;
  /** Key locations (file:// or http(s)://, or paths) for this repo. */
  gpgkeys: string[];
  priority: number;
  cost: number;
  includepkgs: string[];
  excludepkgs: string[];
  sslverify: boolean;
  sslcacert?: string;
  sslclientcert?: string;
  sslclientkey?: string;
  /** Seconds; dnf's metadata_expire (-1 = never). Default 172800 (48h) as in dnf. */
  metadataExpire: number;
  /** Inline credentials (from .repo files); env RPMKIT_<ID>_HTTP_USERNAME/PASSWORD override. */
  username?: string;
  password?: string;
  /** Every option as written, for options rpmkit does not interpret. */
  options: Record<string, string>;
}
