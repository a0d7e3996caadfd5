// Small helpers the benchmark scripts share.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';

/** Total bytes of the regular files below `d` (image sizes). */
export function dirBytes(d: string): number {
  let n = 0;
  for (const f of readdirSync(d, { recursive: true }) as string[]) {
    const st = statSync(path.join(d, f));
    if (st.isFile()) n += st.size;
  }
  return n;
}

/**
 * Best of n wall times for each of several commands, run in turns (a, b, a,
 * b, ...) so that a slow stretch of the shared disk or CPU hits every side,
 * not whichever ran first. `sync` before each run flushes the previous
 * run's writes. Each call gets the run number, for fresh output paths: on
 * this machine's ext4 (mounted with `discard`), creating files right after
 * deleting a tree of the same size cost 2-5 s of extra kernel time, so the
 * scripts delete nothing until the end.
 */
export async function bestInTurns(n: number, ...fns: ((run: number) => unknown)[]): Promise<number[]> {
  const best = fns.map(() => Infinity);
  let run = 0;
  for (let i = 0; i < n; i++) {
    for (const [k, fn] of fns.entries()) {
      run++;
      spawnSync('sync');
      const t0 = process.hrtime.bigint();
      await fn(run);
      best[k] = Math.min(best[k], Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  return best;
}
