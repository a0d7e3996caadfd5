// Lock -> image: install the locked RPMs into a private staging root, then
// package that root (with the ownership the install recorded, since a
// rootless install cannot chown) as a reproducible OCI image.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildImage, resolveSourceDateEpoch, type BuildImageResult, type Compression, type FileMeta, type ImageConfig, type ImageFormat, type PackageInfo } from '../oci/index.js';
import { capsTextToXattr, type InstallReport } from '../rootfs/index.js';
import type { KeyRing } from '../rpm/index.js';
import { installPrepared, prepareLocked, type LockedFile } from './install.js';

export interface BuildLockedOptions {
  files: LockedFile[];
  keyRings: Map<string, KeyRing>;
  config: ImageConfig;
  arch: string;
  layoutDir: string;
  tag: string;
  format?: ImageFormat;
  compression?: Compression;
  layers?: number;
  docs?: boolean;
  osRelease?: boolean;
  /** Default: $SOURCE_DATE_EPOCH, else the newest build time among the packages (so builds are reproducible by default). */
  sourceDateEpoch?: number;
  /** Keep the installed root here instead of a temporary directory. */
  keepRoot?: string;
  onPackage?(nevra: string, index: number, total: number): void;
  onPhase?(phase: 'verify' | 'install' | 'image', detail?: string): void;
}

export interface BuildLockedResult extends BuildImageResult {
  install: Omit<InstallReport, 'ownership'>;
  sourceDateEpoch: number;
  packages: number;
}

/** Per-path metadata for the image from the install's ownership records. */
function metaLookup(report: InstallReport): (p: string) => FileMeta | undefined {
  const map = new Map<string, FileMeta>();
  for (const e of report.ownership) {
    const m: FileMeta = { uid: e.uid, gid: e.gid, uname: e.user, gname: e.group, mode: e.mode & 0o7777, pkg: e.pkg };
    if (e.caps) m.xattrs = { 'security.capability': Buffer.from(e.caps, 'hex') };
    else if (e.capsText) m.xattrs = { 'security.capability': Buffer.from(capsTextToXattr(e.capsText)) };
    map.set(e.path.replace(/^\/+/, ''), m);
  }
  return (p) => map.get(p);
}

export async function buildLocked(opts: BuildLockedOptions): Promise<BuildLockedResult> {
  opts.onPhase?.('verify');
  const ordered = await prepareLocked(opts.files, opts.keyRings);
  const newest = ordered.reduce((t, f) => Math.max(t, f.header.time.build || 0), 0);
  const sde = resolveSourceDateEpoch(opts.sourceDateEpoch) ?? newest;
  const root = opts.keepRoot ? path.resolve(opts.keepRoot) : await fs.mkdtemp(path.join(os.tmpdir(), 'rpmkit-root-'));
  try {
    opts.onPhase?.('install', root);
    const report = await installPrepared(ordered, { root, docs: opts.docs, osRelease: opts.osRelease, arch: opts.arch, installTime: sde, onPackage: opts.onPackage });
    // Layering groups by the path owner's NEVRA as the install recorded it.
    const byFile = new Map(ordered.map((f) => [path.resolve(f.path), f.header]));
    const packages: PackageInfo[] = report.packages.map((p) => {
      const h = byFile.get(path.resolve(p.file));
      return { name: p.nevra, sourcerpm: h?.sourcerpm, buildtime: h?.time.build };
    });
    opts.onPhase?.('image');
    const img = await buildImage({
      rootDir: root,
      meta: metaLookup(report),
      packages,
      config: opts.config,
      arch: opts.arch,
      layers: opts.layers,
      layoutDir: opts.layoutDir,
      tag: opts.tag,
      format: opts.format,
      compression: opts.compression,
      sourceDateEpoch: sde,
    });
    const { ownership: _o, ...install } = report;
    return { ...img, install, sourceDateEpoch: sde, packages: ordered.length };
  } finally {
    if (!opts.keepRoot) await fs.rm(root, { recursive: true, force: true });
  }
}
