// Which repositories a command works on: `--repo URL` options (repeatable,
// `ID=URL` to name one), else the manifest's (-f FILE / rpmkit.toml /
// rpmoci.toml). Shared by repo/search/provides and later commands.
import type { Command } from 'commander';
import { loadManifest } from '../config/index.js';
import { RpmkitError } from '../errors.js';
import { loadRepos, repoFromUrl, type LoadOptions } from '../repo/index.js';
import type { Repo, RepoDefinition } from '../repo/types.js';
import { globals, output } from './options.js';

/** Add the repository-selection options to a command. */
export function withRepoOptions(cmd: Command): Command {
  return cmd
    .option('--repo <url>', 'use this repository instead of the manifest\'s (repeatable; ID=URL names it)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--refresh', 'fetch repomd.xml even when the cached metadata has not expired')
    .option('--offline', 'use cached metadata only, never the network');
}

/** Parse one --repo value: "URL" or "ID=URL". */
export function repoArg(v: string): RepoDefinition {
  const eq = v.indexOf('=');
  if (eq > 0 && /^[A-Za-z0-9._-]+$/.test(v.slice(0, eq))) return repoFromUrl(v.slice(eq + 1), v.slice(0, eq));
  return repoFromUrl(v);
}

/** Repository definitions from --repo, else from the manifest. */
export async function reposFromCli(cmd: Command): Promise<RepoDefinition[]> {
  const o = cmd.opts() as { repo?: string[] };
  const g = globals(cmd);
  if (o.repo?.length) {
    const defs = o.repo.map(repoArg);
    const seen = new Set<string>();
    for (const d of defs) {
      if (seen.has(d.id)) throw new RpmkitError('USAGE', `two --repo options have the id '${d.id}'`, { hint: 'name them: --repo ID=URL' });
      seen.add(d.id);
    }
    return defs;
  }
  try {
    const m = await loadManifest({ file: g.file, basearch: g.arch });
    return m.contents.repositories;
  } catch (e) {
    if (e instanceof RpmkitError && e.code === 'CONFIG_NOT_FOUND') {
      throw new RpmkitError('CONFIG_NOT_FOUND', e.message, { hint: 'pass --repo URL, or run `rpmkit init` to write a manifest' });
    }
    throw e;
  }
}

export function loadOptionsFromCli(cmd: Command): LoadOptions {
  const o = cmd.opts() as { refresh?: boolean; offline?: boolean };
  const g = globals(cmd);
  const out = output(cmd);
  return { cacheDir: g.cacheDir, refresh: o.refresh, offline: o.offline, log: (m) => out.debug(m) };
}

/** Load the selected, enabled repositories (in parallel). */
export async function loadReposFromCli(cmd: Command): Promise<Repo[]> {
  const defs = await reposFromCli(cmd);
  return loadRepos(defs, loadOptionsFromCli(cmd));
}
