// Pushes one tagged image from an OCI layout to a registry (OCI distribution
// spec): skip blobs the registry has (HEAD), mount blobs from a repository on
// the same registry we pushed them to before, otherwise upload monolithically
// (POST + PUT ?digest=) or, for big blobs, in chunks (PATCH + Content-Range);
// the manifest goes last so the tag never points at missing blobs.
import { promises as fs, readFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import pLimit from 'p-limit';
import { RpmkitError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic.js';
import { blobPath, findTag, MEDIA, type OciManifest } from '../oci/index.js';
import { findCredentials, type Credentials } from './auth.js';
import { RegistryClient } from './client.js';
import { formatRef, parseRef } from './ref.js';

export interface PushOptions {
  layoutDir: string;
  tag: string;
  /** host[:port]/repo[:tag]; without a tag, `tag` is used. */
  ref: string;
  insecure?: boolean;
  auth?: Credentials;
  /** Blobs above this size are uploaded in chunks of this size (default 16 MiB). */
  chunkSize?: number;
  /** Repository on the same registry to mount blobs from (besides remembered pushes). */
  mountFrom?: string[];
  concurrency?: number;
  onProgress?: (e: { digest: string; action: 'exists' | 'mounted' | 'uploaded'; size: number }) => void;
  fetch?: typeof fetch;
}

export interface PushResult {
  ref: string;
  digest: string;
  uploaded: number;
  skipped: number;
  mounted: number;
  bytesUploaded: number;
}

/** Remembered pushes: which repositories of which registry hold which blobs, for cross-repo mounts. */
const PUSH_CACHE = 'rpmkit-pushed.json';
type PushCache = Record<string, Record<string, string[]>>;

function readPushCache(dir: string): PushCache {
  const p = path.join(dir, PUSH_CACHE);
  if (!existsSync(p)) return {};
  try {
    const v = JSON.parse(readFileSync(p, 'utf8')) as unknown;
    return v && typeof v === 'object' ? (v as PushCache) : {};
  } catch {
    return {}; // only an optimisation: a broken cache means no mounts
  }
}

export async function pushImage(opts: PushOptions): Promise<PushResult> {
  const ref = parseRef(opts.ref);
  if (!ref.tag && !ref.digest) ref.tag = opts.tag;
  const desc = findTag(opts.layoutDir, opts.tag);
  const manifestBytes = await fs.readFile(blobPath(opts.layoutDir, desc.digest)).catch((e: unknown) => {
    throw new RpmkitError('IMAGE_INVALID', `manifest ${desc.digest} of tag ${opts.tag} is missing from ${opts.layoutDir}`, { cause: e });
  });
  let manifest: OciManifest;
  try {
    manifest = JSON.parse(manifestBytes.toString('utf8')) as OciManifest;
  } catch (e) {
    throw new RpmkitError('IMAGE_INVALID', `manifest ${desc.digest} in ${opts.layoutDir} is not JSON`, { cause: e });
  }
  if (!manifest.config?.digest || !Array.isArray(manifest.layers)) {
    throw new RpmkitError('IMAGE_INVALID', `manifest ${desc.digest} in ${opts.layoutDir} is not an image manifest`, { hint: 'image indexes (multi-arch) are not pushed by rpmkit yet' });
  }

  const client = new RegistryClient(ref, { insecure: opts.insecure, credentials: opts.auth ?? findCredentials(ref.registry), fetch: opts.fetch });
  const repoPath = `/v2/${ref.repository}`;
  const chunkSize = opts.chunkSize ?? 16 * 1024 * 1024;
  const cache = readPushCache(opts.layoutDir);
  const known = cache[ref.registry] ?? {};
  const result: PushResult = { ref: formatRef(ref), digest: desc.digest, uploaded: 0, skipped: 0, mounted: 0, bytesUploaded: 0 };

  const blobs = new Map<string, number>();
  for (const d of [manifest.config, ...manifest.layers]) blobs.set(d.digest, d.size);

  const pushBlob = async (digest: string, size: number): Promise<void> => {
    const file = blobPath(opts.layoutDir, digest);
    const st = await fs.stat(file).catch(() => undefined);
    if (!st || st.size !== size) throw new RpmkitError('IMAGE_INVALID', `blob ${digest} is missing or has the wrong size in ${opts.layoutDir}`, { hint: 'build the image again' });

    const head = await client.request('HEAD', `${repoPath}/blobs/${digest}`, { ok: [404] });
    if (head.status === 200) {
      result.skipped++;
      opts.onProgress?.({ digest, action: 'exists', size });
      return;
    }

    let location: string | undefined;
    const sources = [...new Set([...(opts.mountFrom ?? []), ...(known[digest] ?? [])])].filter((r) => r !== ref.repository).sort();
    for (const from of sources) {
      const res = await client.request('POST', `${repoPath}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`, {
        scopes: [`repository:${from}:pull`],
        headers: { 'Content-Length': '0' },
        ok: [404],
      });
      if (res.status === 201) {
        await res.body?.cancel();
        result.mounted++;
        opts.onProgress?.({ digest, action: 'mounted', size });
        return;
      }
      // 202: the registry started a normal upload instead; use it.
      await res.body?.cancel();
      if (res.status === 202 && res.headers.get('location')) {
        location = res.headers.get('location')!;
        break;
      }
    }
    if (!location) {
      const res = await client.request('POST', `${repoPath}/blobs/uploads/`, { headers: { 'Content-Length': '0' } });
      await res.body?.cancel();
      location = res.headers.get('location') ?? undefined;
      if (res.status !== 202 || !location) throw new RpmkitError('REGISTRY', `registry ${ref.registry} did not start an upload (HTTP ${res.status}, no Location)`);
    }

    const withDigest = (loc: string) => {
      const u = new URL(loc, client.base);
      u.searchParams.set('digest', digest);
      return u.toString();
    };
    if (size <= chunkSize) {
      const data = await fs.readFile(file);
      const res = await client.request('PUT', withDigest(location), { body: data, headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(data.length) } });
      await res.body?.cancel();
      if (res.status !== 201) throw new RpmkitError('REGISTRY', `registry ${ref.registry} answered ${res.status} to the upload of ${digest}`);
    } else {
      const fh = await fs.open(file, 'r');
      try {
        let off = 0;
        while (off < size) {
          const buf = Buffer.alloc(Math.min(chunkSize, size - off));
          const { bytesRead } = await fh.read(buf, 0, buf.length, off);
          if (bytesRead !== buf.length) throw new RpmkitError('IO_ERROR', `${file} shrank while it was pushed`);
          const res = await client.request('PATCH', new URL(location, client.base).toString(), {
            body: buf,
            headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(buf.length), 'Content-Range': `${off}-${off + buf.length - 1}` },
          });
          await res.body?.cancel();
          if (res.status !== 202) throw new RpmkitError('REGISTRY', `registry ${ref.registry} answered ${res.status} to a chunk of ${digest}`);
          location = res.headers.get('location') ?? location;
          off += buf.length;
        }
      } finally {
        await fh.close();
      }
      const res = await client.request('PUT', withDigest(location), { headers: { 'Content-Length': '0' } });
      await res.body?.cancel();
      if (res.status !== 201) throw new RpmkitError('REGISTRY', `registry ${ref.registry} answered ${res.status} when closing the upload of ${digest}`);
    }
    result.uploaded++;
    result.bytesUploaded += size;
    opts.onProgress?.({ digest, action: 'uploaded', size });
  };

  const limit = pLimit(opts.concurrency ?? 3);
  await Promise.all([...blobs].map(([d, s]) => limit(() => pushBlob(d, s))));

  const target = ref.digest ?? ref.tag!;
  const res = await client.request('PUT', `${repoPath}/manifests/${target}`, {
    body: manifestBytes,
    headers: { 'Content-Type': manifest.mediaType ?? MEDIA.manifest, 'Content-Length': String(manifestBytes.length) },
  });
  await res.body?.cancel();
  const got = res.headers.get('docker-content-digest');
  if (got && got !== desc.digest) {
    throw new RpmkitError('REGISTRY', `registry ${ref.registry} stored the manifest as ${got}, expected ${desc.digest}`, { hint: 'the registry rewrote the manifest; it may not support OCI manifests' });
  }

  // Remember where these blobs now live, for cross-repository mounts later.
  const next = readPushCache(opts.layoutDir);
  const reg = (next[ref.registry] ??= {});
  for (const d of blobs.keys()) reg[d] = [...new Set([...(reg[d] ?? []), ref.repository])].sort();
  await writeFileAtomic(path.join(opts.layoutDir, PUSH_CACHE), JSON.stringify(next)).catch(() => {});
  return result;
}
