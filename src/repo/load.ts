// Loading a configured repository into a package pool: mirrors, repomd.xml
// (+ signature), verified data files, parsing, and the on-disk cache with
// dnf's metadata_expire semantics.
import { newRepoDefinition } from './defaults.js';
import { createHash, getHashes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import pLimit from 'p-limit';
import { RpmkitError } from '../errors.js';
import { httpGet, joinUrl, type HttpGetOptions } from '../net/index.js';
import { redactUrl } from '../util/redact.js';
import { tempPathFor } from '../util/atomic.js';
import { writeAll } from '../util/writeall.js';
import type { Advisory, Package, Repo, RepoDefinition } from './types.js';
import { parseRepomd, type Repomd, type RepomdEntry } from './repomd.js';
import { resolveBaseUrls } from './mirrors.js';
import { decompressChunks, detectCompression } from './decompress.js';
import { defaultCacheDir } from '../util/cachedir.js';
import { parsePrimaryToPool } from './primaryfast.js';
import { parseFilelists, type FilelistsMap } from './filelists.js';
import { parseUpdateinfo } from './updateinfo.js';
import { poolOrderPermutation } from './order.js';
import { assemblePool, decodeFilelists, decodePool, encodeContainer, encodeFilelists } from './cache.js';
import type { PoolMeta } from './poolformat.js';
import type { PrimarySegments } from './parallel.js';
import { lazyBuiltin } from '../util/builtin.js';
import { readFrom } from '../util/readfile.js';
import { makeNameFilter } from './filter.js';
import { readKeys, verifyDetached } from './gpg.js';

export interface LoadOptions {
  cacheDir?: string;
  /** Ignore metadata_expire: always fetch repomd.xml (the pool is reused when unchanged). */
  refresh?: boolean;
  /** Never touch the network: use the cache whatever its age; fail without one. */
  offline?: boolean;
  log?: (msg: string) => void;
  /** Clock for expiry (tests). */
  now?: () => number;
}

/** The cache folder of one repo: its id plus a hash of where it comes from. */
export function repoCacheDir(def: RepoDefinition, cacheDir?: string): string {
  const src = JSON.stringify([def.baseurl, def.metalink ?? null, def.mirrorlist ?? null]);
  const h = createHash('sha256').update(src).digest('hex').slice(0, 12);
  const safe = def.id.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64);
  return path.join(defaultCacheDir(cacheDir), 'repos', `${safe}-${h}`);
}

interface CacheState {
  repomdChecksum: string;
  /** ms since epoch when repomd.xml was last fetched (or confirmed unchanged). */
  fetchedAt: number;
  baseUrl: string;
}

const MAX_REPOMD = 16 << 20;
// Downloads run in parallel, big parses (two threads each) one repository at
// a time: the machine's cores are busy anyway, and it bounds peak memory.
const parseSlot = pLimit(1);
/** Decompressed primary.xml size from which parsing uses worker threads. */
const PARALLEL_MIN_BYTES = 16 << 20;

/**
 * A full garbage collection between parsing and decoding: the parser's
 * tables are garbage by then, and without it V8 grows the heap to hold them
 * and the decoded pool at once (about 1.5x the peak memory on big repos).
 */
let gcFn: (() => void) | undefined;
function collectGarbage(): void {
  // Set up on first use: a new V8 context is not free, and warm loads never collect.
  gcFn ??= (() => {
    try {
      lazyBuiltin<typeof import('node:v8')>('node:v8')().setFlagsFromString('--expose-gc');
      const gc = lazyBuiltin<typeof import('node:vm')>('node:vm')().runInNewContext('gc') as unknown;
      if (typeof gc === 'function') return gc as () => void;
    } catch {
      // Not available: V8 collects on its own schedule.
    }
    return () => {};
  })();
  gcFn();
}
const MAX_DATA_DEFAULT = 4 * 1024 ** 3;
const MAX_OPEN_DEFAULT = 16 * 1024 ** 3;

