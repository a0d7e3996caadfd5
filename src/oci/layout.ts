// OCI image layout directories: `oci-layout`, `index.json` with one entry per
// tag (org.opencontainers.image.ref.name), `blobs/sha256/...`. Blobs are
// written first and index.json last (temp + rename, under a lock file), so a
// reader or a failed build always sees the previous, complete index.
import { promises as fs, readFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { RpmkitError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic.js';
import { blobPath } from './blobs.js';
import { MEDIA, type Descriptor } from './config.js';

export const REF_NAME = 'org.opencontainers.image.ref.name';

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export interface OciManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

/** Create the layout skeleton (idempotent); refuse a directory that is something else. */
export async function ensureLayout(dir: string): Promise<void> {
  await fs.mkdir(path.join(dir, 'blobs', 'sha256'), { recursive: true });
  const marker = path.join(dir, 'oci-layout');
  if (existsSync(marker)) {
    let v: unknown;
    try {
      v = JSON.parse(await fs.readFile(marker, 'utf8'));
    } catch (e) {
      throw new RpmkitError('IMAGE_INVALID', `${marker} is not valid JSON`, { cause: e });
    }
    if ((v as { imageLayoutVersion?: unknown }).imageLayoutVersion !== '1.0.0') {
      throw new RpmkitError('IMAGE_INVALID', `${dir} has an unsupported OCI layout version`);
    }
  } else {
    await writeFileAtomic(marker, JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  }
}

export function readIndex(dir: string): ImageIndex {
  const p = path.join(dir, 'index.json');
  if (!existsSync(p)) return { schemaVersion: 2, mediaType: MEDIA.index, manifests: [] };
  let v: ImageIndex;
  try {
    v = JSON.parse(readFileSync(p, 'utf8')) as ImageIndex;
  } catch (e) {
    throw new RpmkitError('IMAGE_INVALID', `${p} is not valid JSON`, { cause: e, hint: 'remove the layout directory and build again' });
  }
  if (!v || !Array.isArray(v.manifests)) throw new RpmkitError('IMAGE_INVALID', `${p} has no manifests list`);
  return v;
}

async function withLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const lock = path.join(dir, '.index.lock');
  const start = Date.now();
  for (;;) {
    try {
      await (await fs.open(lock, 'wx')).close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // A lock older than a minute belongs to a crashed build.
      try {
        const st = await fs.stat(lock);
        if (Date.now() - st.mtimeMs > 60_000) await fs.rm(lock, { force: true });
      } catch {}
      if (Date.now() - start > 120_000) throw new RpmkitError('IO_ERROR', `${lock} is held by another build`, { hint: 'remove it if no build is running' });
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  try {
    return await fn();
  } finally {
    await fs.rm(lock, { force: true });
  }
}

/** Point `tag` at `manifest` (replacing an older entry with that tag); entries stay sorted by tag. */
export async function setTag(dir: string, tag: string, manifest: Descriptor): Promise<void> {
  await withLock(dir, async () => {
    const idx = readIndex(dir);
    const others = idx.manifests.filter((m) => m.annotations?.[REF_NAME] !== tag);
    const entry: Descriptor = { ...manifest, annotations: { ...(manifest.annotations ?? {}), [REF_NAME]: tag } };
    const all = [...others, entry].sort((a, b) => {
      const ta = a.annotations?.[REF_NAME] ?? '';
      const tb = b.annotations?.[REF_NAME] ?? '';
      return ta < tb ? -1 : ta > tb ? 1 : a.digest < b.digest ? -1 : 1;
    });
    const out = { schemaVersion: 2, mediaType: MEDIA.index, manifests: all, ...(idx.annotations ? { annotations: idx.annotations } : {}) };
    await writeFileAtomic(path.join(dir, 'index.json'), JSON.stringify(out));
  });
}

/** The manifest descriptor for `tag`, with a clear error listing what tags exist. */
export function findTag(dir: string, tag: string): Descriptor {
  if (!existsSync(path.join(dir, 'oci-layout'))) {
    throw new RpmkitError('NOT_FOUND', `${dir} is not an OCI image layout (no oci-layout file)`, { hint: 'build one with `rpmkit build --image DIR --tag TAG`' });
  }
  const idx = readIndex(dir);
  const d = idx.manifests.find((m) => m.annotations?.[REF_NAME] === tag);
  if (!d) {
    const tags = idx.manifests.map((m) => m.annotations?.[REF_NAME]).filter(Boolean);
    throw new RpmkitError('NOT_FOUND', `tag "${tag}" is not in ${dir}`, { hint: tags.length ? `tags there: ${tags.join(', ')}` : 'the layout has no tagged images' });
  }
  return d;
}

export async function readBlobJson<T>(dir: string, digest: string): Promise<T> {
  const p = blobPath(dir, digest);
  try {
    return JSON.parse(await fs.readFile(p, 'utf8')) as T;
  } catch (e) {
    throw new RpmkitError('IMAGE_INVALID', `blob ${digest} in ${dir} is missing or not JSON`, { cause: e });
  }
}
