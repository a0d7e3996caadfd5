// One HTTP request, no redirects followed: through built-in fetch normally,
// through node:https when TLS needs options fetch cannot take without the
// undici package (sslverify=false, a private CA, client certificates).
import * as http from 'node:http';
import * as https from 'node:https';
import { readFileSync } from 'node:fs';

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

function needsNodeHttps(url: URL, tls: TlsOptions | undefined): boolean {
  if (!tls || url.protocol !== 'https:') return false;
  return tls.verify === false || Boolean(tls.caFile || tls.certFile || tls.keyFile);
}

export async function send(url: URL, headers: Record<string, string>, tls: TlsOptions | undefined, signal: AbortSignal): Promise<RawResponse> {
  if (needsNodeHttps(url, tls)) return sendNode(url, headers, tls ?? {}, signal);
  const res = await fetch(url, { headers, redirect: 'manual', signal });
  return {
    status: res.status,
    header: (n) => res.headers.get(n) ?? undefined,
    body: res.body ? (res.body as unknown as AsyncIterable<Uint8Array>) : undefined,
    discard: () => {
      res.body?.cancel().catch(() => {});
    },
  };
}

function sendNode(url: URL, headers: Record<string, string>, tls: TlsOptions, signal: AbortSignal): Promise<RawResponse> {
  const mod = url.protocol === 'https:' ? https : http;
  const options: https.RequestOptions = {
    method: 'GET',
    headers,
    signal,
    rejectUnauthorized: tls.verify !== false,
    ca: tls.caFile ? readFileSync(tls.caFile) : undefined,
    cert: tls.certFile ? readFileSync(tls.certFile) : undefined,
    key: tls.keyFile ? readFileSync(tls.keyFile) : undefined,
  };
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
