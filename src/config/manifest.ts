// rpmkit.toml / rpmoci.toml -> Manifest. Accepts every rpmoci.toml
// unchanged (its keys, its repository forms, its defaults when the file is
// named rpmoci.toml) and rpmkit's additions. Every unknown key or bad value
// is refused with file:line:col and the key's path.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type * as Net from 'node:net';
import { lazyBuiltin } from '../util/builtin.js';

const net = lazyBuiltin<typeof Net>('node:net');
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseToml, TomlError } from 'smol-toml';
import type { RepoDefinition } from '../repo/types.js';
import { basearchOf, dnfVars, hostArch, releaseverFromOsRelease } from './arch.js';
import { formatKeyPath, locateKey, type KeyPath } from './locate.js';
import { scanReposDirs, sectionToRepo, type RepoSection } from './repofile.js';
import { buildRepoDefinition, REPO_ID_RE, substitute, type RawOption } from './repooptions.js';
import type { ImageConfig, Manifest, ManifestContents, ParseOptions, RepoOrigin } from './types.js';
import { configError } from './where.js';

export const DEFAULT_REPOS_DIRS = ['/etc/yum.repos.d', '/etc/yum/repos.d', '/etc/distro.repos.d'];
const DEFAULT_VARS_DIRS = ['/etc/dnf/vars', '/etc/yum/vars'];

type Table = Record<string, unknown>;
const isTable = (v: unknown): v is Table => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

function typeName(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Date) return 'a date';
  if (isTable(v)) return 'a table';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  return `${typeof v === 'number' || typeof v === 'bigint' ? 'the number' : `the ${typeof v}`} ${String(v)}`;
}

/** Errors that know where a key path is written in this document. */
class Ctx {
  constructor(
    readonly text: string,
    readonly file: string,
  ) {}

  fail(p: KeyPath, message: string, hint?: string): never {
    const pos = locateKey(this.text, p);
    throw configError({ file: this.file, line: pos?.line, column: pos?.column }, formatKeyPath(p), message, hint);
  }

  line(p: KeyPath): number | undefined {
    return locateKey(this.text, p)?.line;
  }

  /** Refuse keys of `t` not in `known` (aliases included). */
  keys(t: Table, p: KeyPath, known: readonly string[]): void {
    for (const k of Object.keys(t)) {
      if (!known.includes(k)) {
        const near = known.filter((x) => x.replace(/_/g, '') === k.replace(/[_-]/g, '').toLowerCase());
        this.fail([...p, k], `unknown key ${JSON.stringify(k)}`, near.length ? `did you mean ${JSON.stringify(near[0])}?` : `known keys here: ${known.join(', ')}`);
      }
    }
  }

  str(v: unknown, p: KeyPath): string {
    if (typeof v !== 'string') this.fail(p, `expected a string, got ${typeName(v)}`, 'quote the value');
    return v;
  }

  bool(v: unknown, p: KeyPath): boolean {
    if (typeof v !== 'boolean') this.fail(p, `expected true or false, got ${typeName(v)}`);
    return v;
  }

  strArray(v: unknown, p: KeyPath, nonEmpty = true): string[] {
    if (!Array.isArray(v)) this.fail(p, `expected an array of strings, got ${typeName(v)}`, `write ${formatKeyPath(p.slice(-1))} = ["..."]`);
    return v.map((x, i) => {
      const s = this.str(x, [...p, i]);
      if (nonEmpty && s.trim() === '') this.fail([...p, i], 'empty string');
      return s;
    });
  }

  strMap(v: unknown, p: KeyPath): Record<string, string> {
    if (!isTable(v)) this.fail(p, `expected a table of strings, got ${typeName(v)}`, `write [${formatKeyPath(p)}] with KEY = "value" lines, or ${formatKeyPath(p.slice(-1))} = { KEY = "value" }`);
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(v)) out[k] = this.str(x, [...p, k]);
    return out;
  }
}

/** Pick one of two spellings (rpmoci's and rpmkit's); both at once is an error. */
function alias(ctx: Ctx, t: Table, p: KeyPath, a: string, b: string): [unknown, KeyPath] {
  if (a in t && b in t) ctx.fail([...p, b], `both ${JSON.stringify(a)} and ${JSON.stringify(b)} are set; they are the same setting`, `keep only ${JSON.stringify(a)}`);
  return b in t ? [t[b], [...p, b]] : [t[a], [...p, a]];
}

