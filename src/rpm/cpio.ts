// Streaming reader for the payload archive: cpio "newc" (070701), "crc"
// (070702) and rpm's stripped form (07070X: an index into the header's file
// list, all metadata from the header — used for files >= 4 GiB and by rpm 6).
// Entries are yielded one at a time; a body must be consumed (or is skipped)
// before the next entry, so big payloads never sit in memory.
import { RpmkitError } from '../errors.js';
import { decompressedPayload } from './decompress.js';
import type { RpmFile, RpmFileInfo } from './types.js';

export interface CpioEntry {
  /** Normalized: './usr/bin/x' -> '/usr/bin/x' (source RPMs keep bare names). */
  path: string;
  /** The name exactly as stored in the archive ('' for stripped entries). */
  rawPath: string;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  mtime: number;
  /** Bytes of body in the archive (0 for all but the last of a hardlink set). */
  size: number;
  devMajor: number;
  devMinor: number;
  rdevMajor: number;
  rdevMinor: number;
  ino: number;
  /** Index into rpm.files when the entry maps to a header file. */
  fileIndex?: number;
  file?: RpmFileInfo;
  /** The entry's content; read it before asking for the next entry. */
  body: AsyncIterable<Buffer>;
  /** The whole content when it is already in memory (read ahead): usable at any time, in any order. */
  data?: Buffer;
}

const NEWC = '070701';
const CRC = '070702';
const STRIPPED = '07070X';
const TRAILER = 'TRAILER!!!';
/** rpm refuses cpio names longer than PATH_MAX; keep the same bound. */
const MAX_NAME = 4096;

/** Pulls exact byte counts out of an async stream of chunks. */
class Puller {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  /** Bytes consumed from the archive so far (for 4-byte padding). */
  offset = 0;
  private done = false;
  constructor(private readonly it: AsyncIterator<Buffer>) {}

  private async more(): Promise<boolean> {
    if (this.done) return false;
    const r = await this.it.next();
    if (r.done) {
      this.done = true;
      return false;
    }
    const rest = this.buf.subarray(this.pos);
    this.buf = rest.length ? Buffer.concat([rest, r.value]) : r.value;
    this.pos = 0;
    return true;
  }

  /** Exactly n bytes, or undefined at a clean end of input before any byte. */
  async take(n: number): Promise<Buffer | undefined> {
    while (this.buf.length - this.pos < n) {
      if (!(await this.more())) {
        if (this.buf.length - this.pos === 0) return undefined;
        throw new Error(`unexpected end of archive (needed ${n} bytes, ${this.buf.length - this.pos} left)`);
      }
    }
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    this.offset += n;
    return out;
  }

  async takeExact(n: number): Promise<Buffer> {
    if (n === 0) return Buffer.alloc(0);
    const b = await this.take(n);
    if (!b) throw new Error(`unexpected end of archive (needed ${n} bytes)`);
    return b;
  }

  /** The next up to `max` bytes as they arrive (at least one), or throws at end of input. */
  async chunk(max: number): Promise<Buffer> {
    if (this.buf.length - this.pos === 0 && !(await this.more())) throw new Error(`unexpected end of archive (${max} bytes of file data missing)`);
    const k = Math.min(this.buf.length - this.pos, max);
    const out = this.buf.subarray(this.pos, this.pos + k);
    this.pos += k;
    this.offset += k;
    return out;
  }

  async pad4(): Promise<void> {
    const p = (4 - (this.offset % 4)) % 4;
    if (p) await this.takeExact(p);
  }
}

function hex(b: Buffer, at: number, what: string): number {
  const s = b.toString('latin1', at, at + 8);
  if (!/^[0-9a-fA-F]{8}$/.test(s)) throw new Error(`bad ${what} field "${s}"`);
  return Number.parseInt(s, 16);
}

function normalizePath(name: string): string {
  if (name === '.') return '/';
  if (name.startsWith('./')) return name.slice(1);
  return name;
}

/** Split a header rdev (major<<8 | minor, as glibc's old encoding rpm stores) into major/minor. */
function splitDev(dev: number): [number, number] {
  const major = ((dev >>> 8) & 0xfff) | (Math.floor(dev / 2 ** 32) & ~0xfff);
  const minor = (dev & 0xff) | ((dev >>> 12) & ~0xff & 0xfffff);
  return [major, minor];
}

/**
 * Stream the payload's entries. Errors are PAYLOAD_INVALID (corrupt or
 * truncated archive, entry not in the header, decompression bomb).
 */
