// Builds the [input] section of a lock for library callers that have no
// Manifest: one digest per part (packages, options, each repository
// definition, the keys) under the same part names the manifest stage uses,
// plus one digest over all of them.
import type { RepoDefinition } from '../repo/types.js';
import { redactUrl } from '../util/redact.js';
import { digestOf, sha256 } from './canonical.js';
import type { LockInput } from './types.js';

export interface LockInputSpec {
  packages: string[];
  exclude?: string[];
  weakDeps?: boolean;
  arch: string;
  repositories: RepoDefinition[];
  /** Manifest-level keys; content when it could be read (a changed key file then shows up). */
  keys?: { location: string; content?: string | Uint8Array }[];
}

const SECRET = new Set(['username', 'password', 'proxy_username', 'proxy_password']);

/** The part of a repository definition that can change a resolution (never credentials). */
export function repoDefinitionDigest(def: RepoDefinition): string {
  const options: Record<string, string> = {};
  for (const [k, v] of Object.entries(def.options ?? {})) if (!SECRET.has(k)) options[k] = v;
  return digestOf({
    id: def.id,
    baseurl: def.baseurl.map(redactUrl),
    metalink: def.metalink === undefined ? undefined : redactUrl(def.metalink),
    mirrorlist: def.mirrorlist === undefined ? undefined : redactUrl(def.mirrorlist),
    enabled: def.enabled,
    gpgcheck: def.gpgcheck,
    repoGpgcheck: def.repoGpgcheck,
    gpgkeys: def.gpgkeys.map(redactUrl),
    priority: def.priority,
    cost: def.cost,
    includepkgs: [...def.includepkgs].sort(),
    excludepkgs: [...def.excludepkgs].sort(),
    options,
  });
}

export function computeLockInput(spec: LockInputSpec): LockInput {
  const exclude = [...(spec.exclude ?? [])];
  const weakDeps = spec.weakDeps ?? false;
  const keys = [...(spec.keys ?? [])]
    .map((k) => ({ location: redactUrl(k.location), digest: k.content === undefined ? 'unread' : sha256(k.content) }))
    .sort((a, b) => (a.location < b.location ? -1 : a.location > b.location ? 1 : 0));
  const parts: Record<string, string> = {
    arch: digestOf(spec.arch),
    packages: digestOf([...new Set(spec.packages)].sort()),
    exclude: digestOf([...new Set(exclude)].sort()),
    weak_deps: digestOf(weakDeps),
    gpgkeys: digestOf(keys),
    repositories: digestOf(spec.repositories.map((r) => r.id)),
  };
  for (const def of spec.repositories) parts[`repo:${def.id}`] = repoDefinitionDigest(def);
  const sorted = Object.fromEntries(Object.entries(parts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { digest: digestOf(sorted), packages: [...spec.packages], exclude, weakDeps, arch: spec.arch, parts: sorted };
}
