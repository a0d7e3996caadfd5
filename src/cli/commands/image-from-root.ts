// `rpmkit image-from-root --root DIR --image OUT --tag TAG`: build an image
// from an existing root directory (plus an optional ownership manifest), the
// low-level half of `rpmkit build` for scripts and tests.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { parse as parseToml } from 'smol-toml';
import { RpmkitError } from '../../errors.js';
import { buildImage, imageConfigFrom, metaFromJson, type ImageConfig, type MetaLookup } from '../../oci/index.js';
import { hostArch } from '../../config/index.js';
import { globals, output } from '../options.js';

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new RpmkitError('NOT_FOUND', `cannot read ${what} ${file}`, { cause: e });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new RpmkitError('CONFIG_INVALID', `${what} ${file} is not valid JSON: ${(e as Error).message}`);
  }
}

function readImageConfig(file: string): ImageConfig {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'CONFIG_NOT_FOUND' : 'CONFIG_INVALID';
    throw new RpmkitError(code, `cannot read ${file}: ${(e as Error).message}`);
  }
  return imageConfigFrom(doc.image, `${file} [image]`);
}

export function register(program: Command): void {
  program
    .command('image-from-root')
    .description('build a reproducible OCI image (or docker archive) from an existing root directory')
    .requiredOption('--root <dir>', 'root directory to package')
    .requiredOption('--image <dir>', 'OCI layout directory (or the output file for --format docker-archive)')
    .requiredOption('--tag <tag>', 'tag to (re)point at the new image')
    .option('--meta <file.json>', 'ownership manifest: per path uid/gid/user/group/mode/caps/pkg (default: ROOT.rpmkit-meta.json when present)')
    .option('--config <file.toml>', 'manifest whose [image] table configures the image (default: -f/--file)')
    .option('--layers <n>', 'split files by package into up to N layers', (v) => Number(v), 1)
    .option('--format <format>', 'oci or docker-archive', 'oci')
    .option('--compression <c>', 'gzip or zstd (oci only)', 'gzip')
    .option('--source-date-epoch <seconds>', 'clamp mtimes and set created (default: $SOURCE_DATE_EPOCH)', (v) => Number(v))
    .action(async (opts: { root: string; image: string; tag: string; meta?: string; config?: string; layers: number; format: string; compression: string; sourceDateEpoch?: number }, cmd: Command) => {
      const g = globals(cmd);
      const out = output(cmd);
      if (opts.format !== 'oci' && opts.format !== 'docker-archive') throw new RpmkitError('USAGE', `--format ${opts.format}: expected oci or docker-archive`);
      if (opts.compression !== 'gzip' && opts.compression !== 'zstd') throw new RpmkitError('USAGE', `--compression ${opts.compression}: expected gzip or zstd`);
      const cfgFile = opts.config ?? g.file;
      const config = cfgFile ? readImageConfig(cfgFile) : {};
      // The install stage writes its ownership manifest next to the root.
      const sidecar = `${path.resolve(opts.root)}.rpmkit-meta.json`;
      const metaFile = opts.meta ?? (existsSync(sidecar) ? sidecar : undefined);
      if (metaFile && !opts.meta) out.info(`using ownership manifest ${metaFile}`);
      const meta: MetaLookup | undefined = metaFile ? metaFromJson(readJson(metaFile, 'ownership manifest'), metaFile) : undefined;
      const r = await buildImage({
        rootDir: opts.root,
        layoutDir: opts.image,
        tag: opts.tag,
        config,
        meta,
        arch: g.arch ?? hostArch(),
        layers: opts.layers,
        format: opts.format,
        compression: opts.compression,
        sourceDateEpoch: opts.sourceDateEpoch,
        onProgress: (p) => out.debug(`${p.phase}${p.layer !== undefined ? ` layer ${p.layer + 1}` : ''}: ${p.done}/${p.total}`),
      });
      out.result(r, () =>
        [`${opts.format === 'oci' ? `${opts.image}:${opts.tag}` : opts.image} ${r.manifestDigest}`, `${r.layers.length} layer(s), ${r.size} bytes`].join('\n'),
      );
    });
}
