// The content-addressed download cache: <cacheDir>/blobs/<algo>/<ab>/<hex>.
// A file only ever appears under its final name by rename(2) after it was
// verified, so a reader never sees a partial or wrong blob, and several
// rpmkit processes can share one cache (two writers of one blob rename the
// same verified bytes; the last rename wins harmlessly).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseChecksum } from './verify.js';
import { writeAll } from '../util/writeall.js';

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

// Directories this process already created: a download makes several
// files, and each mkdir is a thread-pool round trip.
const made = new Set<string>();
async function ensureDir(dir: string): Promise<void> {
  if (made.has(dir)) return;
  await fs.mkdir(dir, { recursive: true });
  made.add(dir);
}

/**
 * Claim the resumable partial file for a checksum. Only one process may
 * append to it: the claim is a symlink `<part>.lock -> <pid>` (created
 * atomically in one system call; EEXIST means someone holds it). If a live
 * process holds it, we download to a private name instead (no resume, no
 * interference); a claim left by a dead process is taken over.
 */
export async function claimPartial(cacheDir: string, checksum: string): Promise<PartialClaim> {
  const { algo, hex } = parseChecksum(checksum, 'cache');
  const dir = partialDir(cacheDir);
  await ensureDir(dir);
  const part = path.join(dir, `${algo}-${hex}.part`);
  const lock = `${part}.lock`;
  for (let i = 0; i < 2; i++) {
    try {
      await fs.symlink(String(process.pid), lock);
      return { path: part, release: () => fs.unlink(lock).catch(() => {}) };
    } catch (e) {
      // A filesystem without symlinks: no shared resume, a private file instead.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') break;
      const owner = Number(await fs.readlink(lock).catch(() => ''));
      if (owner && owner !== process.pid && pidAlive(owner)) break;
      if (owner === process.pid) break; // same blob twice in one run: the second gets a private file
      await fs.unlink(lock).catch(() => {});
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

/**
 * Write verified bytes, in the pieces they arrived in, to their blob path:
 * a private temp file in the partial folder (written with one writev, the
 * pieces never joined), then commitBlob's rename, so readers only ever see
 * the whole file.
 */
export async function storeBlob(cacheDir: string, checksum: string, pieces: Uint8Array[]): Promise<string> {
  const { algo, hex } = parseChecksum(checksum, 'cache');
  const dir = partialDir(cacheDir);
  await ensureDir(dir);
  const tmp = path.join(dir, `${algo}-${hex}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fh = await fs.open(tmp, 'wx');
    try {
      await writeAll(fh, pieces, tmp);
    } finally {
      await fh.close();
    }
    return await commitBlob(cacheDir, checksum, tmp);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

/** Move a verified file to its blob path (atomic; same filesystem). */
export async function commitBlob(cacheDir: string, checksum: string, verifiedFile: string): Promise<string> {
  const dest = blobPath(cacheDir, checksum);
  await ensureDir(path.dirname(dest));
  try {
    await fs.rename(verifiedFile, dest);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    // The cache was cleaned while we ran: make the folder again.
    made.delete(path.dirname(dest));
    await ensureDir(path.dirname(dest));
    await fs.rename(verifiedFile, dest);
  }
  return dest;
}
