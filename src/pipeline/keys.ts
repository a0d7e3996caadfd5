// Signing keys for package checks: the manifest's gpgkeys plus each
// repository's own, read from files or fetched (file://, http(s)://).
import { RpmkitError } from '../errors.js';
import { httpGet } from '../net/index.js';
import type { RepoDefinition } from '../repo/types.js';
import { loadKeys, type KeyRing } from '../rpm/index.js';
import { redactUrl } from '../util/redact.js';

async function keyBytes(loc: string): Promise<Uint8Array> {
  try {
    const r = await httpGet(loc, { maxSize: 16 * 1024 * 1024 });
    return r.data ?? new Uint8Array();
  } catch (e) {
    if (e instanceof RpmkitError) {
      throw new RpmkitError(e.code, `cannot read the signing key ${redactUrl(loc)}: ${e.message}`, { hint: 'check the gpgkeys entry (a path, file:// or https:// URL)', cause: e });
    }
    throw e;
  }
}

/**
 * One key ring per repository that has gpgcheck on (repo keys + global
 * keys). Repositories with gpgcheck off are absent from the map.
 */
export async function keyRingsFor(repos: RepoDefinition[], globalKeys: string[]): Promise<Map<string, KeyRing>> {
  const cache = new Map<string, Promise<Uint8Array>>();
  const get = (loc: string) => {
    let p = cache.get(loc);
    if (!p) cache.set(loc, (p = keyBytes(loc)));
    return p;
  };
  const out = new Map<string, KeyRing>();
  for (const r of repos) {
    if (!r.gpgcheck) continue;
    const locs = [...new Set([...r.gpgkeys, ...globalKeys])];
    out.set(r.id, await loadKeys(await Promise.all(locs.map(get))));
  }
  return out;
}
