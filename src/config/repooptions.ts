// dnf repository options -> RepoDefinition. One interpreter for both
// sources (a manifest's `options = {...}` table and a yum .repo section) so
// `gpgcheck = "0"` means the same thing wherever it is written. Values
// follow libdnf's rules: booleans 1/yes/true/on, lists split on commas and
// whitespace, metadata_expire with s/m/h/d units or never/-1.
import { newRepoDefinition } from '../repo/defaults.js';
import type { RepoDefinition } from '../repo/types.js';
import { configError, type Loc } from './where.js';

/** One option as written, already variable-substituted, with where it was written. */
export interface RawOption {
  key: string;
  value: string;
  loc: Loc;
  /** How the key is shown in errors (e.g. contents.repositories[0].options.priority). */
  label: string;
}

/** Options rpmkit interprets (aliases map to the dnf name). */
const INTERPRETED = new Set([
  'name', 'baseurl', 'metalink', 'mirrorlist', 'enabled', 'gpgcheck', 'repo_gpgcheck', 'gpgkey', 'priority', 'cost',
  'includepkgs', 'excludepkgs', 'sslverify', 'sslcacert', 'sslclientcert', 'sslclientkey', 'metadata_expire', 'username', 'password',
]);
const ALIASES: Record<string, string> = { pkg_gpgcheck: 'gpgcheck', exclude: 'excludepkgs' };

/**
 * dnf/yum/zypper repo options rpmkit accepts and keeps (in `options`) but
 * does not act on: real .repo files carry them, and refusing them would
 * make host repositories unusable.
 */
const ACCEPTED = new Set([
  'type', 'mediaid', 'fastestmirror', 'proxy', 'proxy_username', 'proxy_password', 'proxy_auth_method', 'proxy_sslverify',
  'proxy_sslcacert', 'proxy_sslclientcert', 'proxy_sslclientkey', 'protected_packages', 'enablegroups', 'retries', 'bandwidth',
  'minrate', 'ip_resolve', 'throttle', 'timeout', 'max_parallel_downloads', 'module_hotfixes', 'sslverifystatus', 'deltarpm',
  'deltarpm_percentage', 'skip_if_unavailable', 'enabled_metadata', 'user_agent', 'countme', 'failovermethod', 'gpgcakey',
  'keepalive', 'http_caching', 'mirrorlist_expire', 'metadata_expire_filter', 'gpgkey_dns_verification', 'max_mirror_tries',
  'basecachedir', 'localpkg_gpgcheck', 'keepcache', 'autorefresh', 'path', 'keeppackages', 'zchunk', 'priority_filter',
  'repo_gpgcheck_always', 'ui_repoid_vars', 'build', 'module_platform_id', 'excludepkgs_filter',
]);

export const KNOWN_REPO_OPTIONS: readonly string[] = [...INTERPRETED, ...Object.keys(ALIASES), ...ACCEPTED].sort();

const TRUE = new Set(['1', 'yes', 'true', 'on']);
const FALSE = new Set(['0', 'no', 'false', 'off']);

function bad(o: RawOption, message: string, hint?: string): never {
  throw configError(o.loc, o.label, message, hint);
}

export function parseBool(o: RawOption): boolean {
  const v = o.value.trim().toLowerCase();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  return bad(o, `expected a boolean, got ${JSON.stringify(o.value)}`, 'use 1/0, true/false, yes/no or on/off');
}

function parseInt(o: RawOption, min: number, max: number): number {
  const v = o.value.trim();
  if (!/^[+-]?\d+$/.test(v)) bad(o, `expected an integer from ${min} to ${max}, got ${JSON.stringify(o.value)}`);
  const n = Number(v);
  if (n < min || n > max) bad(o, `expected an integer from ${min} to ${max}, got ${n}`, o.key === 'priority' ? 'dnf priorities run from 1 (preferred) to 99 (default)' : undefined);
  return n;
}

/** libdnf list options: items separated by commas and/or whitespace (including newlines). */
export function splitList(v: string): string[] {
  return v.split(/[\s,]+/).filter((x) => x !== '');
}

const UNIT: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 };