function netOpts(def: RepoDefinition): HttpGetOptions {
  return {
    repoId: def.id,
    auth: def.username !== undefined ? { username: def.username, password: def.password ?? '' } : undefined,
    tls: { verify: def.sslverify, caFile: def.sslcacert, certFile: def.sslclientcert, keyFile: def.sslclientkey },
  };
}

async function readState(dir: string): Promise<CacheState | undefined> {
  try {
    const s = JSON.parse(await fs.readFile(path.join(dir, 'state.json'), 'utf8')) as CacheState;
    if (typeof s.repomdChecksum === 'string' && /^[0-9a-f]{64}$/.test(s.repomdChecksum) && typeof s.fetchedAt === 'number') return s;
  } catch {
    // Missing or unreadable state: treat as no cache.
  }
  return undefined;
}

/** Public cache facts for `repo info`. */
export async function cacheInfo(def: RepoDefinition, cacheDir?: string): Promise<{ dir: string; fetchedAt?: number; repomdChecksum?: string; expired?: boolean }> {
  const dir = repoCacheDir(def, cacheDir);
  const s = await readState(dir);
  if (!s) return { dir };
  const expired = def.metadataExpire >= 0 && Date.now() - s.fetchedAt >= def.metadataExpire * 1000;
  return { dir, fetchedAt: s.fetchedAt, repomdChecksum: s.repomdChecksum, expired };
}

function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

