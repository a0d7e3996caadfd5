// What installing one package means, whatever the root is made of (a
// directory on disk, or the in-memory tree an image is built from): which of
// its files go in (ghosts, docs and languages left out the way rpm does),
// which clash with a file another package put there, and what is recorded
// afterwards (owners, skipped scriptlets). Both installers share this, so a
// root on disk and an image built without one hold the same files.
import { RpmkitError } from '../errors.js';
import type { CpioEntry, RpmFile, RpmFileInfo } from '../rpm/index.js';
import { FILE_STATE } from '../rpmdb/index.js';
import { capsTextToXattr } from './caps.js';
import { canonicalPath, packagePathComponents } from './paths.js';
import type { IdMaps, OwnershipEntry } from './ownership.js';

export const S_IFMT = 0o170000;
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;
export const S_IFIFO = 0o010000;
export const S_IFSOCK = 0o140000;

export function fileType(mode: number): number {
  return mode & S_IFMT;
}

/** The node kind rpm's mode bits name, for device nodes, FIFOs and sockets. */
export function specialType(t: number): 'char' | 'block' | 'fifo' | 'socket' | undefined {
  return t === S_IFCHR ? 'char' : t === S_IFBLK ? 'block' : t === S_IFIFO ? 'fifo' : t === S_IFSOCK ? 'socket' : undefined;
}

/** What conflict checks need to know about a file. */
export type FileIdentity = Pick<RpmFileInfo, 'ghost' | 'mode' | 'linkTarget' | 'size' | 'digest' | 'rdev'>;

export interface OwnedPath {
  pkg: string;
  file: FileIdentity;
  /** Installed by this run (one transaction) rather than found in the rpmdb. */
  sameRun: boolean;
}

export interface PlannedFile {
  file: RpmFileInfo;
  index: number;
  components: string[];
  skip?: 'ghost' | 'doc' | 'lang' | 'emptydir' | 'shared';
}

export interface PackagePlan {
  plan: PlannedFile[];
  /** rpmdb file states, one per header file. */
  states: number[];
  /** %doc / %lang files (and directories they emptied) left out. */
  excluded: number;
  ghosts: number;
}

export interface SkippedScriptlet {
  package: string;
  phase: string;
  interpreter: string;
}

export interface SkippedNode {
  package: string;
  path: string;
  type: 'char' | 'block' | 'fifo' | 'socket';
  major: number;
  minor: number;
  mode: number;
}

export function nevraOf(rpm: RpmFile): string {
  const n = rpm.nevra;
  return `${n.name}-${n.epoch ? `${n.epoch}:` : ''}${n.version}-${n.release}.${n.arch}`;
}

/**
 * rpm's %_install_langs test: a file whose %lang is "de|de_AT" is kept when an
 * install language starts with one of its parts ("de_DE" keeps "de").
 */
function langKept(lang: string, langs: string[] | undefined): boolean {
  if (!langs || lang === '' || langs.includes('all')) return true;
  const parts = lang.split('|').filter(Boolean);
  return langs.some((l) => parts.some((part) => l.startsWith(part)));
}

const TAG_DIRINDEXES = 1116;
const TAG_DIRNAMES = 1118;

/**
 * rpm's skipInstallFiles second pass: a directory of the package whose
 * entries were all left out (docs, languages) is left out too, innermost
 * first, so --no-docs leaves no empty /usr/share/doc/<pkg> behind.
 */
function skipEmptiedDirs(rpm: RpmFile, plan: PlannedFile[]): void {
  const dirnames = rpm.header.strings(TAG_DIRNAMES);
  const dirIndexes = rpm.header.numbers(TAG_DIRINDEXES);
  if (dirIndexes.length !== plan.length) return;
  const drc = new Array<number>(dirnames.length).fill(0);
  const dff = new Array<boolean>(dirnames.length).fill(false);
  plan.forEach((p, i) => {
    const ix = dirIndexes[i];
    drc[ix]++;
    if (p.skip === 'doc' || p.skip === 'lang') {
      drc[ix]--;
      dff[ix] = true;
    }
  });
  const byPath = new Map(plan.map((p, i) => [p.file.path, i]));
  for (let j = dirnames.length - 1; j >= 0; j--) {
    if (drc[j] !== 0 || !dff[j]) continue;
    const i = byPath.get(dirnames[j].replace(/\/$/, ''));
    if (i === undefined) continue;
    const p = plan[i];
    if (p.skip || fileType(p.file.mode) !== S_IFDIR) continue;
    p.skip = 'emptydir';
    drc[dirIndexes[i]]--;
    dff[dirIndexes[i]] = true;
  }
}

/** Which files of a package go in: path safety first, then ghosts, docs and languages. */
export function planPackage(rpm: RpmFile, nevra: string, opts: { docs?: boolean; langs?: string[] }): PackagePlan {
  const plan: PlannedFile[] = rpm.files.map((f, index) => {
    const p: PlannedFile = { file: f, index, components: packagePathComponents(f.path, nevra) };
    if (f.ghost) p.skip = 'ghost';
    // rpm never leaves out license files, whatever the doc or language policy.
    else if (!f.license && f.doc && opts.docs === false) p.skip = 'doc';
    else if (!f.license && !langKept(f.lang, opts.langs)) p.skip = 'lang';
    return p;
  });
  skipEmptiedDirs(rpm, plan);
  const states = new Array<number>(rpm.files.length).fill(FILE_STATE.NORMAL);
  let excluded = 0;
  let ghosts = 0;
  for (const p of plan) {
    if (p.skip === 'doc' || p.skip === 'lang' || p.skip === 'emptydir') {
      states[p.index] = FILE_STATE.NOTINSTALLED;
      excluded++;
    }
    if (p.skip === 'ghost') ghosts++;
  }
  return { plan, states, excluded, ghosts };
}

