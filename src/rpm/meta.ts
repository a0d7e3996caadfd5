// Turns a parsed main header into plain data: NEVRA, the file list with all
// per-file attributes, dependencies (with RPMSENSE qualifiers and rich deps)
// and scriptlets/triggers. Per-file arrays must agree in length with the file
// count; a header where they do not is rejected (rpm refuses it too).
import { RpmkitError } from '../errors.js';
import { type DepOp, parseEVR } from '../evr/index.js';
import type { Header } from './header.js';
import { tryParseRichDep } from '../repo/richdep.js';
import { FILEFLAG, HASHALGO, SENSE, TAG } from './tags.js';
import type { Nevra, RpmDep, RpmDeps, RpmFileInfo, Scriptlet, ScriptletPhase, Trigger } from './types.js';

function bad(file: string, msg: string): RpmkitError {
  return new RpmkitError('RPM_INVALID', `${file}: header: ${msg}`, {
    hint: 'The package header is inconsistent; the file is corrupt or was built by a broken tool.',
    details: { file },
  });
}

export function readNevra(h: Header, file: string): Nevra {
  const name = h.string(TAG.NAME);
  const version = h.string(TAG.VERSION);
  const release = h.string(TAG.RELEASE);
  if (name === undefined || version === undefined || release === undefined) throw bad(file, 'missing NAME, VERSION or RELEASE');
  const epoch = h.number(TAG.EPOCH);
  const isSource = !h.has(TAG.SOURCERPM);
  // rpm reports source packages as arch "src" whatever ARCH says.
  const arch = isSource ? (h.has(TAG.NOSOURCE) || h.has(TAG.NOPATCH) ? 'nosrc' : 'src') : (h.string(TAG.ARCH) ?? 'noarch');
  return epoch === undefined ? { name, version, release, arch } : { name, epoch, version, release, arch };
}

export function readFiles(h: Header, file: string): RpmFileInfo[] {
  let paths: string[];
  const basenames = h.strings(TAG.BASENAMES);
  if (basenames.length > 0) {
    const dirnames = h.strings(TAG.DIRNAMES);
    const dirindexes = h.numbers(TAG.DIRINDEXES);
    if (dirindexes.length !== basenames.length) throw bad(file, `DIRINDEXES has ${dirindexes.length} entries for ${basenames.length} files`);
    paths = basenames.map((b, i) => {
      const d = dirnames[dirindexes[i]!];
      if (d === undefined) throw bad(file, `file ${i} points at directory ${dirindexes[i]} of ${dirnames.length}`);
      return d + b;
    });
  } else {
    paths = h.strings(TAG.OLDFILENAMES);
  }
  const n = paths.length;
  if (n === 0) return [];
  const arr = <T>(tag: number, get: (t: number) => T[], dflt: T): T[] => {
    if (!h.has(tag)) return new Array<T>(n).fill(dflt);
    const v = get.call(h, tag);
    if (v.length !== n) throw bad(file, `${tagLabel(tag)} has ${v.length} entries for ${n} files`);
    return v;
  };
  const nums = (tag: number) => arr(tag, h.numbers, 0);
  const strs = (tag: number) => arr(tag, h.strings, '');
  const sizes = h.has(TAG.LONGFILESIZES) ? nums(TAG.LONGFILESIZES) : nums(TAG.FILESIZES);
  const modes = nums(TAG.FILEMODES);
  const rdevs = nums(TAG.FILERDEVS);
  const mtimes = nums(TAG.FILEMTIMES);
  const digests = strs(TAG.FILEDIGESTS);
  const links = strs(TAG.FILELINKTOS);
  const flags = nums(TAG.FILEFLAGS);
  const users = strs(TAG.FILEUSERNAME);
  const groups = strs(TAG.FILEGROUPNAME);
  const verify = h.has(TAG.FILEVERIFYFLAGS) ? nums(TAG.FILEVERIFYFLAGS) : new Array<number>(n).fill(0xffffffff);
  const devices = nums(TAG.FILEDEVICES);
  const inodes = nums(TAG.FILEINODES);
  const langs = strs(TAG.FILELANGS);
  const caps = strs(TAG.FILECAPS);
  const uids = h.has(TAG.FILEUIDS) ? nums(TAG.FILEUIDS) : undefined;
  const gids = h.has(TAG.FILEGIDS) ? nums(TAG.FILEGIDS) : undefined;
  const algo = HASHALGO[h.number(TAG.FILEDIGESTALGO) ?? 1] ?? `algo${h.number(TAG.FILEDIGESTALGO)}`;
  // Hardlinks: regular files sharing (device, inode) — rpmfiles' fnlink.
  const linkCount = new Map<string, number>();
  const key = (i: number) => `${devices[i]}:${inodes[i]}`;
  for (let i = 0; i < n; i++) if ((modes[i]! & 0o170000) === 0o100000 && inodes[i]) linkCount.set(key(i), (linkCount.get(key(i)) ?? 0) + 1);
  const out: RpmFileInfo[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const f = flags[i]!;
    const info: RpmFileInfo = {
      path: paths[i]!,
      mode: modes[i]!,
      size: sizes[i]!,
      user: users[i]!,
      group: groups[i]!,
      mtime: mtimes[i]!,
      digest: digests[i]!,
      digestAlgo: algo,
      flags: f,
      config: (f & FILEFLAG.CONFIG) !== 0,
      doc: (f & FILEFLAG.DOC) !== 0,
      license: (f & FILEFLAG.LICENSE) !== 0,
      ghost: (f & FILEFLAG.GHOST) !== 0,
      missingok: (f & FILEFLAG.MISSINGOK) !== 0,
      noreplace: (f & FILEFLAG.NOREPLACE) !== 0,
      linkTarget: links[i]!,
      inode: inodes[i]!,
      device: devices[i]!,
      rdev: rdevs[i]!,
      caps: caps[i]!,
      lang: langs[i]!,
      verifyFlags: verify[i]!,
      nlink: (modes[i]! & 0o170000) === 0o100000 && inodes[i] ? (linkCount.get(key(i)) ?? 1) : 1,
    };
    if (uids) info.uid = uids[i]!;
    if (gids) info.gid = gids[i]!;
    out[i] = info;
  }
  return out;
}

