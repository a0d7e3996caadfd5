// httpGet: fetch one URL (http, https, file or a plain path) into memory or a
// file, with manual redirects, retries with backoff, idle timeouts, a size
// guard, resume from an offset and per-repo basic auth. See index.ts.
import { createHash, type Hash } from 'node:crypto';
import { promises as fs, createReadStream } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pRetry from 'p-retry';
import { RpmkitError } from '../errors.js';
import { fileChunks } from '../util/readfile.js';
import { redactUrl } from '../util/redact.js';
import { basicAuthHeader, credentialsFromEnv, credentialsFromNetrc, type Credentials } from './auth.js';
import { send, type TlsOptions } from './transport.js';

export interface HttpGetOptions {
  /** Write the body here (created or overwritten; at `start` when resuming) instead of returning it. */
  dest?: string;
  /** Resume: ask for bytes from this offset (Range). With `dest`, bytes before it are kept. */
  start?: number;
  /** Refuse bodies larger than this many bytes (whole file, counting `start`). */
  maxSize?: number;
  /** Abort when no byte arrives for this long (default 30 s). */
  idleTimeoutMs?: number;
  /** Abort the whole attempt after this long (default: none). */
  timeoutMs?: number;
  /** Retries after the first attempt on 5xx, 408, 429 and connection errors (default 3). */
  retries?: number;
  /** First backoff delay; doubled each retry (default 500 ms). */
  retryDelayMs?: number;
  /** Redirects to follow before REDIRECT_LOOP (default 10). */
  maxRedirects?: number;
  /** Repository id: credentials from RPMKIT_<ID>_HTTP_USERNAME / _PASSWORD. */
  repoId?: string;
  /** Credentials to use (e.g. from a .repo file); the env variables override them. */
  auth?: Credentials;
  /** Do not consult ~/.netrc ($NETRC). */
  noNetrc?: boolean;
  tls?: TlsOptions;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Compute this digest (sha256, sha512, ...) of the whole file, including kept bytes before `start`. */
  hash?: string;
  signal?: AbortSignal;
  /** Progress: bytes of the whole file so far, and its total when known. */
  onProgress?: (done: number, total: number | undefined) => void;
  /**
   * Without `dest`: return the body as the chunks it arrived in (`chunks`)
   * instead of one joined buffer (`data`), for a caller that streams it on:
   * no copy of the whole body, and each chunk can be freed once used.
   */
  asChunks?: boolean;
  /** Called before each retry (for -v logging); the URL is already redacted. */
  onRetry?: (info: { url: string; attempt: number; error: RpmkitError }) => void;
}

export interface HttpGetResult {
  /** The URL that finally answered (may hold credentials: redact before showing). */
  url: string;
  /** HTTP status (200/206), or 200 for file URLs. */
  status: number;
  /** The body, unless `dest` or `asChunks` was given. */
  data?: Buffer;
  /** The body in pieces, with `asChunks`. */
  chunks?: Buffer[];
  /** `dest`, when given. */
  path?: string;
  /** Size of the whole file (start + bytes received when resumed). */
  size: number;
  /** Bytes transferred by this call. */
  received: number;
  /** True when the server honoured the Range request. */
  resumed: boolean;
  /** Hex digest when `hash` was asked for. */
  digest?: string;
  etag?: string;
  lastModified?: string;
  contentType?: string;
}

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/** Is this a URL with a scheme we fetch over the network? */
export function isRemote(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

/** A plain path or file: URL as a local path; undefined for remote URLs. */
export function localPath(url: string): string | undefined {
  if (/^file:/i.test(url)) return fileURLToPath(url);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return undefined;
  return path.resolve(url);
}

/** Join a base URL (or path) and a relative location, keeping the base's directory. */
export function joinUrl(base: string, rel: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(rel)) return rel;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(base)) base = pathToFileURL(path.resolve(base)).href;
  if (!base.endsWith('/')) base += '/';
  return new URL(rel, base).href;
}

function retryable(e: RpmkitError): RpmkitError {
  (e as RpmkitError & { retryable?: boolean }).retryable = true;
  return e;
}
function isRetryable(e: unknown): boolean {
  return Boolean((e as { retryable?: boolean } | null)?.retryable);
}

