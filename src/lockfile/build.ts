// Turning a resolution (packages picked from loaded repositories) into a
// Lock, and the small helpers every consumer of a lock needs: a package's
// download URL and its NEVRA.
import type { Package, Repo } from '../repo/types.js';
import { RpmkitError } from '../errors.js';
import { redactUrl } from '../util/redact.js';
import { LOCK_VERSION, type Lock, type LockInput, type LockPackage, type LockRepository } from './types.js';
import { normalizeLock } from './write.js';

/** "<algo>:<hex>" from a repo checksum. */
export function checksumString(c: { type: string; value: string }): string {
  const t = c.type.toLowerCase() === 'sha' ? 'sha1' : c.type.toLowerCase();
  return `${t}:${c.value.toLowerCase()}`;
}

export function splitChecksum(s: string): { algo: string; hex: string } {
  const i = s.indexOf(':');
  return { algo: s.slice(0, i), hex: s.slice(i + 1) };
}

export function lockPackageFrom(p: Package, signingKey?: string): LockPackage {
  const location = p.locationBase ? joinUrl(p.locationBase, p.location) : p.location;
  const out: LockPackage = {
    name: p.name,
    epoch: p.epoch || '0',
    version: p.version,
    release: p.release,
    arch: p.arch,
    repo: p.repoId,
    location: /^[a-z][a-z0-9+.-]*:/i.test(location) ? redactUrl(location) : location,
    checksum: checksumString(p.checksum),
    size: p.size.package,
  };
  if (p.sourcerpm) out.sourcerpm = p.sourcerpm;
  if (signingKey) out.signingKey = signingKey;
  return out;
}

export function lockRepositoryFrom(r: Repo): LockRepository {
  const out: LockRepository = { id: r.id, baseurl: redactUrl(r.baseUrl), repomdChecksum: r.repomdChecksum.includes(':') ? r.repomdChecksum : `sha256:${r.repomdChecksum}` };
  if (r.revision !== undefined) out.revision = r.revision;
  if (r.timestamp !== undefined) out.timestamp = r.timestamp;
  return out;
}

/**
 * A lock from resolved packages. Every loaded repository is listed, not only
 * those that contributed: each snapshot also decided what was *not* chosen.
 */
export function buildLock(input: LockInput, repos: Repo[], packages: Package[], signingKeys?: Map<Package, string>): Lock {
  const known = new Set(repos.map((r) => r.id));
  for (const p of packages) {
    if (!known.has(p.repoId)) {
      throw new RpmkitError('INTERNAL', `package ${p.name} comes from repository "${p.repoId}", which is not among the loaded repositories`);
    }
  }
  return normalizeLock({
    version: LOCK_VERSION,
    input,
    repositories: repos.map(lockRepositoryFrom),
    packages: packages.map((p) => lockPackageFrom(p, signingKeys?.get(p))),
  });
}

/** base + relative location, the way dnf joins them (base is a directory). */
export function joinUrl(base: string, location: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(location)) return location;
  const b = base.endsWith('/') ? base : `${base}/`;
  return new URL(location.replace(/^\/+/, ''), b).toString();
}

export function lockPackageEvr(p: LockPackage): string {
  return `${p.epoch && p.epoch !== '0' ? `${p.epoch}:` : ''}${p.version}-${p.release}`;
}

/** name-[epoch:]version-release.arch, the spec that pins exactly this package. */
export function lockPackageNevra(p: LockPackage): string {
  return `${p.name}-${lockPackageEvr(p)}.${p.arch}`;
}

/** The file name a readable layout uses: name-version-release.arch.rpm (epoch left out, as rpm does). */
export function lockPackageFileName(p: LockPackage): string {
  return `${p.name}-${p.version}-${p.release}.${p.arch}.rpm`;
}

/** Download URL(s) of a locked package: the lock's base URL, or the given mirrors. */
export function lockPackageUrls(lock: Lock, p: LockPackage, baseUrls?: Record<string, string[]>): string[] {
  const mirrors = baseUrls?.[p.repo];
  const repo = lock.repositories.find((r) => r.id === p.repo);
  const bases = mirrors && mirrors.length ? mirrors : repo ? [repo.baseurl] : [];
  return [...new Set(bases.map((b) => joinUrl(b, p.location)))];
}
