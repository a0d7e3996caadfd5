// Write a file's bytes given in pieces (as they arrived, or as sections of
// an encoded structure) without joining them first: one writev, resumed
// where a short write stopped.
import type { FileHandle } from 'node:fs/promises';
import { RpmkitError } from '../errors.js';

/** Write every byte of `parts` to `fh` at its current position. */
export async function writeAll(fh: FileHandle, parts: readonly Uint8Array[], what: string): Promise<void> {
  let rest = parts.filter((p) => p.length > 0);
  while (rest.length) {
    const { bytesWritten } = await fh.writev(rest);
    if (bytesWritten === 0) throw new RpmkitError('IO_ERROR', `writing ${what}: no progress`);
    rest = afterWritten(rest, bytesWritten);
  }
}

/** What is left of `parts` after their first `n` bytes were written. */
function afterWritten(parts: Uint8Array[], n: number): Uint8Array[] {
  let i = 0;
  while (i < parts.length && n >= (parts[i] as Uint8Array).length) n -= (parts[i++] as Uint8Array).length;
  const rest = parts.slice(i);
  if (n > 0 && rest.length) rest[0] = (rest[0] as Uint8Array).subarray(n);
  return rest;
}
