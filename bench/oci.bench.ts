// Image building speed and size on the Debian-derived python3 repository
// (55 real RPMs), measured against the peer tools in the same run:
//  1. packaging only, same root: rpmkit buildImage vs `umoci init/new/insert`
//     vs `tar --sort=name | gzip` + `skopeo copy tarball:`;
//  2. RPMs -> image through a root directory (both sides in turns): `rpmkit install-rpms` +
//     `rpmkit image-from-root` vs `dnf --installroot install` + `umoci insert`.
//     (`rpmkit build`, which needs no root directory, is measured against the
//     same peers in pipeline.bench.ts: that is the issue's target.)
// Needs root for dnf --installroot; prints what it skipped otherwise.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildImage } from '../src/oci/index.js';
import { bestInTurns, dirBytes } from './util.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repo = path.join(process.env.RPMKIT_FIXTURES ?? path.join(os.tmpdir(), 'rpmkit-fixtures'), 'distro', 'repo');
if (!existsSync(repo)) {
  console.log(`skipped: ${repo} is missing (run the oci tests once to build it)`);
  process.exit(0);
}
const has = (t: string) => spawnSync('sh', ['-c', `command -v ${t}`]).status === 0;
if (process.getuid?.() !== 0 || !has('dnf') || !has('umoci') || !has('skopeo')) {
  console.log('skipped: needs root, dnf, umoci and skopeo');
  process.exit(0);
}
const rpms = readdirSync(repo).filter((f) => f.endsWith('.rpm')).sort().map((f) => path.join(repo, f));
const work = mkdtempSync(path.join(os.tmpdir(), 'rpmkit-oci-bench-'));
const SDE = '1700000000';

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.slice(0, 4).join(' ')}... failed: ${r.stderr}`);
}
// The built CLI (npm run bench builds first): tsx's compile step would count against rpmkit.
const CLI = existsSync(path.join(ROOT, 'dist/bin/rpmkit.js')) ? [path.join(ROOT, 'bin/rpmkit')] : ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts')];
const rpmkit = (args: string[]) => sh(process.execPath, [...CLI, '-q', ...args], { SOURCE_DATE_EPOCH: SDE });
const dnf = (root: string) =>
  sh('dnf', ['--installroot', root, '--setopt=reposdir=/dev/null', `--repofrompath=d,${repo}`, '--nogpgcheck', '--releasever=1', '-q', '-y', 'install', ...rpms]);
const umociInsert = (img: string, root: string) => {
  sh('umoci', ['init', '--layout', img]);
  sh('umoci', ['new', '--image', `${img}:t`]);
  sh('umoci', ['insert', '--image', `${img}:t`, root, '/']);
};

try {
  // 1. Packaging only, from one dnf-made root.
  const root = path.join(work, 'dnf-root');
  dnf(root);
  const runs = 3;
  const [ours, umoci, tarSkopeo] = await bestInTurns(
    runs,
    (i) => buildImage({ rootDir: root, layoutDir: path.join(work, `ours-${i}`), tag: 't', arch: 'x86_64', config: {}, sourceDateEpoch: Number(SDE) }),
    (i) => umociInsert(path.join(work, `umoci-${i}`), root),
    (i) => {
      const layer = path.join(work, `layer-${i}.tar.gz`);
      sh('sh', ['-c', `tar -C '${root}' --sort=name --numeric-owner --mtime=@${SDE} --clamp-mtime -cf - . | gzip -6 -n > '${layer}'`]);
      sh('skopeo', ['copy', '-q', `tarball:${layer}`, `oci:${path.join(work, `skopeo-${i}`)}:t`]);
    },
  );
  const sOurs = dirBytes(path.join(work, 'ours-1', 'blobs'));
  const sUmoci = dirBytes(path.join(work, 'umoci-2', 'blobs'));
  const sSkopeo = dirBytes(path.join(work, 'skopeo-3', 'blobs'));
  console.log(`packaging (${rpms.length} pkgs, best of ${runs}): rpmkit ${ours.toFixed(0)} ms, umoci insert ${umoci.toFixed(0)} ms (ratio ${(ours / umoci).toFixed(2)}), tar|gzip+skopeo ${tarSkopeo.toFixed(0)} ms (ratio ${(ours / tarSkopeo).toFixed(2)})`);
  console.log(`image size: rpmkit ${(sOurs / 1e6).toFixed(1)} MB, umoci ${(sUmoci / 1e6).toFixed(1)} MB (${(sOurs / sUmoci).toFixed(3)}x), tar+skopeo ${(sSkopeo / 1e6).toFixed(1)} MB (${(sOurs / sSkopeo).toFixed(3)}x)`);

  // 2. RPM files -> image, end to end, best of 2, in turns (fresh roots).
  const [e2eOurs, e2ePeer] = await bestInTurns(
    2,
    (i) => {
      rpmkit(['install-rpms', '--root', path.join(work, `e2e-ours-root-${i}`), ...rpms]);
      rpmkit(['image-from-root', '--root', path.join(work, `e2e-ours-root-${i}`), '--image', path.join(work, `e2e-ours-${i}`), '--tag', 't']);
    },
    (i) => {
      dnf(path.join(work, `e2e-dnf-root-${i}`));
      umociInsert(path.join(work, `e2e-umoci-${i}`), path.join(work, `e2e-dnf-root-${i}`));
    },
  );
  console.log(`RPMs -> image through a root dir: rpmkit install-rpms + image-from-root ${e2eOurs.toFixed(0)} ms, dnf --installroot + umoci insert ${e2ePeer.toFixed(0)} ms, ratio ${(e2eOurs / e2ePeer).toFixed(2)} (rpmkit build: see pipeline.bench)`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
