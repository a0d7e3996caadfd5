// RPM reading speed on the Debian-derived repository (55 real packages,
// zstd payloads): rpmkit's header read + payload walk against
// `rpm2cpio | busybox cpio -t`, and rpmkit verify against `rpmkeys -K`,
// each measured in the same run. Prints wall times and ratios.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { emptyKeyRing, payloadEntries, readRpm, verifyRpm } from '../src/rpm/index.js';

const repo = path.join(process.env.RPMKIT_FIXTURES ?? path.join(os.tmpdir(), 'rpmkit-fixtures'), 'distro', 'repo');
if (!existsSync(repo)) {
  console.log(`skipped: ${repo} is missing (run the rpm tests once to build it)`);
  process.exit(0);
}
const files = readdirSync(repo).filter((f) => f.endsWith('.rpm')).sort().map((f) => path.join(repo, f));

async function time(fn: () => Promise<void> | void): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

let bytes = 0;
const ours = await time(async () => {
  for (const f of files) {
    const rpm = await readRpm(f);
    for await (const e of payloadEntries(rpm)) for await (const c of e.body) bytes += c.length;
  }
});
const peer = await time(() => {
  for (const f of files) {
    const r = spawnSync('sh', ['-c', 'rpm2cpio "$1" | busybox cpio -t >/dev/null 2>&1', 'sh', f]);
    if (r.status !== 0) throw new Error(`rpm2cpio failed on ${f}`);
  }
});
console.log(`payload walk   ${files.length} packages, ${(bytes / 1e6).toFixed(1)} MB of file data: rpmkit ${ours.toFixed(0)} ms, rpm2cpio|cpio -t ${peer.toFixed(0)} ms, ratio ${(ours / peer).toFixed(2)}`);

const db = mkdtempSync(path.join(os.tmpdir(), 'rpmkit-bench-'));
const ring = emptyKeyRing();
const oursV = await time(async () => {
  for (const f of files) await verifyRpm(await readRpm(f), ring, { nosignature: true });
});
const peerV = await time(() => {
  const r = spawnSync('rpmkeys', ['--dbpath', db, '-K', '--nosignature', ...files], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
});
const oursNoAlt = await time(async () => {
  for (const f of files) await verifyRpm(await readRpm(f), ring, { nosignature: true, archiveDigests: false });
});
rmSync(db, { recursive: true, force: true });
console.log(`digest verify  ${files.length} packages: rpmkit ${oursV.toFixed(0)} ms (also decompresses to check uncompressed-payload digests), rpmkeys -K ${peerV.toFixed(0)} ms, ratio ${(oursV / peerV).toFixed(2)}`);
console.log(`digest verify  same checks as rpm -K (archiveDigests: false): rpmkit ${oursNoAlt.toFixed(0)} ms, ratio ${(oursNoAlt / peerV).toFixed(2)}`);