const URL_RE = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/** A location written in the manifest: a URL, file:PATH, or a path; relative paths resolve against the manifest's directory. */
function resolveLocation(written: string, dir: string): { url: string; kind: 'url' | 'path' } | undefined {
  if (URL_RE.test(written)) return { url: written, kind: 'url' };
  let p: string | undefined;
  if (/^file:/i.test(written)) p = written.slice(5);
  else if (written.startsWith('/') || written.startsWith('./') || written.startsWith('../') || written === '.' || written === '..') p = written;
  if (p === undefined) return undefined;
  const abs = path.resolve(dir, p);
  let url = pathToFileURL(abs).href;
  if (written.endsWith('/') && !url.endsWith('/')) url += '/';
  return { url, kind: 'path' };
}

/** rpmoci's id for a URL repository: "<domain>_<path segments joined by _>". */
export function rpmociRepoId(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url.replace(/[^A-Za-z0-9_.:-]+/g, '_');
  }
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const domain = host && !net().isIP(host) ? host : '';
  const segs = u.pathname.startsWith('/') ? u.pathname.slice(1).split('/') : [];
  return `${domain}_${segs.join('_')}`.replace(/[^A-Za-z0-9_.:-]/g, '_');
}

function localRepoId(written: string): string {
  const p = written.replace(/^file:/i, '');
  const segs = p.split('/').filter((s) => s !== '' && s !== '.').map((s) => (s === '..' ? 'up' : s));
  return `local_${segs.join('_')}`.replace(/[^A-Za-z0-9_.:-]/g, '_');
}

function optionValue(ctx: Ctx, v: unknown, p: KeyPath): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return v.map((x, i) => ctx.str(x, [...p, i])).join(',');
  return ctx.fail(p, `expected a string, number, boolean or array of strings, got ${typeName(v)}`);
}

interface RepoCtx {
  ctx: Ctx;
  dir: string;
  vars: Record<string, string>;
  reposDirs: string[];
  hostRepos?: Map<string, RepoSection>;
}

/** Local key paths in repo options resolve like every other manifest path. */
function resolveKeyList(rc: RepoCtx, def: RepoDefinition): void {
  def.gpgkeys = def.gpgkeys.map((k) => resolveLocation(k, rc.dir)?.url ?? k);
}