/** rpm's rpmfilesCompare: would these two entries for one path conflict? */
function conflicts(a: FileIdentity, b: FileIdentity): boolean {
  if (a.ghost || b.ghost) return false;
  const ta = fileType(a.mode);
  if (ta !== fileType(b.mode)) return true;
  if (ta === S_IFDIR) return false;
  if (ta === S_IFLNK) return a.linkTarget !== b.linkTarget;
  if (ta === S_IFREG) return a.size !== b.size || a.digest !== b.digest;
  return a.rdev !== b.rdev;
}

/**
 * A path another package already owns: a conflict is refused with rpm's
 * wording; an identical file stays as it is (rpm skips it too, which keeps
 * that package's hardlinks intact).
 */
export function checkOwner(prev: OwnedPath | undefined, p: PlannedFile, nevra: string): void {
  if (!prev || prev.pkg === nevra) return;
  const f = p.file;
  if (conflicts(prev.file, f)) {
    const msg = prev.sameRun ? `file ${f.path} conflicts between attempted installs of ${prev.pkg} and ${nevra}` : `file ${f.path} from install of ${nevra} conflicts with file from package ${prev.pkg}`;
    throw new RpmkitError('FILE_CONFLICT', msg, {
      hint: 'the two packages cannot be installed together; exclude one of them',
      details: { path: f.path, package: nevra, conflictsWith: prev.pkg },
    });
  }
  if (fileType(f.mode) !== S_IFDIR) p.skip = 'shared';
}

/** The header file an archive entry stands for; its archive name must be as safe as the header's (checked first). */
export function archiveIndex(entry: CpioEntry, nevra: string): number {
  if (entry.rawPath) canonicalPath(entry.rawPath === '.' ? '/' : entry.rawPath.startsWith('/') || entry.rawPath.startsWith('./') ? entry.rawPath : `/${entry.rawPath}`, nevra);
  if (entry.fileIndex === undefined || !entry.file) {
    throw new RpmkitError('PAYLOAD_INVALID', `${nevra}: archive entry ${JSON.stringify(entry.rawPath || entry.path)} is not in the package header`, {
      hint: 'the package is corrupt or was tampered with',
      details: { package: nevra, path: entry.rawPath || entry.path },
    });
  }
  return entry.fileIndex;
}

/** After the archive: every hardlink set got its content and every file to install was in it. */
export function checkArchiveComplete(plan: PlannedFile[], seen: Set<number>, linkWaiting: Map<string, PlannedFile[]>, nevra: string): void {
  for (const [key, waiting] of linkWaiting) {
    throw new RpmkitError('PAYLOAD_INVALID', `${nevra}: hardlink set ${key} (${waiting.map((w) => w.file.path).join(', ')}) has no content in the archive`, { details: { package: nevra } });
  }
  const missing = plan.filter((p) => !p.skip && !seen.has(p.index) && p.components.length > 0);
  if (missing.length > 0) {
    throw new RpmkitError('PAYLOAD_INVALID', `${nevra}: ${missing.length} file(s) listed in the header are missing from the archive (first: ${missing[0].file.path})`, {
      hint: 'the payload is truncated or corrupt; download the package again',
      details: { package: nevra, missing: missing.slice(0, 20).map((m) => m.file.path) },
    });
  }
}

/** The ownership record of a path a package put in the root (numbers come later, from the root's passwd). */
export function ownershipOf(rel: string, f: RpmFileInfo, nevra: string): Omit<OwnershipEntry, 'uid' | 'gid'> {
  const entry: Omit<OwnershipEntry, 'uid' | 'gid'> = { path: rel, user: f.user || 'root', group: f.group || 'root', mode: f.mode, pkg: nevra };
  if (f.caps) {
    entry.capsText = f.caps;
    entry.caps = Buffer.from(capsTextToXattr(f.caps, nevra)).toString('hex');
  }
  return entry;
}

/** Every scriptlet and trigger of a package, none of which is run. */
export function skippedScriptlets(rpm: RpmFile, nevra: string): SkippedScriptlet[] {
  return [
    ...rpm.scriptlets.map((s) => ({ package: nevra, phase: s.phase, interpreter: s.interpreter.join(' ') })),
    ...rpm.triggers.map((t) => ({ package: nevra, phase: t.type, interpreter: t.interpreter.join(' ') })),
  ];
}

/** Owner names -> numbers through the root's tables, sorted by path; names it lacks become root (as rpm does). */
export function numberOwners(ownership: Iterable<Omit<OwnershipEntry, 'uid' | 'gid'>>, ids: IdMaps): { entries: OwnershipEntry[]; notices: string[] } {
  const unknown = new Set<string>();
  const entries: OwnershipEntry[] = [];
  for (const e of [...ownership].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    const uid = ids.users.get(e.user);
    const gid = ids.groups.get(e.group);
    if (uid === undefined) unknown.add(`user ${e.user}`);
    if (gid === undefined) unknown.add(`group ${e.group}`);
    entries.push({ ...e, uid: uid ?? 0, gid: gid ?? 0 });
  }
  const notices = [...unknown].sort().map((u) => `${u} is not defined in the root's /etc/passwd or /etc/group; owned by root instead (as rpm does)`);
  return { entries, notices };
}

export const OS_RELEASE_NOTICE = "no /etc/os-release in the root: add the distribution's release package so scanners can identify the image (or set os_release = false)";
