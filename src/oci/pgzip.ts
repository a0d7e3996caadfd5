// Parallel, deterministic gzip (the pigz scheme): the input is cut into
// fixed-size blocks, each compressed as raw deflate on the libuv thread pool
// with the previous block's last 32 KiB as dictionary and a sync flush, and
// the pieces are concatenated in order under one gzip header and trailer.
// Output depends only on the input bytes, the level and the block size —
// never on the number of threads or how the input was chunked — and is a
// single ordinary gzip member every reader accepts.
import * as zlib from 'node:zlib';
import { promisify } from 'node:util';

const deflateRaw = promisify(zlib.deflateRaw) as (buf: Buffer, opts: zlib.ZlibOptions) => Promise<Buffer>;

const WINDOW = 32 * 1024;
export const PGZIP_BLOCK = 1024 * 1024;

/** Fixed header: no name, mtime 0, XFL 0, OS = Unix (3). */
const HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);

type Crc32 = (data: Buffer, value?: number) => number;

let table: Uint32Array | undefined;
/** zlib.crc32 exists from Node 20.15 / 22.2; a table version otherwise. */
const crc32: Crc32 =
  (zlib as unknown as { crc32?: Crc32 }).crc32 ??
  ((data: Buffer, value = 0) => {
    if (!table) {
      table = new Uint32Array(256);
      for (let n = 0; n < 256; n++) {
        let c = n;
        for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
        table[n] = c >>> 0;
      }
    }
    let c = ~value >>> 0;
    for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]) & 0xff] ^ (c >>> 8);
    return ~c >>> 0;
  });

export class ParallelGzip {
  private buf: Buffer;
  private fill = 0;
  private prevTail: Buffer | undefined;
  private crc = 0;
  private total = 0;
  private readonly queue: { job: Promise<Buffer>; block: Buffer }[] = [];
  /** Blocks whose compression finished, to fill again (fewer fresh 1 MiB buffers, fewer GCs). */
  private readonly spare: Buffer[] = [];
  private started = false;

  constructor(
    private readonly out: (b: Buffer) => Promise<void>,
    private readonly level = 6,
    private readonly blockSize = PGZIP_BLOCK,
    /** Blocks in flight; bounds memory to about (maxInFlight + 1) blocks. */
    private readonly maxInFlight = 8,
  ) {
    this.buf = Buffer.allocUnsafe(blockSize);
  }

  async write(chunk: Buffer): Promise<void> {
    if (!this.started) {
      this.started = true;
      await this.out(HEADER);
    }
    let off = 0;
    while (off < chunk.length) {
      const n = Math.min(chunk.length - off, this.blockSize - this.fill);
      chunk.copy(this.buf, this.fill, off, off + n);
      this.fill += n;
      off += n;
      if (this.fill === this.blockSize) await this.dispatch(false);
    }
  }

  private async dispatch(last: boolean): Promise<void> {
    const block = this.buf.subarray(0, this.fill);
    this.crc = crc32(block, this.crc);
    this.total += block.length;
    // One output chunk per block: with zlib's default 16 KiB chunks the main
    // thread spends more time collecting pieces than it takes to hash them.
    // (Output bytes do not depend on it.)
    const opts: zlib.ZlibOptions = {
      level: this.level,
      memLevel: 8,
      windowBits: 15,
      chunkSize: this.blockSize + 1024,
      finishFlush: last ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH,
    };
    if (this.prevTail) opts.dictionary = this.prevTail;
    const job = deflateRaw(block, opts);
    job.catch(() => {}); // surfaced in drain()
    this.queue.push({ job, block: this.buf });
    this.prevTail = Buffer.from(block.subarray(Math.max(0, block.length - WINDOW)));
    this.buf = this.spare.pop() ?? Buffer.allocUnsafe(this.blockSize);
    this.fill = 0;
    while (this.queue.length >= this.maxInFlight) await this.next();
  }

  /** Write out the oldest block's compressed bytes; its buffer can then be filled again. */
  private async next(): Promise<void> {
    const { job, block } = this.queue.shift()!;
    const out = await job;
    this.spare.push(block);
    await this.out(out);
  }

  async end(): Promise<void> {
    if (!this.started) {
      this.started = true;
      await this.out(HEADER);
    }
    await this.dispatch(true);
    while (this.queue.length) await this.next();
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(this.crc >>> 0, 0);
    trailer.writeUInt32LE(this.total % 2 ** 32, 4);
    await this.out(trailer);
  }
}