function tagLabel(tag: number): string {
  for (const [k, v] of Object.entries(TAG)) if (v === tag) return k;
  return `tag ${tag}`;
}

function senseOp(flags: number): DepOp | undefined {
  const cmp = flags & (SENSE.LESS | SENSE.GREATER | SENSE.EQUAL);
  switch (cmp) {
    case SENSE.LESS:
      return 'LT';
    case SENSE.LESS | SENSE.EQUAL:
      return 'LE';
    case SENSE.EQUAL:
      return 'EQ';
    case SENSE.GREATER | SENSE.EQUAL:
      return 'GE';
    case SENSE.GREATER:
      return 'GT';
    default:
      return undefined;
  }
}

const QUALIFIERS: [number, string][] = [
  [SENSE.SCRIPT_PRE, 'pre'],
  [SENSE.SCRIPT_POST, 'post'],
  [SENSE.SCRIPT_PREUN, 'preun'],
  [SENSE.SCRIPT_POSTUN, 'postun'],
  [SENSE.PRETRANS, 'pretrans'],
  [SENSE.POSTTRANS, 'posttrans'],
  [SENSE.PREUNTRANS, 'preuntrans'],
  [SENSE.POSTUNTRANS, 'postuntrans'],
  [SENSE.SCRIPT_VERIFY, 'verify'],
  [SENSE.INTERP, 'interp'],
  [SENSE.RPMLIB, 'rpmlib'],
  [SENSE.CONFIG, 'config'],
  [SENSE.MISSINGOK, 'missingok'],
  [SENSE.META, 'meta'],
];

/** Requires(pre)-like bits that make createrepo mark a require pre="1". */
const PRE_BITS = SENSE.PREREQ | SENSE.SCRIPT_PRE | SENSE.SCRIPT_POST | SENSE.PRETRANS | SENSE.POSTTRANS;

