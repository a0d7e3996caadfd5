// Test helpers for the repo stage: libsolv's view of a primary.xml
// (rpmmd2solv | dumpsolv) and tiny hand-made repositories with correct (or
// deliberately wrong) repomd.xml entries.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { formatEVR } from '../../src/evr/index.js';
import { plainPackage, type Dep, type Package } from '../../src/repo/index.js';

export interface Solvable {
  name: string;
  arch: string;
  evr: string;
  checksum?: string;
  downloadsize?: number;
  installsize?: number;
  buildtime?: number;
  mediadir?: string;
  mediafile?: string;
  lists: Record<string, string[]>;
}

/** libsolv's solvables for a compressed primary.xml (all fields) — via a temp .solv file. */
export function dumpsolv(primaryGz: string, tmp: string): Solvable[] {
  const solv = path.join(tmp, `${path.basename(primaryGz)}.solv`);
  const r = spawnSync('sh', ['-c', `zcat -f '${primaryGz}' | rpmmd2solv > '${solv}' && dumpsolv '${solv}'`], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`rpmmd2solv/dumpsolv failed: ${r.stderr}`);
  return parseDumpsolv(r.stdout);
}

/** Only the solvable count libsolv reports (cheap for big repos). */
export function solvCount(primaryGz: string, tmp: string): number {
  const solv = path.join(tmp, `${path.basename(primaryGz)}.solv`);
  const r = spawnSync('sh', ['-c', `zcat -f '${primaryGz}' | rpmmd2solv > '${solv}' && dumpsolv '${solv}' | head -3`], { encoding: 'utf8' });
  const m = /repo size: (\d+) solvables/.exec(r.stdout + r.stderr);
  if (!m) throw new Error(`unexpected dumpsolv output: ${r.stdout.slice(0, 500)} ${r.stderr.slice(0, 500)}`);
  return Number(m[1]);
}

export function parseDumpsolv(text: string): Solvable[] {
  const out: Solvable[] = [];
  const blocks = text.split(/^solvable \d+ \(\d+\):\n/m).slice(1);
  for (const b of blocks) {
    const s: Solvable = { name: '', arch: '', evr: '', lists: {} };
    let list: string[] | undefined;
    for (const line of b.split('\n')) {
      if (line.startsWith('  ') && list) {
        list.push(line.slice(2));
        continue;
      }
      const m = /^solvable:([a-z]+): ?(.*)$/.exec(line);
      if (!m) {
        list = undefined;
        continue;
      }
      const [, k, v] = m as unknown as [string, string, string];
      list = undefined;
      if (v === '') {
        list = [];
        s.lists[k] = list;
      } else if (k === 'name') s.name = v;
      else if (k === 'arch') s.arch = v;
      else if (k === 'evr') s.evr = v;
      else if (k === 'checksum') s.checksum = v.replace(/ \(.*\)$/, '');
      else if (k === 'downloadsize') s.downloadsize = Number(v);
      else if (k === 'installsize') s.installsize = Number(v);
      else if (k === 'buildtime') s.buildtime = Number(v);
      else if (k === 'mediadir') s.mediadir = v;
      else if (k === 'mediafile') s.mediafile = v;
    }
    out.push(s);
  }
  return out;
}

// dumpsolv prints strict comparisons doubled.
const SYM = { LT: '<<', LE: '<=', EQ: '=', GE: '>=', GT: '>>' } as const;

/** A dependency the way dumpsolv prints it (epoch only when non-zero). */
export function solvDep(d: Dep): string {
  if (d.rich) return solvRich(d.rich.op, d.rich.args);
  if (!d.op || !d.evr) return d.name;
  const e = d.evr;
  const ep = e.epoch && e.epoch !== '0' ? `${e.epoch}:` : '';
  return `${d.name} ${SYM[d.op]} ${ep}${e.version}${e.release !== undefined ? `-${e.release}` : ''}`;
}

export function pkgEvr(p: Package): string {
  return formatEVR({ epoch: p.epoch, version: p.version, release: p.release });
}

export interface RepoFiles {
  primary?: string | Buffer;
  filelists?: string | Buffer;
  updateinfo?: string | Buffer;
}

export interface MakeRepoOptions {
  /** Write a wrong checksum for this data type. */
  badChecksum?: keyof RepoFiles;
  /** Write a wrong size for this data type. */
  badSize?: keyof RepoFiles;
  /** List this type in repomd.xml but do not write the file. */
  missing?: keyof RepoFiles;
  /** Compress with this (default gz); 'raw' writes the bytes as given (already compressed). */
  compression?: 'gz' | 'none' | 'raw';
  revision?: string;
  /** Claimed open-size override per type. */
  openSize?: Partial<Record<keyof RepoFiles, number>>;
  /** Extension override, e.g. 'xml.zck'. */
  ext?: string;
}

