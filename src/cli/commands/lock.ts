// `rpmkit lock [--check]`: resolve the manifest and write rpmkit.lock beside
// it; with --check (or the global --locked) only compare the lock's recorded
// inputs with the manifest and exit 3 saying what changed. Also the helpers
// every lock-reading command shares (where the lock is, is it fresh).
import type { Command } from 'commander';
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import { RpmkitError } from '../../errors.js';
import { inputDigest, loadManifest, manifestInputs, type Manifest } from '../../config/index.js';
import {
  checkLock, describeChange, formatRpmsLockYaml, lockPackageEvr, readLock, writeLock,
  type Change, type Lock, type LockInput,
} from '../../lockfile/index.js';
import { writeFileAtomic } from '../../util/atomic.js';
import type { Output } from '../context.js';
import { globals, output } from '../options.js';
import { relock, importForeignLock } from './update.js';

export const LOCK_NAME = 'rpmkit.lock';

/** The lock's [input] for a manifest: the manifest stage's own digests. */
export function lockInputFromManifest(m: Manifest): LockInput {
  return {
    digest: inputDigest(m),
    packages: [...m.contents.packages],
    exclude: [...m.contents.exclude],
    weakDeps: m.contents.weakDeps,
    arch: m.arch,
    parts: manifestInputs(m),
  };
}

export function lockPathFor(m: Manifest): string {
  return path.join(m.dir, LOCK_NAME);
}

export async function manifestFor(cmd: Command): Promise<Manifest> {
  const g = globals(cmd);
  return loadManifest({ file: g.file, basearch: g.arch });
}

/** LOCK_STALE with one line per change (exit 3). */
export function staleError(lockPath: string, changes: Change[], refusing: boolean): RpmkitError {
  return new RpmkitError('LOCK_STALE', `${lockPath} is out of date with the manifest${refusing ? ' and --locked forbids re-resolving' : ''}:\n${changes.map((c) => `  - ${describeChange(c)}`).join('\n')}`, {
    hint: 'run `rpmkit lock` to update the lock, and commit it',
    details: { lock: lockPath, changes },
  });
}

/**
 * The lock for the current manifest (for vendor/install/build). With
 * requireFresh (--locked) a stale lock is an error; otherwise it is a warning.
 */
export async function loadLockFor(cmd: Command, opts: { requireFresh?: boolean } = {}): Promise<{ lock: Lock; lockPath: string; manifest: Manifest; changes: Change[] }> {
  const manifest = await manifestFor(cmd);
  const lockPath = lockPathFor(manifest);
  const lock = await readLock(lockPath);
  const changes = checkLock(lock, lockInputFromManifest(manifest));
  if (changes.length) {
    if (opts.requireFresh) throw staleError(lockPath, changes, true);
    output(cmd).warn(`${lockPath} is out of date (${changes.map(describeChange).join('; ')}); using it as it is — run \`rpmkit lock\` to refresh it`);
  }
  return { lock, lockPath, manifest, changes };
}

export interface LockDiff {
  added: { name: string; arch: string; evr: string }[];
  removed: { name: string; arch: string; evr: string }[];
  changed: { name: string; arch: string; from: string; to: string }[];
}

/** What moved between two locks, by name.arch (renovate-style summary). */
export function diffLocks(before: Lock | undefined, after: Lock): LockDiff {
  const key = (p: { name: string; arch: string }) => `${p.name}.${p.arch}`;
  const old = new Map((before?.packages ?? []).map((p) => [key(p), p]));
  const now = new Map(after.packages.map((p) => [key(p), p]));
  const d: LockDiff = { added: [], removed: [], changed: [] };
  for (const [k, p] of now) {
    const o = old.get(k);
    if (!o) d.added.push({ name: p.name, arch: p.arch, evr: lockPackageEvr(p) });
    else if (o.checksum !== p.checksum) d.changed.push({ name: p.name, arch: p.arch, from: lockPackageEvr(o), to: lockPackageEvr(p) });
  }
  for (const [k, o] of old) if (!now.has(k)) d.removed.push({ name: o.name, arch: o.arch, evr: lockPackageEvr(o) });
  return d;
}

export function describeDiff(d: LockDiff): string[] {
  return [
    ...d.changed.map((c) => `Updating ${c.name}.${c.arch} ${c.from} -> ${c.to}`),
    ...d.added.map((c) => `Adding ${c.name}.${c.arch} ${c.evr}`),
    ...d.removed.map((c) => `Removing ${c.name}.${c.arch} ${c.evr}`),
  ];
}

