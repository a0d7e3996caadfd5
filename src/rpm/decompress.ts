// Payload decompression as a stream of Buffers: gzip (node:zlib), bzip2
// (seek-bzip), xz and lzma (lzma-native), zstd (node:zlib when the runtime
// has it; else zstddec's WebAssembly decoder for a payload of declared size,
// the zstd program, or fzstd) and none. The compressor comes from PAYLOADCOMPRESSOR, or
// from the payload's magic when the tag is missing (rpm then assumes gzip, and
// zlib passes uncompressed data through — so does this).
import type * as ChildProcess from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import { createReadStream, openSync, closeSync, readSync, accessSync, constants as FS } from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import * as zlib from 'node:zlib';
import { Decompress as ZstdDecompress } from 'fzstd';
import type { ZSTDDecoder } from 'zstddec';
import { RpmkitError } from '../errors.js';
import { lazyBuiltin } from '../util/builtin.js';
import { readFrom } from '../util/readfile.js';
import { decodeZstdOffThread, warmZstdPool } from './zstdpool.js';
import { packageDigestHash } from './bodydigests.js';
import type { RpmFile } from './types.js';

const require = createRequire(import.meta.url);
const childProcess = lazyBuiltin<typeof ChildProcess>('node:child_process');
/** Node's own zstd decoder (Node >= 22.15): when the runtime has it, it is used for every zstd payload. */
const nativeZstd = (zlib as unknown as { createZstdDecompress?: () => Transform }).createZstdDecompress;

interface LzmaNative {
  createDecompressor(opts?: { memlimit?: number }): Transform;
}
interface SeekBzip {
  decode(input: Uint8Array, output: { writeByte(b: number): void }, multistream?: boolean): void;
}

/** The raw (still compressed) payload bytes. */
export function rawPayload(rpm: RpmFile): Readable {
  if (rpm.buffer) return Readable.from([Buffer.from(rpm.buffer.buffer, rpm.buffer.byteOffset + rpm.payloadOffset, rpm.buffer.length - rpm.payloadOffset)], { objectMode: false });
  return createReadStream(rpm.path, { start: rpm.payloadOffset, highWaterMark: 256 * 1024 });
}

