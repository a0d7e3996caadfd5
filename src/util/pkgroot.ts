// The installed package's root folder (where package.json and examples/
// are), found by walking up from a module: the same code runs from dist/
// as compiled by tsc and from the start-up bundle in dist/bin, which sit at
// different depths.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

let found: { dir: string; version: string } | undefined;

function locate(): { dir: string; version: string } {
  if (found) return found;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = path.join(dir, 'package.json');
    if (existsSync(pj)) {
      const m = JSON.parse(readFileSync(pj, 'utf8')) as { name?: string; version?: string };
      if (m.name === 'rpmkit') return (found = { dir, version: m.version ?? '0.0.0' });
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`rpmkit's package.json not found above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

export function packageRoot(): string {
  return locate().dir;
}

/** The version in package.json. */
export function packageVersion(): string {
  return locate().version;
}