export async function httpGet(url: string, opts: HttpGetOptions = {}): Promise<HttpGetResult> {
  const local = localPath(url);
  if (local !== undefined) return fileGet(local, url, opts);
  if (!/^https?:\/\//i.test(url)) {
    throw new RpmkitError('USAGE', `unsupported URL scheme in ${redactUrl(url)}`, { hint: 'use http://, https://, file:// or a local path' });
  }
  let attempt = 0;
  return pRetry(
    async () => {
      attempt++;
      try {
        return await attemptGet(url, opts);
      } catch (e) {
        if (e instanceof RpmkitError) throw e;
        throw new RpmkitError('INTERNAL', `fetching ${redactUrl(url)}: ${(e as Error).message}`, { cause: e });
      }
    },
    {
      retries: opts.retries ?? 3,
      minTimeout: opts.retryDelayMs ?? 500,
      factor: 2,
      signal: opts.signal,
      shouldRetry: ({ error }) => isRetryable(error),
      onFailedAttempt: ({ error, retriesLeft }) => {
        if (retriesLeft > 0 && isRetryable(error) && error instanceof RpmkitError) opts.onRetry?.({ url: redactUrl(url), attempt, error });
      },
    },
  );
}

/** Strip userinfo from a URL, returning it as credentials. */
function splitUserinfo(u: URL): Credentials | undefined {
  if (!u.username && !u.password) return undefined;
  const c = { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
  u.username = '';
  u.password = '';
  return c;
}

async function attemptGet(url: string, opts: HttpGetOptions): Promise<HttpGetResult> {
  const first = new URL(url);
  const urlCreds = splitUserinfo(first);
  const explicit = (opts.repoId ? credentialsFromEnv(opts.repoId) : undefined) ?? opts.auth ?? urlCreds;
  const originHost = first.host;
  const maxRedirects = opts.maxRedirects ?? 10;
  const seen = new Set<string>();
  let current = first;
  const ctl = new AbortController();
  const onOuterAbort = () => ctl.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  let idleTimer: NodeJS.Timeout | undefined;
  let totalTimer: NodeJS.Timeout | undefined;
  let timedOut: string | undefined;
  const idleMs = opts.idleTimeoutMs ?? 30_000;
  const armIdle = () => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      timedOut = `no data for ${idleMs} ms`;
      ctl.abort();
    }, idleMs);
  };
  if (opts.timeoutMs) {
    totalTimer = setTimeout(() => {
      timedOut = `not finished after ${opts.timeoutMs} ms`;
      ctl.abort();
    }, opts.timeoutMs);
  }
  const shown = () => redactUrl(current.href);
  try {
    for (let hop = 0; ; hop++) {
      seen.add(current.href);
      const creds = current.host === originHost ? (explicit ?? (opts.noNetrc ? undefined : credentialsFromNetrc(current.hostname))) : opts.noNetrc ? undefined : credentialsFromNetrc(current.hostname);
      const start = opts.start ?? 0;
      const headers: Record<string, string> = {
        'user-agent': 'rpmkit',
        // Metadata is already compressed; a transparently decoded body would fail its checksum.
        'accept-encoding': 'identity',
        ...opts.headers,
      };
      if (creds) headers.authorization = basicAuthHeader(creds);
      if (start > 0) headers.range = `bytes=${start}-`;
      armIdle();
      let res;
      try {
        res = await send(current, headers, opts.tls, ctl.signal);
      } catch (e) {
        throw networkError(e, shown(), timedOut, opts.signal);
      }
      const st = res.status;
      if (st >= 300 && st < 400 && st !== 304) {
        const loc = res.header('location');
        res.discard();
        if (!loc) throw new RpmkitError('HTTP_STATUS', `${shown()} answered ${st} without a Location header`, { details: { status: st, url: shown() } });
        const next = new URL(loc, current);
        if (next.protocol !== 'http:' && next.protocol !== 'https:') {
          throw new RpmkitError('HTTP_STATUS', `${shown()} redirects to an unsupported URL ${redactUrl(next.href)}`, { details: { status: st } });
        }
        splitUserinfo(next);
        if (seen.has(next.href) || hop + 1 > maxRedirects) {
          throw new RpmkitError('REDIRECT_LOOP', `too many redirects (${hop + 1}) fetching ${redactUrl(url)}, last to ${redactUrl(next.href)}`, {
            hint: 'the server or a proxy redirects in a loop; check the repository URL',
            details: { url: redactUrl(url) },
          });
        }
        current = next;
        continue;
      }
      if (st === 401 || st === 403) {
        res.discard();
        throw new RpmkitError('AUTH_FAILED', `${shown()}: HTTP ${st} ${st === 401 ? 'Unauthorized' : 'Forbidden'}${creds ? ' (credentials were sent and refused)' : ''}`, {
          hint: opts.repoId
            ? `set ${envName(opts.repoId)}USERNAME and ${envName(opts.repoId)}PASSWORD, or add the host to ~/.netrc`
            : 'add the host to ~/.netrc (or $NETRC)',
          details: { status: st, url: shown() },
        });
      }
      if (st !== 200 && st !== 206) {
        res.discard();
        const err = new RpmkitError('HTTP_STATUS', `${shown()}: HTTP ${st}`, {
          hint: st === 404 ? 'the file is not on the server; the repository may be mid-sync or the URL wrong' : st >= 500 ? 'the server failed; try again later or use another mirror' : undefined,
          details: { status: st, url: shown() },
        });
        throw RETRYABLE_STATUS.has(st) ? retryable(err) : err;
      }
      const resumed = st === 206 && start > 0;
      const offset = resumed ? start : 0;
      if (st === 206 && !resumed) {
        res.discard();
        throw new RpmkitError('HTTP_STATUS', `${shown()}: unexpected 206 Partial Content`, { details: { status: st } });
      }
      const lenHeader = res.header('content-length');
      const total = lenHeader !== undefined && /^\d+$/.test(lenHeader) ? offset + Number(lenHeader) : undefined;
      if (opts.maxSize !== undefined && total !== undefined && total > opts.maxSize) {
        res.discard();
        throw tooLarge(shown(), total, opts.maxSize);
      }
      const sink = await openSink(opts, offset);
      let received = 0;
      try {
        if (res.body) {
          for await (const chunk of res.body) {
            armIdle();
            received += chunk.length;
            if (opts.maxSize !== undefined && offset + received > opts.maxSize) {
              res.discard();
              throw tooLarge(shown(), offset + received, opts.maxSize);
            }
            await sink.write(chunk);
            opts.onProgress?.(offset + received, total);
          }
        }
      } catch (e) {
        await sink.abort();
        if (e instanceof RpmkitError) throw e;
        throw networkError(e, shown(), timedOut, opts.signal);
      }
      if (total !== undefined && offset + received !== total) {
        await sink.abort();
        throw retryable(new RpmkitError('NETWORK', `${shown()}: connection closed after ${offset + received} of ${total} bytes`, { details: { url: shown() } }));
      }
      const done = await sink.finish();
      return {
        url: current.href,
        status: st,
        data: done.data,
        chunks: done.chunks,
        path: opts.dest,
        size: offset + received,
        received,
        resumed,
        digest: done.digest,
        etag: res.header('etag'),
        lastModified: res.header('last-modified'),
        contentType: res.header('content-type'),
      };
    }
  } finally {
    clearTimeout(idleTimer);
    clearTimeout(totalTimer);
    opts.signal?.removeEventListener('abort', onOuterAbort);
  }
}

