// The input digest a lock records: sha256 over a canonical (sorted-key)
// JSON of everything in [contents] that can change what resolves — the
// repository definitions, package and exclude lists, weak_deps,
// os_release, the target arch, and the bytes of local key and .rpm files.
// Per-part digests let `lock --check` say what changed. Paths under the
// manifest's directory are written relative, so a checkout in another
// place has the same digest; credentials never enter it.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { RpmkitError } from '../errors.js';
import type { RepoDefinition } from '../repo/types.js';
import type { Manifest } from './types.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** JSON with object keys sorted at every level. */
export function canonicalJson(v: unknown): string {
  const norm = (x: unknown): Json => {
    if (x === null || x === undefined) return null;
    if (Array.isArray(x)) return x.map(norm);
    if (typeof x === 'object') {
      const out: { [k: string]: Json } = {};
      for (const k of Object.keys(x as object).sort()) {
        const val = (x as Record<string, unknown>)[k];
        if (val !== undefined) out[k] = norm(val);
      }
      return out;
    }
    if (typeof x === 'bigint') return x.toString();
    return x as Json;
  };
  return JSON.stringify(norm(v));
}

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

const SECRET_OPTIONS = new Set(['username', 'password', 'proxy_username', 'proxy_password']);

/** A URL as it enters the digest: no userinfo; file: URLs under the manifest dir made relative. */
function portableUrl(url: string, dir: string): string {
  const base = pathToFileURL(dir).href.replace(/\/?$/, '/');
  if (url.startsWith(base)) return `file:./${url.slice(base.length)}`;
  return url.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/@]*@/, '$1');
}

function fileDigest(url: string, dir: string, what: string): { file: string; sha256: string } | undefined {
  if (!url.startsWith('file:')) return undefined;
  let p: string;
  try {
    p = fileURLToPath(url);
  } catch {
    return undefined;
  }
  try {
    return { file: portableUrl(url, dir), sha256: sha256(readFileSync(p)) };
  } catch (e) {
    // A missing key is an input state too (adding it later changes the digest);
    // the stage that needs the key reports it.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { file: portableUrl(url, dir), sha256: 'missing' };
    throw new RpmkitError('IO_ERROR', `cannot read ${what} ${p}: ${(e as Error).message}`, { hint: 'the manifest names this file; restore it or fix the path', cause: e });
  }
}

function repoPart(r: RepoDefinition, dir: string): unknown {
  const options: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.options)) if (!SECRET_OPTIONS.has(k)) options[k] = v;
  return {
    id: r.id,
    name: r.name,
    baseurl: r.baseurl.map((u) => portableUrl(u, dir)),
    metalink: r.metalink && portableUrl(r.metalink, dir),
    mirrorlist: r.mirrorlist && portableUrl(r.mirrorlist, dir),
    enabled: r.enabled,
    gpgcheck: r.gpgcheck,
    repoGpgcheck: r.repoGpgcheck,
    gpgkeys: r.gpgkeys.map((k) => fileDigest(k, dir, `repository ${r.id} key`) ?? portableUrl(k, dir)),
    priority: r.priority,
    cost: r.cost,
    includepkgs: [...r.includepkgs].sort(),
    excludepkgs: [...r.excludepkgs].sort(),
    sslverify: r.sslverify,
    options,
  };
}

/** The canonical parts, by name (e.g. "packages", "repo:fedora"). */
export function manifestInputParts(m: Manifest): Record<string, unknown> {
  const c = m.contents;
  const parts: Record<string, unknown> = {
    arch: m.arch,
    packages: [...new Set(c.packages)].sort(),
    localPackages: c.localPackages.map((f) => fileDigest(pathToFileURL(f).href, m.dir, 'local package')),
    exclude: [...new Set(c.exclude)].sort(),
    weak_deps: c.weakDeps,
    os_release: c.osRelease,
    gpgkeys: c.gpgkeys.map((k) => fileDigest(k, m.dir, 'key file') ?? portableUrl(k, m.dir)),
    // Order matters to tie-breaks between equal candidates, so it is kept.
    repositories: c.repositories.map((r) => r.id),
  };
  for (const r of c.repositories) parts[`repo:${r.id}`] = repoPart(r, m.dir);
  return parts;
}

/** sha256 (hex) of each canonical part. */
export function manifestInputs(m: Manifest): Record<string, string> {
  const parts = manifestInputParts(m);
  const out: Record<string, string> = {};
  for (const k of Object.keys(parts).sort()) out[k] = sha256(canonicalJson(parts[k]));
  return out;
}

/** "sha256:<hex>" over all parts: equal exactly when every part is equal. */
export function inputDigest(m: Manifest): string {
  return `sha256:${sha256(canonicalJson(manifestInputs(m)))}`;
}

export interface InputChanges {
  added: string[];
  removed: string[];
  changed: string[];
}

/** Which parts differ between two manifestInputs() results (e.g. a lock's and now). */
export function diffInputs(before: Record<string, string>, after: Record<string, string>): InputChanges {
  const added = Object.keys(after).filter((k) => !(k in before)).sort();
  const removed = Object.keys(before).filter((k) => !(k in after)).sort();
  const changed = Object.keys(after).filter((k) => k in before && before[k] !== after[k]).sort();
  return { added, removed, changed };
}

const PART_NAMES: Record<string, string> = {
  arch: 'the target architecture',
  packages: 'the package list',
  localPackages: 'local .rpm files',
  exclude: 'the exclude list',
  weak_deps: 'weak_deps',
  os_release: 'os_release',
  gpgkeys: 'gpgkeys (or a key file)',
  repositories: 'the repository list or order',
};

/** Sentences for `lock --check`: "repository "updates" was added", "the package list changed". */
export function describeInputChanges(c: InputChanges): string[] {
  const name = (k: string) => (k.startsWith('repo:') ? `repository ${JSON.stringify(k.slice(5))}` : (PART_NAMES[k] ?? k));
  return [
    ...c.added.map((k) => `${name(k)} was added`),
    ...c.removed.map((k) => `${name(k)} was removed`),
    ...c.changed.map((k) => `${name(k)} changed`),
  ];
}
