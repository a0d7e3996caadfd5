// Content-addressed blob storage in an OCI layout (blobs/sha256/<hex>):
// every blob is hashed while it is written to a temp file and renamed into
// place, so a crash never leaves a blob whose name lies about its content.
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { createWriteStream, promises as fs, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import * as path from 'node:path';

export interface BlobRef {
  digest: string;
  size: number;
}

export function blobPath(layoutDir: string, digest: string): string {
  const [alg, hex] = digest.split(':');
  return path.join(layoutDir, 'blobs', alg, hex);
}

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Write a small blob (JSON) from memory. */
export async function putBlob(layoutDir: string, data: Buffer): Promise<BlobRef> {
  const digest = sha256(data);
  const target = blobPath(layoutDir, digest);
  await fs.mkdir(path.dirname(target), { recursive: true });
  try {
    const st = await fs.stat(target);
    if (st.size === data.length) return { digest, size: data.length };
  } catch {}
  const tmp = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await fs.writeFile(tmp, data);
  await fs.rename(tmp, target);
  return { digest, size: data.length };
}

/** A streamed blob: write(), then commit() to hash-name it, or abort(). */
export class BlobSink {
  private readonly hash: Hash = createHash('sha256');
  private size = 0;
  private readonly out: WriteStream;
  private readonly tmp: string;

  constructor(private readonly dir: string) {
    this.tmp = path.join(dir, `.blob.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
    this.out = createWriteStream(this.tmp);
    this.out.on('error', (e) => {
      this.error ??= e;
    });
  }

  private error?: Error;

  static async create(layoutDir: string): Promise<BlobSink> {
    const dir = path.join(layoutDir, 'blobs', 'sha256');
    await fs.mkdir(dir, { recursive: true });
    return new BlobSink(dir);
  }

  async write(chunk: Buffer): Promise<void> {
    if (this.error) throw this.error;
    this.hash.update(chunk);
    this.size += chunk.length;
    if (!this.out.write(chunk)) await once(this.out, 'drain');
  }

  get tempPath(): string {
    return this.tmp;
  }

  async commit(): Promise<BlobRef> {
    this.out.end();
    await once(this.out, 'close');
    if (this.error) throw this.error;
    const hex = this.hash.digest('hex');
    await fs.rename(this.tmp, path.join(this.dir, hex));
    return { digest: `sha256:${hex}`, size: this.size };
  }

  /** Close and hash without renaming (the caller moves the temp file). */
  async finish(): Promise<BlobRef> {
    this.out.end();
    await once(this.out, 'close');
    if (this.error) throw this.error;
    return { digest: `sha256:${this.hash.digest('hex')}`, size: this.size };
  }

  async abort(): Promise<void> {
    this.out.destroy();
    await fs.rm(this.tmp, { force: true });
  }
}