export async function loadRepo(def: RepoDefinition, opts: LoadOptions = {}): Promise<Repo> {
  const log = opts.log ?? (() => {});
  const now = opts.now ?? Date.now;
  const dir = repoCacheDir(def, opts.cacheDir);
  const state = await readState(dir);
  const filter = makeNameFilter(def.includepkgs, def.excludepkgs);

  const fromCache = async (st: CacheState): Promise<Repo | undefined> => {
    const file = path.join(dir, `pool-${st.repomdChecksum}.bin`);
    let buf: Buffer;
    try {
      buf = (await readFrom(file)) as Buffer;
    } catch {
      return undefined;
    }
    try {
      const d = decodePool(buf, def.id);
      if (d.meta.repomdChecksum !== st.repomdChecksum) throw new Error('checksum mismatch');
      log(`repo '${def.id}': ${d.packages.length} packages from cache`);
      return makeRepo(def, d.meta, d.packages, d.advisories, dir, filter, opts, undefined, undefined, d.poolOrdered);
    } catch (e) {
      log(`repo '${def.id}': ignoring corrupt cache entry ${file} (${(e as Error).message}); rebuilding`);
      await fs.rm(file, { force: true });
      return undefined;
    }
  };

  if (state && !opts.refresh) {
    const fresh = opts.offline || def.metadataExpire < 0 || now() - state.fetchedAt < def.metadataExpire * 1000;
    if (fresh) {
      const r = await fromCache(state);
      if (r) return r;
    }
  }
  if (opts.offline) {
    if (state) {
      const r = await fromCache(state);
      if (r) return r;
    }
    throw new RpmkitError('NOT_FOUND', `repo '${def.id}' is not in the cache and --offline forbids fetching it`, { hint: 'run once without --offline to fill the cache' });
  }

  // Fetch repomd.xml from the first mirror that answers.
  const mirrors = await resolveBaseUrls(def);
  let lastErr: unknown;
  let repomdBytes: Buffer | undefined;
  let base = '';
  for (const m of mirrors) {
    try {
      const r = await httpGet(joinUrl(m, 'repodata/repomd.xml'), { ...netOpts(def), maxSize: MAX_REPOMD });
      repomdBytes = r.data;
      base = m;
      break;
    } catch (e) {
      lastErr = e;
      if (mirrors.length > 1) log(`repo '${def.id}': mirror ${redactUrl(m)} failed: ${(e as Error).message}`);
    }
  }
  if (!repomdBytes) {
    const e = lastErr instanceof RpmkitError ? lastErr : undefined;
    throw new RpmkitError(e?.code === 'NOT_FOUND' ? 'NOT_FOUND' : (e?.code ?? 'NETWORK'), `repo '${def.id}': cannot fetch repodata/repomd.xml: ${(lastErr as Error)?.message ?? 'no mirrors'}`, {
      hint: e?.hint ?? 'check the repository URL; it must be the folder that holds repodata/',
      cause: lastErr,
      details: { repo: def.id, file: 'repodata/repomd.xml', ...(e?.details ?? {}) },
    });
  }
  const shownBase = redactUrl(base);
  if (def.repoGpgcheck) await checkRepomdSignature(def, base, repomdBytes);
  const repomdSum = sha256(repomdBytes);

  // Unchanged snapshot: reuse the pool (even under --refresh, as dnf does).
  if (state && state.repomdChecksum === repomdSum) {
    const r = await fromCache(state);
    if (r) {
      await writeState(dir, { ...state, fetchedAt: now(), baseUrl: shownBase });
      return r;
    }
  }

  const repomd = await parseRepomd(repomdBytes, `repo '${def.id}': repodata/repomd.xml`);
  const primaryEntry = repomd.data.primary;
  if (!primaryEntry) throw new RpmkitError('METADATA_INVALID', `repo '${def.id}': repodata/repomd.xml lists no primary metadata`, { details: { repo: def.id, file: 'repodata/repomd.xml' } });
  log(`repo '${def.id}': fetching ${primaryEntry.href}`);
  // Parse straight into the cache encoding, then decode it: the pool a cold
  // load returns is the same compact structure a warm load reads.
  const primaryWhat = `repo '${def.id}': ${primaryEntry.href}`;
  let advisories: Advisory[] | undefined;
  const ui = repomd.data.updateinfo;
  if (ui) advisories = await parseUpdateinfo(await fetchData(def, base, ui), `repo '${def.id}': ${ui.href}`);
  const baseMeta: PoolMeta = {
    repoId: def.id,
    repomdChecksum: repomdSum,
    revision: repomd.revision,
    timestamp: newestTimestamp(repomd),
    baseUrl: shownBase,
    packageCount: 0,
    dataTypes: Object.keys(repomd.data).sort(),
  };
  const primaryChunks = await fetchData(def, base, primaryEntry);
  // With RPMKIT_PARSE_THREADS=2, big documents are parsed on two worker
  // threads. On a 2-core machine that no longer saves time (gunzip already
  // runs on another thread), and each thread has its own heap and tables
  // (~100 MB more peak on 63k packages), so it is opt-in, for machines with
  // cores to spare. Small documents are always parsed here (a thread's
  // start-up would cost more than it saves).
  const openSize = primaryEntry.openSize ?? (primaryEntry.size ?? 0) * 8;
  const threads = openSize >= PARALLEL_MIN_BYTES && Number(process.env.RPMKIT_PARSE_THREADS ?? 1) >= 2;
  const parse = async () => {
    // In its own function so the parser's tables are garbage before decoding.
    const parsed = await (async (): Promise<PrimarySegments> => {
      // Loaded only here: worker_threads is not needed otherwise.
      if (threads) return (await import('./parallel.js')).parsePrimaryParallel(primaryChunks, { what: primaryWhat });
      const { writer, declared } = await parsePrimaryToPool(primaryChunks, { what: primaryWhat, sizeHint: openSize });
      // On a big document, collect the parse's garbage before the pool is
      // decoded: peak memory is then the decoded pool plus the entry.
      const big = openSize > 32 << 20;
      if (big) collectGarbage();
      // The writer's columns become the entry (no copy of it).
      const seg = writer.finishInPlace({ ...baseMeta, packageCount: writer.count });
      const count = writer.count;
      return { segments: [seg], order: [0, count], count, declared };
    })();
    if (parsed.declared !== undefined && parsed.declared !== parsed.count) log(`repo '${def.id}': ${primaryEntry.href} declares ${parsed.declared} packages but holds ${parsed.count}`);
    const meta: PoolMeta = { ...baseMeta, packageCount: parsed.count };
    // The pool order is worked out once, here, and stored with the entry.
    const decoded = assemblePool(meta, advisories, parsed.segments, parsed.order, def.id);
    const perm = poolOrderPermutation(decoded.packages) ?? null;
    // Cache first, then clean: a crash leaves either the old or the new entry.
    await writeFileAtomic(path.join(dir, `pool-${repomdSum}.bin`), encodeContainer(meta, advisories, parsed.segments, parsed.order, perm));
    await writeFileAtomic(path.join(dir, 'repomd.xml'), repomdBytes);
    await writeState(dir, { repomdChecksum: repomdSum, fetchedAt: now(), baseUrl: shownBase });
    await pruneCache(dir, repomdSum);
    if (openSize > 32 << 20) collectGarbage();
    return { ...decoded, packages: perm ? perm.map((i) => decoded.packages[i] as Package) : decoded.packages, poolOrdered: true };
  };
  const pool = threads ? await parseSlot(parse) : await parse();
  return makeRepo(def, pool.meta, pool.packages, advisories, dir, filter, opts, repomd, base, pool.poolOrdered);
}

