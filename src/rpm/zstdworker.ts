// Worker thread of the zstd pool (zstdpool.ts): reads a payload from its
// file and decodes it with the WebAssembly decoder, off the caller's thread.
// The result goes back as a transferred buffer (zstddec returns a copy of
// its heap, so nothing is shared), with the digests of its file bodies when
// asked (bodydigests.ts); any failure answers "no result" and the caller's
// own streaming path decides and reports.
import { parentPort } from 'node:worker_threads';
import { ZSTDDecoder } from 'zstddec';
import { readFrom } from '../util/readfile.js';
import { bodyDigests, type BodyDigests } from './bodydigests.js';

export interface ZstdJob {
  id: number;
  path: string;
  offset: number;
  /** Most bytes to read from `offset`. */
  max: number;
  /** The decoded size the header declares; anything else is no result. */
  size: number;
  /** Also work out the file bodies' digests with this hash (bodydigests.ts). */
  digest?: string;
}
export interface ZstdReply {
  id: number;
  data?: Uint8Array;
  digests?: BodyDigests;
}

const port = parentPort;
if (!port) throw new Error('zstdworker.ts runs only as a worker thread');
const decoder = new ZSTDDecoder();
// zstddec instantiates through fetch(data:) when fetch exists, which loads
// undici (~40 ms) only to decode base64; without it, it uses Buffer. This
// thread needs fetch for nothing else.
(globalThis as { fetch?: unknown }).fetch = undefined;
const ready = decoder.init();
// Jobs are decoded one at a time in the order they came: the caller asks
// for payloads in install order and waits for the first. Each job's read
// starts on arrival (on the thread pool), so the next input is usually in
// memory when the decoder gets to it.
let turn: Promise<unknown> = Promise.resolve();
port.on('message', (job: ZstdJob) => {
  const input = readFrom(job.path, job.offset, job.max);
  input.catch(() => {}); // answered below
  turn = turn.then(async (): Promise<void> => {
    let reply: ZstdReply = { id: job.id };
    try {
      await ready;
      const data = await input;
      if (data?.length) {
        const out = decoder.decode(data, job.size);
        if (out.length === job.size) reply = { id: job.id, data: out, digests: job.digest ? bodyDigests(out, job.digest) : undefined };
      }
    } catch {
      // no result: the caller's own decoder decides and reports
    }
    port.postMessage(reply, reply.data ? [reply.data.buffer as ArrayBuffer] : []);
  });
});
