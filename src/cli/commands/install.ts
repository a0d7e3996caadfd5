// `rpmkit install --root DIR`: the lock's packages (fetched and verified, or
// from --vendor-dir) installed into DIR in rpm's order, with an rpmdb that
// rpm itself reads. Scriptlets are not run; they are listed.
import type { Command } from 'commander';
import { defaultManifestPath } from '../../rootfs/index.js';
import { installLocked } from '../../pipeline/index.js';
import { globals, output } from '../options.js';
import { pipelineInputs } from '../pipeline.js';
import { renderReport } from './install-rpms.js';

interface Opts {
  root: string;
  docs?: boolean;
  langs?: string;
  osRelease?: boolean;
  manifest?: string;
  rpmdb: boolean;
}

export function register(program: Command): void {
  program
    .command('install')
    .description('install the locked packages into a root directory (locks first when needed; no root privileges needed)')
    .requiredOption('--root <dir>', 'target root directory (created when missing)')
    .option('--no-docs', 'leave out %doc files (license files are kept); default: the manifest\'s docs setting')
    .option('--langs <list>', 'comma-separated languages to keep for %lang files (default: all)')
    .option('--no-os-release', 'do not expect /etc/os-release in the result')
    .option('--manifest <file>', 'ownership manifest path (default: DIR.rpmkit-meta.json)')
    .option('--no-rpmdb', 'do not write /var/lib/rpm/rpmdb.sqlite')
    .action(async (o: Opts, cmd: Command) => {
      const g = globals(cmd);
      const out = output(cmd);
      const { manifest, files, keyRings } = await pipelineInputs(cmd);
      // commander sets docs=true by default for --no-docs; the manifest decides unless the flag was given.
      const docs = cmd.getOptionValueSource('docs') === 'cli' ? o.docs : manifest.contents.docs;
      const osRelease = cmd.getOptionValueSource('osRelease') === 'cli' ? o.osRelease : manifest.contents.osRelease;
      const manifestPath = o.manifest ?? defaultManifestPath(o.root);
      const report = await installLocked({
        root: o.root,
        files,
        keyRings,
        docs,
        langs: o.langs ? o.langs.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
        osRelease,
        arch: g.arch ?? manifest.arch,
        manifestPath,
        rpmdb: o.rpmdb,
        onVerified: (nevra, sig) => out.debug(`${nevra}: signature ${sig}`),
        onPackage: (nevra, i, n) => out.info(`[${i + 1}/${n}] installing ${nevra}`),
      });
      const { ownership, ...rest } = report;
      out.result({ ...rest, ownershipEntries: ownership.length, manifest: manifestPath }, () => renderReport(report));
    });
}
