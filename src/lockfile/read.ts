// Reading rpmkit.lock back: TOML syntax errors and schema errors both become
// LOCK_INVALID naming the file, the line and the key, so a hand-edited or
// merge-conflicted lock is easy to fix.
import { promises as fs } from 'node:fs';
import { parse, TomlError } from 'smol-toml';
import { RpmkitError } from '../errors.js';
import { LOCK_VERSION, type Lock, type LockInput, type LockPackage, type LockRepository } from './types.js';
import { normalizeLock } from './write.js';

const HINT = 'regenerate it with `rpmkit lock` (or fix the line named above)';

/** Line numbers (1-based) of each `[[name]]` header, in order. */
function headerLines(text: string, name: string): number[] {
  const out: number[] = [];
  const lines = text.split('\n');
  const re = new RegExp(`^\\s*\\[\\[\\s*${name}\\s*\\]\\]`);
  lines.forEach((l, i) => {
    if (re.test(l)) out.push(i + 1);
  });
  return out;
}

/** Line of `key =` inside the table starting at `from` (or the header line). */
function keyLine(text: string, from: number, key: string): number {
  const lines = text.split('\n');
  // `from` is 1-based, so index `from` is the line after the header.
  for (let i = Math.max(0, from); i < lines.length; i++) {
    if (/^\s*\[/.test(lines[i])) break;
    if (new RegExp(`^\\s*"?${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?\\s*=`).test(lines[i])) return i + 1;
  }
  return from;
}

class Ctx {
  constructor(readonly file: string, readonly text: string) {}
  fail(line: number | undefined, where: string, msg: string): never {
    throw new RpmkitError('LOCK_INVALID', `${this.file}${line ? `:${line}` : ''}: ${where}: ${msg}`, { hint: HINT, details: { file: this.file, line, key: where } });
  }
}

type Table = Record<string, unknown>;

function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function getString(c: Ctx, t: Table, k: string, where: string, line: number, optional = false): string | undefined {
  const v = t[k];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string') c.fail(keyLine(c.text, line, k), `${where}.${k}`, v === undefined ? 'missing (a string is required)' : `expected a string, found ${typeof v}`);
  return v;
}

function getInt(c: Ctx, t: Table, k: string, where: string, line: number, optional = false): number | undefined {
  const v = t[k];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) c.fail(keyLine(c.text, line, k), `${where}.${k}`, v === undefined ? 'missing (a non-negative integer is required)' : `expected a non-negative integer, found ${JSON.stringify(v)}`);
  return v;
}

function getStrings(c: Ctx, t: Table, k: string, where: string, line: number): string[] {
  const v = t[k] ?? [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) c.fail(keyLine(c.text, line, k), `${where}.${k}`, 'expected an array of strings');
  return v as string[];
}

function getStringMap(c: Ctx, t: Table, k: string, where: string, line: number): Record<string, string> {
  const v = t[k] ?? {};
  if (!isTable(v)) c.fail(line, `${where}.${k}`, 'expected a table');
  const out: Record<string, string> = {};
  for (const [kk, vv] of Object.entries(v)) {
    if (typeof vv !== 'string') c.fail(keyLine(c.text, line, kk), `${where}.${k}.${kk}`, 'expected a string');
    out[kk] = vv;
  }
  return out;
}

const CHECKSUM = /^[a-z0-9]+:[0-9a-f]+$/;

