// The image stage's public API: a root directory (plus package metadata the
// disk cannot hold) in, a reproducible OCI image (layout dir or docker
// archive) out.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { RpmkitError } from '../errors.js';
import { putBlob } from './blobs.js';
import { imageConfigJson, manifestJson, MEDIA, ociPlatform, rfc3339 } from './config.js';
import { writeDockerArchive } from './docker-archive.js';
import { planLayers } from './layering.js';
import { writeLayerBlob, type LayerContext } from './layer.js';
import { ensureLayout, setTag } from './layout.js';
import { memoryEntries, scanRoot } from './scan.js';
import type { BuildImageOptions, BuildImageResult, LayerResult } from './types.js';

export type * from './types.js';
export { capsTextToXattr } from './caps.js';
export { imageConfigFrom, metaFromJson, normalizeRel } from './input.js';
export { ociPlatform, DEFAULT_PATH, MEDIA } from './config.js';
export { findTag, readIndex, readBlobJson, REF_NAME, type OciManifest, type ImageIndex } from './layout.js';
export { blobPath } from './blobs.js';
export { isLeftover } from './scan.js';

/** SOURCE_DATE_EPOCH from the option or the environment; undefined when neither is set. */
export function resolveSourceDateEpoch(opt?: number, env: NodeJS.ProcessEnv = process.env): number | undefined {
  if (opt !== undefined) {
    if (!Number.isInteger(opt) || opt < 0) throw new RpmkitError('USAGE', `sourceDateEpoch ${opt} is not a non-negative integer`);
    return opt;
  }
  const v = env.SOURCE_DATE_EPOCH;
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v.trim())) {
    throw new RpmkitError('USAGE', `SOURCE_DATE_EPOCH="${v}" is not a number of seconds`, { hint: 'e.g. SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)' });
  }
  return Number(v.trim());
}

/** A tag as the OCI layout's ref.name allows (and skopeo's oci:DIR:TAG can address). */
function checkTag(tag: string): void {
  if (!/^[A-Za-z0-9_][A-Za-z0-9._:/@+-]{0,254}$/.test(tag)) {
    throw new RpmkitError('USAGE', `image tag "${tag}" is not valid`, { hint: 'use letters, digits and . _ - (e.g. latest, 1.0)' });
  }
}

export async function buildImage(opts: BuildImageOptions): Promise<BuildImageResult> {
  const format = opts.format ?? 'oci';
  const compression = opts.compression ?? 'gzip';
  checkTag(opts.tag);
  const rootDir = opts.rootDir ?? '';
  if (!opts.entries && !rootDir) throw new RpmkitError('USAGE', 'buildImage needs a root: rootDir or entries');
  const sde = resolveSourceDateEpoch(opts.sourceDateEpoch);
  const platform = ociPlatform(opts.arch);
  const created = rfc3339(sde ?? Math.floor(Date.now() / 1000));
  const nLayers = opts.layers ?? 1;
  if (!Number.isInteger(nLayers) || nLayers < 1 || nLayers > 127) {
    throw new RpmkitError('USAGE', `layers=${nLayers}: expected a whole number from 1 to 127`);
  }

  opts.onProgress?.({ phase: 'scan', done: 0, total: 0 });
  const entries = opts.entries ? memoryEntries(opts.entries, opts.exclude) : await scanRoot(rootDir, opts.exclude);
  const plans = planLayers(entries, nLayers, opts.meta, opts.packages);

  // docker-archive layers are uncompressed; they are staged in a temp layout beside the output.
  const store =
    format === 'oci'
      ? opts.layoutDir
      : await fs.mkdtemp(path.join(path.dirname(path.resolve(opts.layoutDir)), `.${path.basename(opts.layoutDir)}.staging-`));
  try {
    if (format === 'oci') await ensureLayout(store);
    const layers: LayerResult[] = [];
    for (let i = 0; i < plans.length; i++) {
      const plan = plans[i];
      let done = 0;
      const ctx: LayerContext = {
        rootDir,
        meta: opts.meta,
        clampMtime: sde,
        onEntry: () => {
          done++;
          if (done % 256 === 0) opts.onProgress?.({ phase: 'layer', layer: i, done, total: plan.entries.length });
        },
      };
      const blob = await writeLayerBlob(store, plan.entries, ctx, format === 'oci' ? compression : 'none');
      opts.onProgress?.({ phase: 'layer', layer: i, done: plan.entries.length, total: plan.entries.length });
      layers.push({ ...blob, packages: plan.packages });
    }

    opts.onProgress?.({ phase: 'write', done: 0, total: 1 });
    const comments = layers.map((l, i) =>
      plans.length === 1 ? 'rpmkit: root filesystem' : l.packages.length ? `rpmkit: layer ${i + 1}: ${summary(l.packages)}` : `rpmkit: layer ${i + 1}: files no package owns`,
    );
    const configBytes = imageConfigJson({ image: opts.config, platform, created, diffIds: layers.map((l) => l.diffId), layerComments: comments });
    const config = await putBlob(store, configBytes);
    const annotations = { 'org.opencontainers.image.created': created, ...(opts.config.annotations ?? {}) };
    const manifestBytes = manifestJson({ mediaType: MEDIA.config, ...config }, layers, annotations);
    const manifest = await putBlob(store, manifestBytes);
    let size = config.size + manifest.size + layers.reduce((n, l) => n + l.size, 0);

    if (format === 'oci') {
      await setTag(store, opts.tag, {
        mediaType: MEDIA.manifest,
        digest: manifest.digest,
        size: manifest.size,
        platform: { architecture: platform.architecture, os: 'linux', ...(platform.variant ? { variant: platform.variant } : {}) },
      });
    } else {
      size = await writeDockerArchive({ out: opts.layoutDir, layoutDir: store, configDigest: config.digest, layers, tag: opts.tag, mtime: sde ?? 0 });
    }
    opts.onProgress?.({ phase: 'write', done: 1, total: 1 });
    return {
      manifestDigest: manifest.digest,
      configDigest: config.digest,
      layers: layers.map((l) => ({ digest: l.digest, size: l.size, diffId: l.diffId, mediaType: l.mediaType, packages: l.packages })),
      size,
    };
  } finally {
    if (format !== 'oci') await fs.rm(store, { recursive: true, force: true });
  }
}

function summary(pkgs: string[]): string {
  return pkgs.length <= 8 ? pkgs.join(' ') : `${pkgs.slice(0, 8).join(' ')} and ${pkgs.length - 8} more`;
}
