// From locked, verified RPM files to a root filesystem: check signatures
// where the repository asks for it, order by Requires(pre)/Requires as rpm
// does, then extract (rootfs) and record (rpmdb).
import pLimit from 'p-limit';
import * as os from 'node:os';
import { RpmkitError } from '../errors.js';
import { lockPackageNevra, type LockPackage } from '../lockfile/index.js';
import { installRoot, type InstallPackage, type InstallReport } from '../rootfs/index.js';
import { prewarmPayloadDecode, readRpm, rpmToPackage, verifyRpm, formatItem, type KeyRing, type RpmFile } from '../rpm/index.js';
import type { Package } from '../repo/types.js';
import { installOrder } from '../solver/index.js';

export interface LockedFile {
  pkg: LockPackage;
  /** A local file whose checksum already matched the lock's. */
  path: string;
}

export interface InstallLockedOptions {
  root: string;
  files: LockedFile[];
  /** Key ring per repository id whose packages must carry a valid signature; others are not checked. */
  keyRings: Map<string, KeyRing>;
  docs?: boolean;
  langs?: string[];
  osRelease?: boolean;
  arch?: string;
  manifestPath?: string;
  /** Write the rpmdb (default true). */
  rpmdb?: boolean;
  onPackage?(nevra: string, index: number, total: number): void;
  onVerified?(nevra: string, signature: string): void;
}

/**
 * Read every file, verify its header digests and (when its repository has
 * gpgcheck on) its signature, and return the packages in install order.
 */
export interface PreparedFile extends LockedFile {
  /** The package as read from the file (dependencies, build time, source RPM). */
  header: Package;
  /** The file's headers as read, for the install (no second read). */
  rpm: RpmFile;
  /** Its header and payload digests were checked here (with its signature): the install need not again. */
  digestsChecked: boolean;
}

/** Prepared files as the installers take them. */
export function installInputs(ordered: PreparedFile[]): InstallPackage[] {
  return ordered.map((f) => ({ file: f.path, rpm: f.rpm, digestsChecked: f.digestsChecked }));
}

export async function prepareLocked(files: LockedFile[], keyRings: Map<string, KeyRing>, onVerified?: (nevra: string, sig: string) => void): Promise<PreparedFile[]> {
  const limit = pLimit(Math.max(2, os.availableParallelism()));
  const read = await Promise.all(
    files.map((f) =>
      limit(async () => {
        const rpm = await readRpm(f.path);
        // The install that follows decodes zstd payloads on a worker: let it boot meanwhile.
        prewarmPayloadDecode(rpm);
        const ring = keyRings.get(f.pkg.repo);
        const nevra = lockPackageNevra(f.pkg);
        if (ring) {
          // The file's checksum matched the lock already: header digests and
          // the signature are what is left to check (rpmkeys -K's scope).
          const v = await verifyRpm(rpm, ring, { archiveDigests: false });
          if (!v.ok) {
            const bad = v.items.filter((i) => i.status !== 'OK').map(formatItem).join('; ');
            const nokey = v.signature === 'NOKEY' || v.signature === 'MISSING';
            throw new RpmkitError('SIGNATURE_INVALID', `${nevra} from repository '${f.pkg.repo}' failed the signature check: ${bad || v.signature}`, {
              hint: nokey
                ? `add the repository's signing key to gpgkeys (or, for unsigned repositories you trust, set gpgcheck = "0" on repository '${f.pkg.repo}')`
                : 'the package was altered or signed with another key; do not use it',
              details: { package: nevra, repo: f.pkg.repo, signature: v.signature, digests: v.digests },
            });
          }
          onVerified?.(nevra, v.signature);
        }
        const sha = f.pkg.checksum.startsWith('sha256:') ? f.pkg.checksum.slice(7) : undefined;
        return { file: f, rpm, digestsChecked: ring !== undefined, pkg: await rpmToPackage(rpm, f.pkg.repo, sha) };
      }),
    ),
  );
  const byPkg = new Map(read.map((r) => [r.pkg, r]));
  return installOrder(read.map((r) => r.pkg)).map((p) => {
    const r = byPkg.get(p)!;
    return { ...r.file, rpm: r.rpm, digestsChecked: r.digestsChecked, header: p };
  });
}

/** Install locked RPM files (already fetched and checksum-verified) into `root`. */
export async function installLocked(opts: InstallLockedOptions & { installTime?: number }): Promise<InstallReport> {
  const ordered = await prepareLocked(opts.files, opts.keyRings, opts.onVerified);
  return installPrepared(ordered, opts);
}

/** Install files prepareLocked() already checked and ordered. */
export async function installPrepared(ordered: PreparedFile[], opts: Omit<InstallLockedOptions, 'files' | 'keyRings'> & { installTime?: number }): Promise<InstallReport> {
  return installRoot({
    installTime: opts.installTime,
    root: opts.root,
    packages: installInputs(ordered),
    docs: opts.docs,
    langs: opts.langs,
    osRelease: opts.osRelease,
    arch: opts.arch,
    manifestPath: opts.manifestPath,
    rpmdb: opts.rpmdb,
    onPackage: opts.onPackage,
  });
}