/** Write `dir/repodata/` with the given documents and a matching repomd.xml. Returns dir. */
export function makeRepo(dir: string, files: RepoFiles, o: MakeRepoOptions = {}): string {
  mkdirSync(path.join(dir, 'repodata'), { recursive: true });
  let md = `<?xml version="1.0" encoding="UTF-8"?>\n<repomd xmlns="http://linux.duke.edu/metadata/repo">\n  <revision>${o.revision ?? '1'}</revision>\n`;
  for (const [type, content] of Object.entries(files) as [keyof RepoFiles, string | Buffer][]) {
    const raw = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
    const comp = o.compression ?? 'gz';
    const data = comp === 'gz' ? gzipSync(raw) : raw;
    const sum = createHash('sha256').update(data).digest('hex');
    const ext = o.ext ?? (comp === 'gz' ? 'xml.gz' : 'xml');
    const href = `repodata/${sum}-${type}.${ext}`;
    if (o.missing !== type) writeFileSync(path.join(dir, href), data);
    const csum = o.badChecksum === type ? createHash('sha256').update('other').digest('hex') : sum;
    const size = o.badSize === type ? data.length + 1 : data.length;
    const openSize = o.openSize?.[type] ?? (comp === 'raw' ? undefined : raw.length);
    md += `  <data type="${type}">\n    <checksum type="sha256">${csum}</checksum>\n    <open-checksum type="sha256">${createHash('sha256').update(raw).digest('hex')}</open-checksum>\n    <location href="${href}"/>\n    <timestamp>1700000000</timestamp>\n    <size>${size}</size>\n${openSize === undefined ? '' : `    <open-size>${openSize}</open-size>\n`}  </data>\n`;
  }
  md += '</repomd>\n';
  writeFileSync(path.join(dir, 'repodata', 'repomd.xml'), md);
  return dir;
}

/** A small primary.xml with the given package bodies. */
export function primaryXml(pkgs: string[], declared = pkgs.length): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="${declared}">\n${pkgs.join('\n')}\n</metadata>\n`;
}

export function pkgXml(name: string, opts: { version?: string; release?: string; epoch?: string; arch?: string; requires?: string; provides?: string; files?: string } = {}): string {
  const v = opts.version ?? '1.0';
  const r = opts.release ?? '1';
  const a = opts.arch ?? 'noarch';
  const sum = createHash('sha256').update(`${name}-${v}-${r}.${a}`).digest('hex');
  return `<package type="rpm"><name>${name}</name><arch>${a}</arch><version epoch="${opts.epoch ?? '0'}" ver="${v}" rel="${r}"/><checksum type="sha256" pkgid="YES">${sum}</checksum><summary>${name} summary</summary><description>${name} description</description><packager/><url/><time file="1" build="2"/><size package="3" installed="4" archive="5"/><location href="Packages/${name}-${v}-${r}.${a}.rpm"/><format><rpm:license>MIT</rpm:license><rpm:provides><rpm:entry name="${name}" flags="EQ" epoch="0" ver="${v}" rel="${r}"/>${opts.provides ?? ''}</rpm:provides><rpm:requires>${opts.requires ?? ''}</rpm:requires>${opts.files ?? ''}</format></package>`;
}

// dumpsolv's rendering of rich deps: upper-case/symbolic operators, no outer
// parentheses, nested expressions in parentheses.
const RICH_SYM = { and: '&', or: '|', with: '+', without: '-', if: 'IF', unless: 'UNLESS' } as const;
function solvRich(op: keyof typeof RICH_SYM, args: Dep[]): string {
  const part = (d: Dep) => (d.rich ? `(${solvRich(d.rich.op, d.rich.args)})` : solvDep(d));
  if ((op === 'if' || op === 'unless') && args.length === 3) return `${part(args[0] as Dep)} ${RICH_SYM[op]} ${part(args[1] as Dep)} ELSE ${part(args[2] as Dep)}`;
  return args.map(part).join(` ${RICH_SYM[op]} `);
}

/**
 * Packages as comparable plain objects: cache-decoded packages (whose
 * fields are getters) materialised, and fields that are undefined dropped,
 * so a parsed list and a cached one compare field by field.
 */
export function plain(ps: readonly Package[]): Record<string, unknown>[] {
  return ps.map((p) => Object.fromEntries(Object.entries(plainPackage(p)).filter(([, v]) => v !== undefined)));
}
