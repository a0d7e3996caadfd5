// Registry credentials: explicit options, then RPMKIT_REGISTRY_USERNAME /
// RPMKIT_REGISTRY_PASSWORD, then the auth files podman/skopeo and docker
// write ($REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json,
// $DOCKER_CONFIG/config.json, ~/.docker/config.json). Credentials are only
// ever sent in headers; they never appear in messages.
import { readFileSync, existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RpmkitError } from '../errors.js';

export interface Credentials {
  username: string;
  password: string;
}

export function authFiles(env: NodeJS.ProcessEnv = process.env): string[] {
  const files: string[] = [];
  if (env.REGISTRY_AUTH_FILE) files.push(env.REGISTRY_AUTH_FILE);
  if (env.XDG_RUNTIME_DIR) files.push(path.join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'));
  if (env.DOCKER_CONFIG) files.push(path.join(env.DOCKER_CONFIG, 'config.json'));
  files.push(path.join(env.HOME ?? os.homedir(), '.docker', 'config.json'));
  return files;
}

/** Keys an auth file may use for a registry (docker writes URLs for Docker Hub). */
function keysFor(registry: string): string[] {
  const hub = registry === 'docker.io' || registry === 'index.docker.io' || registry === 'registry-1.docker.io';
  const hosts = hub ? ['docker.io', 'index.docker.io', 'registry-1.docker.io'] : [registry];
  const keys: string[] = [];
  for (const h of hosts) keys.push(h, `https://${h}`, `http://${h}`, `https://${h}/v1/`, `https://${h}/v2/`, `${h}/v1/`);
  return keys;
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
}

function fromFile(file: string, registry: string): Credentials | undefined {
  if (!existsSync(file)) return undefined;
  let doc: { auths?: Record<string, AuthEntry> };
  try {
    doc = JSON.parse(readFileSync(file, 'utf8')) as typeof doc;
  } catch (e) {
    // The file's content is never echoed: it holds secrets.
    throw new RpmkitError('CONFIG_INVALID', `registry auth file ${file} is not valid JSON`, { cause: e instanceof Error ? new Error(e.name) : undefined, hint: 'fix or remove it, or set RPMKIT_REGISTRY_USERNAME/RPMKIT_REGISTRY_PASSWORD' });
  }
  const auths = doc?.auths ?? {};
  // Trailing-slash and scheme variants of the same host all count.
  const norm = (k: string) => k.replace(/\/+$/, '');
  const byKey = new Map(Object.entries(auths).map(([k, v]) => [norm(k), v]));
  for (const k of keysFor(registry)) {
    const e = byKey.get(norm(k));
    if (!e) continue;
    if (e.auth) {
      const dec = Buffer.from(e.auth, 'base64').toString('utf8');
      const i = dec.indexOf(':');
      if (i < 0) throw new RpmkitError('CONFIG_INVALID', `the "auth" entry for ${registry} in ${file} is not base64 of user:password`);
      return { username: dec.slice(0, i), password: dec.slice(i + 1) };
    }
    if (e.username !== undefined && e.password !== undefined) return { username: e.username, password: e.password };
  }
  return undefined;
}

export function findCredentials(registry: string, env: NodeJS.ProcessEnv = process.env): Credentials | undefined {
  if (env.RPMKIT_REGISTRY_USERNAME !== undefined && env.RPMKIT_REGISTRY_PASSWORD !== undefined) {
    return { username: env.RPMKIT_REGISTRY_USERNAME, password: env.RPMKIT_REGISTRY_PASSWORD };
  }
  for (const f of authFiles(env)) {
    const c = fromFile(f, registry);
    if (c) return c;
  }
  return undefined;
}

/** Parse `WWW-Authenticate: Bearer realm="...",service="...",scope="..."`. */
export function parseChallenge(header: string | null): { scheme: string; params: Record<string, string> } | undefined {
  if (!header) return undefined;
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  for (const p of m[2].matchAll(/(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) params[p[1].toLowerCase()] = (p[2] ?? p[3] ?? '').replace(/\\(.)/g, '$1');
  return { scheme: m[1].toLowerCase(), params };
}