function readDepList(h: Header, file: string, nameTag: number, flagsTag: number, versionTag: number, withQualifiers: boolean): RpmDep[] {
  const names = h.strings(nameTag);
  if (names.length === 0) return [];
  const flags = h.has(flagsTag) ? h.numbers(flagsTag) : new Array<number>(names.length).fill(0);
  const versions = h.has(versionTag) ? h.strings(versionTag) : new Array<string>(names.length).fill('');
  if (flags.length !== names.length || versions.length !== names.length) throw bad(file, `${tagLabel(nameTag)}: ${names.length} names, ${flags.length} flags, ${versions.length} versions`);
  return names.map((name, i) => {
    const f = flags[i]!;
    const v = versions[i]!;
    const d: RpmDep = { name, flags: f };
    const op = senseOp(f);
    if (op && v !== '') {
      d.op = op;
      d.evr = parseEVR(v);
    }
    if (withQualifiers) {
      const q = QUALIFIERS.filter(([bit]) => (f & bit) !== 0).map(([, s]) => s);
      if (q.length) d.qualifiers = q;
      if (f & PRE_BITS) d.pre = true;
    }
    if (name.startsWith('(')) {
      const rich = tryParseRichDep(name);
      if (rich) d.rich = rich;
    }
    return d;
  });
}

export function readDeps(h: Header, file: string): RpmDeps {
  const weak = (nameTag: number, flagsTag: number, versionTag: number) => readDepList(h, file, nameTag, flagsTag, versionTag, false);
  // Old SUSE packages carry weak deps in OLDSUGGESTS/OLDENHANCES with a
  // "strong" bit (1<<27) meaning Recommends/Supplements.
  const STRONG = 1 << 27;
  const oldSug = weak(TAG.OLDSUGGESTSNAME, TAG.OLDSUGGESTSFLAGS, TAG.OLDSUGGESTSVERSION);
  const oldEnh = weak(TAG.OLDENHANCESNAME, TAG.OLDENHANCESFLAGS, TAG.OLDENHANCESVERSION);
  return {
    requires: readDepList(h, file, TAG.REQUIRENAME, TAG.REQUIREFLAGS, TAG.REQUIREVERSION, true),
    provides: weak(TAG.PROVIDENAME, TAG.PROVIDEFLAGS, TAG.PROVIDEVERSION),
    conflicts: weak(TAG.CONFLICTNAME, TAG.CONFLICTFLAGS, TAG.CONFLICTVERSION),
    obsoletes: weak(TAG.OBSOLETENAME, TAG.OBSOLETEFLAGS, TAG.OBSOLETEVERSION),
    recommends: [...weak(TAG.RECOMMENDNAME, TAG.RECOMMENDFLAGS, TAG.RECOMMENDVERSION), ...oldSug.filter((d) => d.flags & STRONG)],
    suggests: [...weak(TAG.SUGGESTNAME, TAG.SUGGESTFLAGS, TAG.SUGGESTVERSION), ...oldSug.filter((d) => !(d.flags & STRONG))],
    supplements: [...weak(TAG.SUPPLEMENTNAME, TAG.SUPPLEMENTFLAGS, TAG.SUPPLEMENTVERSION), ...oldEnh.filter((d) => d.flags & STRONG)],
    enhances: [...weak(TAG.ENHANCENAME, TAG.ENHANCEFLAGS, TAG.ENHANCEVERSION), ...oldEnh.filter((d) => !(d.flags & STRONG))],
    orders: weak(TAG.ORDERNAME, TAG.ORDERFLAGS, TAG.ORDERVERSION),
  };
}

const SCRIPTS: [ScriptletPhase, number, number, number][] = [
  ['pretrans', TAG.PRETRANS, TAG.PRETRANSPROG, TAG.PRETRANSFLAGS],
  ['prein', TAG.PREIN, TAG.PREINPROG, TAG.PREINFLAGS],
  ['postin', TAG.POSTIN, TAG.POSTINPROG, TAG.POSTINFLAGS],
  ['preun', TAG.PREUN, TAG.PREUNPROG, TAG.PREUNFLAGS],
  ['postun', TAG.POSTUN, TAG.POSTUNPROG, TAG.POSTUNFLAGS],
  ['posttrans', TAG.POSTTRANS, TAG.POSTTRANSPROG, TAG.POSTTRANSFLAGS],
  ['preuntrans', TAG.PREUNTRANS, TAG.PREUNTRANSPROG, TAG.PREUNTRANSFLAGS],
  ['postuntrans', TAG.POSTUNTRANS, TAG.POSTUNTRANSPROG, TAG.POSTUNTRANSFLAGS],
  ['verify', TAG.VERIFYSCRIPT, TAG.VERIFYSCRIPTPROG, TAG.VERIFYSCRIPTFLAGS],
];

