// The end-to-end targets of issues 5 and 6, on Debian's python3 closure
// rewrapped as real RPMs (../shared/tools/deb2rpm-distro.sh), same run:
//  - install: `rpmkit --locked --vendor-dir V install --root R` vs
//    `dnf --installroot R install python3` from the same local repo with its
//    metadata cache warm (target: <= 0.5x);
//  - image: `rpmkit --locked --vendor-dir V build` vs dnf --installroot +
//    `umoci init/new/insert` of the same packages (target: <= 0.5x), and the
//    two image sizes; also vs dnf --installroot + `tar | gzip` + `skopeo copy
//    tarball:` (the issue names both packagings; umoci is the faster one).
// Best of 3 wall times each, the sides run in turns. Needs root (dnf --installroot), dnf and umoci.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bestInTurns, dirBytes } from './util.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'bin', 'rpmkit');
const repo = path.join(process.env.RPMKIT_FIXTURES ?? path.join(os.tmpdir(), 'rpmkit-fixtures'), 'distro', 'repo');
const has = (t: string) => spawnSync('sh', ['-c', `command -v ${t}`]).status === 0;
if (!existsSync(repo)) {
  console.log(`skipped: ${repo} is missing (npm test builds it)`);
  process.exit(0);
}
if (process.getuid?.() !== 0 || !has('dnf') || !has('umoci')) {
  console.log('skipped: needs root, dnf and umoci');
  process.exit(0);
}
const work = mkdtempSync(path.join(os.tmpdir(), 'rpmkit-pipeline-bench-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

function sh(cmd: string, args: string[], cwd = work): void {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
}
// Each run writes to fresh paths; nothing is deleted until the end (see bestInTurns).
const fresh = (name: string, run: number) => `${name}-${run}`;

writeFileSync(path.join(work, 'rpmkit.toml'), `[contents]\nrepositories = [{ id = "distro", url = "file://${repo}", options = { gpgcheck = "0" } }]\npackages = ["python3"]\n`);
const rpmkit = (...args: string[]) => sh(process.execPath, [CLI, '-q', '--cache-dir', path.join(work, 'cache'), ...args]);
rpmkit('lock');
rpmkit('vendor', '--out-dir', 'vendor');
const dnfCache = path.join(work, 'dnf-cache');
const dnf = (root: string) =>
  sh('dnf', ['--installroot', root, '--setopt=reposdir=/dev/null', `--setopt=cachedir=${dnfCache}`, `--repofrompath=d,${repo}`, '--nogpgcheck', '--releasever=1', '--setopt=install_weak_deps=False', '--noplugins', '-q', '-y', 'install', 'python3']);
dnf(path.join(work, 'warm')); // warm dnf's metadata cache: both sides then start from local data

const [tInstall, tDnf] = await bestInTurns(
  3,
  (run) => rpmkit('--locked', '--vendor-dir', 'vendor', 'install', '--root', fresh('r1', run)),
  (run) => dnf(path.join(work, fresh('r2', run))),
);
console.log(`install python3 closure: rpmkit ${(tInstall / 1000).toFixed(2)} s, dnf --installroot ${(tDnf / 1000).toFixed(2)} s, ratio ${(tInstall / tDnf).toFixed(2)} (target <= 0.5)`);
// What the target leaves room for: creating the same tree from memory in a
// Node process, nothing else (createfloor.mjs), against the same dnf runs.
sh('tar', ['-C', fresh('r1', 1), '-cf', 'floor.tar', '.']); // the first rpmkit run's root
const [tFloor] = await bestInTurns(3, (run) => sh(process.execPath, [path.join(ROOT, 'bench', 'createfloor.mjs'), 'floor.tar', fresh('floor', run)]));
console.log(`  floor: Node creating that tree from an in-memory tar, nothing else: ${(tFloor / 1000).toFixed(2)} s, ${(tFloor / tDnf).toFixed(2)}x dnf's install`);

let img1 = '';
let img2 = '';
const image = [
  // rpmkit build: lock + vendor dir -> OCI layout.
  (run: number) => rpmkit('--locked', '--vendor-dir', 'vendor', 'build', '--image', (img1 = fresh('img1', run)), '--tag', 'py'),
  // dnf --installroot, then umoci makes the image of the root.
  (run: number) => {
    const r3 = path.join(work, fresh('r3', run));
    img2 = fresh('img2', run);
    dnf(r3);
    sh('umoci', ['init', '--layout', img2]);
    sh('umoci', ['new', '--image', `${img2}:py`]);
    sh('umoci', ['insert', '--image', `${img2}:py`, r3, '/']);
  },
];
// The other packaging peer: a reproducible tar, gzip, and skopeo making the OCI image of it.
const withSkopeo = has('skopeo');
if (withSkopeo) {
  image.push((run) => {
    const r4 = path.join(work, fresh('r4', run));
    const layer = `${fresh('layer', run)}.tar.gz`;
    dnf(r4);
    sh('sh', ['-c', `tar -C '${r4}' --sort=name --numeric-owner --mtime=@1700000000 --clamp-mtime -cf - . | gzip -6 -n > ${layer}`]);
    sh('skopeo', ['copy', '-q', `tarball:${layer}`, `oci:${path.join(work, fresh('img3', run))}:py`]);
  });
}
const [tBuild, tDnfImg, tDnfSkopeo] = await bestInTurns(3, ...image);
const sizeA = dirBytes(path.join(work, img1, 'blobs'));
const sizeB = dirBytes(path.join(work, img2, 'blobs'));
console.log(`lock -> image: rpmkit build ${(tBuild / 1000).toFixed(2)} s, dnf + umoci ${(tDnfImg / 1000).toFixed(2)} s, ratio ${(tBuild / tDnfImg).toFixed(2)} (target <= 0.5)`);
console.log(`image size: rpmkit ${(sizeA / 1e6).toFixed(1)} MB, dnf + umoci ${(sizeB / 1e6).toFixed(1)} MB, ratio ${(sizeA / sizeB).toFixed(3)}`);
if (withSkopeo) console.log(`lock -> image: rpmkit build ${(tBuild / 1000).toFixed(2)} s, dnf + tar | gzip + skopeo ${(tDnfSkopeo / 1000).toFixed(2)} s, ratio ${(tBuild / tDnfSkopeo).toFixed(2)}`);
