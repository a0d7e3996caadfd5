// Installing into an in-memory tree instead of a directory: the same plan,
// conflict rules, path resolution and rpmdb as installRoot, applied to nodes.
// The image stage builds from the result directly, so a build never creates
// (and then deletes) thousands of files on the host, which on a real
// filesystem costs more than everything else the build does. Device nodes
// and FIFOs go in as packaged (no mknod, so no root needed); only sockets,
// which no layer can hold, are left out.
import { RpmkitError } from '../errors.js';
import type { CpioEntry, RpmFile, RpmFileInfo } from '../rpm/index.js';
import { buildRpmdb, FILE_STATE } from '../rpmdb/index.js';
import type { InstallOptions, InstallReport, InstalledPackageReport } from './install.js';
import { parseIdFile, type OwnershipEntry } from './ownership.js';
import {
  archiveIndex,
  checkArchiveComplete,
  checkOwner,
  fileType,
  nevraOf,
  numberOwners,
  OS_RELEASE_NOTICE,
  ownershipOf,
  planPackage,
  skippedScriptlets,
  specialType,
  S_IFDIR,
  S_IFLNK,
  S_IFREG,
  type OwnedPath,
  type PlannedFile,
} from './plan.js';
import { loadInOrder, READ_AHEAD, type LoadedPackage } from './prefetch.js';
import { MemoryTree, type TreeNode } from './tree.js';
import { checkBody, readAll } from './write.js';

export type TreeInstallOptions = Omit<InstallOptions, 'root' | 'manifestPath'>;

export interface TreeInstall {
  tree: MemoryTree;
  /** As installRoot reports it; `root` is empty (there is none on disk). */
  report: InstallReport;
}

/** Install packages into a new in-memory tree. Any failure throws: there is no partial result to keep. */
export async function installTree(opts: TreeInstallOptions): Promise<TreeInstall> {
  const tree = new MemoryTree(Math.floor(Date.now() / 1000));
  const report: InstallReport = { root: '', packages: [], scriptlets: [], skippedNodes: [], ownership: [], chowned: false, osRelease: false, notices: [] };
  const owned = new Map<string, OwnedPath>();
  const ownership = new Map<string, Omit<OwnershipEntry, 'uid' | 'gid'>>();
  const dbPackages: { header: Uint8Array; signature?: Uint8Array; fileStates: number[]; name: string }[] = [];
  const files = opts.packages.map((p) => p.file);
  let pi = -1;
  for await (const loaded of loadInOrder(opts.packages, READ_AHEAD, { verifyDigests: opts.verifyDigests })) {
    pi++;
    const rpm = loaded.rpm;
    await loaded.verified;
    if (rpm.isSource) throw new RpmkitError('RPM_UNSUPPORTED', `${files[pi]}: is a source package; only binary packages can be installed`);
    const nevra = nevraOf(rpm);
    opts.onPackage?.(nevra, pi, files.length);
    const { plan, states, excluded, ghosts } = planPackage(rpm, nevra, opts);
    const pkgReport: InstalledPackageReport = { nevra, name: rpm.nevra.name, file: files[pi], installed: 0, excluded, ghosts };
    for (const p of plan) if (!p.skip) checkOwner(owned.get(conflictKey(tree, p, nevra, 'lexical')), p, nevra);

    const written = await extract(tree, loaded, rpm, nevra, plan, states, report);
    for (const { plan: p, rel } of written) {
      owned.set(conflictKey(tree, p, nevra, false), { pkg: nevra, file: p.file, sameRun: true });
      ownership.set(rel, ownershipOf(rel, p.file, nevra));
      pkgReport.installed++;
    }
    report.scriptlets.push(...skippedScriptlets(rpm, nevra));
    dbPackages.push({ header: rpm.headerBlob, signature: rpm.signature.blob, fileStates: states, name: nevra });
    report.packages.push(pkgReport);
  }

  const idFile = (rel: string[]) => parseIdFile(tree.readFile(rel)?.toString('utf8') ?? '');
  const users = idFile(['etc', 'passwd']);
  const groups = idFile(['etc', 'group']);
  users.set('root', users.get('root') ?? 0);
  groups.set('root', groups.get('root') ?? 0);
  const owners = numberOwners(ownership.values(), { users, groups });
  report.ownership = owners.entries;
  report.notices.push(...owners.notices);
  if (report.skippedNodes.length > 0) report.notices.push(`${report.skippedNodes.length} socket(s) left out: an image layer cannot hold one`);

  report.osRelease = hasOsRelease(tree);
  if (opts.osRelease !== false && !report.osRelease) report.notices.push(OS_RELEASE_NOTICE);

  if (opts.rpmdb !== false) {
    const dir = tree.resolveDir(['var', 'lib', 'rpm'], 'rpmdb', '/var/lib/rpm', true);
    const bytes = await buildRpmdb(dbPackages, { installTime: opts.installTime, arch: opts.arch });
    tree.put(dir, 'rpmdb.sqlite', { kind: 'file', mode: S_IFREG | 0o644, mtime: tree.now, data: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) });
    report.rpmdb = `/${[...dir, 'rpmdb.sqlite'].join('/')}`;
  }
  return { tree, report };
}

