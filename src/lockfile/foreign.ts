// Other tools' lock files: rpmoci.lock (read, so rpmoci users can switch) and
// rpm-lockfile-prototype's rpms.lock.yaml (read and written, the format
// hermeto/cachi2 prefetches from). Neither carries everything an rpmkit lock
// does, so reading gives a ForeignLock: pins that `matchForeignLock` completes
// from loaded repository metadata (by checksum first, then by NEVRA).
import { parse as parseToml, TomlError } from 'smol-toml';
import { createRequire } from 'node:module';
import { RpmkitError } from '../errors.js';
import { redactUrl } from '../util/redact.js';
import { parseEVR, parseNEVRA } from '../evr/index.js';
import type { Package, Repo } from '../repo/types.js';
import { checksumString, lockPackageEvr, lockPackageUrls } from './build.js';
import type { Lock, LockPackage } from './types.js';

export interface ForeignPackage {
  name: string;
  epoch: string;
  version: string;
  release: string;
  arch?: string;
  repo?: string;
  url?: string;
  /** "<algo>:<hex>" */
  checksum?: string;
  size?: number;
  sourcerpm?: string;
}

export interface ForeignLock {
  format: 'rpmoci' | 'rpms.lock.yaml';
  /** The manifest's package specs, when the format records them (rpmoci). */
  packageSpecs?: string[];
  arch?: string;
  packages: ForeignPackage[];
}

// yaml is loaded on first use: most runs never read or write rpms.lock.yaml.
const require = createRequire(import.meta.url);
let yamlMod: typeof import('yaml') | undefined;
function yaml(): typeof import('yaml') {
  yamlMod ??= require('yaml') as typeof import('yaml');
  return yamlMod;
}

