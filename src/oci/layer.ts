// Writes one image layer: tar entries from a scanned root, hashed
// uncompressed (the diff_id) and compressed (the blob digest) in one pass,
// streamed to a temp blob. Ownership comes only from package metadata (never
// the host's uid), mtimes are clamped to SOURCE_DATE_EPOCH when given.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { RpmkitError } from '../errors.js';
import { BlobSink, type BlobRef } from './blobs.js';
import { ParallelGzip } from './pgzip.js';
import { encodeHeader, padding, trailer, type TarHeader } from './tar.js';
import type { ScanEntry } from './scan.js';
import type { Compression, MetaLookup } from './types.js';

/** Fixed gzip level: part of what makes layer digests reproducible. */
export const GZIP_LEVEL = 4;

export const MEDIA_TYPES = {
  gzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  zstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  none: 'application/vnd.oci.image.layer.v1.tar',
} as const;

export interface LayerContext {
  rootDir: string;
  meta?: MetaLookup;
  /** Clamp mtimes to this (seconds); undefined keeps them. */
  clampMtime?: number;
  onEntry?: () => void;
}

export interface LayerBlob extends BlobRef {
  diffId: string;
  mediaType: string;
}

export async function headerFor(e: ScanEntry, ctx: LayerContext): Promise<TarHeader> {
  const m = ctx.meta?.(e.rel);
  const uid = m?.uid ?? 0;
  const gid = m?.gid ?? 0;
  let mtime = m?.mtime ?? e.mtime;
  if (ctx.clampMtime !== undefined && mtime > ctx.clampMtime) mtime = ctx.clampMtime;
  const h: TarHeader = {
    name: e.type === 'dir' ? `${e.rel}/` : e.rel,
    type: e.type,
    mode: (m?.mode ?? e.mode) & 0o7777,
    uid,
    gid,
    uname: m?.uname ?? (uid === 0 ? 'root' : ''),
    gname: m?.gname ?? (gid === 0 ? 'root' : ''),
    mtime,
    size: e.type === 'file' ? e.size : 0,
    xattrs: m?.xattrs && Object.keys(m.xattrs).length ? m.xattrs : undefined,
  };
  if (e.type === 'symlink') h.linkname = e.linkname ?? (await fs.readlink(path.join(ctx.rootDir, e.rel)));
  else if (e.type === 'link') h.linkname = e.linkTo;
  else if (e.type === 'char' || e.type === 'block') {
    h.devmajor = e.devmajor ?? 0;
    h.devminor = e.devminor ?? 0;
  }
  return h;
}

const SMALL = 1 << 20;

/** Stream file content, failing if the file changed size under us (a torn layer is worse than none). */
async function writeContent(abs: string, size: number, sink: (b: Buffer) => Promise<void>): Promise<void> {
  if (size <= SMALL) {
    const data = await fs.readFile(abs);
    if (data.length !== size) throw changed(abs);
    if (size) await sink(data);
  } else {
    const fh = await fs.open(abs, 'r');
    try {
      let off = 0;
      while (off < size) {
        const buf = Buffer.allocUnsafe(Math.min(SMALL * 4, size - off));
        const { bytesRead } = await fh.read(buf, 0, buf.length, off);
        if (bytesRead === 0) throw changed(abs);
        await sink(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
        off += bytesRead;
      }
    } finally {
      await fh.close();
    }
  }
  await sink(padding(size));
}

function changed(abs: string): RpmkitError {
  return new RpmkitError('IO_ERROR', `${abs} changed size while the layer was written`, { hint: 'do not modify the root while an image is built' });
}

/**
 * Writes the tar stream of `entries` to `out`, coalesced into ~1 MiB chunks
 * unless `coalesce` is false (for a consumer that buffers anyway: copying
 * every byte once more only feeds the garbage collector).
 */
export async function writeTar(entries: ScanEntry[], ctx: LayerContext, out: (b: Buffer) => Promise<void>, coalesce = true): Promise<void> {
  try {
    await writeTarInner(entries, ctx, out, coalesce);
  } catch (e) {
    if (e instanceof RpmkitError) throw e;
    // A file that vanished or became unreadable since the scan.
    throw new RpmkitError('IO_ERROR', `cannot read the root ${ctx.rootDir}: ${(e as Error).message}`, { cause: e, hint: 'do not modify the root while an image is built' });
  }
}

async function writeTarInner(entries: ScanEntry[], ctx: LayerContext, out: (b: Buffer) => Promise<void>, coalesce: boolean): Promise<void> {
  let pending: Buffer[] = [];
  let pendingLen = 0;
  const flush = async () => {
    if (!pendingLen) return;
    const b = pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingLen);
    pending = [];
    pendingLen = 0;
    await out(b);
  };
  const sink = async (b: Buffer) => {
    if (!b.length) return;
    if (!coalesce) return out(b);
    pending.push(b);
    pendingLen += b.length;
    if (pendingLen >= SMALL) await flush();
  };
  // Small files are read a few entries ahead so disk reads overlap with
  // hashing and compression; the order of the output is unchanged.
  const AHEAD = 32;
  const pre = new Map<number, Promise<Buffer>>();
  const prefetch = (i: number) => {
    const e = entries[i];
    if (e && e.type === 'file' && !e.data && e.size <= SMALL && !pre.has(i)) {
      const p = fs.readFile(path.join(ctx.rootDir, e.rel));
      p.catch(() => {}); // surfaced when awaited
      pre.set(i, p);
    }
  };
  for (let i = 0; i < Math.min(AHEAD, entries.length); i++) prefetch(i);
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    prefetch(i + AHEAD);
    const h = await headerFor(e, ctx);
    await sink(encodeHeader(h));
    if (e.type === 'file' && e.data) {
      // (memoryEntries checked that the bytes match the size.)
      await sink(e.data);
      await sink(padding(e.size));
    } else if (e.type === 'file') {
      const abs = path.join(ctx.rootDir, e.rel);
      const p = pre.get(i);
      if (p) {
        pre.delete(i);
        const data = await p;
        if (data.length !== e.size) throw changed(abs);
        if (data.length) await sink(data);
        await sink(padding(data.length));
      } else await writeContent(abs, e.size, sink);
    }
    ctx.onEntry?.();
  }
  await sink(trailer());
  await flush();
}