/** Parse lock text; `file` is only used in messages. */
export function parseLock(text: string, file = 'rpmkit.lock'): Lock {
  const c: Ctx = new Ctx(file, text);
  let doc: Table;
  try {
    doc = parse(text) as Table;
  } catch (e) {
    if (e instanceof TomlError) c.fail(e.line, 'syntax', e.message.split('\n')[0]);
    throw e;
  }
  const version = doc.version;
  if (version === undefined) c.fail(1, 'version', 'missing: this is not an rpmkit lock (rpmoci.lock and rpms.lock.yaml are read with `rpmkit lock --import`)');
  if (version !== LOCK_VERSION) {
    c.fail(keyLine(text, 1, 'version'), 'version', `format version ${String(version)} is not supported by this rpmkit (it reads version ${LOCK_VERSION})`);
  }
  const inputLine = text.split('\n').findIndex((l) => /^\s*\[input\]/.test(l)) + 1;
  const it = doc.input;
  if (!isTable(it)) c.fail(inputLine || undefined, 'input', 'missing [input] table');
  const input: LockInput = {
    digest: getString(c, it, 'digest', 'input', inputLine)!,
    packages: getStrings(c, it, 'packages', 'input', inputLine),
    exclude: getStrings(c, it, 'exclude', 'input', inputLine),
    weakDeps: (() => {
      const v = it.weak_deps ?? false;
      if (typeof v !== 'boolean') c.fail(keyLine(text, inputLine, 'weak_deps'), 'input.weak_deps', 'expected true or false');
      return v;
    })(),
    arch: getString(c, it, 'arch', 'input', inputLine)!,
    parts: getStringMap(c, it, 'parts', 'input', inputLine),
  };

  const repoLines = headerLines(text, 'repositories');
  const rawRepos = doc.repositories ?? [];
  if (!Array.isArray(rawRepos)) c.fail(undefined, 'repositories', 'expected [[repositories]] tables');
  const ids = new Set<string>();
  const repositories: LockRepository[] = rawRepos.map((r: unknown, i: number) => {
    const line = repoLines[i] ?? 0;
    const where = `repositories[${i}]`;
    if (!isTable(r)) c.fail(line, where, 'expected a table');
    const repo: LockRepository = {
      id: getString(c, r, 'id', where, line)!,
      baseurl: getString(c, r, 'baseurl', where, line)!,
      revision: getString(c, r, 'revision', where, line, true),
      timestamp: getInt(c, r, 'timestamp', where, line, true),
      repomdChecksum: getString(c, r, 'repomd_checksum', where, line)!,
    };
    if (ids.has(repo.id)) c.fail(keyLine(text, line, 'id'), `${where}.id`, `repository "${repo.id}" is listed twice`);
    ids.add(repo.id);
    if (repo.revision === undefined) delete repo.revision;
    if (repo.timestamp === undefined) delete repo.timestamp;
    return repo;
  });

  const pkgLines = headerLines(text, 'packages');
  const rawPkgs = doc.packages ?? [];
  if (!Array.isArray(rawPkgs)) c.fail(undefined, 'packages', 'expected [[packages]] tables');
  const packages: LockPackage[] = rawPkgs.map((p: unknown, i: number) => {
    const line = pkgLines[i] ?? 0;
    const where = `packages[${i}]`;
    if (!isTable(p)) c.fail(line, where, 'expected a table');
    const ep = p.epoch ?? 0;
    if (!(typeof ep === 'number' && Number.isInteger(ep) && ep >= 0) && !(typeof ep === 'string' && /^\d+$/.test(ep))) {
      c.fail(keyLine(text, line, 'epoch'), `${where}.epoch`, 'expected a non-negative integer');
    }
    const pkg: LockPackage = {
      name: getString(c, p, 'name', where, line)!,
      epoch: String(ep),
      version: getString(c, p, 'version', where, line)!,
      release: getString(c, p, 'release', where, line)!,
      arch: getString(c, p, 'arch', where, line)!,
      repo: getString(c, p, 'repo', where, line)!,
      location: getString(c, p, 'location', where, line)!,
      checksum: getString(c, p, 'checksum', where, line)!,
      size: getInt(c, p, 'size', where, line)!,
      sourcerpm: getString(c, p, 'sourcerpm', where, line, true),
      signingKey: getString(c, p, 'signing_key', where, line, true),
    };
    if (!CHECKSUM.test(pkg.checksum)) c.fail(keyLine(text, line, 'checksum'), `${where}.checksum`, `"${pkg.checksum}" is not "<algorithm>:<lowercase hex>"`);
    if (!ids.has(pkg.repo)) c.fail(keyLine(text, line, 'repo'), `${where}.repo`, `package ${pkg.name} names repository "${pkg.repo}", which has no [[repositories]] entry`);
    if (pkg.sourcerpm === undefined) delete pkg.sourcerpm;
    if (pkg.signingKey === undefined) delete pkg.signingKey;
    return pkg;
  });
  return normalizeLock({ version: LOCK_VERSION, input, repositories, packages });
}

/** Read a lock file; a missing file is LOCK_MISSING (exit 3), a bad one LOCK_INVALID. */
export async function readLock(path: string): Promise<Lock> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new RpmkitError('LOCK_MISSING', `no lock file at ${path}`, { hint: 'create it with `rpmkit lock`', cause: e });
    }
    throw new RpmkitError('IO_ERROR', `cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  return parseLock(text, path);
}