function invalid(file: string, msg: string, line?: number): never {
  throw new RpmkitError('LOCK_INVALID', `${file}${line ? `:${line}` : ''}: ${msg}`, { hint: 'check that the file is the tool\'s unmodified output', details: { file, line } });
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function evrParts(evr: string): { epoch: string; version: string; release: string } {
  const e = parseEVR(evr);
  return { epoch: e.epoch ?? '0', version: e.version, release: e.release ?? '' };
}

/** Arch from a package file name (…-1.0-1.x86_64.rpm). */
function archFromUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const base = decodeURIComponent(url.split(/[?#]/)[0].split('/').pop() ?? '');
  return parseNEVRA(base, true)?.arch;
}

/** rpmoci.lock: TOML with pkg_specs and [[packages]] {name, evr, repoid, download_url?, checksum{algorithm, checksum}}. */
export function parseRpmociLock(text: string, file = 'rpmoci.lock'): ForeignLock {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof TomlError) invalid(file, e.message.split('\n')[0], e.line);
    throw e;
  }
  const specs = doc.pkg_specs;
  if (!Array.isArray(specs) || specs.some((s) => typeof s !== 'string')) invalid(file, 'pkg_specs: expected an array of strings (is this an rpmoci.lock?)');
  const raw = doc.packages ?? [];
  if (!Array.isArray(raw)) invalid(file, 'packages: expected [[packages]] tables');
  const packages = raw.map((p: unknown, i: number): ForeignPackage => {
    if (!isObj(p) || typeof p.name !== 'string' || typeof p.evr !== 'string') invalid(file, `packages[${i}]: needs name and evr strings`);
    const ck = p.checksum;
    if (!isObj(ck) || typeof ck.algorithm !== 'string' || typeof ck.checksum !== 'string') invalid(file, `packages[${i}] (${p.name}): checksum needs algorithm and checksum`);
    const url = typeof p.download_url === 'string' ? p.download_url : undefined;
    const out: ForeignPackage = { name: p.name, ...evrParts(p.evr), checksum: checksumString({ type: ck.algorithm, value: ck.checksum }) };
    const arch = archFromUrl(url);
    if (arch) out.arch = arch;
    if (typeof p.repoid === 'string') out.repo = p.repoid;
    if (url) out.url = url;
    return out;
  });
  return { format: 'rpmoci', packageSpecs: specs as string[], packages };
}

/** rpms.lock.yaml (lockfileVersion 1): the packages of one arch (default: the first listed). */
export function parseRpmsLockYaml(text: string, file = 'rpms.lock.yaml', arch?: string): ForeignLock {
  let doc: unknown;
  try {
    doc = yaml().parse(text);
  } catch (e) {
    if (e instanceof yaml().YAMLParseError) invalid(file, e.message.split('\n')[0], e.linePos?.[0]?.line);
    throw e;
  }
  if (!isObj(doc)) invalid(file, 'expected a mapping with lockfileVersion and arches');
  if (doc.lockfileVersion !== 1) invalid(file, `lockfileVersion ${String(doc.lockfileVersion)} is not supported (1 is)`);
  const arches = doc.arches;
  if (!Array.isArray(arches)) invalid(file, 'arches: expected a list');
  const entry = arches.find((a) => isObj(a) && (arch === undefined || a.arch === arch));
  if (!isObj(entry)) invalid(file, arch ? `no entry for arch ${arch} (arches: ${arches.map((a) => (isObj(a) ? String(a.arch) : '?')).join(', ')})` : 'arches is empty');
  const raw = entry.packages ?? [];
  if (!Array.isArray(raw)) invalid(file, `arches[${String(entry.arch)}].packages: expected a list`);
  const packages = raw.map((p: unknown, i: number): ForeignPackage => {
    if (!isObj(p) || typeof p.url !== 'string') invalid(file, `arches[${String(entry.arch)}].packages[${i}]: url is required`);
    const fromUrl = parseNEVRA(decodeURIComponent(p.url.split(/[?#]/)[0].split('/').pop() ?? ''), true);
    const name = typeof p.name === 'string' ? p.name : fromUrl?.name;
    const evr = typeof p.evr === 'string' ? evrParts(p.evr) : fromUrl ? { epoch: fromUrl.epoch ?? '0', version: fromUrl.version, release: fromUrl.release ?? '' } : undefined;
    if (!name || !evr) invalid(file, `packages[${i}]: no name/evr and the URL ${p.url} is not a NEVRA file name`);
    const out: ForeignPackage = { name, ...evr, url: p.url };
    const a = fromUrl?.arch;
    if (a) out.arch = a;
    if (typeof p.repoid === 'string') out.repo = p.repoid;
    if (typeof p.checksum === 'string') {
      if (!/^[a-z0-9]+:[0-9a-fA-F]+$/.test(p.checksum)) invalid(file, `packages[${i}] (${name}): checksum "${p.checksum}" is not "<algorithm>:<hex>"`);
      out.checksum = p.checksum.toLowerCase();
    }
    if (typeof p.size === 'number') out.size = p.size;
    if (typeof p.sourcerpm === 'string') out.sourcerpm = p.sourcerpm;
    return out;
  });
  return { format: 'rpms.lock.yaml', arch: typeof entry.arch === 'string' ? entry.arch : undefined, packages };
}

/** rpms.lock.yaml text for an rpmkit lock (one arch: the lock's). */
export function formatRpmsLockYaml(lock: Lock, baseUrls?: Record<string, string[]>): string {
  const packages = lock.packages.map((p: LockPackage) => {
    const o: Record<string, unknown> = { url: redactUrl(lockPackageUrls(lock, p, baseUrls)[0]), repoid: p.repo, size: p.size, checksum: p.checksum, name: p.name, evr: lockPackageEvr(p) };
    if (p.sourcerpm) o.sourcerpm = p.sourcerpm;
    return o;
  });
  const doc = { lockfileVersion: 1, lockfileVendor: 'redhat', arches: [{ arch: lock.input.arch, packages, source: [], module_metadata: [] }] };
  return `---\n${yaml().stringify(doc, { lineWidth: 0 })}`;
}

export interface ForeignMatch {
  packages: Package[];
  /** Pins no loaded repository can satisfy (vanished, or from a repo not configured). */
  missing: ForeignPackage[];
}

/**
 * Find each foreign pin in the loaded repositories: by checksum when the pin
 * has one (exact content), else by name/EVR/arch (preferring the same repo id).
 */
export function matchForeignLock(fl: ForeignLock, repos: Repo[]): ForeignMatch {
  const byChecksum = new Map<string, Package>();
  const byNevra = new Map<string, Package[]>();
  for (const r of repos) {
    for (const p of r.packages) {
      byChecksum.set(checksumString(p.checksum), p);
      const k = `${p.name}\0${p.epoch || '0'}\0${p.version}\0${p.release}`;
      const l = byNevra.get(k);
      if (l) l.push(p);
      else byNevra.set(k, [p]);
    }
  }
  const packages: Package[] = [];
  const missing: ForeignPackage[] = [];
  for (const f of fl.packages) {
    let hit = f.checksum ? byChecksum.get(f.checksum) : undefined;
    if (!hit && !f.checksum) {
      const cands = (byNevra.get(`${f.name}\0${f.epoch}\0${f.version}\0${f.release}`) ?? []).filter((p) => !f.arch || p.arch === f.arch);
      hit = cands.find((p) => p.repoId === f.repo) ?? cands[0];
    }
    if (hit) packages.push(hit);
    else missing.push(f);
  }
  return { packages, missing };
}

