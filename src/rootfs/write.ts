// Writing file bodies and special files for the installer: digests and
// sizes checked against the header before a byte counts as installed, temp
// names that never collide, and the coreutils fallbacks for what Node cannot
// create itself (device nodes, FIFOs, file capabilities).
import { constants as C } from 'node:fs';
import * as fss from 'node:fs';
import * as path from 'node:path';
import { randomBytes, createHash } from 'node:crypto';
import type * as ChildProcess from 'node:child_process';
import { RpmkitError } from '../errors.js';
import { lazyBuiltin } from '../util/builtin.js';

const childProcess = lazyBuiltin<typeof ChildProcess>('node:child_process');
import { fileDigestHash, knownBodyDigest, type RpmFileInfo, type CpioEntry } from '../rpm/index.js';

export function tmpName(dir: string, kind: string): string {
  return path.join(dir, `.rpmkit-${kind}-${process.pid}-${randomBytes(6).toString('hex')}`);
}

export async function readAll(entry: CpioEntry, max: number, nevra: string): Promise<Buffer> {
  if (entry.size > max) throw new RpmkitError('PAYLOAD_INVALID', `${nevra}: ${entry.path}: ${entry.size} bytes is too large here`);
  const parts: Buffer[] = [];
  for await (const c of entry.body) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}


export function digestError(nevra: string, f: RpmFileInfo, got: string): RpmkitError {
  return new RpmkitError('CHECKSUM_MISMATCH', `${nevra}: ${f.path}: content digest ${got} does not match the header's ${f.digest}`, {
    hint: 'the package payload is corrupt; download it again',
    details: { package: nevra, path: f.path },
  });
}

/** Size and digest of an in-memory body against the header, before anything is written. */
export function checkBody(data: Buffer, f: RpmFileInfo, nevra: string): void {
  if (data.length > f.size) throw new RpmkitError('PAYLOAD_INVALID', `${nevra}: ${f.path}: archive holds more than the ${f.size} bytes the header declares`, { details: { package: nevra, path: f.path } });
  if (data.length !== f.size) throw new RpmkitError('PAYLOAD_INVALID', `${nevra}: ${f.path}: archive holds ${data.length} bytes, the header declares ${f.size}`, { details: { package: nevra, path: f.path } });
  const algo = f.digest ? fileDigestHash(f.digestAlgo) : undefined;
  if (algo) {
    // Usually worked out already, on the thread that decoded the payload.
    const got = knownBodyDigest(data, algo) ?? createHash(algo).update(data).digest('hex');
    if (got !== f.digest.toLowerCase()) throw digestError(nevra, f, got);
  }
}

let umask = 0o7777;
/** Read the process umask (at the start of each install: a library user may change it between installs). */
export function refreshUmask(): void {
  umask = process.umask(); // without an argument it only reads it
}

/**
 * The mode to create a file with when open() alone gives the packaged mode
 * (no set-id/sticky bits, nothing the umask clears), saving an fchmod per
 * file; undefined when it must be set after the write.
 */
function createMode(mode: number): number | undefined {
  const m = mode & 0o7777;
  return (m & 0o7000) === 0 && (m & umask) === 0 ? m : undefined;
}

/**
 * Write an already checked body to a fresh file. Synchronously, on purpose:
 * creating files is kernel work on the directory and the journal, and from
 * the thread pool's four threads at once it cost this installer more system
 * time (contended locks, futex wake-ups) than the overlap won; one thread
 * issuing open/write/close back to back is what rpm does, and was faster.
 */
export async function writeData(tmp: string, data: Buffer, f: RpmFileInfo, opened: () => void): Promise<void> {
  const mode = createMode(f.mode);
  const fd = fss.openSync(tmp, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, mode ?? 0o600);
  opened();
  try {
    for (let off = 0; off < data.length; ) off += fss.writeSync(fd, data, off, data.length - off);
    if (mode === undefined) fss.fchmodSync(fd, f.mode & 0o7777);
    fss.futimesSync(fd, f.mtime, f.mtime);
  } finally {
    fss.closeSync(fd);
  }
}

/** Stream an entry body to a fresh temp file in `dir`, checking size and digest. Returns the temp path. */
export async function writeBody(dir: string, entry: CpioEntry, f: RpmFileInfo, nevra: string): Promise<string> {
  const tmp = tmpName(dir, 'tmp');
  const fd = fss.openSync(tmp, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o600);
  const algo = f.digest ? fileDigestHash(f.digestAlgo) : undefined;
  const hash = algo ? createHash(algo) : undefined;
  let size = 0;
  try {
    for await (const chunk of entry.body) {
      size += chunk.length;
      if (size > f.size) throw new RpmkitError('PAYLOAD_INVALID', `${nevra}: ${f.path}: archive holds more than the ${f.size} bytes the header declares`, { details: { package: nevra, path: f.path } });
      hash?.update(chunk);
      for (let off = 0; off < chunk.length; ) off += fss.writeSync(fd, chunk, off);
    }
    if (size !== f.size) throw new RpmkitError('PAYLOAD_INVALID', `${nevra}: ${f.path}: archive holds ${size} bytes, the header declares ${f.size}`, { details: { package: nevra, path: f.path } });
    if (hash) {
      const got = hash.digest('hex');
      if (got !== f.digest.toLowerCase()) throw digestError(nevra, f, got);
    }
    fss.fchmodSync(fd, f.mode & 0o7777);
    fss.futimesSync(fd, f.mtime, f.mtime);
  } catch (e) {
    fss.closeSync(fd);
    fss.rmSync(tmp, { force: true });
    throw e;
  }
  fss.closeSync(fd);
  return tmp;
}

let setcapMissing = false;
export function setCaps(file: string, text: string): boolean {
  if (setcapMissing) return false;
  const r = childProcess().spawnSync('setcap', [text, file], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.error) setcapMissing = true;
  return r.status === 0;
}

/** mknod/mkfifo through the coreutils tools (Node has no mknod); undefined when that fails. */
export function makeNode(dir: string, type: 'char' | 'block' | 'fifo', major: number, minor: number, mode: number): string | undefined {
  const tmp = tmpName(dir, 'node');
  const m = (mode & 0o7777).toString(8);
  const { spawnSync } = childProcess();
  const r = type === 'fifo' ? spawnSync('mkfifo', ['-m', m, tmp]) : spawnSync('mknod', ['-m', m, tmp, type === 'char' ? 'c' : 'b', String(major), String(minor)]);
  return r.status === 0 ? tmp : undefined;
}