function hasOsRelease(tree: MemoryTree): boolean {
  for (const rel of [['etc'], ['usr', 'lib']]) {
    try {
      const n = tree.child(tree.resolveDir(rel, 'os-release', `/${rel.join('/')}`, false), 'os-release');
      if (n?.kind === 'file' || n?.kind === 'symlink') return true;
    } catch {
      // not there
    }
  }
  return false;
}

/** The path a package path lands on once its parents are resolved, for conflict checks. */
function conflictKey(tree: MemoryTree, p: PlannedFile, nevra: string, create: false | 'lexical'): string {
  if (p.components.length === 0) return '/';
  const dir = tree.resolveDir(p.components.slice(0, -1), nevra, p.file.path, create);
  return `/${[...dir, p.components[p.components.length - 1]].join('/')}`;
}

interface Written {
  plan: PlannedFile;
  /** "/usr/bin/x", parents resolved. */
  rel: string;
}

/** An entry's whole content, checked against the header's size and digest. */
async function bodyOf(entry: CpioEntry, f: RpmFileInfo, nevra: string): Promise<Buffer> {
  let data = entry.data;
  if (!data) {
    const parts: Buffer[] = [];
    let size = 0;
    for await (const c of entry.body) {
      parts.push(c);
      size += c.length;
      // One chunk past the declared size tells enough; checkBody words the error.
      if (size > f.size) break;
    }
    data = Buffer.concat(parts);
  }
  checkBody(data, f, nevra);
  return data;
}