function envName(repoId: string): string {
  return `RPMKIT_${repoId.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_HTTP_`;
}

function tooLarge(shown: string, size: number, max: number): RpmkitError {
  return new RpmkitError('SIZE_MISMATCH', `${shown} is larger than allowed (${size} > ${max} bytes)`, {
    hint: 'the server sent more data than expected; the file may be corrupt or hostile',
    details: { url: shown, size, maxSize: max },
  });
}

function networkError(e: unknown, shown: string, timedOut: string | undefined, outer: AbortSignal | undefined): RpmkitError {
  if (outer?.aborted) return new RpmkitError('NETWORK', `fetching ${shown} was cancelled`, { cause: e, details: { url: shown } });
  if (timedOut) return retryable(new RpmkitError('NETWORK', `${shown}: timed out (${timedOut})`, { hint: 'the server is slow or unreachable; try again or use another mirror', details: { url: shown } }));
  const cause = (e as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  const code = (e as { code?: string } | undefined)?.code ?? cause?.code;
  const what = code ?? cause?.message ?? (e as Error | undefined)?.message ?? String(e);
  const err = new RpmkitError('NETWORK', `${shown}: ${describe(code) ?? what}`, {
    hint: 'check the URL, your network and proxy settings',
    cause: e,
    details: { url: shown, code },
  });
  // Certificate and DNS failures do not heal by retrying; resets and refusals might.
  const permanent = typeof code === 'string' && (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code) || code === 'ENOTFOUND');
  return permanent ? err : retryable(err);
}

