// One HTTP request, no redirects followed, through node:http(s). Not the
// built-in fetch: loading its undici bundle costs ~40 ms of start-up, and its
// web-stream body path made a 47-file download ~1.4x slower than node:http
// on loopback (480 vs 340 ms in-process); node:https also takes the TLS
// options dnf's sslverify, sslcacert and client certificates need.
import type * as Http from 'node:http';
import type * as Https from 'node:https';
import { readFileSync } from 'node:fs';
import { lazyBuiltin } from '../util/builtin.js';

// Loaded on the first request: commands that only read the cache never need them.
const http = lazyBuiltin<typeof Http>('node:http');
const https = lazyBuiltin<typeof Https>('node:https');

export interface TlsOptions {
  /** false = accept any certificate (dnf's sslverify=0). */
  verify?: boolean;
  /** PEM file of CA certificates to trust. */
  caFile?: string;
  /** PEM client certificate and key (mutual TLS). */
  certFile?: string;
  keyFile?: string;
}

export interface RawResponse {
  status: number;
  header(name: string): string | undefined;
  body: AsyncIterable<Uint8Array> | undefined;
  /** Drop the body without reading it. */
  discard(): void;
}

export function send(url: URL, headers: Record<string, string>, tls: TlsOptions | undefined, signal: AbortSignal): Promise<RawResponse> {
  const secure = url.protocol === 'https:';
  const mod = secure ? https() : http();
  const options: Https.RequestOptions = { method: 'GET', headers, signal };
  if (secure && tls) {
    options.rejectUnauthorized = tls.verify !== false;
    if (tls.caFile) options.ca = readFileSync(tls.caFile);
    if (tls.certFile) options.cert = readFileSync(tls.certFile);
    if (tls.keyFile) options.key = readFileSync(tls.keyFile);
  }
  return new Promise((resolve, reject) => {
    const req = mod.request(url, options, (res) => {
      resolve({
        status: res.statusCode ?? 0,
        header: (n) => {
          const v = res.headers[n.toLowerCase()];
          return Array.isArray(v) ? v.join(', ') : v;
        },
        body: res,
        discard: () => res.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}