export function readScriptlets(h: Header): Scriptlet[] {
  const out: Scriptlet[] = [];
  for (const [phase, body, prog, flags] of SCRIPTS) {
    if (!h.has(body) && !h.has(prog)) continue;
    const interp = h.strings(prog);
    out.push({ phase, interpreter: interp.length ? interp : ['/bin/sh'], body: h.string(body) ?? '', flags: h.number(flags) ?? 0 });
  }
  return out;
}

const TRIGGER_TYPES: [number, string][] = [
  [SENSE.TRIGGERPREIN, 'prein'],
  [SENSE.TRIGGERIN, 'in'],
  [SENSE.TRIGGERUN, 'un'],
  [SENSE.TRIGGERPOSTUN, 'postun'],
];

function readTriggerSet(h: Header, file: string, prefix: string, t: { scripts: number; prog: number; sflags: number; name: number; version: number; flags: number; index: number; prio?: number }): Trigger[] {
  const scripts = h.strings(t.scripts);
  if (scripts.length === 0) return [];
  const progs = h.strings(t.prog);
  const sflags = h.numbers(t.sflags);
  const prios = t.prio ? h.numbers(t.prio) : [];
  const conds = readDepList(h, file, t.name, t.flags, t.version, false);
  const index = h.numbers(t.index);
  if (index.length !== conds.length) throw bad(file, `${prefix}trigger index has ${index.length} entries for ${conds.length} conditions`);
  const out: Trigger[] = scripts.map((body, i) => ({ type: `${prefix}trigger`, conditions: [], interpreter: progs[i] ? [progs[i]!] : ['/bin/sh'], body, flags: sflags[i] ?? 0 }));
  conds.forEach((c, k) => {
    const tr = out[index[k]!];
    if (!tr) throw bad(file, `${prefix}trigger condition ${k} points at script ${index[k]} of ${scripts.length}`);
    const kind = TRIGGER_TYPES.find(([bit]) => c.flags & bit)?.[1] ?? 'in';
    tr.type = `${prefix}trigger${kind}`;
    tr.conditions.push(c);
  });
  if (t.prio) out.forEach((tr, i) => prios[i] !== undefined && (tr.priority = prios[i]));
  return out;
}

export function readTriggers(h: Header, file: string): Trigger[] {
  return [
    ...readTriggerSet(h, file, '', { scripts: TAG.TRIGGERSCRIPTS, prog: TAG.TRIGGERSCRIPTPROG, sflags: TAG.TRIGGERSCRIPTFLAGS, name: TAG.TRIGGERNAME, version: TAG.TRIGGERVERSION, flags: TAG.TRIGGERFLAGS, index: TAG.TRIGGERINDEX }),
    ...readTriggerSet(h, file, 'file', { scripts: TAG.FILETRIGGERSCRIPTS, prog: TAG.FILETRIGGERSCRIPTPROG, sflags: TAG.FILETRIGGERSCRIPTFLAGS, name: TAG.FILETRIGGERNAME, version: TAG.FILETRIGGERVERSION, flags: TAG.FILETRIGGERFLAGS, index: TAG.FILETRIGGERINDEX, prio: TAG.FILETRIGGERPRIORITIES }),
    ...readTriggerSet(h, file, 'transfile', { scripts: TAG.TRANSFILETRIGGERSCRIPTS, prog: TAG.TRANSFILETRIGGERSCRIPTPROG, sflags: TAG.TRANSFILETRIGGERSCRIPTFLAGS, name: TAG.TRANSFILETRIGGERNAME, version: TAG.TRANSFILETRIGGERVERSION, flags: TAG.TRANSFILETRIGGERFLAGS, index: TAG.TRANSFILETRIGGERINDEX, prio: TAG.TRANSFILETRIGGERPRIORITIES }),
  ];
}
