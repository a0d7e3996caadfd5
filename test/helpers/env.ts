// Test helpers: where the shared real-world data lives, skipping cleanly
// when it (or a peer tool) is absent, and running the built CLI.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as path from 'node:path';
import * as os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED = process.env.RPMKIT_SHARED ?? path.resolve(ROOT, '..', 'shared');
// The launcher users run (bin/rpmkit -> the start-up bundle in dist/bin).
export const CLI = path.join(ROOT, 'bin', 'rpmkit');

/** Path inside ../shared, or undefined (and the test skipped with a notice) when absent. */
export function sharedPath(t: TestContext, rel: string): string | undefined {
  const p = path.join(SHARED, rel);
  if (existsSync(p)) return p;
  t.skip(`needs ${path.join('../shared', rel)} (not present on this machine)`);
  return undefined;
}

const toolCache = new Map<string, boolean>();
export function hasTool(name: string): boolean {
  let ok = toolCache.get(name);
  if (ok === undefined) {
    ok = spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
    toolCache.set(name, ok);
  }
  return ok;
}

/** True when the tool exists; otherwise skips the test with a notice. */
export function needTool(t: TestContext, ...names: string[]): boolean {
  for (const n of names) {
    if (!hasTool(n)) {
      t.skip(`needs \`${n}\` (not installed; .ci/run installs it)`);
      return false;
    }
  }
  return true;
}

/** Run the built CLI (npm test builds first). */
export function runCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, ...opts.env },
    input: opts.input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
}

/** A fresh temp dir, removed when the test ends. */
export function tempDir(t: TestContext, prefix = 'rpmkit-test-'): string {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}
