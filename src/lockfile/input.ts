// Builds the [input] section of a lock from the manifest's parts: one digest
// per part (manifest, each repository definition, each key) so that a stale
// lock can say which part changed, plus one digest over all of them.
import type { RepoDefinition } from '../repo/types.js';
import { redactUrl } from '../util/redact.js';
import { digestOf, sha256 } from './canonical.js';
import type { LockInput } from './types.js';

export interface LockInputSpec {
  packages: string[];
  exclude?: string[];
  weakDeps?: boolean;
  arch: string;
  /** Other resolution-relevant options (e.g. docs=false does not matter; installonly would). */
  options?: Record<string, string>;
  repositories: RepoDefinition[];
  /** Manifest-level keys; content when it could be read (a changed key file then shows up). */
  keys?: { location: string; content?: string | Uint8Array }[];
}

// Options that never change which packages are chosen, or that carry secrets.
const IGNORED_REPO_OPTION = /^(metadata_expire|name|username|password|proxy.*|ssl.*|.*token.*|.*secret.*|timeout|retries|minrate|throttle|skip_if_unavailable|deltarpm.*|fastestmirror|max_parallel_downloads)$/i;

/** The part of a repository definition that can change a resolution (never credentials). */
export function repoDefinitionDigest(def: RepoDefinition): string {
  const options: Record<string, string> = {};
  for (const [k, v] of Object.entries(def.options ?? {})) {
    if (IGNORED_REPO_OPTION.test(k)) continue;
    options[k] = /url|list|link/i.test(k) ? redactUrl(v) : v;
  }
  return digestOf({
    baseurl: def.baseurl.map(redactUrl),
    metalink: def.metalink === undefined ? undefined : redactUrl(def.metalink),
    mirrorlist: def.mirrorlist === undefined ? undefined : redactUrl(def.mirrorlist),
    enabled: def.enabled,
    gpgcheck: def.gpgcheck,
    repoGpgcheck: def.repoGpgcheck,
    gpgkeys: def.gpgkeys.map(redactUrl),
    priority: def.priority,
    cost: def.cost,
    includepkgs: def.includepkgs,
    excludepkgs: def.excludepkgs,
    options,
  });
}

export function computeLockInput(spec: LockInputSpec): LockInput {
  const exclude = [...(spec.exclude ?? [])];
  const weakDeps = spec.weakDeps ?? false;
  const options = Object.fromEntries(Object.entries(spec.options ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const manifest = digestOf({ packages: spec.packages, exclude, weakDeps, arch: spec.arch, options });
  const repositories: Record<string, string> = {};
  for (const def of [...spec.repositories].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    if (def.enabled === false) continue;
    repositories[def.id] = repoDefinitionDigest(def);
  }
  const keys: Record<string, string> = {};
  for (const k of [...(spec.keys ?? [])].sort((a, b) => (a.location < b.location ? -1 : a.location > b.location ? 1 : 0))) {
    keys[redactUrl(k.location)] = k.content === undefined ? digestOf({ location: redactUrl(k.location) }) : sha256(k.content);
  }
  const digest = digestOf({ manifest, repositories, keys });
  return { digest, manifest, packages: [...spec.packages], exclude, weakDeps, arch: spec.arch, options, repositories, keys };
}
