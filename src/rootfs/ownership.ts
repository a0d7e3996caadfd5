// Who owns what: rpm names owners by user and group name; the numbers come
// from the root's own /etc/passwd and /etc/group (names it does not know
// become root, as rpm does). The result is recorded for every installed
// path in a JSON sidecar that the image stage reads, so a rootless install
// still yields correctly owned layers.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { RpmkitError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic.js';

export interface OwnershipEntry {
  /** Absolute path inside the root ("/usr/bin/ping"). */
  path: string;
  uid: number;
  gid: number;
  user: string;
  group: string;
  /** Full st_mode (type and permission bits). */
  mode: number;
  /** security.capability value (vfs_cap_data v2), hex; absent when none. */
  caps?: string;
  /** The capabilities as the package wrote them ("cap_net_raw=ep"). */
  capsText?: string;
  /** Package name-version-release.arch that installed the path. */
  pkg: string;
}

export interface OwnershipManifest {
  version: 1;
  root: string;
  entries: OwnershipEntry[];
}

/** name -> id from a passwd or group file's text (first field, third field). */
export function parseIdFile(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length < 3 || !/^\d+$/.test(f[2])) continue;
    if (!m.has(f[0])) m.set(f[0], Number(f[2]));
  }
  return m;
}

export interface IdMaps {
  users: Map<string, number>;
  groups: Map<string, number>;
}

/** The root's user and group tables (empty when it has none yet). */
export async function readIdMaps(root: string): Promise<IdMaps> {
  const read = async (rel: string) => {
    try {
      const p = path.join(root, rel);
      // Only a regular file inside the root counts (never follow a link out of it).
      const st = await fs.lstat(p);
      if (!st.isFile()) return new Map<string, number>();
      return parseIdFile(await fs.readFile(p, 'utf8'));
    } catch {
      return new Map<string, number>();
    }
  };
  const users = await read('etc/passwd');
  const groups = await read('etc/group');
  users.set('root', users.get('root') ?? 0);
  groups.set('root', groups.get('root') ?? 0);
  return { users, groups };
}

export function writeOwnershipManifest(file: string, manifest: OwnershipManifest): Promise<void> {
  const sorted: OwnershipManifest = { version: 1, root: manifest.root, entries: [...manifest.entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)) };
  return writeFileAtomic(file, `${JSON.stringify(sorted, null, 1)}\n`);
}

export async function readOwnershipManifest(file: string): Promise<OwnershipManifest> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new RpmkitError('NOT_FOUND', `cannot read ownership manifest ${file}: ${(e as Error).message}`, { cause: e, hint: 'run `rpmkit install` first; it writes DIR.rpmkit-meta.json next to the root' });
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new RpmkitError('METADATA_INVALID', `ownership manifest ${file} is not valid JSON`, { cause: e, hint: 'reinstall the root to regenerate it' });
  }
  const m = v as Partial<OwnershipManifest>;
  if (m?.version !== 1 || !Array.isArray(m.entries) || typeof m.root !== 'string') {
    throw new RpmkitError('METADATA_INVALID', `ownership manifest ${file} has an unknown layout`, { hint: 'reinstall the root to regenerate it' });
  }
  for (const e of m.entries) {
    if (typeof e?.path !== 'string' || typeof e.uid !== 'number' || typeof e.gid !== 'number' || typeof e.mode !== 'number') {
      throw new RpmkitError('METADATA_INVALID', `ownership manifest ${file} has a malformed entry`, { hint: 'reinstall the root to regenerate it' });
    }
  }
  return m as OwnershipManifest;
}

/** Where rpmkit puts the sidecar for a root by default: next to it, never inside. */
export function defaultManifestPath(root: string): string {
  return `${path.resolve(root)}.rpmkit-meta.json`;
}