/** Detect the compressor from the first bytes of the payload. */
export function sniffCompressor(head: Uint8Array): string | undefined {
  const at = (i: number, ...b: number[]) => b.every((x, k) => head[i + k] === x);
  if (at(0, 0x1f, 0x8b)) return 'gzip';
  if (at(0, 0x42, 0x5a, 0x68)) return 'bzip2';
  if (at(0, 0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return 'xz';
  if (at(0, 0x28, 0xb5, 0x2f, 0xfd)) return 'zstd';
  if (at(0, 0x30, 0x37, 0x30, 0x37, 0x30)) return 'identity';
  if (head[0] === 0x5d && head[1] === 0x00 && head[2] === 0x00) return 'lzma';
  return undefined;
}

function payloadError(rpm: RpmFile, msg: string, cause?: unknown): RpmkitError {
  return new RpmkitError('PAYLOAD_INVALID', `${rpm.path}: payload: ${msg}`, {
    hint: 'The package payload is corrupt or truncated; download the package again.',
    cause,
    details: { file: rpm.path },
  });
}

/** How many decompressed bytes are plausible before we call it a bomb. */
export function payloadLimit(rpm: RpmFile): number {
  const margin = 1024 * 1024;
  if (rpm.archiveSize !== undefined) return rpm.archiveSize + Math.max(margin, Math.floor(rpm.archiveSize / 100));
  // No declared archive size: the files plus generous cpio overhead per entry.
  let total = 0;
  for (const f of rpm.files) total += f.size + 512 + f.path.length + f.linkTarget.length;
  return total + margin;
}

/** Stop with PAYLOAD_INVALID once more than `limit` bytes came out. */
class LimitTransform extends Transform {
  private seen = 0;
  constructor(
    private readonly limit: number,
    private readonly onExceed: () => Error,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limit) cb(this.onExceed());
    else cb(null, chunk);
  }
}

class ZstdTransform extends Transform {
  private readonly d: ZstdDecompress;
  constructor() {
    super();
    this.d = new ZstdDecompress((chunk) => {
      this.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
    });
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.d.push(chunk, false);
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }
  override _flush(cb: TransformCallback): void {
    try {
      this.d.push(new Uint8Array(0), true);
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }
}

/**
 * zstd through the `zstd` program when the machine has one: fzstd (pure JS)
 * manages ~40 MB/s on rpmbuild payloads, the native decoder ~10x that. The
 * output is only passed on as it arrives, and a non-zero exit is an error
 * before the stream ends, so corrupt input is reported the same way.
 */
class ExternalZstdTransform extends Transform {
  private readonly child = childProcess().spawn(zstdProgramPath() ?? 'zstd', ['-d', '-c', '-q'], { stdio: ['pipe', 'pipe', 'pipe'] });
  private stderr = '';
  private done = false;
  private waiting: TransformCallback | undefined;
  private readonly exited: Promise<number | null>;
  constructor() {
    super();
    this.child.stdout.on('data', (c: Buffer) => {
      if (!this.push(c)) this.child.stdout.pause();
    });
    this.child.stderr.on('data', (c: Buffer) => {
      if (this.stderr.length < 4096) this.stderr += c.toString();
    });
    this.child.stdin.on('error', () => {
      // EPIPE when zstd stops early on bad input; the exit code tells.
    });
    this.exited = new Promise((resolve) => {
      const end = (code: number | null) => {
        this.done = true;
        this.release();
        resolve(code);
      };
      this.child.on('error', () => end(-1));
      this.child.on('close', (code) => end(code));
    });
  }
  override _read(size: number): void {
    this.child.stdout.resume();
    super._read(size);
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    // Once zstd has exited (bad input), its stdin never drains: drop the rest
    // and let _flush report the exit status.
    if (this.done) return cb();
    if (this.child.stdin.write(chunk)) return cb();
    this.waiting = cb;
    this.child.stdin.once('drain', () => this.release());
  }
  private release(): void {
    const cb = this.waiting;
    this.waiting = undefined;
    cb?.();
  }
  override _flush(cb: TransformCallback): void {
    if (!this.done) this.child.stdin.end();
    void this.exited.then((code) => {
      if (code === 0) cb();
      else cb(new Error(`zstd: ${this.stderr.trim() || `exit ${code}`}`));
    });
  }
  override _destroy(err: Error | null, cb: (e: Error | null) => void): void {
    if (this.child.exitCode === null) this.child.kill();
    cb(err);
  }
}

let zstdProgram: boolean | undefined;
let zstdPath: string | undefined | null = null;
/**
 * The zstd program's absolute path, looked up in PATH once: spawning by bare
 * name makes every child walk PATH (a failed execve per entry before it).
 */
function zstdProgramPath(): string | undefined {
  if (zstdPath === null) {
    zstdPath = undefined;
    for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
      if (!dir || !path.isAbsolute(dir)) continue;
      const candidate = path.join(dir, 'zstd');
      try {
        accessSync(candidate, FS.X_OK);
        zstdPath = candidate;
        break;
      } catch {
        // not here
      }
    }
  }
  return zstdPath;
}
function hasZstdProgram(): boolean {
  if (zstdProgram === undefined) {
    const bin = process.env.RPMKIT_NO_ZSTD_PROGRAM ? undefined : zstdProgramPath();
    zstdProgram = bin !== undefined && childProcess().spawnSync(bin, ['--version'], { stdio: 'ignore' }).status === 0;
  }
  return zstdProgram;
}

/** Advance a file descriptor's own offset by `n` bytes (Node has no lseek). */
function skipFd(fd: number, n: number): void {
  const buf = Buffer.allocUnsafe(Math.min(n, 1024 * 1024) || 1);
  while (n > 0) {
    const got = readSync(fd, buf, 0, Math.min(n, buf.length), null);
    if (got === 0) throw new Error('file ends before the payload');
    n -= got;
  }
}

/**
 * zstd reading the package file itself: its stdin is our descriptor, placed
 * at the payload, so the compressed bytes never pass through this process.
 * Yields the output as it arrives; a non-zero exit is an error before the end.
 */
async function* zstdFromFile(rpm: RpmFile, bin: string): AsyncGenerator<Buffer> {
  const fd = openSync(rpm.path, 'r');
  let child: ChildProcessByStdio<null, Readable, Readable>;
  try {
    skipFd(fd, rpm.payloadOffset);
    child = childProcess().spawn(bin, ['-d', '-c', '-q'], { stdio: [fd, 'pipe', 'pipe'] }) as ChildProcessByStdio<null, Readable, Readable>;
  } finally {
    // The child has its own copy of the descriptor now.
    closeSync(fd);
  }
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    if (stderr.length < 4096) stderr += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', () => resolve(-1));
    child.on('close', (code) => resolve(code));
  });
  try {
    for await (const c of child.stdout) yield c as Buffer;
    const code = await exited;
    if (code !== 0) throw new Error(`zstd: ${stderr.trim() || `exit ${code}`}`);
  } finally {
    if (child.exitCode === null) child.kill();
  }
}

