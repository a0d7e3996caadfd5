// Where HTTP basic-auth credentials come from: explicit options, rpmoci's
// per-repo environment variables, the URL's own userinfo, then ~/.netrc.
// Nothing here ever logs a credential.
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface Credentials {
  username: string;
  password: string;
}

/** RPMKIT_<ID>_HTTP_USERNAME: the id uppercased, every non-alphanumeric character as '_'. */
export function envPrefixForRepo(repoId: string): string {
  return `RPMKIT_${repoId.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_HTTP_`;
}

/** Credentials from RPMKIT_<ID>_HTTP_USERNAME / _PASSWORD, when the username is set. */
export function credentialsFromEnv(repoId: string, env: NodeJS.ProcessEnv = process.env): Credentials | undefined {
  const p = envPrefixForRepo(repoId);
  const username = env[`${p}USERNAME`];
  if (!username) return undefined;
  return { username, password: env[`${p}PASSWORD`] ?? '' };
}

interface NetrcEntry {
  machine?: string; // undefined = `default`
  login?: string;
  password?: string;
}

let netrcCache: { file: string; entries: NetrcEntry[] } | undefined;

/** Parse a netrc file's text (machine/default/login/password; macdef bodies skipped). */
export function parseNetrc(text: string): NetrcEntry[] {
  const entries: NetrcEntry[] = [];
  const lines = text.split(/\r?\n/);
  const tokens: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (/^\s*#/.test(line)) continue;
    const words = line.trim().split(/\s+/).filter(Boolean);
    for (let w = 0; w < words.length; w++) {
      if (words[w] === 'macdef') {
        // A macro body runs until the next empty line.
        while (i + 1 < lines.length && (lines[i + 1] ?? '').trim() !== '') i++;
        break;
      }
      tokens.push(words[w] as string);
    }
  }
  let cur: NetrcEntry | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === 'machine') {
      cur = { machine: tokens[++i] };
      entries.push(cur);
    } else if (t === 'default') {
      cur = {};
      entries.push(cur);
    } else if (cur && t === 'login') cur.login = tokens[++i];
    else if (cur && t === 'password') cur.password = tokens[++i];
    else if (cur && t === 'account') i++;
  }
  return entries;
}

/** Credentials for `host` from $NETRC or ~/.netrc (first matching machine, else default). */
export function credentialsFromNetrc(host: string, env: NodeJS.ProcessEnv = process.env): Credentials | undefined {
  const file = env.NETRC ?? path.join(env.HOME ?? os.homedir(), '.netrc');
  if (!netrcCache || netrcCache.file !== file) {
    let entries: NetrcEntry[] = [];
    try {
      entries = parseNetrc(readFileSync(file, 'utf8'));
    } catch {
      // No netrc is the normal case.
    }
    netrcCache = { file, entries };
  }
  const e = netrcCache.entries.find((x) => x.machine === host) ?? netrcCache.entries.find((x) => x.machine === undefined);
  if (!e || e.login === undefined) return undefined;
  return { username: e.login, password: e.password ?? '' };
}

/** Forget the parsed netrc (tests change $NETRC). */
export function resetNetrcCache(): void {
  netrcCache = undefined;
}

export function basicAuthHeader(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`, 'utf8').toString('base64')}`;
}
