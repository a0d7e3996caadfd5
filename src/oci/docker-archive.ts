// `docker save` format for `docker load` / `skopeo ... docker-archive:`:
// <config hex>.json, <diff_id hex>/layer.tar (uncompressed), manifest.json and
// repositories. Written to a temp file beside the target and renamed.
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { blobPath } from './blobs.js';
import { encodeHeader, padding, trailer, type TarHeader } from './tar.js';

export interface ArchiveLayer {
  diffId: string;
  /** Digest of the uncompressed blob inside `layoutDir`. */
  digest: string;
  size: number;
}

/** "name:tag" for RepoTags: a bare tag becomes "rpmkit:<tag>" unless it names a repository already. */
export function repoTag(tag: string): string {
  const lastColon = tag.lastIndexOf(':');
  if (lastColon > tag.lastIndexOf('/') && lastColon > 0) return tag;
  return tag.includes('/') ? `${tag}:latest` : `rpmkit:${tag}`;
}

export async function writeDockerArchive(opts: {
  out: string;
  layoutDir: string;
  configDigest: string;
  layers: ArchiveLayer[];
  tag: string;
  mtime: number;
}): Promise<number> {
  const { out, layoutDir } = opts;
  await fs.mkdir(path.dirname(path.resolve(out)), { recursive: true });
  const tmp = path.join(path.dirname(path.resolve(out)), `.${path.basename(out)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const ws = createWriteStream(tmp);
  let written = 0;
  const write = async (b: Buffer) => {
    written += b.length;
    if (!ws.write(b)) await once(ws, 'drain');
  };
  const hdr = (name: string, type: 'file' | 'dir', size: number): TarHeader => ({
    name, type, size, mode: type === 'dir' ? 0o755 : 0o644, uid: 0, gid: 0, uname: 'root', gname: 'root', mtime: opts.mtime,
  });
  const addBuffer = async (name: string, data: Buffer) => {
    await write(encodeHeader(hdr(name, 'file', data.length)));
    await write(data);
    await write(padding(data.length));
  };
  try {
    const hex = (d: string) => d.split(':')[1];
    const rt = repoTag(opts.tag);
    const layerPaths = opts.layers.map((l) => `${hex(l.diffId)}/layer.tar`);
    const manifest = [{ Config: `${hex(opts.configDigest)}.json`, RepoTags: [rt], Layers: layerPaths }];
    const [repo, tag] = [rt.slice(0, rt.lastIndexOf(':')), rt.slice(rt.lastIndexOf(':') + 1)];
    const last = opts.layers.at(-1);
    const repositories = last ? { [repo]: { [tag]: hex(last.diffId) } } : {};

    await addBuffer(`${hex(opts.configDigest)}.json`, await fs.readFile(blobPath(layoutDir, opts.configDigest)));
    const done = new Set<string>();
    for (const l of opts.layers) {
      if (done.has(l.diffId)) continue;
      done.add(l.diffId);
      await write(encodeHeader(hdr(`${hex(l.diffId)}/`, 'dir', 0)));
      await write(encodeHeader(hdr(`${hex(l.diffId)}/layer.tar`, 'file', l.size)));
      for await (const chunk of createReadStream(blobPath(layoutDir, l.digest))) await write(chunk as Buffer);
      await write(padding(l.size));
    }
    await addBuffer('manifest.json', Buffer.from(JSON.stringify(manifest)));
    await addBuffer('repositories', Buffer.from(JSON.stringify(repositories)));
    await write(trailer());
    ws.end();
    await once(ws, 'close');
    await fs.rename(tmp, out);
    return written;
  } catch (e) {
    ws.destroy();
    await fs.rm(tmp, { force: true });
    throw e;
  }
}
