// Registry test helpers: a free port, Debian's docker-registry started on
// 127.0.0.1 for one test, the CLI run asynchronously (so in-process mock
// servers keep answering), and a small image to push.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import type { TestContext } from 'node:test';
import { ROOT } from '../helpers/env.js';
import { buildImage } from '../../src/oci/index.js';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** docker-registry (distribution 2.x) on 127.0.0.1:<free port>, stopped when the test ends. */
export async function startRegistry(t: TestContext, dir: string): Promise<{ host: string; log: () => string }> {
  const port = await freePort();
  const cfg = path.join(dir, 'registry.yml');
  writeFileSync(
    cfg,
    ['version: 0.1', 'log:', '  level: info', '  accesslog:', '    disabled: false', 'storage:', '  filesystem:', `    rootdirectory: ${path.join(dir, 'registry-data')}`, 'http:', `  addr: 127.0.0.1:${port}`, ''].join('\n'),
  );
  let log = '';
  const child: ChildProcess = spawn('docker-registry', ['serve', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  t.after(() => {
    child.kill('SIGTERM');
  });
  const host = `127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(`http://${host}/v2/`);
      if (r.status === 200) return { host, log: () => log };
    } catch {}
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`docker-registry did not start: ${log}`);
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run rpmkit from source without blocking this process's event loop. */
export function rpmkitAsync(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'cli', 'main.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** A two-layer image with a 3 MiB incompressible file (so chunked uploads have several chunks). */
export async function smallImage(dir: string, tag = 'v1'): Promise<{ layout: string; manifestDigest: string; layers: { digest: string }[] }> {
  const root = path.join(dir, 'root');
  mkdirSync(path.join(root, 'usr/bin'), { recursive: true });
  mkdirSync(path.join(root, 'usr/lib'), { recursive: true });
  writeFileSync(path.join(root, 'usr/bin/hello'), '#!/bin/sh\necho hello\n', { mode: 0o755 });
  writeFileSync(path.join(root, 'usr/lib/blob.bin'), randomBytes(3 * 1024 * 1024));
  const layout = path.join(dir, 'img');
  const r = await buildImage({
    rootDir: root,
    layoutDir: layout,
    tag,
    arch: 'x86_64',
    config: { cmd: ['/usr/bin/hello'] },
    meta: (p) => (p === 'usr/lib/blob.bin' ? { uid: 0, gid: 0, pkg: 'blob' } : p === 'usr/bin/hello' ? { uid: 0, gid: 0, pkg: 'hello' } : undefined),
    layers: 3,
    sourceDateEpoch: 1700000000,
  });
  return { layout, ...r };
}
