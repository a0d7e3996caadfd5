// `rpmkit build --image DIR --tag TAG`: lock -> verified RPMs -> root ->
// reproducible OCI image (or docker archive), without root or a container
// engine. The image config comes from the manifest's [image] table.
import type { Command } from 'commander';
import { RpmkitError } from '../../errors.js';
import { buildLocked } from '../../pipeline/index.js';
import type { ImageConfig } from '../../oci/index.js';
import type { Manifest } from '../../config/index.js';
import { globals, output } from '../options.js';
import { pipelineInputs } from '../pipeline.js';

interface Opts {
  image: string;
  tag: string;
  layers: number;
  format: string;
  compression: string;
  docs?: boolean;
  keepRoot?: string;
  stage: string;
  sourceDateEpoch?: number;
}

/** The manifest's [image] table in the image stage's shape. */
export function imageConfigOf(m: Manifest): ImageConfig {
  const i = m.image;
  return {
    entrypoint: i.entrypoint,
    cmd: i.cmd,
    envs: i.envs,
    labels: i.labels,
    exposed_ports: i.exposedPorts,
    user: i.user,
    workdir: i.workdir,
    volumes: i.volumes,
    stop_signal: i.stopSignal,
    author: i.author,
  };
}

function mb(n: number): string {
  return `${(n / 1e6).toFixed(1)} MB`;
}

export function register(program: Command): void {
  program
    .command('build')
    .description('build a reproducible OCI image from the lock (locks first when needed)')
    .requiredOption('--image <dir>', 'OCI layout directory (several tags may share it), or the output file with --format docker-archive')
    .option('--tag <tag>', 'tag to (re)point at the new image', 'latest')
    .option('--layers <n>', 'split packages into up to N layers so updates reuse most layers', (v) => Number(v), 1)
    .option('--format <format>', 'oci or docker-archive', 'oci')
    .option('--compression <c>', 'gzip or zstd (oci only)', 'gzip')
    .option('--no-docs', 'leave out %doc files; default: the manifest\'s docs setting')
    .option('--keep-root <dir>', 'install into DIR and keep it (implies --stage disk)')
    .option('--stage <where>', 'stage the root in memory, on disk (a temporary directory), or auto: memory when the packages take at most a quarter of RAM', 'auto')
    .option('--source-date-epoch <seconds>', 'timestamp for mtimes and created (default: $SOURCE_DATE_EPOCH, else the newest package build time)', (v) => Number(v))
    .action(async (o: Opts, cmd: Command) => {
      const g = globals(cmd);
      const out = output(cmd);
      if (o.format !== 'oci' && o.format !== 'docker-archive') throw new RpmkitError('USAGE', `--format ${o.format}: expected oci or docker-archive`);
      if (o.compression !== 'gzip' && o.compression !== 'zstd') throw new RpmkitError('USAGE', `--compression ${o.compression}: expected gzip or zstd`);
      if (o.stage !== 'auto' && o.stage !== 'memory' && o.stage !== 'disk') throw new RpmkitError('USAGE', `--stage ${o.stage}: expected auto, memory or disk`);
      const { manifest, files, keyRings } = await pipelineInputs(cmd);
      const docs = cmd.getOptionValueSource('docs') === 'cli' ? o.docs : manifest.contents.docs;
      const r = await buildLocked({
        files,
        keyRings,
        config: imageConfigOf(manifest),
        arch: g.arch ?? manifest.arch,
        layoutDir: o.image,
        tag: o.tag,
        format: o.format,
        compression: o.compression,
        layers: o.layers,
        docs,
        osRelease: manifest.contents.osRelease,
        sourceDateEpoch: o.sourceDateEpoch,
        keepRoot: o.keepRoot,
        stage: o.stage,
        onPhase: (p, detail) => out.info(p === 'verify' ? `checking ${files.length} packages` : p === 'install' ? `installing (${detail === 'memory' ? 'in memory' : detail})` : 'writing the image'),
        onPackage: (nevra, i, n) => out.debug(`[${i + 1}/${n}] ${nevra}`),
      });
      const where = o.format === 'oci' ? `${o.image}:${o.tag}` : o.image;
      out.result(
        {
          image: o.image, tag: o.tag, format: o.format, manifestDigest: r.manifestDigest, configDigest: r.configDigest, size: r.size,
          packages: r.packages, layers: r.layers, sourceDateEpoch: r.sourceDateEpoch, stage: r.stage, scriptlets: r.install.scriptlets, notices: r.install.notices,
        },
        () =>
          [
            `built ${where}`,
            `  digest   ${r.manifestDigest}`,
            `  size     ${mb(r.size)} in ${r.layers.length} layer(s)`,
            `  packages ${r.packages}`,
            ...(r.install.scriptlets.length ? [`  skipped scriptlets: ${r.install.scriptlets.map((s) => `${s.package} ${s.phase}`).join(', ')}`] : []),
          ].join('\n'),
      );
    });
}
