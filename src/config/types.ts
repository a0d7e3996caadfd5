// The manifest as the rest of rpmkit sees it: resolved (variables
// substituted, relative paths made absolute, host repo ids looked up) and
// with defaults filled in.
import type { RepoDefinition } from '../repo/types.js';

/** OCI image configuration from [image] (rpmoci's keys plus rpmkit's spellings). */
export interface ImageConfig {
  /** Unset when not written; [] when written empty (the two differ in OCI). */
  entrypoint?: string[];
  cmd?: string[];
  envs: Record<string, string>;
  labels: Record<string, string>;
  /** "8080/tcp", "53/udp"; a bare "80" means tcp as in OCI. */
  exposedPorts: string[];
  user?: string;
  workdir?: string;
  volumes: string[];
  stopSignal?: string;
  author?: string;
}

export interface ManifestContents {
  repositories: RepoDefinition[];
  /** Package specs as written (names, globs, provides, paths to local .rpm files). */
  packages: string[];
  /** Absolute paths of the local .rpm files the packages list matched (sorted). */
  localPackages: string[];
  /** Global signing keys: URLs (local paths are turned into file:// URLs). */
  gpgkeys: string[];
  /** Install %doc files (rpmkit default true; rpmoci.toml files keep rpmoci's default false). */
  docs: boolean;
  /** Install Recommends/Supplements (default false: small images). */
  weakDeps: boolean;
  /** Package names/globs never to install. */
  exclude: string[];
  /** Pull in whatever provides /etc/os-release (default true, as rpmoci). */
  osRelease: boolean;
}

/** Where a repository entry came from, for messages and digests. */
export interface RepoOrigin {
  kind: 'url' | 'path' | 'id' | 'table';
  /** The entry as written in the manifest (a URL, path, id or the table's url). */
  written: string;
  /** Manifest line of the entry. */
  line?: number;
  /** For kind 'id': the .repo file that defined it. */
  repoFile?: string;
}

export interface Manifest {
  /** Absolute path of the manifest file. */
  path: string;
  /** Its directory: relative paths in the manifest resolve against it. */
  dir: string;
  /** 'rpmoci' when the file is named rpmoci.toml (rpmoci's defaults apply). */
  format: 'rpmkit' | 'rpmoci';
  /** Target architecture (rpm naming) used for $arch/$basearch. */
  arch: string;
  /** The substitution variables in effect ($releasever, $basearch, ...). */
  vars: Record<string, string>;
  contents: ManifestContents;
  /** Parallel to contents.repositories. */
  repoOrigins: RepoOrigin[];
  image: ImageConfig;
}

export interface ParseOptions {
  /** Where host repo ids are looked up (default: /etc/yum.repos.d, /etc/yum/repos.d, /etc/distro.repos.d; env RPMKIT_REPOS_DIR). */
  reposDir?: string | string[];
  /** $releasever (default: env RPMKIT_RELEASEVER, else VERSION_ID of /etc/os-release). */
  releasever?: string;
  /** Target architecture; $basearch is derived from it (default: the host's). */
  basearch?: string;
  /** Directories of dnf variable files (default: /etc/dnf/vars, /etc/yum/vars when reposDir is the default). */
  varsDirs?: string[];
  /** How errors name the file (default: the path given). */
  displayPath?: string;
}

export interface LoadOptions extends ParseOptions {
  /** Manifest path (the -f flag); default rpmkit.toml then rpmoci.toml in cwd. */
  file?: string;
  cwd?: string;
}
