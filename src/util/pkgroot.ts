// The installed package's root folder (where package.json and examples/
// are), found by walking up from a module: the same code runs from dist/
// as compiled by tsc and from the start-up bundle in dist/bin, which sit at
// different depths.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

export function packageRoot(): string {
  if (root) return root;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = path.join(dir, 'package.json');
    if (existsSync(pj) && (JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'rpmkit') return (root = dir);
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`rpmkit's package.json not found above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** The version in package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
