// `npm run bench`: runs every bench/*.bench.ts in turn. Each one measures
// rpmkit against the peer tool (dnf, libsolv, umoci...) in the same run and
// prints ratios; RPMKIT_BENCH filters by substring.
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const filter = process.env.RPMKIT_BENCH;
const files = readdirSync(here).filter((f) => f.endsWith('.bench.ts') && (!filter || f.includes(filter))).sort();
let failed = 0;
for (const f of files) {
  console.log(`\n=== ${f} ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, f)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
