// Worker thread for parallel primary.xml parsing (see parallel.ts): parses the
// pieces of the document it is sent, in order, into its own encoded pool
// segment, and reports how many packages each piece held so the caller can
// restore the document's package order.
import { parentPort, workerData } from 'node:worker_threads';
import { RpmkitError } from '../errors.js';
import { parsePrimaryToPool } from './primaryfast.js';

export interface WorkerInit {
  what: string;
  maxPackages?: number;
  /** This worker gets the document's first piece (with the XML declaration and root start tag). */
  first: boolean;
}
export type ToWorker = { piece: Uint8Array } | { end: true; lastIsMine: boolean };
export type FromWorker =
  | { ack: true }
  | { done: true; segment: Uint8Array; counts: number[]; declared?: number }
  | { error: { code?: string; message: string; hint?: string; details?: Record<string, unknown> } };

const port = parentPort;
if (!port) throw new Error('primaryworker.ts runs only as a worker thread');
const init = workerData as WorkerInit;
const queue: ToWorker[] = [];
let wake: (() => void) | undefined;
port.on('message', (m: ToWorker) => {
  queue.push(m);
  const w = wake;
  wake = undefined;
  w?.();
});

// Cumulative package counts at the end of each piece.
const counts: number[] = [];
let inPiece = false;

async function* input(): AsyncGenerator<Buffer> {
  // Pieces after the first start inside the root element: give the
  // tokenizer the root start tag they lack, and the end tag when the real
  // one went to the other worker.
  if (!init.first) yield Buffer.from('<metadata>');
  for (;;) {
    while (!queue.length) await new Promise<void>((r) => (wake = r));
    const m = queue.shift() as ToWorker;
    if ('end' in m) {
      if (!m.lastIsMine) yield Buffer.from('</metadata>');
      return;
    }
    inPiece = true;
    yield Buffer.from(m.piece.buffer, m.piece.byteOffset, m.piece.byteLength);
  }
}

try {
  const { writer, declared } = await parsePrimaryToPool(input(), {
    what: init.what,
    maxPackages: init.maxPackages,
    afterChunk(n) {
      if (!inPiece) return;
      inPiece = false;
      counts.push(n);
      port.postMessage({ ack: true } satisfies FromWorker);
    },
  });
  // The segment's own metadata is a stub: the container header holds the real one.
  const seg = writer.finish({ repoId: '', repomdChecksum: '', baseUrl: '', packageCount: 0, dataTypes: [] });
  const own: Uint8Array<ArrayBuffer> = new Uint8Array(seg.length);
  own.set(seg);
  port.postMessage({ done: true, segment: own, counts, declared } satisfies FromWorker, [own.buffer]);
} catch (e) {
  const r = e instanceof RpmkitError ? e : undefined;
  port.postMessage({ error: { code: r?.code, message: (e as Error).message, hint: r?.hint, details: r?.details } } satisfies FromWorker);
}