/** A compressor as write/end plus an async iterable of output chunks. */
interface Compressor {
  input: NodeJS.WritableStream;
  output: AsyncIterable<Buffer>;
  done: Promise<void>;
}

function zstd(): Compressor {
  // The zstd CLI with fixed flags: single-threaded output does not depend on the core count.
  const p = spawn('zstd', ['-3', '--single-thread', '-q', '-c', '--no-progress'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  p.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const done = new Promise<void>((resolve, reject) => {
    p.on('error', (e) =>
      reject(new RpmkitError('USAGE', 'zstd compression needs the `zstd` program', { cause: e, hint: 'install zstd, or use gzip (the default)' })),
    );
    p.on('close', (code) => (code === 0 ? resolve() : reject(new RpmkitError('IO_ERROR', `zstd failed (exit ${code}): ${stderr.trim()}`))));
  });
  done.catch(() => {});
  return { input: p.stdin, output: p.stdout, done };
}

/** Writes one layer blob into the layout; compression 'none' for docker-archive's layer.tar. */
export async function writeLayerBlob(
  layoutDir: string,
  entries: ScanEntry[],
  ctx: LayerContext,
  compression: Compression | 'none',
): Promise<LayerBlob> {
  const blob = await BlobSink.create(layoutDir);
  const diff = createHash('sha256');
  try {
    if (compression === 'gzip') {
      // pigz-style parallel gzip: deterministic, and uses every core.
      const pg = new ParallelGzip((b) => blob.write(b), GZIP_LEVEL);
      await writeTar(
        entries,
        ctx,
        async (b) => {
          diff.update(b);
          await pg.write(b);
        },
        false,
      );
      await pg.end();
    } else if (compression === 'none') {
      await writeTar(entries, ctx, async (b) => {
        diff.update(b);
        await blob.write(b);
      });
    } else {
      const c = zstd();
      const consumer = (async () => {
        for await (const chunk of c.output) await blob.write(chunk as Buffer);
      })();
      const producer = (async () => {
        await writeTar(entries, ctx, async (b) => {
          diff.update(b);
          if (!c.input.write(b)) await once(c.input as NodeJS.EventEmitter, 'drain');
        });
        c.input.end();
      })().catch((e: unknown) => {
        // Unblock the consumer: a destroyed compressor ends its output.
        (c.input as NodeJS.WritableStream & { destroy(err?: Error): void }).destroy();
        throw e;
      });
      await Promise.all([producer, consumer, c.done]);
    }
    const ref = await blob.commit();
    return { ...ref, diffId: `sha256:${diff.digest('hex')}`, mediaType: MEDIA_TYPES[compression] };
  } catch (e) {
    await blob.abort();
    throw e;
  }
}