/**
 * Cache files are written to a temporary name and renamed (readers never see
 * half a file) but not fsynced: after a crash a damaged entry fails its
 * checks and is rebuilt, so the durability is not worth the disk flush.
 */
async function writeFileAtomic(target: string, data: string | Uint8Array | Uint8Array[]): Promise<void> {
  await fs.mkdir(path.dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  try {
    if (Array.isArray(data)) {
      const fh = await fs.open(tmp, 'w');
      try {
        await writeAll(fh, data, tmp);
      } finally {
        await fh.close();
      }
    } else await fs.writeFile(tmp, data);
    await fs.rename(tmp, target);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

async function writeState(dir: string, s: CacheState): Promise<void> {
  await writeFileAtomic(path.join(dir, 'state.json'), `${JSON.stringify(s)}\n`);
}

async function pruneCache(dir: string, keep: string): Promise<void> {
  let names: string[] = [];
  try {
    names = await fs.readdir(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const m = /^(pool|filelists)-([0-9a-f]{64})\.bin$/.exec(n);
    if (m && m[2] !== keep) await fs.rm(path.join(dir, n), { force: true });
  }
}

function newestTimestamp(r: Repomd): number | undefined {
  let t: number | undefined;
  for (const e of Object.values(r.data)) if (e.timestamp !== undefined && (t === undefined || e.timestamp > t)) t = e.timestamp;
  return t;
}

/** The first n bytes of a file held in pieces (fewer if it is shorter). */
function firstBytes(pieces: Buffer[], n: number): Buffer {
  const first = pieces[0];
  if (first && first.length >= n) return first.subarray(0, n);
  return Buffer.concat(pieces.slice(0, n)).subarray(0, n);
}

/** Fetch one data file, verify size and checksum against repomd, and stream its decompressed bytes. */
async function fetchData(def: RepoDefinition, base: string, e: RepomdEntry): Promise<AsyncGenerator<Buffer>> {
  const what = `repo '${def.id}': ${e.href}`;
  const details = { repo: def.id, file: e.href };
  const url = joinUrl(e.base ?? base, e.href);
  // The checksum is worked out as the file arrives, and the file is kept
  // in the pieces it came in: no copy of it is made before decompression.
  const hash = e.checksum?.type;
  if (hash !== undefined && !getHashes().includes(hash)) throw new RpmkitError('METADATA_UNSUPPORTED', `${what}: unknown checksum type ${hash}`, { details });
  let pieces: Buffer[];
  let size: number;
  let digest: string | undefined;
  try {
    const r = await httpGet(url, { ...netOpts(def), maxSize: e.size ?? MAX_DATA_DEFAULT, asChunks: true, hash });
    pieces = r.chunks ?? [];
    size = r.size;
    digest = r.digest;
  } catch (err) {
    const re = err instanceof RpmkitError ? err : undefined;
    if (re?.code === 'SIZE_MISMATCH') {
      throw new RpmkitError('SIZE_MISMATCH', `${what}: larger than the ${e.size ?? MAX_DATA_DEFAULT} bytes repomd.xml allows`, { hint: 'the mirror is mid-sync or serves a wrong file; run again later or use another mirror', cause: err, details });
    }
    throw new RpmkitError(re?.code ?? 'NETWORK', `${what}: ${re?.details?.status === 404 ? 'listed in repomd.xml but missing' : 'cannot fetch'} (${(err as Error).message})`, {
      hint: re?.details?.status === 404 ? 'the repository is incomplete or mid-sync; try again later or use another mirror' : re?.hint,
      cause: err,
      details: { ...details, ...(re?.details ?? {}) },
    });
  }
  if (e.size !== undefined && size !== e.size) {
    throw new RpmkitError('SIZE_MISMATCH', `${what}: size ${size} does not match repomd.xml (${e.size})`, { hint: 'the mirror is mid-sync or corrupt; run again later or use another mirror', details });
  }
  if (e.checksum && digest !== e.checksum.value) {
    throw new RpmkitError('CHECKSUM_MISMATCH', `${what}: ${e.checksum.type} ${digest} does not match repomd.xml (${e.checksum.value})`, {
      hint: 'the file was modified or the mirror is mid-sync; run again later or use another mirror',
      details: { ...details, expected: e.checksum.value, actual: digest },
    });
  }
  const kind = detectCompression(e.href, firstBytes(pieces, 4));
  const maxOut = e.openSize !== undefined ? e.openSize : MAX_OPEN_DEFAULT;
  return decompressChunks(pieces, kind, what, maxOut);
}

async function checkRepomdSignature(def: RepoDefinition, base: string, repomd: Buffer): Promise<void> {
  const what = `repo '${def.id}': repodata/repomd.xml.asc`;
  let asc: Buffer | undefined;
  try {
    asc = (await httpGet(joinUrl(base, 'repodata/repomd.xml.asc'), { ...netOpts(def), maxSize: 1 << 20 })).data;
  } catch (e) {
    const st = (e as RpmkitError).details?.status;
    if (st === 404) throw new RpmkitError('SIGNATURE_MISSING', `${what}: repo_gpgcheck is on but the repository has no signature`, { hint: 'turn repo_gpgcheck off for this repository, or fix the repository', details: { repo: def.id } });
    throw e;
  }
  if (!def.gpgkeys.length) throw new RpmkitError('KEY_INVALID', `repo '${def.id}': repo_gpgcheck is on but no gpgkey is configured`, { hint: 'set gpgkey for the repository' });
  const texts: string[] = [];
  for (const k of def.gpgkeys) {
    const r = await httpGet(k.startsWith('/') || /^[a-z]+:/i.test(k) ? k : joinUrl(base, k), { ...netOpts(def), maxSize: 4 << 20 });
    texts.push((r.data ?? Buffer.alloc(0)).toString('utf8'));
  }
  const keys = await readKeys(texts, `repo '${def.id}': gpgkey`);
  const allowSha1 = process.env.RPMKIT_ALLOW_SHA1_SIGNATURES === '1' || def.options.rpmkit_allow_sha1 === '1';
  await verifyDetached(repomd, (asc ?? Buffer.alloc(0)).toString('utf8'), keys, { what, allowSha1 });
}

function makeRepo(
  def: RepoDefinition,
  meta: PoolMeta,
  all: Package[],
  advisories: Advisory[] | undefined,
  dir: string,
  filter: ((name: string) => boolean) | undefined,
  opts: LoadOptions,
  repomdIn?: Repomd,
  baseIn?: string,
  poolOrdered?: boolean,
): Repo {
  const packages = filter ? all.filter((p) => filter(p.name)) : all;
  let loading: Promise<void> | undefined;
  const repo: Repo = {
    id: def.id,
    name: def.name,
    baseUrl: meta.baseUrl,
    priority: def.priority,
    cost: def.cost,
    revision: meta.revision,
    repomdChecksum: meta.repomdChecksum,
    timestamp: meta.timestamp,
    packages,
    poolOrdered,
    advisories,
    filelistsLoaded: false,
    loadFilelists() {
      loading ??= (async () => {
        if (!meta.dataTypes.includes('filelists')) {
          repo.filelistsLoaded = true;
          return;
        }
        const map = await loadFilelistsMap(def, meta, dir, opts, repomdIn, baseIn);
        for (const p of repo.packages) {
          const e = map.get(p.checksum.value);
          if (e) {
            p.files = e.files;
            p.fileTypes = e.types;
          }
        }
        repo.filelistsLoaded = true;
      })();
      loading.catch(() => {
        loading = undefined;
      });
      return loading;
    },
  };
  return repo;
}

async function loadFilelistsMap(def: RepoDefinition, meta: PoolMeta, dir: string, opts: LoadOptions, repomdIn?: Repomd, baseIn?: string): Promise<FilelistsMap> {
  const log = opts.log ?? (() => {});
  const file = path.join(dir, `filelists-${meta.repomdChecksum}.bin`);
  try {
    const m = decodeFilelists(await fs.readFile(file));
    log(`repo '${def.id}': filelists from cache`);
    return m;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      log(`repo '${def.id}': ignoring corrupt filelists cache (${(e as Error).message})`);
      await fs.rm(file, { force: true });
    }
  }
  if (opts.offline) throw new RpmkitError('NOT_FOUND', `repo '${def.id}': filelists are not in the cache and --offline forbids fetching them`);
  let repomd = repomdIn;
  let base = baseIn;
  if (!repomd || !base) {
    // Loaded from cache: the repomd.xml we cached names the filelists file.
    const bytes = await fs.readFile(path.join(dir, 'repomd.xml')).catch(() => undefined);
    if (!bytes || sha256(bytes) !== meta.repomdChecksum) throw new RpmkitError('METADATA_INVALID', `repo '${def.id}': cached repomd.xml is missing or stale`, { hint: 'run again with --refresh' });
    repomd = await parseRepomd(bytes, `repo '${def.id}': repodata/repomd.xml`);
    base = (await resolveBaseUrls(def))[0] ?? '';
  }
  const e = repomd.data.filelists;
  if (!e) return new Map();
  log(`repo '${def.id}': fetching ${e.href}`);
  const map = await parseFilelists(await fetchData(def, base, e), `repo '${def.id}': ${e.href}`);
  await writeFileAtomic(file, encodeFilelists(map));
  return map;
}

/** Load several repositories in parallel (results in the given order). */
export async function loadRepos(defs: RepoDefinition[], opts: LoadOptions = {}): Promise<Repo[]> {
  return Promise.all(defs.filter((d) => d.enabled).map((d) => loadRepo(d, opts)));
}

/** A RepoDefinition for a bare URL (or path), with dnf's defaults. */
export function repoFromUrl(url: string, id?: string): RepoDefinition {
  return newRepoDefinition(id ?? repoIdFromUrl(url), [url]);
}

/** dnf's --repofrompath-like id for a URL: host and path, non-alphanumerics as '_'. */
export function repoIdFromUrl(url: string): string {
  let s = url;
  try {
    const u = new URL(url);
    s = u.protocol === 'file:' ? u.pathname : `${u.host}${u.pathname}`;
  } catch {
    // a plain path
  }
  const id = s
    .replace(/\/+$/, '')
    .replace(/^\/+/, '')
    .replace(/[^A-Za-z0-9.-]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return id || 'repo';
}
