// Runs the whole suite with node's test runner. Node 20's --test does not
// expand globs, so the test files are listed here; RPMKIT_TEST filters them
// by substring (e.g. RPMKIT_TEST=solver npm test).
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
function walk(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.test.ts') ? [p] : [];
  });
}
const filter = process.env.RPMKIT_TEST;
const files = walk(here).filter((f) => !filter || f.includes(filter));
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...process.argv.slice(2), ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