/** dnf's metadata_expire: seconds, or with an s/m/h/d unit; "never" or -1 mean never. */
export function parseSeconds(o: RawOption): number {
  const v = o.value.trim().toLowerCase();
  if (v === 'never' || v === '-1') return -1;
  const m = /^(\d+(?:\.\d+)?)\s*([smhd]?)$/.exec(v);
  if (!m) return bad(o, `expected seconds (e.g. 3600, 90m, 6h, 2d, never), got ${JSON.stringify(o.value)}`);
  return Math.floor(Number(m[1]) * UNIT[m[2]]);
}

function checkUrl(o: RawOption, u: string): string {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(u)) {
    bad(o, `expected a URL (http://, https://, file://), got ${JSON.stringify(u)}`, 'write the full URL, e.g. https://example.org/repo/ or file:///srv/repo');
  }
  return u;
}

export const REPO_ID_RE = /^[A-Za-z0-9_.:-]+$/;

/**
 * Build a RepoDefinition from options. `extraBaseurls` are URLs given
 * outside the options (a manifest table's `url`), placed first.
 */
export function buildRepoDefinition(id: string, opts: RawOption[], extraBaseurls: string[] = []): RepoDefinition {
  const def: RepoDefinition = newRepoDefinition(id, [...extraBaseurls]);
  for (const raw of opts) {
    const key = ALIASES[raw.key] ?? raw.key;
    if (!INTERPRETED.has(key) && !ACCEPTED.has(key)) {
      bad(raw, `unknown repository option ${JSON.stringify(raw.key)}`, `known options: ${[...INTERPRETED].sort().join(', ')} (and dnf's other repo options)`);
    }
    def.options[raw.key] = raw.value;
    const o = { ...raw, key };
    switch (key) {
      case 'name':
        def.name = o.value;
        break;
      case 'baseurl':
        for (const u of splitList(o.value)) def.baseurl.push(checkUrl(o, u));
        break;
      case 'metalink':
        def.metalink = checkUrl(o, o.value.trim());
        break;
      case 'mirrorlist':
        def.mirrorlist = checkUrl(o, o.value.trim());
        break;
      case 'enabled':
        def.enabled = parseBool(o);
        break;
      case 'gpgcheck':
        def.gpgcheck = parseBool(o);
        break;
      case 'repo_gpgcheck':
        def.repoGpgcheck = parseBool(o);
        break;
      case 'sslverify':
        def.sslverify = parseBool(o);
        break;
      case 'gpgkey':
        for (const u of splitList(o.value)) def.gpgkeys.push(u);
        break;
      case 'priority':
        def.priority = parseInt(o, 1, 99);
        break;
      case 'cost':
        def.cost = parseInt(o, 0, 2 ** 31 - 1);
        break;
      case 'includepkgs':
        def.includepkgs.push(...splitList(o.value));
        break;
      case 'excludepkgs':
        def.excludepkgs.push(...splitList(o.value));
        break;
      case 'sslcacert':
        def.sslcacert = o.value.trim();
        break;
      case 'sslclientcert':
        def.sslclientcert = o.value.trim();
        break;
      case 'sslclientkey':
        def.sslclientkey = o.value.trim();
        break;
      case 'metadata_expire':
        def.metadataExpire = parseSeconds(o);
        break;
      case 'username':
        def.username = o.value;
        break;
      case 'password':
        def.password = o.value;
        break;
      default:
        // accepted, kept in options only
        break;
    }
  }
  return def;
}

/** dnf variable substitution: $name and ${name} (plus ${name:-default} / ${name:+alt}); unknown names stay as written. */
export function substitute(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\{([A-Za-z0-9_]+)(?::([-+])([^}]*))?\}|\$([A-Za-z0-9_]+)/g, (whole, braced: string | undefined, op: string | undefined, word: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare!;
    const val = Object.prototype.hasOwnProperty.call(vars, name) ? vars[name] : undefined;
    if (op === '-') return val !== undefined && val !== '' ? val : (word ?? '');
    if (op === '+') return val !== undefined && val !== '' ? (word ?? '') : '';
    return val ?? whole;
  });
}
