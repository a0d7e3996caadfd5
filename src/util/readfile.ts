// Reading a whole file, or its tail from an offset, with one read into a
// buffer of its size: fs.readFile reads in 512 KiB steps, one thread-pool
// round trip each (~15 ms more on a 35 MB repository cache entry).
import { promises as fs } from 'node:fs';

/**
 * The bytes of `file` from offset `from` to its end; undefined when there
 * are more than `max` of them. A file that shrinks meanwhile gives what
 * could be read.
 */
export async function readFrom(file: string, from = 0, max = Infinity): Promise<Buffer | undefined> {
  const fh = await fs.open(file, 'r');
  try {
    const total = Math.max(0, (await fh.stat()).size - from);
    if (total > max) return undefined;
    const buf = Buffer.allocUnsafe(total);
    let off = 0;
    while (off < total) {
      const { bytesRead } = await fh.read(buf, off, total - off, from + off);
      if (!bytesRead) break;
      off += bytesRead;
    }
    return off === total ? buf : buf.subarray(0, off);
  } finally {
    await fh.close();
  }
}

/** Largest buffer fileChunks reads into. */
const CHUNK = 1024 * 1024;

/**
 * Bytes [start, end) of `file` (end: its size), as views of one buffer that
 * is read into again for the next chunk: each is valid only until the next
 * is asked for. For digests: a fresh buffer per chunk (what read streams
 * allocate) costs more in page faults than the hashing itself.
 */
export async function* fileChunks(file: string, start = 0, end = Infinity): AsyncGenerator<Buffer> {
  const fh = await fs.open(file, 'r');
  try {
    const stop = Math.min(end, (await fh.stat()).size);
    const buf = Buffer.allocUnsafe(Math.max(0, Math.min(CHUNK, stop - start)));
    for (let pos = start; pos < stop; ) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, stop - pos), pos);
      if (!bytesRead) break;
      pos += bytesRead;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}
