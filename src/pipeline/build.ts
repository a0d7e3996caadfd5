// Lock -> image: install the locked RPMs into a staging root, then package
// that root (with the ownership the install recorded, since a rootless
// install cannot chown) as a reproducible OCI image. The staging root is an
// in-memory tree unless it would not fit comfortably or the caller wants the
// root kept: writing and deleting thousands of files on a real filesystem
// costs more than the rest of the build together, and the image is
// byte-identical either way.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildImage, resolveSourceDateEpoch, type BuildImageResult, type Compression, type FileMeta, type ImageConfig, type ImageFormat, type MemoryEntry, type PackageInfo } from '../oci/index.js';
import { RpmkitError } from '../errors.js';
import { capsTextToXattr, installTree, type InstallReport } from '../rootfs/index.js';
import type { KeyRing } from '../rpm/index.js';
import { installInputs, installPrepared, prepareLocked, type LockedFile } from './install.js';

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
  /** Keep the installed root here instead of a temporary directory (implies stage 'disk'). */
  keepRoot?: string;
  /** Where the root is staged: in memory, in a directory, or (default) memory when it fits (see STAGE_MEMORY_SHARE). */
  stage?: Stage;
  onPackage?(nevra: string, index: number, total: number): void;
  onPhase?(phase: 'verify' | 'install' | 'image', detail?: string): void;
}

export type Stage = 'memory' | 'disk' | 'auto';

export interface BuildLockedResult extends BuildImageResult {
  install: Omit<InstallReport, 'ownership'>;
  sourceDateEpoch: number;
  packages: number;
  /** Where the root was staged. */
  stage: 'memory' | 'disk';
}

/** 'auto' stages in memory when the packages' installed size is at most this share of the machine's RAM. */
export const STAGE_MEMORY_SHARE = 0.25;

/** Where to stage a root of `installed` bytes. */
export function chooseStage(stage: Stage = 'auto', installed: number, keepRoot?: string, totalMem = os.totalmem()): 'memory' | 'disk' {
  if (keepRoot) {
    if (stage === 'memory') throw new RpmkitError('USAGE', 'a kept root is staged on disk: --keep-root and --stage memory exclude each other');
    return 'disk';
  }
  if (stage === 'auto') return installed <= totalMem * STAGE_MEMORY_SHARE ? 'memory' : 'disk';
  return stage;
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
  const stage = chooseStage(opts.stage, ordered.reduce((n, f) => n + f.header.size.installed, 0), opts.keepRoot);
  // Layering groups by the path owner's NEVRA as the install recorded it.
  const byFile = new Map(ordered.map((f) => [path.resolve(f.path), f.header]));
  const packagesOf = (report: InstallReport): PackageInfo[] =>
    report.packages.map((p) => {
      const h = byFile.get(path.resolve(p.file));
      return { name: p.nevra, sourcerpm: h?.sourcerpm, buildtime: h?.time.build };
    });
  const image = (report: InstallReport, root: { rootDir: string } | { entries: MemoryEntry[] }) => {
    opts.onPhase?.('image');
    return buildImage({
      ...root,
      meta: metaLookup(report),
      packages: packagesOf(report),
      config: opts.config,
      arch: opts.arch,
      layers: opts.layers,
      layoutDir: opts.layoutDir,
      tag: opts.tag,
      format: opts.format,
      compression: opts.compression,
      sourceDateEpoch: sde,
    });
  };
  const install = { docs: opts.docs, osRelease: opts.osRelease, arch: opts.arch, installTime: sde, onPackage: opts.onPackage };
  const done = (img: BuildImageResult, report: InstallReport): BuildLockedResult => {
    const { ownership: _o, ...rest } = report;
    return { ...img, install: rest, sourceDateEpoch: sde, packages: ordered.length, stage };
  };

  if (stage === 'memory') {
    opts.onPhase?.('install', 'memory');
    const { tree, report } = await installTree({ ...install, packages: installInputs(ordered) });
    return done(await image(report, { entries: tree.entries() }), report);
  }
  const root = opts.keepRoot ? path.resolve(opts.keepRoot) : await fs.mkdtemp(path.join(os.tmpdir(), 'rpmkit-root-'));
  try {
    opts.onPhase?.('install', root);
    const report = await installPrepared(ordered, { ...install, root });
    return done(await image(report, { rootDir: root }), report);
  } finally {
    if (!opts.keepRoot) await fs.rm(root, { recursive: true, force: true });
  }
}
