// The lock file's in-memory shape: plain data that writeLock turns into
// deterministic TOML and readLock turns back. Everything the later stages
// need to fetch and verify a package without re-reading repository metadata.

/** Current format version; readLock refuses anything newer. */
export const LOCK_VERSION = 1;

/** What the lock was computed from, so staleness can say *what* changed. */
export interface LockInput {
  /** Digest over everything below ("sha256:<hex>"). */
  digest: string;
  /** Digest of the manifest's resolution-relevant part (packages, exclude, options). */
  manifest: string;
  /** Package specs as written in the manifest (order kept: it is the user's). */
  packages: string[];
  exclude: string[];
  weakDeps: boolean;
  arch: string;
  /** Other options that change resolution, as strings (sorted by key when written). */
  options: Record<string, string>;
  /** Repository id -> digest of its definition (URLs, filters, priority...; never credentials). */
  repositories: Record<string, string>;
  /** Key location -> digest of the key's content (or of its location when unread). */
  keys: Record<string, string>;
}

export interface LockRepository {
  id: string;
  /** Base URL with credentials stripped. */
  baseurl: string;
  revision?: string;
  timestamp?: number;
  /** Checksum of repomd.xml ("sha256:<hex>"): identifies the snapshot. */
  repomdChecksum: string;
}

export interface LockPackage {
  name: string;
  epoch: string;
  version: string;
  release: string;
  arch: string;
  /** Id of a [[repositories]] entry. */
  repo: string;
  /** Relative to the repository base URL (or absolute when the repo used xml:base). */
  location: string;
  /** "<algo>:<hex>" as the repository metadata gives it. */
  checksum: string;
  size: number;
  sourcerpm?: string;
  /** OpenPGP key id (16 hex digits) of the package signature, when known. */
  signingKey?: string;
}

export interface Lock {
  version: number;
  input: LockInput;
  repositories: LockRepository[];
  packages: LockPackage[];
}

/** One difference between a lock and the current inputs. */
export type Change =
  | { kind: 'package-added'; name: string }
  | { kind: 'package-removed'; name: string }
  | { kind: 'repo-added'; id: string }
  | { kind: 'repo-removed'; id: string }
  | { kind: 'repo-changed'; id: string }
  | { kind: 'key-added'; key: string }
  | { kind: 'key-removed'; key: string }
  | { kind: 'key-changed'; key: string }
  | { kind: 'option-changed'; option: string; from: string; to: string };