function describe(code: string | undefined): string | undefined {
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'connection reset';
    case 'ENOTFOUND':
      return 'host not found';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connection timed out';
    case undefined:
      return undefined;
    default:
      if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) return `TLS certificate not trusted (${code}); set sslverify=0 or sslcacert for this repository`;
      return code;
  }
}

interface Sink {
  write(chunk: Uint8Array): Promise<void>;
  finish(): Promise<{ data?: Buffer; chunks?: Buffer[]; digest?: string }>;
  abort(): Promise<void>;
}

async function prehash(hash: Hash, file: string, end: number): Promise<void> {
  if (end <= 0) return;
  for await (const c of fileChunks(file, 0, end)) hash.update(c);
}

async function openSink(opts: HttpGetOptions, offset: number): Promise<Sink> {
  const hash = opts.hash ? createHash(opts.hash) : undefined;
  if (opts.dest === undefined) {
    const chunks: Buffer[] = [];
    return {
      async write(c) {
        chunks.push(Buffer.from(c.buffer, c.byteOffset, c.byteLength));
        hash?.update(c);
      },
      async finish() {
        const digest = hash?.digest('hex');
        return opts.asChunks ? { chunks, digest } : { data: Buffer.concat(chunks), digest };
      },
      async abort() {},
    };
  }
  const dest = opts.dest;
  await fs.mkdir(path.dirname(dest), { recursive: true });
  let fh;
  if (offset > 0) {
    fh = await fs.open(dest, 'r+');
    await fh.truncate(offset);
    if (hash) await prehash(hash, dest, offset);
  } else {
    fh = await fs.open(dest, 'w');
  }
  let pos = offset;
  return {
    async write(c) {
      hash?.update(c);
      let w = 0;
      while (w < c.length) {
        const { bytesWritten } = await fh.write(c, w, c.length - w, pos);
        w += bytesWritten;
        pos += bytesWritten;
      }
    },
    async finish() {
      await fh.sync();
      await fh.close();
      return { digest: hash?.digest('hex') };
    },
    async abort() {
      await fh.close().catch(() => {});
    },
  };
}

async function fileGet(file: string, url: string, opts: HttpGetOptions): Promise<HttpGetResult> {
  let st;
  try {
    st = await fs.stat(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new RpmkitError(code === 'ENOENT' ? 'NOT_FOUND' : 'IO_ERROR', `${redactUrl(url)}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`, {
      cause: e,
      details: { url: redactUrl(url), status: code === 'ENOENT' ? 404 : undefined },
    });
  }
  if (!st.isFile()) throw new RpmkitError('IO_ERROR', `${redactUrl(url)} is not a regular file`, { details: { url: redactUrl(url) } });
  if (opts.maxSize !== undefined && st.size > opts.maxSize) throw tooLarge(redactUrl(url), st.size, opts.maxSize);
  const start = Math.min(opts.start ?? 0, st.size);
  if (opts.dest !== undefined && path.resolve(opts.dest) === path.resolve(file)) {
    throw new RpmkitError('USAGE', `refusing to copy ${file} onto itself`);
  }
  const sink = await openSink(opts, start);
  let received = 0;
  try {
    for await (const c of createReadStream(file, { start })) {
      const b = c as Buffer;
      received += b.length;
      await sink.write(b);
      opts.onProgress?.(start + received, st.size);
    }
  } catch (e) {
    await sink.abort();
    throw new RpmkitError('IO_ERROR', `reading ${file}: ${(e as Error).message}`, { cause: e });
  }
  const done = await sink.finish();
  return { url: pathToFileURL(file).href, status: 200, data: done.data, chunks: done.chunks, path: opts.dest, size: start + received, received, resumed: start > 0, digest: done.digest };
}
