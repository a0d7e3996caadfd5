// `rpmkit install-rpms --root DIR FILE.rpm...`: install local RPM files into
// a root (no repositories, no lock): ordered by their Requires, extracted
// safely, rpmdb written, skipped scriptlets listed. The lower-level sibling
// of `rpmkit install`, used by tests and for quick experiments.
import type { Command } from 'commander';
import * as path from 'node:path';
import { RpmkitError } from '../../errors.js';
import { readRpm, rpmToPackage } from '../../rpm/index.js';
import { installOrder } from '../../solver/index.js';
import { installRoot, defaultManifestPath, type InstallReport } from '../../rootfs/index.js';
import { globals, output } from '../options.js';

interface Opts {
  root: string;
  docs: boolean;
  langs?: string;
  order: boolean;
  osRelease: boolean;
  manifest?: string;
  rpmdb: boolean;
}

/** Order RPM files by their Requires (dependencies first), like rpm's transaction order. */
export async function orderRpmFiles(files: string[]): Promise<string[]> {
  const pkgs = await Promise.all(files.map(async (f) => ({ f, p: await rpmToPackage(await readRpm(f)) })));
  const byPkg = new Map(pkgs.map(({ f, p }) => [p, f]));
  return installOrder(pkgs.map((x) => x.p)).map((p) => byPkg.get(p)!);
}

export function renderReport(r: InstallReport): string {
  const lines = [`installed ${r.packages.length} package(s) into ${r.root}`];
  for (const p of r.packages) lines.push(`  ${p.nevra}: ${p.installed} path(s)${p.excluded ? `, ${p.excluded} excluded` : ''}${p.ghosts ? `, ${p.ghosts} ghost` : ''}`);
  if (r.scriptlets.length > 0) {
    lines.push(`skipped ${r.scriptlets.length} scriptlet(s) (rpmkit does not run them):`);
    for (const s of r.scriptlets) lines.push(`  ${s.package} ${s.phase} (${s.interpreter || 'no interpreter'})`);
  }
  for (const n of r.skippedNodes) lines.push(`not created: ${n.type} device ${n.path} (${n.major},${n.minor}) from ${n.package}`);
  for (const n of r.notices) lines.push(`note: ${n}`);
  if (!r.chowned) lines.push('owners recorded, not applied (not running as root); see the ownership manifest');
  return lines.join('\n');
}

export function register(program: Command): void {
  program
    .command('install-rpms')
    .description('install local RPM files into a root directory (ordered by Requires; no scriptlets)')
    .argument('<rpm...>', 'RPM files')
    .requiredOption('--root <dir>', 'target root directory')
    .option('--no-docs', 'leave out %doc files (license files are kept)')
    .option('--langs <list>', 'comma-separated languages to keep for %lang files (default: all)')
    .option('--no-order', 'install in the order given instead of by Requires')
    .option('--no-os-release', 'do not expect /etc/os-release in the result')
    .option('--manifest <file>', 'ownership manifest path (default: DIR.rpmkit-meta.json)')
    .option('--no-rpmdb', 'do not write /var/lib/rpm/rpmdb.sqlite')
    .action(async (rpms: string[], o: Opts, cmd: Command) => {
      const out = output(cmd);
      const g = globals(cmd);
      if (rpms.length === 0) throw new RpmkitError('USAGE', 'no RPM files given');
      const files = o.order ? await orderRpmFiles(rpms.map((f) => path.resolve(f))) : rpms.map((f) => path.resolve(f));
      const report = await installRoot({
        root: o.root,
        packages: files.map((file) => ({ file })),
        docs: o.docs,
        langs: o.langs ? o.langs.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
        osRelease: o.osRelease,
        arch: g.arch,
        rpmdb: o.rpmdb,
        manifestPath: o.manifest ?? defaultManifestPath(o.root),
        onPackage: (nevra, i, n) => out.info(`[${i + 1}/${n}] ${nevra}`),
      });
      const { ownership, ...rest } = report;
      out.result({ ...rest, ownershipEntries: ownership.length, manifest: o.manifest ?? defaultManifestPath(o.root) }, () => renderReport(report));
    });
}
