// Where rpmkit's caches live. Its own module so that commands which only
// need the path (vendor, install from a lock) do not load the repo stage.
import * as os from 'node:os';
import * as path from 'node:path';

/** Where caches live: option, $RPMKIT_CACHE_DIR, $XDG_CACHE_HOME/rpmkit, ~/.cache/rpmkit. */
export function defaultCacheDir(explicit?: string): string {
  if (explicit) return path.resolve(explicit);
  if (process.env.RPMKIT_CACHE_DIR) return path.resolve(process.env.RPMKIT_CACHE_DIR);
  if (process.env.XDG_CACHE_HOME) return path.join(process.env.XDG_CACHE_HOME, 'rpmkit');
  return path.join(os.homedir(), '.cache', 'rpmkit');
}