async function readPrevious(lockPath: string, out: Output): Promise<Lock | undefined> {
  try {
    return await readLock(lockPath);
  } catch (e) {
    if (e instanceof RpmkitError && e.code === 'LOCK_MISSING') return undefined;
    if (e instanceof RpmkitError && e.code === 'LOCK_INVALID') {
      out.warn(`ignoring the unreadable previous lock: ${e.message}`);
      return undefined;
    }
    throw e;
  }
}

/** Write a new lock and report what moved. */
export async function commitLock(cmd: Command, lockPath: string, previous: Lock | undefined, lock: Lock, notes: string[] = []): Promise<void> {
  const out = output(cmd);
  await writeLock(lockPath, lock);
  const d = diffLocks(previous, lock);
  const lines = describeDiff(d);
  out.result(
    { lock: lockPath, packages: lock.packages.length, digest: lock.input.digest, ...d, notes },
    () => [...notes, ...lines, `${lines.length || !previous ? 'wrote' : 'unchanged:'} ${lockPath} (${lock.packages.length} packages)`].join('\n'),
  );
}

export interface LockCommandOptions {
  check?: boolean;
  exportRpmsLockYaml?: string;
  import?: string;
  importArch?: string;
}

export async function runLock(cmd: Command, opts: LockCommandOptions, updateNames: string[] = [], refresh = false): Promise<void> {
  const g = globals(cmd);
  const out = output(cmd);
  const m = await manifestFor(cmd);
  const lockPath = lockPathFor(m);
  const current = lockInputFromManifest(m);

  if (opts.exportRpmsLockYaml) {
    const lock = await readLock(lockPath);
    const changes = checkLock(lock, current);
    if (changes.length) {
      if (g.locked) throw staleError(lockPath, changes, true);
      out.warn(`${lockPath} is out of date; exporting it as it is`);
    }
    const base: Record<string, string[]> = {};
    for (const d of m.contents.repositories) if (d.baseurl.length) base[d.id] = d.baseurl;
    await writeFileAtomic(path.resolve(opts.exportRpmsLockYaml), formatRpmsLockYaml(lock, base));
    out.result({ exported: path.resolve(opts.exportRpmsLockYaml), packages: lock.packages.length }, () => `wrote ${opts.exportRpmsLockYaml} (${lock.packages.length} packages, rpms.lock.yaml v1 for hermeto/cachi2)`);
    return;
  }

  if (opts.check || g.locked) {
    const lock = await readLock(lockPath);
    const changes = checkLock(lock, current);
    if (changes.length) throw staleError(lockPath, changes, !opts.check);
    out.result({ lock: lockPath, fresh: true, digest: lock.input.digest }, () => `${lockPath} is up to date (${lock.packages.length} packages)`);
    if (!opts.check && updateNames.length) {
      throw new RpmkitError('LOCK_STALE', `--locked forbids moving packages (${updateNames.join(' ')})`, { hint: 'drop --locked to update the lock' });
    }
    return;
  }

  const previous = await readPrevious(lockPath, out);
  if (opts.import) {
    const text = await fs.readFile(path.resolve(opts.import), 'utf8').catch((e: unknown) => {
      throw new RpmkitError('IO_ERROR', `cannot read ${opts.import}: ${(e as Error).message}`, { cause: e });
    });
    const { lock, notes } = await importForeignLock(cmd, m, current, text, opts.import, opts.importArch);
    await commitLock(cmd, lockPath, previous, lock, notes);
    return;
  }
  const { lock, notes } = await relock(cmd, m, current, previous, updateNames, refresh);
  await commitLock(cmd, lockPath, previous, lock, notes);
}

export function register(program: Command): void {
  program
    .command('lock')
    .description('resolve the manifest and write rpmkit.lock beside it (alias: update with no packages)')
    .option('--check', 'do not resolve: exit 3 and say what changed when the lock is stale')
    .option('--export-rpms-lock-yaml <file>', 'write the current lock as rpm-lockfile-prototype rpms.lock.yaml (what hermeto/cachi2 prefetch)')
    .option('--import <file>', 'make rpmkit.lock from an rpmoci.lock or rpms.lock.yaml (same package versions, completed from the repositories)')
    .option('--import-arch <arch>', 'with --import of rpms.lock.yaml: which arch entry to read (default: the manifest arch)')
    .action(async (opts: LockCommandOptions, cmd: Command) => runLock(cmd, opts));
}
