// `rpmkit search PATTERN`: packages whose name or summary contains PATTERN
// (case-insensitive), or whose name matches a glob.
import type { Command } from 'commander';
import { formatEVR } from '../../evr/index.js';
import { RpmkitError } from '../../errors.js';
import { searchPackages } from '../../repo/query.js';
import { output } from '../options.js';
import { loadReposFromCli, withRepoOptions } from '../repos.js';

export function register(program: Command): void {
  withRepoOptions(program.command('search').argument('<pattern>', 'substring of name/summary, or a name glob').description('search packages by name or summary')).action(async (pattern: string, _o: unknown, cmd: Command) => {
    const repos = await loadReposFromCli(cmd);
    const hits = searchPackages(repos.flatMap((r) => r.packages), pattern);
    const rows = hits.map((p) => ({ name: p.name, epoch: p.epoch, version: p.version, release: p.release, arch: p.arch, repo: p.repoId, summary: p.summary ?? '' }));
    output(cmd).result(rows, () => rows.map((r) => `${r.name}-${formatEVR({ epoch: r.epoch, version: r.version, release: r.release })}.${r.arch}  (${r.repo})  ${r.summary}`).join('\n'));
    if (!rows.length) throw new RpmkitError('NO_MATCH', `no package matches '${pattern}'`);
  });
}
