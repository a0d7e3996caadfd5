// The content-addressed download cache: <cacheDir>/blobs/<algo>/<ab>/<hex>.
// A file only ever appears under its final name by rename(2) after it was
// verified, so a reader never sees a partial or wrong blob, and several
// rpmkit processes can share one cache (two writers of one blob rename the
// same verified bytes; the last rename wins harmlessly).
import { promises as fs, constants } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseChecksum } from './verify.js';

export function blobPath(cacheDir: string, checksum: string): string {
  const { algo, hex } = parseChecksum(checksum, 'cache');
  return path.join(cacheDir, 'blobs', algo, hex.slice(0, 2), hex);
}

export function partialDir(cacheDir: string): string {
  return path.join(cacheDir, 'partial');
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface PartialClaim {
  /** Where to write; may already hold a prefix of the file from an interrupted run. */
  path: string;
  /** Release the claim (the partial file itself is left for the caller to rename or delete). */
  release(): Promise<void>;
}

/**
 * Claim the resumable partial file for a checksum. Only one process may
 * append to it: the claim is an O_EXCL lock file naming our pid. If a live
 * process holds it, we download to a private name instead (no resume, no
 * interference); a lock left by a dead process is taken over.
 */
export async function claimPartial(cacheDir: string, checksum: string): Promise<PartialClaim> {
  const { algo, hex } = parseChecksum(checksum, 'cache');
  const dir = partialDir(cacheDir);
  await fs.mkdir(dir, { recursive: true });
  const part = path.join(dir, `${algo}-${hex}.part`);
  const lock = `${part}.lock`;
  for (let i = 0; i < 2; i++) {
    try {
      const fh = await fs.open(lock, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o644);
      await fh.writeFile(String(process.pid));
      await fh.close();
      return { path: part, release: () => fs.rm(lock, { force: true }) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number((await fs.readFile(lock, 'utf8').catch(() => '')).trim());
      if (owner && owner !== process.pid && pidAlive(owner)) break;
      if (owner === process.pid) break; // same blob twice in one run: the second gets a private file
      await fs.rm(lock, { force: true });
    }
  }
  const priv = path.join(dir, `${algo}-${hex}.${process.pid}-${randomBytes(4).toString('hex')}.part`);
  return {
    path: priv,
    release: async () => {
      await fs.rm(priv, { force: true });
    },
  };
}

/** Move a verified file to its blob path (atomic; same filesystem). */
export async function commitBlob(cacheDir: string, checksum: string, verifiedFile: string): Promise<string> {
  const dest = blobPath(cacheDir, checksum);
  await fs.mkdir(path.dirname(dest), { recursive: true });
  await fs.rename(verifiedFile, dest);
  return dest;
}