function repoFromEntry(rc: RepoCtx, entry: unknown, p: KeyPath): { def: RepoDefinition; origin: RepoOrigin } {
  const ctx: Ctx = rc.ctx;
  const line = ctx.line(p);
  if (typeof entry === 'string') {
    const written = entry.trim();
    if (written === '') ctx.fail(p, 'empty repository entry');
    const loc = resolveLocation(substitute(written, rc.vars), rc.dir);
    if (loc) {
      const id = loc.kind === 'url' ? rpmociRepoId(written) : localRepoId(written);
      const def = buildRepoDefinition(id, [], [loc.url]);
      return { def, origin: { kind: loc.kind, written, line } };
    }
    if (!REPO_ID_RE.test(written)) {
      ctx.fail(p, `${JSON.stringify(written)} is neither a URL, a path (./dir, /dir, file:dir) nor a repository id`, 'write a full URL such as https://example.org/repo/, or the id of a repository defined in /etc/yum.repos.d');
    }
    rc.hostRepos ??= scanReposDirs(rc.reposDirs, rc.vars);
    const sec = rc.hostRepos.get(written);
    if (!sec) {
      const ids = [...rc.hostRepos.keys()].sort();
      const pos = locateKey(ctx.text, p);
      throw configError(
        { file: ctx.file, line: pos?.line, column: pos?.column },
        formatKeyPath(p),
        `unknown repository id ${JSON.stringify(written)}: no [${written}] section in ${rc.reposDirs.join(', ')}`,
        ids.length ? `repository ids defined there: ${ids.join(', ')}` : 'no .repo files found there; write the repository URL instead, or set RPMKIT_REPOS_DIR',
        'REPO_UNKNOWN',
      );
    }
    const def = sectionToRepo(sec);
    // Named explicitly, so it is used even when its .repo file disables it (as rpmoci does).
    def.enabled = true;
    return { def, origin: { kind: 'id', written, line, repoFile: sec.file } };
  }
  if (!isTable(entry)) ctx.fail(p, `expected a URL string or a table { id, url, options }, got ${typeName(entry)}`);
  ctx.keys(entry, p, ['id', 'url', 'name', 'metalink', 'mirrorlist', 'options']);
  const urls: string[] = [];
  let written = '';
  if (entry.url !== undefined) {
    const list = typeof entry.url === 'string' ? [entry.url] : ctx.strArray(entry.url, [...p, 'url']);
    list.forEach((u, i) => {
      const up: KeyPath = typeof entry.url === 'string' ? [...p, 'url'] : [...p, 'url', i];
      const loc = resolveLocation(substitute(u.trim(), rc.vars), rc.dir);
      if (!loc) ctx.fail(up, `expected a URL or a path (./dir, /dir, file:dir), got ${JSON.stringify(u)}`, 'write the full URL, e.g. https://example.org/repo/');
      urls.push(loc.url);
    });
    written = list[0] ?? '';
  }
  const opts: RawOption[] = [];
  const optLoc = (k: string) => {
    const pos = locateKey(ctx.text, [...p, 'options', k]);
    return { file: ctx.file, line: pos?.line, column: pos?.column };
  };
  for (const k of ['name', 'metalink', 'mirrorlist'] as const) {
    if (entry[k] !== undefined) {
      const pos = locateKey(ctx.text, [...p, k]);
      opts.push({ key: k, value: substitute(ctx.str(entry[k], [...p, k]), rc.vars), loc: { file: ctx.file, line: pos?.line, column: pos?.column }, label: formatKeyPath([...p, k]) });
    }
  }
  if (entry.options !== undefined) {
    if (!isTable(entry.options)) ctx.fail([...p, 'options'], `expected a table, got ${typeName(entry.options)}`, 'write options = { gpgcheck = "0", priority = "10" }');
    for (const [k, v] of Object.entries(entry.options)) {
      const op: KeyPath = [...p, 'options', k];
      opts.push({ key: k, value: substitute(optionValue(ctx, v, op), rc.vars), loc: optLoc(k), label: formatKeyPath(op) });
    }
  }
  let id: string;
  if (entry.id !== undefined) {
    id = ctx.str(entry.id, [...p, 'id']);
    if (!REPO_ID_RE.test(id)) ctx.fail([...p, 'id'], `invalid repository id ${JSON.stringify(id)}`, 'ids may contain letters, digits and - _ . :');
  } else if (written) {
    id = URL_RE.test(written) ? rpmociRepoId(written) : localRepoId(written);
  } else {
    ctx.fail(p, 'a repository table needs an id when it has no url', 'add id = "myrepo"');
  }
  const def = buildRepoDefinition(id, opts, urls);
  if (def.baseurl.length === 0 && !def.metalink && !def.mirrorlist) {
    ctx.fail(p, 'repository has no url, metalink or mirrorlist', 'add url = "https://..."');
  }
  resolveKeyList(rc, def);
  return { def, origin: { kind: 'table', written: written || def.metalink || def.mirrorlist || id, line } };
}

