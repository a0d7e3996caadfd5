// Reading ahead: while one package is being written, the next one is read
// and its payload decompressed into memory, so decompression (a separate
// zstd process, or the JS decoders between our writes) overlaps with disk
// work. Only packages with a modest payload are held in memory; bigger ones
// are streamed when their turn comes.
import { readRpm, payloadEntries, type RpmFile, type CpioEntry } from '../rpm/index.js';

/** Payloads up to this size (uncompressed) are read ahead into memory. */
const MAX_PREFETCH = 96 * 1024 * 1024;

export interface LoadedPackage {
  rpm: RpmFile;
  /** The archive entries, in order; bodies are in memory when prefetched. */
  entries(): AsyncIterable<CpioEntry>;
}

async function* replay(list: CpioEntry[]): AsyncGenerator<CpioEntry> {
  for (const e of list) yield e;
}

async function* once(buf: Buffer): AsyncGenerator<Buffer> {
  if (buf.length > 0) yield buf;
}

/** Start reading a package (headers, and the payload when small). Errors surface when it is used. */
export function loadPackage(file: string): Promise<LoadedPackage> {
  return readRpm(file).then((rpm) => {
    const size = rpm.archiveSize ?? Infinity;
    if (!(size <= MAX_PREFETCH)) return { rpm, entries: () => payloadEntries(rpm) };
    const buffered = (async () => {
      const out: CpioEntry[] = [];
      for await (const e of payloadEntries(rpm)) {
        const parts: Buffer[] = [];
        for await (const c of e.body) parts.push(c);
        out.push({ ...e, body: once(parts.length === 1 ? parts[0] : Buffer.concat(parts)) });
      }
      return out;
    })();
    // Not an unhandled rejection if the install stops before this package.
    buffered.catch(() => {});
    return {
      rpm,
      async *entries() {
        yield* replay(await buffered);
      },
    };
  });
}
