// What install, build and demo share: a lock that matches the manifest
// (re-resolved when stale, unless --locked), every locked RPM as a verified
// local file, and the signing keys of repositories with gpgcheck on.
import type { Command } from 'commander';
import type { Manifest } from '../config/index.js';
import { RpmkitError } from '../errors.js';
import { checkLock, describeChange, readLock, writeLock, type Lock, type LockPackage } from '../lockfile/index.js';
import { keyRingsFor, type LockedFile } from '../pipeline/index.js';
import { fileSha256, readRpm, type KeyRing } from '../rpm/index.js';
import { globals, output } from './options.js';
import { lockInputFromManifest, lockPathFor, manifestFor, staleError } from './commands/lock.js';
import { relock } from './commands/update.js';
import { fetchLockedForCli } from './commands/vendor.js';

/** The manifest's lock; written first when missing or stale (never under --locked). */
export async function ensureLock(cmd: Command, m: Manifest): Promise<{ lock: Lock; lockPath: string }> {
  const g = globals(cmd);
  const out = output(cmd);
  const lockPath = lockPathFor(m);
  const input = lockInputFromManifest(m);
  let previous: Lock | undefined;
  try {
    previous = await readLock(lockPath);
  } catch (e) {
    if (!(e instanceof RpmkitError && e.code === 'LOCK_MISSING')) throw e;
    if (g.locked || g.vendorDir) {
      throw new RpmkitError('LOCK_MISSING', `${lockPath} does not exist${g.locked ? ' and --locked forbids resolving' : ' (a vendor dir needs a lock)'}`, { hint: 'run `rpmkit lock` and commit rpmkit.lock' });
    }
  }
  if (previous) {
    const changes = checkLock(previous, input);
    if (!changes.length) return { lock: previous, lockPath };
    if (g.locked || g.vendorDir) throw staleError(lockPath, changes, true);
    out.info(`${lockPath} is out of date (${changes.map(describeChange).join('; ')}); re-locking`);
  } else {
    out.info(`no ${lockPath} yet; resolving the manifest`);
  }
  const { lock, notes } = await relock(cmd, m, input, previous, []);
  for (const n of notes) out.info(n);
  await writeLock(lockPath, lock);
  out.info(`wrote ${lockPath} (${lock.packages.length} packages)`);
  return { lock, lockPath };
}

/** Local .rpm files named in the manifest: installed as they are (not locked, like rpmoci). */
async function localFiles(m: Manifest): Promise<LockedFile[]> {
  return Promise.all(
    m.contents.localPackages.map(async (file) => {
      const rpm = await readRpm(file);
      const n = rpm.nevra;
      const pkg: LockPackage = {
        name: n.name, epoch: String(n.epoch ?? 0), version: n.version, release: n.release, arch: n.arch,
        repo: '@commandline', location: file, checksum: `sha256:${await fileSha256(rpm)}`, size: rpm.fileSize,
      };
      return { pkg, path: file };
    }),
  );
}

export interface PipelineInputs {
  manifest: Manifest;
  lock: Lock;
  lockPath: string;
  files: LockedFile[];
  keyRings: Map<string, KeyRing>;
}

export async function pipelineInputs(cmd: Command): Promise<PipelineInputs> {
  const manifest = await manifestFor(cmd);
  const { lock, lockPath } = await ensureLock(cmd, manifest);
  const fetched = await fetchLockedForCli(cmd, lock, manifest);
  const files: LockedFile[] = [...fetched.map((f) => ({ pkg: f.pkg, path: f.path })), ...(await localFiles(manifest))];
  const keyRings = await keyRingsFor(manifest.contents.repositories, manifest.contents.gpgkeys);
  return { manifest, lock, lockPath, files, keyRings };
}
