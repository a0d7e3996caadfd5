// Hashing files and comparing them with the checksum a lock or repository
// gives: the single check every file passes before anyone trusts it.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { RpmkitError } from '../errors.js';
import { fileChunks } from '../util/readfile.js';

/** Node's digest name for a repo-md checksum type ("sha" is sha1 in old repos). */
export function nodeAlgo(algo: string): string {
  const a = algo.toLowerCase();
  return a === 'sha' ? 'sha1' : a;
}

export function parseChecksum(checksum: string, what: string): { algo: string; hex: string } {
  const m = /^([a-z0-9]+):([0-9a-f]+)$/i.exec(checksum);
  if (!m) throw new RpmkitError('LOCK_INVALID', `${what}: checksum "${checksum}" is not "<algorithm>:<hex>"`);
  return { algo: nodeAlgo(m[1]), hex: m[2].toLowerCase() };
}

export async function hashFile(file: string, algo: string): Promise<string> {
  const h = createHash(nodeAlgo(algo));
  for await (const c of fileChunks(file)) h.update(c);
  return h.digest('hex');
}

export type VerifyOutcome = { ok: true } | { ok: false; reason: 'missing' | 'size' | 'checksum'; detail: string };

/** Size first (cheap), then the digest. */
export async function verifyFile(file: string, size: number, checksum: string): Promise<VerifyOutcome> {
  let st;
  try {
    st = await fs.stat(file);
  } catch {
    return { ok: false, reason: 'missing', detail: 'file is missing' };
  }
  if (!st.isFile()) return { ok: false, reason: 'missing', detail: 'not a regular file' };
  if (st.size !== size) return { ok: false, reason: 'size', detail: `size is ${st.size} bytes, the lock says ${size}` };
  const { algo, hex } = parseChecksum(checksum, file);
  const got = await hashFile(file, algo);
  if (got !== hex) return { ok: false, reason: 'checksum', detail: `${algo} is ${got}, the lock says ${hex}` };
  return { ok: true };
}
