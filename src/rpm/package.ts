// An RPM file as a pool Package (src/repo/types.ts), for local .rpm files
// given on the command line: what createrepo_c would write for it.
import { createHash } from 'node:crypto';
import type { Dep, FileType, Package } from '../repo/types.js';
import type { RpmDep, RpmFile } from './types.js';
import { fileChunks } from '../util/readfile.js';

function plain(d: RpmDep): Dep {
  const out: Dep = { name: d.name };
  if (d.op) out.op = d.op;
  if (d.evr) out.evr = d.evr;
  if (d.pre) out.pre = true;
  if (d.rich) out.rich = d.rich;
  return out;
}

/** sha256 of the whole file, lowercase hex. */
export async function fileSha256(rpm: RpmFile): Promise<string> {
  const h = createHash('sha256');
  if (rpm.buffer) h.update(rpm.buffer);
  else for await (const c of fileChunks(rpm.path)) h.update(c);
  return h.digest('hex');
}

/**
 * The package as the pool sees it. Requires drop rpmlib() and the package's
 * own provides the way createrepo_c does; files keep every path. A caller
 * that already verified the file (the lock's checksum) passes its sha256 to
 * skip hashing it again.
 */
export async function rpmToPackage(rpm: RpmFile, repoId = '@commandline', knownSha256?: string): Promise<Package> {
  const n = rpm.nevra;
  const provided = new Set(rpm.deps.provides.map((d) => d.name));
  const requires = rpm.deps.requires.filter((d) => !d.name.startsWith('rpmlib(') && !(d.flags & (1 << 24)) && !(provided.has(d.name) && !d.op));
  const files = rpm.files.map((f) => f.path);
  const fileTypes: FileType[] = rpm.files.map((f) => (f.ghost ? 'ghost' : (f.mode & 0o170000) === 0o040000 ? 'dir' : 'file'));
  const pkg: Package = {
    name: n.name,
    epoch: String(n.epoch ?? 0),
    version: n.version,
    release: n.release,
    arch: n.arch,
    repoId,
    location: rpm.path,
    checksum: { type: 'sha256', value: knownSha256 ?? (await fileSha256(rpm)) },
    size: { package: rpm.fileSize, installed: rpm.size, archive: rpm.archiveSize ?? 0 },
    time: { file: 0, build: rpm.buildtime },
    provides: rpm.deps.provides.map(plain),
    requires: requires.map(plain),
    conflicts: rpm.deps.conflicts.map(plain),
    obsoletes: rpm.deps.obsoletes.map(plain),
    recommends: rpm.deps.recommends.map(plain),
    suggests: rpm.deps.suggests.map(plain),
    supplements: rpm.deps.supplements.map(plain),
    enhances: rpm.deps.enhances.map(plain),
    files,
    fileTypes,
    headerRange: { start: rpm.headerOffset, end: rpm.payloadOffset },
  };
  if (rpm.sourcerpm) pkg.sourcerpm = rpm.sourcerpm;
  if (rpm.summary) pkg.summary = rpm.summary;
  if (rpm.description) pkg.description = rpm.description;
  if (rpm.url) pkg.url = rpm.url;
  if (rpm.license) pkg.license = rpm.license;
  if (rpm.vendor) pkg.vendor = rpm.vendor;
  if (rpm.group) pkg.group = rpm.group;
  if (rpm.buildhost) pkg.buildhost = rpm.buildhost;
  if (rpm.packager) pkg.packager = rpm.packager;
  return pkg;
}
