// Test helper: a comparable snapshot of a directory tree (type, mode, link
// target, content hash, owner, hardlink groups), ignoring bookkeeping paths.
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface TreeEntry {
  type: string;
  mode: string;
  link?: string;
  sha256?: string;
  uid: number;
  gid: number;
  /** Other paths sharing this inode (regular files only). */
  links?: string;
}

export function snapshot(root: string, ignore: string[] = [], opts: { owners?: boolean } = {}): Map<string, TreeEntry> {
  const out = new Map<string, TreeEntry>();
  const inodes = new Map<number, string[]>();
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(root, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      if (ignore.some((i) => r === i || r.startsWith(`${i}/`))) continue;
      const p = path.join(root, r);
      const st = lstatSync(p);
      const type = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'link' : st.isFile() ? 'file' : st.isCharacterDevice() ? `char ${st.rdev}` : st.isBlockDevice() ? `block ${st.rdev}` : st.isFIFO() ? 'fifo' : 'other';
      const e: TreeEntry = { type, mode: (st.mode & 0o7777).toString(8), uid: opts.owners === false ? 0 : st.uid, gid: opts.owners === false ? 0 : st.gid };
      if (type === 'link') {
        e.link = readlinkSync(p);
        e.mode = '';
      }
      if (type === 'file') {
        e.sha256 = createHash('sha256').update(readFileSync(p)).digest('hex');
        if (st.nlink > 1) inodes.set(st.ino, [...(inodes.get(st.ino) ?? []), r]);
      }
      out.set(r, e);
      if (type === 'dir') walk(r);
    }
  };
  walk('');
  for (const group of inodes.values()) for (const r of group) out.get(r)!.links = group.filter((x) => x !== r).join(',');
  return out;
}

/** Differences between two snapshots, as readable lines (empty when equal). */
export function diffTrees(a: Map<string, TreeEntry>, b: Map<string, TreeEntry>, la = 'ours', lb = 'theirs'): string[] {
  const out: string[] = [];
  for (const [k, v] of a) {
    const w = b.get(k);
    if (!w) out.push(`only in ${la}: /${k}`);
    else if (JSON.stringify(v) !== JSON.stringify(w)) out.push(`/${k}: ${la} ${JSON.stringify(v)} vs ${lb} ${JSON.stringify(w)}`);
  }
  for (const k of b.keys()) if (!a.has(k)) out.push(`only in ${lb}: /${k}`);
  return out;
}

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Run the CLI from source (no build needed). */
export function runSrcCli(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'src', 'cli', 'main.ts'), ...args], { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 1 << 28 });
}

export function rpmCmd(args: string[]) {
  return spawnSync('rpm', args, { encoding: 'utf8', maxBuffer: 1 << 28 });
}

/** rpm -Va lines that report something other than an mtime difference. */
export function verifyProblems(root: string): string[] {
  const r = rpmCmd(['--root', root, '--dbpath', '/var/lib/rpm', '-Va', '--nodeps']);
  return r.stdout.split('\n').filter((l) => l.trim() !== '').filter((l) => {
    const m = /^([.SM5DLUGTPC?]{9})\s/.exec(l);
    return !m || m[1].replace(/T/g, '.') !== '.........';
  }).concat(r.stderr.split('\n').filter((l) => l.trim() !== ''));
}
