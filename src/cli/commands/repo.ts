// `rpmkit repo list` / `rpmkit repo info [ID]`: the configured repositories,
// and (info) what loading them finds: package count, revision, cache state.
import type { Command } from 'commander';
import { RpmkitError } from '../../errors.js';
import { cacheInfo, loadRepo } from '../../repo/index.js';
import type { RepoDefinition } from '../../repo/types.js';
import { redactUrl } from '../../util/redact.js';
import { globals, output } from '../options.js';
import { loadOptionsFromCli, reposFromCli, withRepoOptions } from '../repos.js';

function where(d: RepoDefinition): string {
  if (d.baseurl.length) return d.baseurl.map(redactUrl).join(' ');
  if (d.metalink) return `metalink ${redactUrl(d.metalink)}`;
  if (d.mirrorlist) return `mirrorlist ${redactUrl(d.mirrorlist)}`;
  return '';
}

function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

export function register(program: Command): void {
  const repo = program.command('repo').description('inspect the configured repositories');

  withRepoOptions(repo.command('list').description('list the configured repositories (no network)')).action(async (_o: unknown, cmd: Command) => {
    const defs = await reposFromCli(cmd);
    const g = globals(cmd);
    const rows = await Promise.all(
      defs.map(async (d) => {
        const c = await cacheInfo(d, g.cacheDir);
        return { id: d.id, name: d.name ?? null, enabled: d.enabled, url: where(d), priority: d.priority, cached: c.fetchedAt !== undefined, expired: c.expired ?? null, fetchedAt: iso(c.fetchedAt) ?? null };
      }),
    );
    rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    output(cmd).result(rows, () => {
      if (!rows.length) return 'no repositories configured';
      const w = Math.max(...rows.map((r) => r.id.length), 2);
      return rows.map((r) => `${r.id.padEnd(w)}  ${r.enabled ? 'enabled ' : 'disabled'}  ${r.cached ? (r.expired ? 'cache expired' : 'cached') : 'not cached'}  ${r.url}`).join('\n');
    });
  });

  withRepoOptions(repo.command('info').argument('[id]', 'repository id (default: all enabled)').description('load repositories and show what they hold')).action(async (id: string | undefined, _o: unknown, cmd: Command) => {
    let defs = await reposFromCli(cmd);
    if (id !== undefined) {
      defs = defs.filter((d) => d.id === id);
      if (!defs.length) throw new RpmkitError('REPO_UNKNOWN', `no repository with id '${id}'`, { hint: 'see `rpmkit repo list`' });
    } else defs = defs.filter((d) => d.enabled);
    const lo = loadOptionsFromCli(cmd);
    const g = globals(cmd);
    const rows = await Promise.all(
      defs.map(async (d) => {
        const r = await loadRepo(d, lo);
        const c = await cacheInfo(d, g.cacheDir);
        return {
          id: r.id,
          name: r.name ?? null,
          baseUrl: r.baseUrl,
          packages: r.packages.length,
          advisories: r.advisories?.length ?? 0,
          revision: r.revision ?? null,
          updated: r.timestamp !== undefined ? new Date(r.timestamp * 1000).toISOString() : null,
          repomdChecksum: r.repomdChecksum,
          priority: r.priority,
          cost: r.cost,
          cache: { dir: c.dir, fetchedAt: iso(c.fetchedAt) ?? null, expired: c.expired ?? null, metadataExpire: d.metadataExpire },
        };
      }),
    );
    rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    output(cmd).result(rows, () =>
      rows
        .map((r) =>
          [
            `Repo-id       : ${r.id}`,
            ...(r.name ? [`Repo-name     : ${r.name}`] : []),
            `Repo-baseurl  : ${r.baseUrl}`,
            `Repo-pkgs     : ${r.packages}`,
            ...(r.advisories ? [`Advisories    : ${r.advisories}`] : []),
            `Repo-revision : ${r.revision ?? '-'}`,
            `Repo-updated  : ${r.updated ?? '-'}`,
            `Priority/cost : ${r.priority}/${r.cost}`,
            `Cache         : ${r.cache.dir} (fetched ${r.cache.fetchedAt ?? 'never'}${r.cache.expired ? ', expired' : ''}; expires after ${r.cache.metadataExpire < 0 ? 'never' : `${r.cache.metadataExpire}s`})`,
          ].join('\n'),
        )
        .join('\n\n'),
    );
  });
}
