// A minimal OCI distribution HTTP client: one registry, one repository,
// answering 401 challenges with basic auth or the bearer-token flow and
// turning failures into coded errors that never contain credentials.
import { RpmkitError } from '../errors.js';
import { redactUrl } from '../util/redact.js';
import { parseChallenge, type Credentials } from './auth.js';
import { isLoopback, type ImageRef } from './ref.js';

export interface ClientOptions {
  insecure?: boolean;
  credentials?: Credentials;
  /** For tests: a fetch replacement. */
  fetch?: typeof fetch;
}

export interface RequestInit2 {
  headers?: Record<string, string>;
  body?: Buffer;
  /** Extra token scopes (e.g. pull on a mount source). */
  scopes?: string[];
  /** Statuses that are answers, not failures (e.g. 404 on HEAD). */
  ok?: number[];
}

export class RegistryClient {
  readonly base: string;
  private readonly creds?: Credentials;
  private readonly doFetch: typeof fetch;
  private authHeader?: string;
  private tokenScopes = '';

  constructor(readonly ref: ImageRef, opts: ClientOptions = {}) {
    const scheme = opts.insecure || isLoopback(ref.apiHost) ? 'http' : 'https';
    this.base = `${scheme}://${ref.apiHost}`;
    this.creds = opts.credentials;
    this.doFetch = opts.fetch ?? fetch;
  }

  url(p: string): string {
    return new URL(p, this.base).toString();
  }

  private async send(method: string, url: string, init: RequestInit2, auth?: string): Promise<Response> {
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    if (auth) headers.Authorization = auth;
    try {
      return await this.doFetch(url, { method, headers, body: init.body as unknown as BodyInit | undefined, redirect: 'follow' });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (e as Error).message;
      throw new RpmkitError('NETWORK', `cannot reach registry ${this.ref.registry} (${method} ${redactUrl(url)}): ${why}`, {
        cause: e,
        hint: this.base.startsWith('https:') ? 'check the host and port; a plain-http registry needs --insecure' : 'check that the registry is running and the host/port are right',
      });
    }
  }

  /** Request with one auth round trip on 401. */
  async request(method: string, pathOrUrl: string, init: RequestInit2 = {}): Promise<Response> {
    const url = /^https?:/.test(pathOrUrl) ? pathOrUrl : this.url(pathOrUrl);
    const scopes = [`repository:${this.ref.repository}:pull,push`, ...(init.scopes ?? [])];
    const scopeKey = scopes.join(' ');
    if (this.authHeader?.startsWith('Bearer') && this.tokenScopes !== scopeKey) this.authHeader = undefined;
    let res = await this.send(method, url, init, this.authHeader);
    if (res.status === 401) {
      await res.body?.cancel();
      const ch = parseChallenge(res.headers.get('www-authenticate'));
      if (ch?.scheme === 'bearer' && ch.params.realm) {
        this.authHeader = `Bearer ${await this.token(ch.params, scopes)}`;
        this.tokenScopes = scopeKey;
      } else if (ch?.scheme === 'basic' || !ch) {
        if (!this.creds) throw this.authError(401, 'the registry requires credentials and none were found');
        this.authHeader = `Basic ${Buffer.from(`${this.creds.username}:${this.creds.password}`).toString('base64')}`;
      } else {
        throw this.authError(401, `unsupported authentication scheme "${ch.scheme}"`);
      }
      res = await this.send(method, url, init, this.authHeader);
      if (res.status === 401) {
        await res.body?.cancel();
        throw this.authError(401, this.creds ? 'the credentials were rejected' : 'the registry requires credentials and none were found');
      }
    }
    if (res.status === 403 && !init.ok?.includes(403)) {
      await res.body?.cancel();
      throw this.authError(403, `access to ${this.ref.repository} denied`);
    }
    if (res.status >= 400 && !init.ok?.includes(res.status)) throw await this.statusError(method, url, res);
    return res;
  }

  private async token(params: Record<string, string>, scopes: string[]): Promise<string> {
    const u = new URL(params.realm);
    if (params.service) u.searchParams.set('service', params.service);
    // Ask for what we need; keep the scope the registry named too.
    const want = new Set(scopes);
    if (params.scope) for (const s of params.scope.split(' ')) want.add(s);
    for (const s of want) u.searchParams.append('scope', s);
    const headers: Record<string, string> = {};
    if (this.creds) headers.Authorization = `Basic ${Buffer.from(`${this.creds.username}:${this.creds.password}`).toString('base64')}`;
    let res: Response;
    try {
      res = await this.doFetch(u.toString(), { headers });
    } catch (e) {
      throw new RpmkitError('NETWORK', `cannot reach the token service of ${this.ref.registry} (${redactUrl(`${u.origin}${u.pathname}`)})`, { cause: e });
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw this.authError(res.status, this.creds ? 'the token service rejected the credentials' : 'the token service requires credentials and none were found');
    }
    if (!res.ok) throw await this.statusError('GET', `${u.origin}${u.pathname}`, res);
    const body = (await res.json().catch(() => ({}))) as { token?: string; access_token?: string };
    const tok = body.token ?? body.access_token;
    if (!tok) throw new RpmkitError('REGISTRY', `the token service of ${this.ref.registry} answered without a token`);
    return tok;
  }

  authError(status: number, why: string): RpmkitError {
    return new RpmkitError('AUTH_FAILED', `registry ${this.ref.registry}: ${why} (HTTP ${status})`, {
      hint: `log in with \`skopeo login ${this.ref.registry}\` or \`docker login ${this.ref.registry}\`, or set RPMKIT_REGISTRY_USERNAME and RPMKIT_REGISTRY_PASSWORD`,
      details: { status, registry: this.ref.registry, repository: this.ref.repository },
    });
  }

  async statusError(method: string, url: string, res: Response): Promise<RpmkitError> {
    let detail = '';
    const text = await res.text().catch(() => '');
    try {
      const j = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
      detail = (j.errors ?? []).map((e) => `${e.code ?? ''}${e.message ? `: ${e.message}` : ''}`).join('; ');
    } catch {
      detail = text.slice(0, 200).trim();
    }
    const path = new URL(url).pathname;
    return new RpmkitError('REGISTRY', `registry ${this.ref.registry} answered ${res.status} to ${method} ${path}${detail ? `: ${detail}` : ''}`, {
      details: { status: res.status, registry: this.ref.registry },
    });
  }
}
