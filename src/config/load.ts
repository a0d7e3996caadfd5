// Finding and reading the manifest: -f FILE, else rpmkit.toml, else
// rpmoci.toml in the working directory.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { RpmkitError } from '../errors.js';
import { parseManifest } from './manifest.js';
import type { LoadOptions, Manifest } from './types.js';

export const MANIFEST_NAMES = ['rpmkit.toml', 'rpmoci.toml'] as const;

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

/** The manifest path that loadManifest would read, or undefined when there is none. */
export async function findManifest(opts: { file?: string; cwd?: string } = {}): Promise<string | undefined> {
  const cwd = opts.cwd ?? process.cwd();
  if (opts.file) return path.resolve(cwd, opts.file);
  for (const n of MANIFEST_NAMES) {
    const p = path.join(cwd, n);
    if (await exists(p)) return p;
  }
  return undefined;
}

export async function loadManifest(opts: LoadOptions = {}): Promise<Manifest> {
  const cwd = opts.cwd ?? process.cwd();
  const file = await findManifest(opts);
  if (!file) {
    throw new RpmkitError('CONFIG_NOT_FOUND', `no rpmkit.toml or rpmoci.toml in ${cwd}`, {
      hint: 'run `rpmkit init` to write a starter rpmkit.toml, or pass -f FILE',
      details: { cwd },
    });
  }
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new RpmkitError('CONFIG_NOT_FOUND', `manifest not found: ${file}`, { hint: 'check the -f path', cause: e, details: { file } });
    throw new RpmkitError('IO_ERROR', `cannot read manifest ${file}: ${(e as Error).message}`, { cause: e, details: { file } });
  }
  // Errors name the file as the user wrote it (relative to cwd when inside it).
  const shown = path.relative(cwd, file).startsWith('..') ? file : path.relative(cwd, file) || file;
  return parseManifest(text, file, { ...opts, displayPath: shown });
}
