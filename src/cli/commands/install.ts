// `rpmkit install --root DIR`: the lock's packages as a root filesystem.
// Every locked RPM is fetched (or taken from --vendor-dir) and verified
// against the lock's checksum, signatures are checked against the
// configured keys where the repository asks for gpgcheck, the packages are
// ordered by their Requires and installed (no scriptlets), and the rpm
// database and the ownership manifest are written.
import type { Command } from 'commander';
import * as path from 'node:path';
import { RpmkitError } from '../../errors.js';
import { loadKeys, readRpm, verifyRpm } from '../../rpm/index.js';
import { installRoot, defaultManifestPath } from '../../rootfs/index.js';
import type { Manifest } from '../../config/index.js';
import type { FetchedPackage } from '../../fetch/index.js';
import { globals, output } from '../options.js';
import { loadLockFor } from './lock.js';
import { fetchLockedForCli } from './vendor.js';
import { orderRpmFiles, renderReport } from './install-rpms.js';

interface Opts {
  root: string;
  manifest?: string;
  langs?: string;
  rpmdb: boolean;
}

/** Local key files only: remote key URLs are the repository stage's to fetch. */
function localKeyPaths(keys: string[]): string[] {
  return keys.filter((k) => k.startsWith('file://') || k.startsWith('/'));
}

/**
 * Check each package's signature where its repository has gpgcheck on.
 * Returns the names of packages that could not be checked (no local key).
 */
async function checkSignatures(fetched: FetchedPackage[], manifest: Manifest): Promise<string[]> {
  const repos = new Map(manifest.contents.repositories.map((r) => [r.id, r]));
  const unchecked: string[] = [];
  const rings = new Map<string, Awaited<ReturnType<typeof loadKeys>>>();
  for (const f of fetched) {
    const repo = repos.get(f.pkg.repo);
    if (!repo || !repo.gpgcheck) continue;
    const keys = localKeyPaths([...manifest.contents.gpgkeys, ...repo.gpgkeys]);
    if (keys.length === 0) {
      unchecked.push(f.pkg.name);
      continue;
    }
    let ring = rings.get(repo.id);
    if (!ring) {
      ring = await loadKeys(keys);
      rings.set(repo.id, ring);
    }
    const v = await verifyRpm(await readRpm(f.path), ring);
    if (!v.ok) {
      throw new RpmkitError('SIGNATURE_INVALID', `${f.pkg.name} (${path.basename(f.path)}): signature ${v.signature}, digests ${v.digests}`, {
        hint: `check the keys configured for repository ${repo.id}, or set gpgcheck = "0" for it`,
        details: { package: f.pkg.name, signature: v.signature, digests: v.digests },
      });
    }
  }
  return unchecked;
}

export function register(program: Command): void {
  program
    .command('install')
    .description('install the locked packages into a root directory (no scriptlets are run; they are listed)')
    .requiredOption('--root <dir>', 'target root directory')
    .option('--langs <list>', 'comma-separated languages to keep for %lang files (default: all)')
    .option('--manifest <file>', 'ownership manifest path (default: DIR.rpmkit-meta.json)')
    .option('--no-rpmdb', 'do not write /var/lib/rpm/rpmdb.sqlite')
    .action(async (o: Opts, cmd: Command) => {
      const g = globals(cmd);
      const out = output(cmd);
      const { lock, lockPath, manifest } = await loadLockFor(cmd, { requireFresh: Boolean(g.locked) });
      const fetched = await fetchLockedForCli(cmd, lock, manifest);
      const unchecked = await checkSignatures(fetched, manifest);
      if (unchecked.length) out.warn(`${unchecked.length} package(s) not signature-checked: their repository has gpgcheck on but no local key file is configured (${unchecked.slice(0, 5).join(', ')}${unchecked.length > 5 ? ', ...' : ''})`);
      const files = await orderRpmFiles(fetched.map((f) => f.path));
      const manifestPath = o.manifest ?? defaultManifestPath(o.root);
      const report = await installRoot({
        root: o.root,
        packages: files.map((file) => ({ file })),
        docs: manifest.contents.docs,
        osRelease: manifest.contents.osRelease,
        langs: o.langs ? o.langs.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
        arch: g.arch ?? lock.input.arch,
        rpmdb: o.rpmdb,
        manifestPath,
        onPackage: (nevra, i, n) => out.info(`[${i + 1}/${n}] ${nevra}`),
      });
      const { ownership, ...rest } = report;
      out.result({ ...rest, lock: lockPath, ownershipEntries: ownership.length, manifest: manifestPath, unsignedChecks: unchecked }, () => renderReport(report));
    });
}
