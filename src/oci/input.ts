// Turning loosely-typed input (a manifest's [image] table, an ownership
// manifest JSON file) into the image stage's types, with coded errors that
// name the offending field.
import { RpmkitError } from '../errors.js';
import { capsTextToXattr } from './caps.js';
import type { FileMeta, ImageConfig, MetaLookup } from './types.js';

function fail(where: string, why: string): never {
  throw new RpmkitError('CONFIG_INVALID', `${where}: ${why}`);
}

function strList(v: unknown, where: string): string[] | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' && typeof x !== 'number')) fail(where, 'expected a list of strings');
  return (v as unknown[]).map(String);
}

function strMap(v: unknown, where: string): Record<string, string> | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(where, 'expected a table of strings');
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'boolean') fail(`${where}.${k}`, 'expected a string');
    out[k] = String(x);
  }
  return out;
}

function str(v: unknown, where: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' && typeof v !== 'number') fail(where, 'expected a string');
  return String(v);
}

/**
 * The `[image]` table of rpmkit.toml / rpmoci.toml. Accepts rpmoci's field
 * names (workingdir, stopsignal) as well as ours (workdir, stop_signal).
 */
export function imageConfigFrom(raw: unknown, where = '[image]'): ImageConfig {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) fail(where, 'expected a table');
  const r = raw as Record<string, unknown>;
  // camelCase spellings: the config stage's parsed ImageConfig passes straight through.
  const known = new Set(['entrypoint', 'cmd', 'envs', 'env', 'labels', 'exposed_ports', 'exposedPorts', 'user', 'workdir', 'workingdir', 'volumes', 'stop_signal', 'stopsignal', 'stopSignal', 'author', 'annotations']);
  for (const k of Object.keys(r)) if (!known.has(k)) fail(`${where}.${k}`, `unknown field (known: ${[...known].join(', ')})`);
  return {
    entrypoint: strList(r.entrypoint, `${where}.entrypoint`),
    cmd: strList(r.cmd, `${where}.cmd`),
    envs: strMap(r.envs ?? r.env, `${where}.envs`),
    labels: strMap(r.labels, `${where}.labels`),
    exposed_ports: strList(r.exposed_ports ?? r.exposedPorts, `${where}.exposed_ports`),
    user: str(r.user, `${where}.user`),
    workdir: str(r.workdir ?? r.workingdir, `${where}.workdir`),
    volumes: strList(r.volumes, `${where}.volumes`),
    stop_signal: str(r.stop_signal ?? r.stopsignal ?? r.stopSignal, `${where}.stop_signal`),
    author: str(r.author, `${where}.author`),
    annotations: strMap(r.annotations, `${where}.annotations`),
  };
}

/** "/usr/bin/x", "./usr/bin/x" and "usr/bin/x" all name the same entry. */
export function normalizeRel(p: string): string {
  return p.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
}

function metaEntry(v: unknown, where: string): FileMeta {
  if (typeof v !== 'object' || v === null) fail(where, 'expected an object');
  const r = v as Record<string, unknown>;
  const num = (x: unknown, f: string): number | undefined => {
    if (x === undefined || x === null) return undefined;
    if (typeof x === 'number' && Number.isInteger(x) && x >= 0) return x;
    if (typeof x === 'string' && /^0?[0-7]+$/.test(x) && f === 'mode') return parseInt(x, 8);
    if (typeof x === 'string' && /^\d+$/.test(x)) return Number(x);
    return fail(`${where}.${f}`, 'expected a non-negative integer');
  };
  const xattrs: Record<string, Buffer> = {};
  if (r.xattrs !== undefined) {
    if (typeof r.xattrs !== 'object' || r.xattrs === null) fail(`${where}.xattrs`, 'expected name -> base64 value');
    for (const [k, x] of Object.entries(r.xattrs as Record<string, unknown>)) {
      if (typeof x !== 'string') fail(`${where}.xattrs.${k}`, 'expected a base64 string');
      xattrs[k] = Buffer.from(x, 'base64');
    }
  }
  // caps: hex of the binary xattr (the rootfs stage's manifest), cap_from_text
  // syntax ("cap_net_raw=ep", also as capsText), or base64 of the binary value.
  const caps = typeof r.caps === 'string' && r.caps !== '' ? r.caps : typeof r.capsText === 'string' && r.capsText !== '' ? r.capsText : undefined;
  if (caps !== undefined) {
    let bin: Buffer | undefined;
    if (/^([0-9a-f]{2})+$/i.test(caps) && caps.length >= 40) bin = Buffer.from(caps, 'hex');
    else if (/cap_|^all[=+-]|^=|^\d+[=+-]/i.test(caps)) bin = capsTextToXattr(caps);
    else bin = Buffer.from(caps, 'base64');
    if (bin) xattrs['security.capability'] = bin;
  }
  const mode = num(r.mode, 'mode');
  return {
    uid: num(r.uid, 'uid') ?? 0,
    gid: num(r.gid, 'gid') ?? 0,
    uname: str(r.uname ?? r.user, `${where}.user`),
    gname: str(r.gname ?? r.group, `${where}.group`),
    mode: mode === undefined ? undefined : mode & 0o7777,
    xattrs: Object.keys(xattrs).length ? xattrs : undefined,
    pkg: str(r.pkg ?? r.package, `${where}.pkg`),
    mtime: num(r.mtime, 'mtime'),
  };
}

/**
 * A lookup from an ownership manifest: `{ "/path": {uid, gid, user, group,
 * mode, caps, pkg, xattrs?, mtime?}, ... }`, the same under a "paths" or
 * "files" key, or a list of such objects with a "path" field (the rootfs
 * stage's `{version: 1, root, entries: [...]}` sidecar).
 */
export function metaFromJson(doc: unknown, source = 'ownership manifest'): MetaLookup {
  const map = new Map<string, FileMeta>();
  let body: unknown = doc;
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const o = body as Record<string, unknown>;
    body = o.entries ?? o.paths ?? o.files ?? o;
  }
  if (Array.isArray(body)) {
    body.forEach((e, i) => {
      const p = (e as { path?: unknown })?.path;
      if (typeof p !== 'string') fail(`${source}[${i}]`, 'missing "path"');
      map.set(normalizeRel(p), metaEntry(e, `${source}[${i}]`));
    });
  } else if (body && typeof body === 'object') {
    for (const [p, e] of Object.entries(body as Record<string, unknown>)) map.set(normalizeRel(p), metaEntry(e, `${source} "${p}"`));
  } else {
    fail(source, 'expected an object or a list');
  }
  return (p) => map.get(p);
}
