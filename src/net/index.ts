// Network and file fetching shared by every stage that reads a URL (repo
// metadata, RPM downloads, keys).
//
// API
//   httpGet(url, opts?) -> Promise<HttpGetResult>
//     url: http(s)://, file:// or a plain path. Returns the body in `data`, or
//     writes it to `opts.dest` (created/overwritten; with `opts.start` > 0 the
//     bytes before `start` are kept and a Range request resumes — check
//     `result.resumed`: false means the server sent the whole file again and
//     it was rewritten from 0).
//     Options: maxSize (bytes, whole file; SIZE_MISMATCH when exceeded),
//     idleTimeoutMs (30 s), timeoutMs, retries (3; on 5xx/408/429, resets,
//     refusals, timeouts, short bodies; exponential backoff from
//     retryDelayMs = 500), maxRedirects (10; REDIRECT_LOOP), repoId (basic auth
//     from RPMKIT_<ID>_HTTP_USERNAME/_PASSWORD, ID uppercased with non-alnum
//     as '_'), auth ({username,password}, overridden by the env), noNetrc,
//     tls ({verify:false, caFile, certFile, keyFile}), headers, hash ('sha256'
//     etc.: digest of the whole file incl. kept bytes), signal, onProgress,
//     onRetry.
//     Credential order: env for repoId > opts.auth > URL userinfo > netrc
//     ($NETRC or ~/.netrc). Credentials go only to the original host; a
//     redirect to another host gets that host's netrc entry or nothing.
//   Errors (RpmkitError; messages name the redacted URL, never credentials):
//     NETWORK (details.code e.g. ECONNREFUSED), HTTP_STATUS (details.status),
//     REDIRECT_LOOP, AUTH_FAILED (401/403), SIZE_MISMATCH (maxSize),
//     NOT_FOUND / IO_ERROR (local files; details.status 404 when missing).
//   joinUrl(base, rel), localPath(url), isRemote(url): URL helpers.
//   credentialsFromEnv(repoId), credentialsFromNetrc(host), envPrefixForRepo(id).
export { httpGet, joinUrl, localPath, isRemote, type HttpGetOptions, type HttpGetResult } from './http.js';
export { credentialsFromEnv, credentialsFromNetrc, envPrefixForRepo, parseNetrc, resetNetrcCache, type Credentials } from './auth.js';
export type { TlsOptions } from './transport.js';
