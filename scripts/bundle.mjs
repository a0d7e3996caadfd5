// Part of `npm run build`, after tsc: bundles the compiled CLI into
// dist/bin/ (what bin/rpmkit runs). Why: Node loads ES modules one file at a
// time (resolve, read, link), about 2 ms each, and a command pulls in 40-80
// of ours and our dependencies' — 100+ ms of start-up on every `rpmkit`
// call, more than many commands take to do their work. The bundle keeps
// each command in its own chunk (commands are imported on demand), so a
// run loads a handful of files. dist/ as tsc wrote it stays the library.
//
// Not bundled: lzma-native (a native addon), sql.js (loads its .wasm from
// its own folder) and openpgp (large, imported only when a key is read).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist', 'bin');
rmSync(out, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  // Worker threads are entries of their own, beside the chunks:
  // repo/parallel.ts starts ./primaryworker.js, rpm/zstdpool.ts ./zstdworker.js.
  entryPoints: { rpmkit: 'dist/cli/main.js', primaryworker: 'dist/repo/primaryworker.js', zstdworker: 'dist/rpm/zstdworker.js' },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunk-[hash]',
  external: ['lzma-native', 'sql.js', 'openpgp'],
  sourcemap: 'linked',
  // CommonJS dependencies (commander...) call require() for Node built-ins;
  // an ES module has none, so each output file gets a real one.
  banner: { js: "import { createRequire as __rpmkitCreateRequire } from 'node:module'; const require = __rpmkitCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