/** Apply one package's payload to the tree, in archive order, as extractPackage does on disk. */
async function extract(tree: MemoryTree, loaded: LoadedPackage, rpm: RpmFile, nevra: string, plan: PlannedFile[], states: number[], report: InstallReport): Promise<Written[]> {
  const written: Written[] = [];
  const seen = new Set<number>();
  // Hardlink sets: members wait for the one entry that carries the body.
  const linkDone = new Map<string, TreeNode>();
  const linkWaiting = new Map<string, PlannedFile[]>();

  const parentOf = (p: PlannedFile) => tree.resolveDir(p.components.slice(0, -1), nevra, p.file.path, true);
  const place = (p: PlannedFile, node: TreeNode) => {
    const dir = parentOf(p);
    const name = p.components[p.components.length - 1];
    if (tree.child(dir, name)?.kind === 'dir') {
      throw new RpmkitError('FILE_CONFLICT', `${nevra}: cannot replace directory ${p.file.path} with a ${node.kind === 'symlink' ? 'symlink' : 'file'}`, {
        hint: 'a package installed earlier (or the root itself) has a directory where this package ships a file',
        details: { package: nevra, path: p.file.path },
      });
    }
    tree.put(dir, name, node);
    written.push({ plan: p, rel: `/${[...dir, name].join('/')}` });
  };

  for await (const entry of loaded.entries()) {
    const p = plan[archiveIndex(entry, nevra)];
    seen.add(p.index);
    if (p.skip || p.components.length === 0) continue;
    const f = p.file;
    const t = fileType(f.mode);
    if (t === S_IFREG) {
      const key = `${f.device}:${f.inode}`;
      if (f.nlink > 1 && (linkDone.has(key) || (entry.size === 0 && f.size > 0))) {
        const body = linkDone.get(key);
        if (body) place(p, body);
        else linkWaiting.set(key, [...(linkWaiting.get(key) ?? []), p]);
        continue;
      }
      const node: TreeNode = { kind: 'file', mode: f.mode, mtime: f.mtime, data: await bodyOf(entry, f, nevra) };
      place(p, node);
      if (f.nlink > 1) {
        linkDone.set(key, node);
        for (const w of linkWaiting.get(key) ?? []) place(w, node);
        linkWaiting.delete(key);
      }
    } else if (t === S_IFDIR) {
      ensureDir(tree, p, nevra, written);
    } else if (t === S_IFLNK) {
      // rpm takes the target from the header; the archive body must agree.
      const body = entry.data ?? (await readAll(entry, 65536, nevra));
      if (body.length > 65536) throw new RpmkitError('PAYLOAD_INVALID', `${nevra}: ${entry.path}: ${entry.size} bytes is too large here`);
      if (body.length > 0 && body.toString('utf8') !== f.linkTarget) {
        throw new RpmkitError('PAYLOAD_INVALID', `${nevra}: symlink ${f.path}: archive target ${JSON.stringify(body.toString('utf8'))} differs from the header's ${JSON.stringify(f.linkTarget)}`, { details: { package: nevra, path: f.path } });
      }
      place(p, { kind: 'symlink', mode: f.mode, mtime: f.mtime, target: f.linkTarget });
    } else {
      const type = specialType(t);
      if (type === undefined) throw new RpmkitError('PAYLOAD_INVALID', `${nevra}: ${f.path} has unknown file type ${(f.mode >>> 12).toString(8)}`, { details: { package: nevra, path: f.path } });
      if (type === 'socket') {
        report.skippedNodes.push({ package: nevra, path: f.path, type, major: entry.rdevMajor, minor: entry.rdevMinor, mode: f.mode });
        states[p.index] = FILE_STATE.NOTINSTALLED;
      } else {
        place(p, { kind: type, mode: f.mode, mtime: tree.now, major: entry.rdevMajor, minor: entry.rdevMinor });
      }
    }
  }

  checkArchiveComplete(plan, seen, linkWaiting, nevra);
  return written;
}

/** A packaged directory: made, or re-moded when there; a symlink to a directory stays (rpm accepts /lib -> usr/lib). */
function ensureDir(tree: MemoryTree, p: PlannedFile, nevra: string, written: Written[]): void {
  const dir = tree.resolveDir(p.components.slice(0, -1), nevra, p.file.path, true);
  const name = p.components[p.components.length - 1];
  const mode = S_IFDIR | (p.file.mode & 0o7777);
  const n = tree.child(dir, name);
  const rel = `/${[...dir, name].join('/')}`;
  if (!n) {
    tree.put(dir, name, { kind: 'dir', mode, mtime: tree.now, children: new Map() });
    written.push({ plan: p, rel });
  } else if (n.kind === 'dir') {
    n.mode = mode;
    written.push({ plan: p, rel });
  } else if (n.kind === 'symlink') {
    tree.resolveDir(p.components, nevra, p.file.path, false);
  } else {
    throw new RpmkitError('FILE_CONFLICT', `${nevra}: cannot create directory ${p.file.path}: a file is in the way`, { details: { package: nevra, path: p.file.path } });
  }
}
