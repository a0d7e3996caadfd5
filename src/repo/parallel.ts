// primary.xml parsed on two threads. The decompressed stream is cut into
// pieces of whole <package> elements (right after a `</package>`), and each
// piece goes to whichever worker has room; each worker parses its pieces in
// order into its own pool segment and says how many packages each piece held,
// which restores the document order when the segments are decoded. Gunzip
// stays streaming (zlib runs on libuv's pool) and a worker never holds more
// than two pieces, so the decompressed document is never all in memory.
import { Worker } from 'node:worker_threads';
import { RpmkitError, type ErrorCode } from '../errors.js';
import type { FromWorker, ToWorker, WorkerInit } from './primaryworker.js';
import type { EncodedSegment } from './poolformat.js';

export interface ParallelOptions {
  what: string;
  maxPackages?: number;
  /** Bytes per piece (default 4 MiB). */
  pieceSize?: number;
}

export interface PrimarySegments {
  /** Encoded pool segments (PoolWriter.finish or finishInPlace), one per worker. */
  segments: EncodedSegment[];
  /** Document order: pairs of (segment index, package count) per piece. */
  order: number[];
  count: number;
  declared?: number;
}

const CLOSE = Buffer.from('</package>');
const WORKERS = 2;
const MAX_OUTSTANDING = 2;

// Under tsx (tests, development) the worker is the .ts source, and tsx's
// loader has to be registered in the worker thread too.
const fromSource = import.meta.url.endsWith('.ts');
const workerUrl = new URL(fromSource ? './primaryworker.ts' : './primaryworker.js', import.meta.url);

function startWorker(init: WorkerInit): Worker {
  const opts = { workerData: init, resourceLimits: { maxYoungGenerationSizeMb: 8 } };
  if (!fromSource) return new Worker(workerUrl, opts);
  const api = import.meta.resolve('tsx/esm/api');
  return new Worker(`import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(workerUrl.href)}); })`, { ...opts, eval: true });
}

interface Slot {
  w: Worker;
  outstanding: number;
  pieces: number;
  result: Promise<{ segment: Uint8Array; counts: number[]; declared?: number }>;
}

export async function parsePrimaryParallel(chunks: AsyncIterable<Buffer> | Iterable<Buffer>, opts: ParallelOptions): Promise<PrimarySegments> {
  const pieceSize = opts.pieceSize ?? 4 << 20;
  let wakeMain: (() => void) | undefined;
  const poke = (): void => {
    const f = wakeMain;
    wakeMain = undefined;
    f?.();
  };
  let failure: unknown;
  const slots: Slot[] = [];
  for (let i = 0; i < WORKERS; i++) {
    const init: WorkerInit = { what: opts.what, maxPackages: opts.maxPackages, first: i === 0 };
    const w = startWorker(init);
    const slot = { w, outstanding: 0, pieces: 0 } as Slot;
    slot.result = new Promise((resolve, reject) => {
      const fail = (e: unknown): void => {
        failure ??= e;
        reject(e);
        poke();
      };
      w.on('message', (m: FromWorker) => {
        if ('ack' in m) {
          slot.outstanding--;
          poke();
        } else if ('done' in m) {
          // Free the thread's heap before the caller decodes the segment.
          w.removeAllListeners('exit');
          void w.terminate().then(() => resolve(m), reject);
        }
        else {
          const e = m.error;
          fail(e.code ? new RpmkitError(e.code as ErrorCode, e.message, { hint: e.hint, details: e.details }) : new RpmkitError('METADATA_INVALID', e.message));
        }
      });
      w.on('error', (e) => fail(new RpmkitError('INTERNAL', `${opts.what}: parser thread failed: ${e.message}`, { cause: e })));
      w.on('exit', (code) => fail(new RpmkitError('INTERNAL', `${opts.what}: parser thread exited (${code})`)));
    });
    // Failures surface through `failure`; avoid unhandled rejections meanwhile.
    slot.result.catch(() => {});
    slots.push(slot);
  }
  const owners: number[] = [];
  const send = async (parts: Buffer[], len: number): Promise<void> => {
    let idx = 0;
    if (owners.length) {
      for (;;) {
        if (failure) throw failure;
        idx = 0;
        for (let i = 1; i < slots.length; i++) if ((slots[i] as Slot).outstanding < (slots[idx] as Slot).outstanding) idx = i;
        if ((slots[idx] as Slot).outstanding < MAX_OUTSTANDING) break;
        await new Promise<void>((r) => (wakeMain = r));
      }
    }
    const piece = new Uint8Array(len);
    let off = 0;
    for (const p of parts) {
      piece.set(p, off);
      off += p.length;
    }
    const s = slots[idx] as Slot;
    s.outstanding++;
    s.pieces++;
    owners.push(idx);
    s.w.postMessage({ piece } satisfies ToWorker, [piece.buffer]);
  };
  try {
    let parts: Buffer[] = [];
    let len = 0;
    for await (const c of chunks) {
      if (failure) throw failure;
      if (len + c.length >= pieceSize) {
        const i = c.indexOf(CLOSE);
        if (i >= 0) {
          const cut = i + CLOSE.length;
          parts.push(c.subarray(0, cut));
          await send(parts, len + cut);
          parts = [c.subarray(cut)];
          len = c.length - cut;
          continue;
        }
      }
      parts.push(c);
      len += c.length;
    }
    if (len || !owners.length) await send(parts, len);
    const last = owners[owners.length - 1];
    slots.forEach((s, i) => s.w.postMessage({ end: true, lastIsMine: i === last } satisfies ToWorker));
    const results = await Promise.all(slots.map((s) => s.result));
    // Per-piece counts in document order.
    const next = slots.map(() => 0);
    const prev = slots.map(() => 0);
    const order: number[] = [];
    for (const o of owners) {
      const cum = (results[o] as { counts: number[] }).counts[next[o] as number];
      if (cum === undefined) throw new RpmkitError('INTERNAL', `${opts.what}: parser thread lost a piece`);
      next[o] = (next[o] as number) + 1;
      order.push(o, cum - (prev[o] as number));
      prev[o] = cum;
    }
    const count = order.reduce((a, v, i) => (i % 2 ? a + v : a), 0);
    if (count > (opts.maxPackages ?? 5_000_000)) throw new RpmkitError('METADATA_INVALID', `${opts.what}: more than ${opts.maxPackages ?? 5_000_000} packages`, { hint: 'the document is corrupt or hostile' });
    return { segments: results.map((r) => r.segment), order, count, declared: results[0]?.declared };
  } finally {
    for (const s of slots) {
      s.w.removeAllListeners('exit');
      void s.w.terminate();
    }
  }
}
