// Reading ahead: while one package is being written, the next one is read
// and its payload decompressed into memory, so decompression (a separate
// zstd process, or the JS decoders between our writes) overlaps with disk
// work. Only packages with a modest payload are held in memory; bigger ones
// are streamed when their turn comes.
import { RpmkitError } from '../errors.js';
import { readRpm, payloadEntries, startPayloadDecode, verifyRpm, emptyKeyRing, formatItem, type RpmFile, type CpioEntry } from '../rpm/index.js';

/** Payloads up to this size (uncompressed) are read ahead into memory. */
const MAX_PREFETCH = 96 * 1024 * 1024;

export interface LoadedPackage {
  rpm: RpmFile;
  /** Resolves when the header and payload digests check out (or were not asked for). */
  verified: Promise<void>;
  /** The archive entries, in order; bodies are in memory when prefetched. */
  entries(): AsyncIterable<CpioEntry>;
}

async function* replay(list: CpioEntry[]): AsyncGenerator<CpioEntry> {
  for (const e of list) yield e;
}

async function* once(buf: Buffer): AsyncGenerator<Buffer> {
  if (buf.length > 0) yield buf;
}

/**
 * rpm's digest checks before installing (rpm -K without signatures): the
 * header SHA-256/SHA-1 and the payload digest; the MD5 only where those do
 * not cover header and payload. Packages old enough to carry none pass, as
 * they do for rpm.
 */
async function checkDigests(rpm: RpmFile): Promise<void> {
  const v = await verifyRpm(rpm, emptyKeyRing(), { nosignature: true, archiveDigests: false, skipRedundantMd5: true });
  if (v.digests === 'BAD') {
    const bad = v.items.filter((i) => i.kind === 'digest' && i.status === 'BAD').map(formatItem);
    throw new RpmkitError('CHECKSUM_MISMATCH', `${rpm.path}: ${bad.join('; ')}`, {
      hint: 'the package is corrupt or was altered; download it again',
      details: { file: rpm.path, digests: bad },
    });
  }
}

/** Start reading a package (headers, and the payload when small). Errors surface when it is used. */
export function loadPackage(pkg: { file: string; rpm?: RpmFile; digestsChecked?: boolean }, opts: { verifyDigests?: boolean; after?: Promise<unknown> } = {}): Promise<LoadedPackage> {
  return (pkg.rpm ? Promise.resolve(pkg.rpm) : readRpm(pkg.file)).then((rpm) => {
    const verified = opts.verifyDigests === false || pkg.digestsChecked ? Promise.resolve() : (opts.after ?? Promise.resolve()).then(() => checkDigests(rpm), () => checkDigests(rpm));
    verified.catch(() => {});
    const size = rpm.archiveSize ?? Infinity;
    if (!(size <= MAX_PREFETCH)) return { rpm, verified, entries: () => payloadEntries(rpm) };
    // On another core when there is one: this thread has the packages before it to write.
    const decoded = startPayloadDecode(rpm);
    decoded?.catch(() => {});
    const buffered = (async () => {
      const out: CpioEntry[] = [];
      for await (const e of payloadEntries(rpm, { decoded })) {
        const parts: Buffer[] = [];
        for await (const c of e.body) parts.push(c);
        const data = parts.length === 1 ? parts[0] : Buffer.concat(parts);
        out.push({ ...e, body: once(data), data });
      }
      return out;
    })();
    // Not an unhandled rejection if the install stops before this package.
    buffered.catch(() => {});
    return {
      rpm,
      verified,
      async *entries() {
        yield* replay(await buffered);
      },
    };
  });
}

/** How far ahead of the package being written others are read and decoded. */
export interface ReadAhead {
  /** Most packages started ahead. */
  packages: number;
  /** Most decoded payload bytes held ahead (a package of unknown size counts half of it). */
  bytes: number;
}

/**
 * The default: enough to keep the decoders busy through any run of small
 * packages, bounded so a set of big ones does not sit decoded in memory.
 */
export const READ_AHEAD: ReadAhead = { packages: 64, bytes: 192 * 1024 * 1024 };

/**
 * The packages in order, each one started as early as `ahead` allows, so
 * reading and decompressing overlap with whatever the caller does. The byte
 * budget is what matters: the decoders then run through the small packages
 * while the caller writes a big one, instead of idling two packages ahead.
 */
export async function* loadInOrder(
  files: { file: string; rpm?: RpmFile; digestsChecked?: boolean }[],
  ahead: ReadAhead,
  opts: { verifyDigests?: boolean } = {},
  load: typeof loadPackage = loadPackage,
): AsyncGenerator<LoadedPackage> {
  const cost = (f: { rpm?: RpmFile }) => Math.min(f.rpm?.archiveSize ?? ahead.bytes / 2, MAX_PREFETCH);
  const started: Promise<LoadedPackage>[] = [];
  let queued = 0;
  let held = 0;
  // Digest checks run one after another, in install order: started all at
  // once, they would share the disk and the thread, and the first package
  // would wait for all of them.
  let checked: Promise<unknown> = Promise.resolve();
  const fill = () => {
    // Always the next one; then more while they fit.
    while (queued < files.length && (started.length === 0 || (started.length < ahead.packages && held + cost(files[queued]) <= ahead.bytes))) {
      const l = load(files[queued], { ...opts, after: checked });
      checked = l.then((p) => p.verified);
      checked.catch(() => {});
      l.catch(() => {}); // surfaced when its turn comes
      started.push(l);
      held += cost(files[queued]);
      queued++;
    }
  };
  for (let i = 0; i < files.length; i++) {
    fill();
    const loaded = await started.shift()!;
    held -= cost(files[i]);
    fill();
    yield loaded;
  }
}