/** `decoded`: the payload being decoded already (startPayloadDecode); the usual path when it gives nothing. */
export async function* payloadEntries(rpm: RpmFile, opts: { decoded?: Promise<Buffer | undefined> } = {}): AsyncGenerator<CpioEntry> {
  const fail = (msg: string, cause?: unknown) =>
    new RpmkitError('PAYLOAD_INVALID', `${rpm.path}: payload: ${msg}`, {
      hint: 'The package payload is corrupt or truncated; download the package again.',
      cause,
      details: { file: rpm.path },
    });
  const byPath = new Map<string, number>();
  rpm.files.forEach((f, i) => byPath.set(f.path, i));
  // In the stripped form only the last member of a hardlink set carries data.
  const lastLink = new Map<string, number>();
  rpm.files.forEach((f, i) => {
    if (f.nlink > 1) lastLink.set(`${f.device}:${f.inode}`, i);
  });
  const it = decompressedPayload(rpm, { decoded: opts.decoded })[Symbol.asyncIterator]();
  const p = new Puller(it);
  // Bytes of the current entry's body not yet read by the caller.
  let left = 0;
  let sawTrailer = false;
  try {
    for (;;) {
      // The caller did not read the whole body (or stopped early): skip the rest.
      while (left > 0) left -= (await p.chunk(left)).length;
      await p.pad4();
      const magicBuf = await p.take(6);
      if (!magicBuf) break;
      const magic = magicBuf.toString('latin1');
      let entry: Omit<CpioEntry, 'body'>;
      if (magic === STRIPPED) {
        const fx = hex(await p.takeExact(8), 0, 'file index');
        await p.pad4();
        const f = rpm.files[fx];
        if (!f) throw fail(`stripped entry points at file ${fx}, the header lists ${rpm.files.length}`);
        const isReg = (f.mode & 0o170000) === 0o100000;
        const hasData = isReg && !f.ghost && (f.nlink <= 1 || lastLink.get(`${f.device}:${f.inode}`) === fx);
        const isLink = (f.mode & 0o170000) === 0o120000;
        const [rdevMajor, rdevMinor] = splitDev(f.rdev);
        entry = {
          path: f.path,
          rawPath: '',
          mode: f.mode,
          uid: f.uid ?? 0,
          gid: f.gid ?? 0,
          nlink: f.nlink,
          mtime: f.mtime,
          size: hasData ? f.size : isLink ? Buffer.byteLength(f.linkTarget) : 0,
          devMajor: 0,
          devMinor: 0,
          rdevMajor,
          rdevMinor,
          ino: f.inode,
          fileIndex: fx,
          file: f,
        };
        // Stripped symlinks carry their target in the archive like newc does.
      } else if (magic === NEWC || magic === CRC) {
        const h = await p.takeExact(104);
        const nameSize = hex(h, 88, 'namesize');
        if (nameSize < 1 || nameSize > MAX_NAME) throw fail(`entry name size ${nameSize} out of range`);
        const nameBuf = await p.takeExact(nameSize);
        const rawPath = nameBuf.toString('utf8', 0, nameSize - 1);
        await p.pad4();
        const size = hex(h, 48, 'filesize');
        if (rawPath === TRAILER) {
          sawTrailer = true;
          break;
        }
        let path = normalizePath(rawPath);
        // Pre-4.0 payloads name files without the "./" prefix.
        if (!path.startsWith('/') && !byPath.has(path) && byPath.has(`/${path}`)) path = `/${path}`;
        const fx = byPath.get(path);
        entry = {
          path,
          rawPath,
          ino: hex(h, 0, 'inode'),
          mode: hex(h, 8, 'mode'),
          uid: hex(h, 16, 'uid'),
          gid: hex(h, 24, 'gid'),
          nlink: hex(h, 32, 'nlink'),
          mtime: hex(h, 40, 'mtime'),
          size,
          devMajor: hex(h, 56, 'devmajor'),
          devMinor: hex(h, 64, 'devminor'),
          rdevMajor: hex(h, 72, 'rdevmajor'),
          rdevMinor: hex(h, 80, 'rdevminor'),
        };
        if (fx !== undefined) {
          entry.fileIndex = fx;
          entry.file = rpm.files[fx]!;
          const f = entry.file;
          if ((f.mode & 0o170000) === 0o100000 && size !== 0 && size !== f.size) {
            throw fail(`${path}: archive says ${size} bytes, the header says ${f.size}`);
          }
        }
      } else {
        throw fail(`bad cpio magic ${JSON.stringify(magic)} at archive offset ${p.offset - 6}`);
      }
      left = entry.size;
      const body = (async function* (): AsyncGenerator<Buffer> {
        while (left > 0) {
          const c = await p.chunk(left);
          left -= c.length;
          yield c;
        }
      })();
      yield { ...entry, body };
    }
    if (!sawTrailer) throw fail('archive ends without a cpio trailer (truncated payload)');
  } catch (e) {
    if (e instanceof RpmkitError) throw e;
    throw fail((e as Error).message, e);
  } finally {
    await it.return?.(undefined);
  }
}

/** Read a whole entry body (for symlink targets and small files), bounded. */
export async function readBody(entry: CpioEntry, max = 64 * 1024 * 1024): Promise<Buffer> {
  if (entry.size > max) throw new RpmkitError('PAYLOAD_INVALID', `${entry.path}: ${entry.size} bytes is more than ${max} allowed here`);
  const parts: Buffer[] = [];
  for await (const c of entry.body) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}
