// Small helpers the benchmark scripts share.
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
