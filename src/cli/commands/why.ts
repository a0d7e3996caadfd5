// `rpmkit why PKG SPEC... [--repo URL]`: the dependency path that pulls PKG
// into the install set of SPEC (resolving them like `rpmkit resolve`).
import type { Command } from 'commander';
import { RpmkitError } from '../../errors.js';
import { explainWhy } from '../../solver/index.js';
import { output } from '../options.js';
import { withRepoOptions } from '../repos.js';
import { type ResolveCliOptions, formatReason, nevra, resolveFromCli, unsatisfiable, withSolverOptions } from './resolve.js';

export function register(program: Command): void {
  withSolverOptions(withRepoOptions(program.command('why').argument('<package>', 'package name (or NEVRA) to explain').argument('[spec...]', "the request, as for `rpmkit resolve` (default: the manifest, pinned to rpmkit.lock when there is one)").description('show why PACKAGE is installed for SPEC')))
    .action(async (pkg: string, specs: string[], o: ResolveCliOptions, cmd: Command) => {
      const { resolution, source } = await resolveFromCli(cmd, specs, o, true);
      if (!resolution.ok) throw unsatisfiable(resolution.problems);
      const chain = explainWhy(resolution, pkg);
      if (!chain.length && !o.weakDeps) {
        // Would weak dependencies bring it in? Say so, with the path.
        const weak = await resolveFromCli(cmd, specs, { ...o, weakDeps: true }, true);
        const wchain = weak.resolution.ok ? explainWhy(weak.resolution, pkg) : [];
        if (wchain.length) {
          const path = wchain.map((c) => nevra(c.package)).join(' -> ');
          throw new RpmkitError('NOT_FOUND', `${pkg} is not in the install set; only weak dependencies would pull it in (${path})`, { hint: 'it is installed with --weak-deps (weak_deps = true in the manifest)', details: { chain: wchain.map((c) => ({ package: nevra(c.package), reason: c.reason.kind })) } });
        }
      }
      if (!chain.length) {
        throw new RpmkitError('NOT_FOUND', `${pkg} is not in the install set of ${specs.length ? specs.join(' ') : source}`, { hint: 'run `rpmkit resolve` with the same specs to see the set' });
      }
      const json = chain.map((c) => ({ package: nevra(c.package), reason: c.reason.kind, by: c.reason.kind === 'requires' || c.reason.kind === 'recommends' ? nevra(c.reason.by) : c.reason.kind === 'supplements' ? nevra(c.reason.of) : undefined, spec: c.reason.kind === 'requested' ? c.reason.spec : undefined, dep: 'dep' in c.reason ? `${c.reason.dep.name}` : undefined }));
      output(cmd).result({ package: pkg, chain: json }, () => {
        const first = chain[0].reason;
        const lines = [first.kind === 'requested' ? `${first.spec}` : first.kind === 'local' ? first.file : '?'];
        chain.forEach((c, i) => lines.push(`${'  '.repeat(i + 1)}-> ${nevra(c.package)}  [${formatReason(c.reason)}]`));
        return lines.join('\n');
      });
    });
}