/** `*` and `?` in the file name part of a local .rpm spec. */
function expandLocalRpm(spec: string, dir: string): string[] {
  const abs = path.resolve(dir, spec.replace(/^file:(\/\/)?/i, ''));
  const base = path.basename(abs);
  if (!/[*?[]/.test(base)) return existsSync(abs) ? [abs] : [];
  const d = path.dirname(abs);
  const re = new RegExp(`^${base.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  try {
    return readdirSync(d)
      .filter((f) => re.test(f))
      .map((f) => path.join(d, f))
      .filter((f) => statSync(f).isFile());
  } catch {
    return [];
  }
}

function parseContents(rc: RepoCtx, t: unknown, format: 'rpmkit' | 'rpmoci'): { contents: ManifestContents; origins: RepoOrigin[] } {
  const ctx: Ctx = rc.ctx;
  const p: KeyPath = ['contents'];
  if (!isTable(t)) ctx.fail(p, t === undefined ? 'missing [contents] table' : `expected a table, got ${typeName(t)}`, 'add a [contents] table with repositories = [...] and packages = [...]');
  ctx.keys(t, p, ['repositories', 'packages', 'gpgkeys', 'docs', 'weak_deps', 'install_weak_deps', 'exclude', 'os_release']);
  const repositories: RepoDefinition[] = [];
  const origins: RepoOrigin[] = [];
  if (t.repositories !== undefined) {
    if (!Array.isArray(t.repositories)) ctx.fail([...p, 'repositories'], `expected an array, got ${typeName(t.repositories)}`, 'write repositories = ["https://..."]');
    const seen = new Map<string, number>();
    t.repositories.forEach((e, i) => {
      const { def, origin } = repoFromEntry(rc, e, [...p, 'repositories', i]);
      const prev = seen.get(def.id);
      if (prev !== undefined) {
        ctx.fail([...p, 'repositories', i], `repository id ${JSON.stringify(def.id)} is already used by repositories[${prev}]`, 'give one of them a different id = "..."');
      }
      seen.set(def.id, i);
      repositories.push(def);
      origins.push(origin);
    });
  }
  const packages = t.packages === undefined ? [] : ctx.strArray(t.packages, [...p, 'packages']).map((s) => s.trim());
  const localPackages = new Set<string>();
  for (const spec of packages) if (/\.rpm$/i.test(spec)) for (const f of expandLocalRpm(spec, rc.dir)) localPackages.add(f);
  const gpgkeys = t.gpgkeys === undefined ? [] : ctx.strArray(t.gpgkeys, [...p, 'gpgkeys']).map((k, i) => {
    const kp: KeyPath = [...p, 'gpgkeys', i];
    // Keys have no id form, so a bare name is a path relative to the manifest.
    const w = substitute(k.trim(), rc.vars);
    const loc = resolveLocation(w, rc.dir) ?? resolveLocation(`./${w}`, rc.dir)!;
    if (loc.url.startsWith('file:')) {
      const f = new URL(loc.url);
      if (!existsSync(f)) ctx.fail(kp, `key file not found: ${f.pathname}`, 'fix the path (relative paths are relative to the manifest\'s directory)');
    }
    return loc.url;
  });
  const docs = t.docs === undefined ? format === 'rpmkit' : ctx.bool(t.docs, [...p, 'docs']);
  const [wd, wdp] = alias(ctx, t, p, 'weak_deps', 'install_weak_deps');
  const weakDeps = wd === undefined ? false : ctx.bool(wd, wdp);
  const exclude = t.exclude === undefined ? [] : ctx.strArray(t.exclude, [...p, 'exclude']).map((s) => s.trim());
  const osRelease = t.os_release === undefined ? true : ctx.bool(t.os_release, [...p, 'os_release']);
  return { contents: { repositories, packages, localPackages: [...localPackages].sort(), gpgkeys, docs, weakDeps, exclude, osRelease }, origins };
}

const PORT_RE = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/;

function parseImage(ctx: Ctx, t: unknown): ImageConfig {
  const p: KeyPath = ['image'];
  const img: ImageConfig = { envs: {}, labels: {}, exposedPorts: [], volumes: [] };
  if (t === undefined) return img;
  if (!isTable(t)) ctx.fail(p, `expected a table, got ${typeName(t)}`);
  ctx.keys(t, p, ['entrypoint', 'cmd', 'envs', 'labels', 'exposed_ports', 'user', 'workdir', 'workingdir', 'volumes', 'stop_signal', 'stopsignal', 'author']);
  if (t.entrypoint !== undefined) img.entrypoint = ctx.strArray(t.entrypoint, [...p, 'entrypoint'], false);
  if (t.cmd !== undefined) img.cmd = ctx.strArray(t.cmd, [...p, 'cmd'], false);
  if (t.envs !== undefined) {
    img.envs = ctx.strMap(t.envs, [...p, 'envs']);
    for (const k of Object.keys(img.envs)) {
      if (k === '' || k.includes('=')) ctx.fail([...p, 'envs', k], `invalid environment variable name ${JSON.stringify(k)}`, 'names must be non-empty and contain no "="');
    }
  }
  if (t.labels !== undefined) img.labels = ctx.strMap(t.labels, [...p, 'labels']);
  if (t.exposed_ports !== undefined) {
    img.exposedPorts = ctx.strArray(t.exposed_ports, [...p, 'exposed_ports']).map((s, i) => {
      const m = PORT_RE.exec(s.trim());
      if (!m || Number(m[1]) < 1 || Number(m[1]) > 65535) ctx.fail([...p, 'exposed_ports', i], `invalid port ${JSON.stringify(s)}`, 'write "PORT/tcp", "PORT/udp" or "PORT/sctp" with PORT from 1 to 65535');
      return s.trim();
    });
  }
  if (t.user !== undefined) {
    if (typeof t.user === 'number' && Number.isInteger(t.user) && t.user >= 0) img.user = String(t.user);
    else img.user = ctx.str(t.user, [...p, 'user']);
  }
  const [wd, wdp] = alias(ctx, t, p, 'workingdir', 'workdir');
  if (wd !== undefined) img.workdir = ctx.str(wd, wdp);
  if (t.volumes !== undefined) {
    img.volumes = ctx.strArray(t.volumes, [...p, 'volumes']).map((v, i) => {
      if (!v.startsWith('/')) ctx.fail([...p, 'volumes', i], `volume ${JSON.stringify(v)} is not an absolute path`, 'write volumes = ["/data"]');
      return v;
    });
  }
  const [ss, ssp] = alias(ctx, t, p, 'stopsignal', 'stop_signal');
  if (ss !== undefined) {
    img.stopSignal = ctx.str(ss, ssp);
    if (!/^(SIG[A-Z0-9+-]+|\d+)$/.test(img.stopSignal)) ctx.fail(ssp, `invalid signal ${JSON.stringify(img.stopSignal)}`, 'write a signal name such as "SIGTERM" or a number');
  }
  if (t.author !== undefined) img.author = ctx.str(t.author, [...p, 'author']);
  return img;
}

function readVarsDirs(dirs: string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const d of dirs) {
    let names: string[];
    try {
      names = readdirSync(d).sort();
    } catch {
      continue;
    }
    for (const n of names) {
      if (!/^[A-Za-z0-9_]+$/.test(n) || n in vars) continue;
      try {
        vars[n] = readFileSync(path.join(d, n), 'utf8').split('\n')[0].trim();
      } catch {
        // unreadable var files are ignored, as dnf does
      }
    }
  }
  return vars;
}

/** The substitution variables for a manifest load. */
export function resolveVars(opts: ParseOptions): { arch: string; vars: Record<string, string>; reposDirs: string[] } {
  const arch = opts.basearch ?? hostArch();
  const envDir = process.env.RPMKIT_REPOS_DIR;
  const reposDirs = opts.reposDir !== undefined ? (Array.isArray(opts.reposDir) ? opts.reposDir : [opts.reposDir]) : envDir ? envDir.split(':').filter(Boolean) : DEFAULT_REPOS_DIRS;
  const usingDefaults = opts.reposDir === undefined && !envDir;
  const varsDirs = opts.varsDirs ?? (usingDefaults ? DEFAULT_VARS_DIRS : []);
  const releasever = opts.releasever ?? process.env.RPMKIT_RELEASEVER ?? releaseverFromOsRelease();
  const vars = dnfVars(arch, releasever, readVarsDirs(varsDirs));
  return { arch, vars, reposDirs };
}

/** Parse manifest text. `file` names it in errors and anchors relative paths. */
export function parseManifest(text: string, file: string, opts: ParseOptions = {}): Manifest {
  const abs = path.resolve(file);
  const shown = opts.displayPath ?? file;
  let doc: Table;
  try {
    doc = parseToml(text) as Table;
  } catch (e) {
    if (e instanceof TomlError) {
      const first = e.message.split('\n')[0].replace(/^Invalid TOML document:\s*/, '');
      throw configError({ file: shown, line: e.line, column: e.column }, undefined, `invalid TOML: ${first}`, 'fix the syntax at that position (TOML reference: https://toml.io)', 'CONFIG_INVALID', e);
    }
    throw e;
  }
  const ctx = new Ctx(text, shown);
  ctx.keys(doc, [], ['contents', 'image']);
  const format = path.basename(abs) === 'rpmoci.toml' ? 'rpmoci' : 'rpmkit';
  const { arch, vars, reposDirs } = resolveVars(opts);
  const rc: RepoCtx = { ctx, dir: path.dirname(abs), vars, reposDirs };
  const { contents, origins } = parseContents(rc, doc.contents, format);
  const image = parseImage(ctx, doc.image);
  return { path: abs, dir: path.dirname(abs), format, arch, vars, contents, repoOrigins: origins, image };
}

export { basearchOf };