/** bzip2 is only in old RPMs and seek-bzip is synchronous: decode the whole payload, bounded by the limit. */
class Bzip2Transform extends Transform {
  private readonly parts: Buffer[] = [];
  constructor(private readonly limit: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.parts.push(chunk);
    cb();
  }
  override _flush(cb: TransformCallback): void {
    try {
      const bz = require('seek-bzip') as SeekBzip;
      const out: Buffer[] = [];
      let cur = Buffer.allocUnsafe(64 * 1024);
      let pos = 0;
      let total = 0;
      const limit = this.limit;
      bz.decode(Buffer.concat(this.parts), {
        writeByte(b: number) {
          if (pos === cur.length) {
            out.push(cur);
            cur = Buffer.allocUnsafe(64 * 1024);
            pos = 0;
          }
          cur[pos++] = b;
          if (++total > limit) throw new Error(`decompressed size exceeds ${limit} bytes`);
        },
      }, true);
      out.push(cur.subarray(0, pos));
      for (const b of out) this.push(b);
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }
}

/**
 * Which zstd decoder to use: 'auto' (default) the WebAssembly decoder for a
 * payload of declared size, else the `zstd` program when present, else the
 * JS one; 'program' skips the WebAssembly decoder; 'js' uses only the JS one.
 */
export type ZstdImpl = 'auto' | 'program' | 'js';

function decompressor(name: string, limit: number, zstdImpl: ZstdImpl = 'auto'): Transform | undefined {
  switch (name) {
    case 'gzip':
      return zlib.createGunzip();
    case 'bzip2':
      return new Bzip2Transform(limit);
    case 'xz':
    case 'lzma':
      return (require('lzma-native') as LzmaNative).createDecompressor({ memlimit: 512 * 1024 * 1024 });
    case 'zstd': {
      if (nativeZstd) return nativeZstd.call(zlib);
      return zstdImpl !== 'js' && hasZstdProgram() ? new ExternalZstdTransform() : new ZstdTransform();
    }
    case 'identity':
    case 'none':
      return undefined;
    default:
      return undefined;
  }
}

/** The compressor actually used: the tag, or the payload's magic when the tag is absent. */
export async function effectiveCompressor(rpm: RpmFile, head: Uint8Array): Promise<string> {
  const tag = rpm.payloadCompressor;
  const sniffed = sniffCompressor(head);
  if (!tag) return sniffed === 'gzip' ? 'gzip' : 'identity';
  if (!['gzip', 'bzip2', 'xz', 'lzma', 'zstd', 'identity', 'none'].includes(tag)) {
    throw new RpmkitError('RPM_UNSUPPORTED', `${rpm.path}: payload compressor "${tag}" is not supported`, {
      hint: 'Supported: gzip, bzip2, xz, lzma, zstd, none.',
      details: { file: rpm.path, compressor: tag },
    });
  }
  return tag;
}

/**
 * The decompressed payload (the cpio archive) as a stream of Buffers. Fails
 * with PAYLOAD_INVALID on corrupt data or on more output than the package
 * declares (a decompression bomb).
 */
export async function* decompressedPayload(rpm: RpmFile, opts: { limit?: number; zstd?: ZstdImpl; decoded?: Promise<Buffer | undefined> } = {}): AsyncGenerator<Buffer> {
  // Decoded already (startPayloadDecode): exactly the declared size, so within any limit.
  const ready = await opts.decoded;
  if (ready) {
    if (ready.length) yield ready;
    return;
  }
  const limit = opts.limit ?? payloadLimit(rpm);
  const raw = rawPayload(rpm);
  const it = raw[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let first: IteratorResult<Buffer>;
  try {
    first = await it.next();
  } catch (e) {
    raw.destroy();
    throw new RpmkitError('IO_ERROR', `${rpm.path}: cannot read payload: ${(e as Error).message}`, { cause: e });
  }
  const head = first.done ? Buffer.alloc(0) : first.value;
  const name = await effectiveCompressor(rpm, head).catch((e: unknown) => {
    raw.destroy();
    throw e;
  });
  async function* source(): AsyncGenerator<Buffer> {
    if (!first.done) yield first.value;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  const exceeded = () => payloadError(rpm, `decompressed size exceeds ${limit} bytes (the package declares ${rpm.archiveSize ?? 'no'} archive size): refusing a possible decompression bomb`);
  if (name === 'zstd' && (opts.zstd ?? 'auto') === 'auto' && !nativeZstd) {
    const whole = await wasmZstd(rpm);
    if (whole) {
      raw.destroy();
      if (whole.length) yield whole;
      return;
    }
  }
  if (name === 'zstd' && !rpm.buffer && (opts.zstd ?? 'auto') !== 'js' && !nativeZstd && hasZstdProgram()) {
    raw.destroy();
    let seen = 0;
    try {
      for await (const chunk of zstdFromFile(rpm, zstdProgramPath()!)) {
        seen += chunk.length;
        if (seen > limit) throw exceeded();
        yield chunk;
      }
    } catch (e) {
      if (e instanceof RpmkitError) throw e;
      throw payloadError(rpm, `zstd data is corrupt: ${(e as Error).message}`, e);
    }
    return;
  }
  const dec = decompressor(name, limit, opts.zstd);
  const guard = new LimitTransform(limit, exceeded);
  const src = Readable.from(source());
  let stream: Readable;
  if (dec) {
    src.on('error', (e) => dec.destroy(e));
    stream = src.pipe(dec);
    dec.on('error', (e) => guard.destroy(e));
    stream = dec.pipe(guard);
  } else {
    src.on('error', (e) => guard.destroy(e));
    stream = src.pipe(guard);
  }
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (e) {
    if (e instanceof RpmkitError) throw e;
    throw payloadError(rpm, `${name} data is corrupt: ${(e as Error).message}`, e);
  } finally {
    raw.destroy();
    src.destroy();
    dec?.destroy();
    guard.destroy();
  }
}

/**
 * Payloads up to this size (either side) are decoded in one piece by the
 * WebAssembly decoder. Its memory holds input and output at once and never
 * shrinks, so bigger payloads (rare: a few texlive-sized packages) stream.
 */
const WASM_ZSTD_MAX = 64 * 1024 * 1024;

/**
 * A zstd payload decoded in one piece in this process when the header says
 * how big it is (rpm's payload size tag): no zstd process to start for each
 * package. Undefined when that does not apply, or when the result is not
 * exactly the declared size (a corrupt frame, or a header that lies), and
 * the streaming path decides, and reports, instead.
 */
async function wasmZstd(rpm: RpmFile): Promise<Buffer | undefined> {
  const size = rpm.archiveSize;
  if (size === undefined || size <= 0 || size > WASM_ZSTD_MAX) return undefined;
  let input: Uint8Array;
  if (rpm.buffer) input = rpm.buffer.subarray(rpm.payloadOffset);
  else {
    // A read error here is left to the streaming path, which reports it as such.
    const read = await readFrom(rpm.path, rpm.payloadOffset, WASM_ZSTD_MAX).catch(() => undefined);
    if (!read?.length) return undefined;
    input = read;
  }
  let out: Uint8Array;
  try {
    out = (await zstdDecoder()).decode(input, size);
  } catch {
    return undefined;
  }
  return out.length === size ? Buffer.from(out.buffer, out.byteOffset, out.length) : undefined;
}

/**
 * Start decoding a package's payload on a worker thread (zstdpool.ts), for
 * a caller that will read the payload later and has other work meanwhile.
 * Undefined when that does not apply (not zstd, too big, no spare core, or
 * Node decodes zstd natively); pass the promise to payloadEntries. The
 * worker also hashes the file bodies (knownBodyDigest then has them).
 */
export function startPayloadDecode(rpm: RpmFile): Promise<Buffer | undefined> | undefined {
  const size = rpm.archiveSize;
  if (!decodesOffThread(rpm) || size === undefined) return undefined;
  // Checked here too: decompressedPayload takes the result without a limit.
  return decodeZstdOffThread({ path: rpm.path, offset: rpm.payloadOffset, max: WASM_ZSTD_MAX, size, digest: packageDigestHash(rpm) })?.then((b) => (b?.length === size ? b : undefined));
}

/** Whether startPayloadDecode would decode this package's payload on a worker. */
function decodesOffThread(rpm: RpmFile): boolean {
  const size = rpm.archiveSize;
  return rpm.payloadCompressor === 'zstd' && !rpm.buffer && !nativeZstd && size !== undefined && size > 0 && size <= WASM_ZSTD_MAX;
}

/**
 * Boot a decode worker ahead of startPayloadDecode calls, when this package
 * would use one (e.g. while the packages are still being checked): no worker
 * for a set without zstd payloads.
 */
export function prewarmPayloadDecode(rpm: RpmFile): void {
  if (decodesOffThread(rpm)) warmZstdPool();
}

let zstdWasm: Promise<ZSTDDecoder> | undefined;
/** The WebAssembly zstd decoder, instantiated once. */
function zstdDecoder(): Promise<ZSTDDecoder> {
  zstdWasm ??= (async () => {
    const { ZSTDDecoder: D } = await import('zstddec');
    const d = new D();
    await d.init();
    return d;
  })();
  return zstdWasm;
}
