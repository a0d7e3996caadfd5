// `rpmkit provides CAP`: which packages provide a capability ("libc.so.6()(64bit)",
// "python3 >= 3.9") or own a file ("/usr/bin/python3", via filelists).
import type { Command } from 'commander';
import { formatEVR } from '../../evr/index.js';
import { RpmkitError } from '../../errors.js';
import { formatDep, parseDep } from '../../repo/richdep.js';
import { whatProvides } from '../../repo/query.js';
import { output } from '../options.js';
import { loadReposFromCli, withRepoOptions } from '../repos.js';

export function register(program: Command): void {
  withRepoOptions(program.command('provides').argument('<capability...>', 'capability, "NAME OP VERSION", or a file path').description('find packages that provide a capability or file')).action(async (words: string[], _o: unknown, cmd: Command) => {
    const text = words.join(' ');
    let dep;
    try {
      dep = parseDep(text);
    } catch (e) {
      throw new RpmkitError('USAGE', `cannot parse capability '${text}'`, { hint: 'write NAME, NAME OP VERSION (quoted) or /path', cause: e });
    }
    const repos = await loadReposFromCli(cmd);
    const all = () => repos.flatMap((r) => r.packages);
    let hits = whatProvides(all(), dep);
    if (!hits.length && dep.name.startsWith('/')) {
      // primary.xml lists only some paths; the full lists are loaded on demand.
      const res = await Promise.allSettled(repos.map((r) => r.loadFilelists()));
      const failed = res.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      // One repository without usable filelists should not hide matches in the others.
      if (failed.length === repos.length && failed[0] !== undefined) throw failed[0];
      for (const e of failed) output(cmd).warn(`${(e as Error).message}; its files are not searched`);
      hits = whatProvides(all(), dep);
    }
    const rows = hits.map((h) => ({
      name: h.pkg.name,
      epoch: h.pkg.epoch,
      version: h.pkg.version,
      release: h.pkg.release,
      arch: h.pkg.arch,
      repo: h.pkg.repoId,
      summary: h.pkg.summary ?? '',
      matched: 'file' in h.via ? { file: h.via.file } : { provide: formatDep(h.via) },
    }));
    output(cmd).result(rows, () =>
      rows
        .map((r) => `${r.name}-${formatEVR({ epoch: r.epoch, version: r.version, release: r.release })}.${r.arch} : ${r.summary}\nRepo        : ${r.repo}\nMatched from: ${'file' in r.matched ? `Filename : ${r.matched.file}` : `Provide  : ${r.matched.provide}`}\n`)
        .join('\n'),
    );
    if (!rows.length) throw new RpmkitError('NO_MATCH', `no package provides '${text}'`);
  });
}
