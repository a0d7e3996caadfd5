// zstd payloads decoded on other cores. Installing or building an image
// spends a third of its main-thread time in the WebAssembly zstd decoder
// while the other cores wait for it; with the payloads of the next packages
// decoded in worker threads, the main thread only parses and writes. Workers
// start on first use, are not waited for at exit (unref) and stop after a
// second without work, which also frees their decoder's memory (it never
// shrinks while a worker lives). A worker keeps the process alive only
// while it has a job.
import * as os from 'node:os';
import type { Worker } from 'node:worker_threads';
import type * as WorkerThreads from 'node:worker_threads';
import { lazyBuiltin } from '../util/builtin.js';
import type { ZstdJob, ZstdReply } from './zstdworker.js';
import { rememberBodyDigests } from './bodydigests.js';

const workerThreads = lazyBuiltin<typeof WorkerThreads>('node:worker_threads');

const IDLE_MS = 1000;

// Under tsx (tests, development) the worker is the .ts source, and tsx's
// loader has to be registered in the worker thread too.
const fromSource = import.meta.url.endsWith('.ts');
const workerUrl = new URL(fromSource ? './zstdworker.ts' : './zstdworker.js', import.meta.url);

interface Slot {
  w: Worker;
  /** Jobs sent and not answered yet. */
  pending: Set<number>;
  idle?: NodeJS.Timeout;
}

const slots: Slot[] = [];
const waiting = new Map<number, (data: Buffer | undefined) => void>();
/** The body digest asked for with each job still out. */
const digestOf = new Map<number, string>();
let nextId = 0;

/** Worker threads to use: $RPMKIT_DECODE_THREADS, else one fewer than the cores (the caller keeps one), at most 4. */
export function zstdWorkers(env: NodeJS.ProcessEnv = process.env): number {
  const set = env.RPMKIT_DECODE_THREADS;
  if (set !== undefined && /^\d+$/.test(set)) return Math.min(16, Number(set));
  return Math.max(0, Math.min(4, os.availableParallelism() - 1));
}

function start(): Slot {
  const { Worker } = workerThreads();
  const w = fromSource
    ? new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(workerUrl.href)}); })`, { eval: true })
    : new Worker(workerUrl);
  const slot: Slot = { w, pending: new Set() };
  w.unref();
  w.on('message', (r: ZstdReply) => {
    slot.pending.delete(r.id);
    // answer() forgets the job's entry in digestOf.
    const algo = digestOf.get(r.id);
    if (r.data && r.digests && algo) rememberBodyDigests(r.data, algo, r.digests);
    answer(r.id, r.data ? Buffer.from(r.data.buffer, r.data.byteOffset, r.data.length) : undefined);
    if (slot.pending.size === 0) {
      // Idle: it must not keep the process alive (see decodeZstdOffThread).
      w.unref();
      slot.idle = setTimeout(() => stop(slot), IDLE_MS).unref();
    }
  });
  w.on('error', () => stop(slot));
  w.on('exit', () => stop(slot));
  return slot;
}

function answer(id: number, data: Buffer | undefined): void {
  const done = waiting.get(id);
  waiting.delete(id);
  digestOf.delete(id);
  done?.(data);
}

/** Retire a worker; whatever it still held is answered "no result", so the callers fall back. */
function stop(slot: Slot): void {
  const i = slots.indexOf(slot);
  if (i >= 0) slots.splice(i, 1);
  clearTimeout(slot.idle);
  for (const id of slot.pending) answer(id, undefined);
  slot.pending.clear();
  void slot.w.terminate();
}

/**
 * Decode a zstd payload of `size` bytes stored in `path` from `offset` on a
 * worker thread. Undefined when there is no worker to use or the result is
 * not exactly `size` bytes: the caller's own decoder then decides.
 */
export function decodeZstdOffThread(job: Omit<ZstdJob, 'id'>): Promise<Buffer | undefined> | undefined {
  const max = zstdWorkers();
  if (max === 0) return undefined;
  let slot = slots.find((s) => s.pending.size === 0);
  if (!slot && slots.length < max) slots.push((slot = start()));
  slot ??= slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
  clearTimeout(slot.idle);
  const id = nextId++;
  slot.pending.add(id);
  const w = slot.w;
  // Referenced while it has work: a caller awaiting only this decode must not see the process exit under it.
  w.ref();
  if (job.digest) digestOf.set(id, job.digest);
  return new Promise((resolve) => {
    waiting.set(id, resolve);
    w.postMessage({ ...job, id } satisfies ZstdJob);
  });
}

/** Start a worker now (when there are spare cores), so the first decode does not wait for one to boot. */
export function warmZstdPool(): void {
  if (slots.length > 0 || zstdWorkers() === 0) return;
  const slot = start();
  slots.push(slot);
  slot.idle = setTimeout(() => stop(slot), IDLE_MS * 5).unref();
}
