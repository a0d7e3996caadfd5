// Decompress repository metadata files (gz, xz, zstd, bz2) as a stream of
// chunks, with a cap on the output size so a decompression bomb fails
// cleanly instead of exhausting memory. zchunk is refused: no JS decoder.
import { createGunzip, type ZlibOptions } from 'node:zlib';
import * as zlib from 'node:zlib';
import { Readable } from 'node:stream';
import { createRequire } from 'node:module';
import { Decompress as ZstdDecompress } from 'fzstd';
import { RpmkitError } from '../errors.js';

const require = createRequire(import.meta.url);

interface LzmaNative {
  createDecompressor(opts?: Record<string, unknown>): NodeJS.ReadWriteStream;
}
interface SeekBzip {
  decode(input: Uint8Array): Buffer;
}

export type Compression = 'none' | 'gz' | 'xz' | 'zst' | 'bz2' | 'zck';

/** Compression of a metadata file, from its name and then its magic bytes. */
export function detectCompression(href: string, head?: Uint8Array): Compression {
  const h = href.toLowerCase();
  if (h.endsWith('.gz')) return 'gz';
  if (h.endsWith('.xz')) return 'xz';
  if (h.endsWith('.zst') || h.endsWith('.zstd')) return 'zst';
  if (h.endsWith('.bz2')) return 'bz2';
  if (h.endsWith('.zck')) return 'zck';
  if (head && head.length >= 4) {
    if (head[0] === 0x1f && head[1] === 0x8b) return 'gz';
    if (head[0] === 0xfd && head[1] === 0x37 && head[2] === 0x7a && head[3] === 0x58) return 'xz';
    if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zst';
    if (head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) return 'bz2';
    if (head[0] === 0x00 && head[1] === 0x5a && head[2] === 0x43 && head[3] === 0x4b) return 'zck';
  }
  return 'none';
}

const CHUNK = 1 << 20;

/**
 * The decompressed bytes of `data` in chunks. Throws METADATA_INVALID (naming
 * `what`) when the stream is corrupt or grows past `maxOut` bytes. `data`
 * may be the compressed file in pieces (as it was read): each piece is then
 * dropped once the decompressor has taken it.
 */
export async function* decompressChunks(data: Buffer | Buffer[], kind: Compression, what: string, maxOut: number): AsyncGenerator<Buffer> {
  // Compressed input is consumed piece by piece, and a piece is dropped once
  // the decompressor has taken it: a 10 MB primary.xml.gz is then not pinned
  // for the whole parse (which is when memory peaks). One buffer is copied
  // into 1 MiB pieces for that; the caller must not keep `data` (or the
  // array of pieces, which is emptied as it goes) either.
  // Uncompressed input is not copied (that would double it for a while).
  const pieces: Buffer[] = Array.isArray(data) ? data : [];
  if (!Array.isArray(data)) {
    for (let i = 0; i < data.length; i += CHUNK) pieces.push(kind === 'none' ? data.subarray(i, i + CHUNK) : Buffer.from(data.subarray(i, i + CHUNK)));
  }
  (data as Buffer | Buffer[] | undefined) = undefined;
  const take = function* (): Generator<Buffer> {
    while (pieces.length) yield pieces.shift() as Buffer;
  };
  let out = 0;
  const count = (b: Buffer): Buffer => {
    out += b.length;
    if (out > maxOut) {
      throw new RpmkitError('METADATA_INVALID', `${what}: decompresses to more than ${maxOut} bytes`, {
        hint: 'the file is corrupt or hostile (a decompression bomb); the repository metadata cannot be trusted',
        details: { maxSize: maxOut },
      });
    }
    return b;
  };
  try {
    switch (kind) {
      case 'none':
        for (const piece of take()) yield count(piece);
        return;
      case 'gz': {
        // Up to 2 MiB decompressed ahead of the parser (Node's zlib takes
        // the stream option; its types do not list it), so the parser does
        // not wait for each 256 KiB to be inflated after asking for it.
        const ahead: ZlibOptions & { readableHighWaterMark: number } = { chunkSize: 256 * 1024, readableHighWaterMark: 2 << 20 };
        const gz = createGunzip(ahead);
        const src = Readable.from(take()).pipe(gz);
        for await (const c of src) yield count(c as Buffer);
        return;
      }
      case 'xz': {
        const lzma = require('lzma-native') as LzmaNative;
        const dec = lzma.createDecompressor();
        const src = Readable.from(take()).pipe(dec);
        for await (const c of src as AsyncIterable<Buffer>) yield count(c);
        return;
      }
      case 'zst': {
        const z = zlib as unknown as { zstdDecompressSync?: (b: Buffer) => Buffer };
        if (typeof z.zstdDecompressSync === 'function') {
          const all = z.zstdDecompressSync(Buffer.concat(pieces.splice(0)));
          for (let i = 0; i < all.length; i += CHUNK) yield count(all.subarray(i, i + CHUNK));
          return;
        }
        const pending: Buffer[] = [];
        const dec = new ZstdDecompress((chunk) => {
          pending.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        });
        if (pieces.length === 0) throw new Error('empty zstd stream');
        for (const piece of take()) {
          dec.push(piece, pieces.length === 0);
          while (pending.length) yield count(pending.shift() as Buffer);
        }
        return;
      }
      case 'bz2': {
        const bz = require('seek-bzip') as SeekBzip;
        const all = bz.decode(Buffer.concat(pieces.splice(0)));
        for (let i = 0; i < all.length; i += CHUNK) yield count(all.subarray(i, i + CHUNK));
        return;
      }
      case 'zck':
        throw new RpmkitError('METADATA_UNSUPPORTED', `${what} is zchunk-compressed, which rpmkit cannot read`, {
          hint: 'ask for the repository without zchunk (createrepo_c --no-zck), or use a mirror that also publishes .gz/.xz/.zst metadata',
        });
    }
  } catch (e) {
    if (e instanceof RpmkitError) throw e;
    throw new RpmkitError('METADATA_INVALID', `${what}: corrupt ${kind} data (${(e as Error).message})`, {
      hint: 'the file is damaged; run again with --refresh, or try another mirror',
      cause: e,
    });
  }
}
