// The lock file's in-memory shape: plain data that writeLock turns into
// deterministic TOML and readLock turns back. Everything the later stages
// need to fetch and verify a package without re-reading repository metadata.

/** Current format version; readLock refuses anything newer. */
export const LOCK_VERSION = 1;

/**
 * What the lock was computed from, so staleness can say *what* changed. The
 * digests come from the manifest stage (config's inputDigest/manifestInputs)
 * or, for library use, from computeLockInput.
 */
export interface LockInput {
  /** Digest over every part ("sha256:<hex>"). */
  digest: string;
  /** Package specs as written in the manifest (for messages: which one was added). */
  packages: string[];
  exclude: string[];
  weakDeps: boolean;
  arch: string;
  /**
   * Part name -> digest: "packages", "exclude", "weak_deps", "arch",
   * "gpgkeys", "repositories" (their order), "repo:<id>" (one per repository
   * definition, never including credentials), and whatever else the manifest
   * stage tracks.
   */
  parts: Record<string, string>;
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
  | { kind: 'key-changed'; key: string }
  | { kind: 'option-changed'; option: string; from: string; to: string };
