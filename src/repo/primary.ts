// primary.xml -> Package[]: one streaming pass, strings interned (dependency
// names and versions repeat thousands of times), EVR objects shared, empty
// lists shared. The result is plain data matching types.ts; treat it as
// immutable (objects are shared between packages).
import type { DepOp, EVR } from '../evr/index.js';
import { RpmkitError } from '../errors.js';
import type { Dep, FileType, Package } from './types.js';
import { tryParseRichDep } from './richdep.js';
import { createXmlParser, feedXml, normalizeChecksumType, type Attrs } from './xml.js';

/** Shared empty list for packages without entries of a kind (frozen: never push to it). */
export const EMPTY: never[] = Object.freeze([]) as unknown as never[];

const DEP_KIND: Record<string, keyof Package> = {
  'rpm:provides': 'provides',
  'rpm:requires': 'requires',
  'rpm:conflicts': 'conflicts',
  'rpm:obsoletes': 'obsoletes',
  'rpm:recommends': 'recommends',
  'rpm:suggests': 'suggests',
  'rpm:supplements': 'supplements',
  'rpm:enhances': 'enhances',
};

const FLAGS: Record<string, DepOp> = { EQ: 'EQ', LT: 'LT', LE: 'LE', GT: 'GT', GE: 'GE' };

/** String and EVR interning shared by the parsers and the cache reader. */
export class Interner {
  private strings = new Map<string, string>();
  private evrs = new Map<string, EVR>();
  private deps = new Map<string, Dep>();
  /** One shared Dep object per distinct (name, flags, evr, pre). */
  dep(name: string, flags: string | undefined, epoch: string | undefined, ver: string | undefined, rel: string | undefined, pre: boolean): Dep {
    const op = flags === undefined ? undefined : FLAGS[flags];
    const key = op === undefined ? (pre ? `${name}\u0001p` : name) : `${name}\u0001${op}\u0001${epoch ?? ''}\u0001${ver ?? ''}\u0001${rel ?? '\u0002'}${pre ? '\u0001p' : ''}`;
    let d = this.deps.get(key);
    if (d) return d;
    d = { name: this.str(name) };
    if (op !== undefined) {
      d.op = op;
      d.evr = this.evr(epoch, ver ?? '', rel);
    }
    if (pre) d.pre = true;
    if (name.charCodeAt(0) === 40 /* ( */) {
      const rich = tryParseRichDep(name);
      if (rich) d.rich = rich;
    }
    this.deps.set(key, d);
    return d;
  }
  str(s: string): string {
    const h = this.strings.get(s);
    if (h !== undefined) return h;
    this.strings.set(s, s);
    return s;
  }
  evr(epoch: string | undefined, version: string, release: string | undefined): EVR {
    const key = `${epoch ?? ''}\u0001${version}\u0001${release ?? '\u0002'}`;
    let e = this.evrs.get(key);
    if (!e) {
      e = { version: this.str(version) };
      if (epoch !== undefined) e.epoch = this.str(epoch);
      if (release !== undefined) e.release = this.str(release);
      this.evrs.set(key, e);
    }
    return e;
  }
}

export function newPackage(repoId: string): Package {
  return {
    name: '',
    epoch: '0',
    version: '',
    release: '',
    arch: '',
    repoId,
    location: '',
    locationBase: undefined,
    checksum: { type: 'sha256', value: '' },
    size: { package: 0, installed: 0, archive: 0 },
    time: { file: 0, build: 0 },
    sourcerpm: undefined,
    summary: undefined,
    description: undefined,
    url: undefined,
    license: undefined,
    vendor: undefined,
    group: undefined,
    buildhost: undefined,
    packager: undefined,
    headerRange: undefined,
    provides: EMPTY,
    requires: EMPTY,
    conflicts: EMPTY,
    obsoletes: EMPTY,
    recommends: EMPTY,
    suggests: EMPTY,
    supplements: EMPTY,
    enhances: EMPTY,
    files: EMPTY,
    fileTypes: undefined,
  };
}

const num = (s: string | undefined): number => {
  if (s === undefined || s === '') return 0;
  const n = Number(s);
  return Number.isFinite(n) ? n : 0;
};

export interface PrimaryResult {
  packages: Package[];
  /** The count the document claims in <metadata packages="N">. */
  declared?: number;
}

export interface ParseOptions {
  repoId: string;
  /** "repo 'id': repodata/...-primary.xml.gz" for error messages. */
  what: string;
  filter?: (name: string) => boolean;
  interner?: Interner;
  /** Refuse documents claiming/holding more packages than this. */
  maxPackages?: number;
}

const TEXT_FIELDS = new Set(['name', 'arch', 'checksum', 'summary', 'description', 'packager', 'url', 'rpm:license', 'rpm:vendor', 'rpm:group', 'rpm:buildhost', 'rpm:sourcerpm', 'file']);
const MAX_TEXT = 16 * 1024 * 1024;

export async function parsePrimary(chunks: AsyncIterable<Buffer>, opts: ParseOptions): Promise<PrimaryResult> {
  const I = opts.interner ?? new Interner();
  const packages: Package[] = [];
  const maxPackages = opts.maxPackages ?? 5_000_000;
  let declared: number | undefined;
  let pkg: Package | undefined;
  let deps: Dep[] | undefined;
  let depKind: keyof Package | undefined;
  let files: string[] | undefined;
  let fileTypes: FileType[] | undefined;
  let anyTyped = false;
  let fileType: FileType = 'file';
  let text = '';
  let collecting = false;
  const p = await createXmlParser(opts.what);

  p.on('opentag', (node) => {
    const name = node.name;
    const a = node.attributes as Attrs;
    if (pkg === undefined) {
      if (name === 'package') {
        pkg = newPackage(opts.repoId);
        files = undefined;
        fileTypes = undefined;
        anyTyped = false;
      } else if (name === 'metadata' && a.packages !== undefined) {
        declared = Number(a.packages);
        if (declared > maxPackages) throw new RpmkitError('METADATA_INVALID', `${opts.what}: claims ${declared} packages (limit ${maxPackages})`, { hint: 'the document is corrupt or hostile' });
      }
      return;
    }
    if (name === 'rpm:entry') {
      if (deps === undefined) return;
      deps.push(I.dep(a.name ?? '', a.flags, a.epoch, a.ver, a.rel, a.pre === '1' || a.pre === 'true'));
      return;
    }
    if (TEXT_FIELDS.has(name)) {
      collecting = true;
      text = '';
      if (name === 'checksum') pkg.checksum.type = normalizeChecksumType(a.type);
      else if (name === 'file') {
        const t = a.type;
        fileType = t === 'dir' ? 'dir' : t === 'ghost' ? 'ghost' : 'file';
        if (fileType !== 'file') anyTyped = true;
      }
      return;
    }
    const kind = DEP_KIND[name];
    if (kind !== undefined) {
      depKind = kind;
      deps = [];
      return;
    }
    switch (name) {
      case 'version':
        pkg.epoch = I.str(a.epoch || '0');
        pkg.version = I.str(a.ver ?? '');
        pkg.release = I.str(a.rel ?? '');
        break;
      case 'time':
        pkg.time = { file: num(a.file), build: num(a.build) };
        break;
      case 'size':
        pkg.size = { package: num(a.package), installed: num(a.installed), archive: num(a.archive) };
        break;
      case 'location':
        pkg.location = a.href ?? '';
        if (a['xml:base']) pkg.locationBase = a['xml:base'];
        break;
      case 'rpm:header-range':
        pkg.headerRange = { start: num(a.start), end: num(a.end) };
        break;
    }
  });

  const onText = (t: string): void => {
    if (collecting) {
      text += t;
      if (text.length > MAX_TEXT) throw new RpmkitError('METADATA_INVALID', `${opts.what}: a text field is larger than ${MAX_TEXT} bytes`, { hint: 'the document is corrupt or hostile' });
    }
  };
  p.on('text', onText);
  // CDATA sections are text too.
  p.on('cdata', onText);

  p.on('closetag', (node) => {
    const name = node.name;
    if (pkg === undefined) return;
    if (collecting) {
      collecting = false;
      switch (name) {
        case 'name':
          pkg.name = I.str(text);
          break;
        case 'arch':
          pkg.arch = I.str(text);
          break;
        case 'checksum':
          pkg.checksum.value = text.trim().toLowerCase();
          break;
        case 'summary':
          pkg.summary = text;
          break;
        case 'description':
          pkg.description = text;
          break;
        case 'packager':
          pkg.packager = I.str(text);
          break;
        case 'url':
          pkg.url = I.str(text);
          break;
        case 'rpm:license':
          pkg.license = I.str(text);
          break;
        case 'rpm:vendor':
          pkg.vendor = I.str(text);
          break;
        case 'rpm:group':
          pkg.group = I.str(text);
          break;
        case 'rpm:buildhost':
          pkg.buildhost = I.str(text);
          break;
        case 'rpm:sourcerpm':
          pkg.sourcerpm = text;
          break;
        case 'file':
          (files ??= []).push(text);
          (fileTypes ??= []).push(fileType);
          break;
      }
      return;
    }
    if (depKind !== undefined && DEP_KIND[name] === depKind) {
      if (deps && deps.length) (pkg as unknown as Record<string, Dep[]>)[depKind] = deps;
      deps = undefined;
      depKind = undefined;
      return;
    }
    if (name === 'package') {
      if (files) {
        pkg.files = files;
        // Parallel types only matter when something is not a plain file.
        pkg.fileTypes = anyTyped ? fileTypes : undefined;
      }
      if (!pkg.name) throw new RpmkitError('METADATA_INVALID', `${opts.what}: a <package> without a <name> (package #${packages.length + 1})`);
      if (!opts.filter || opts.filter(pkg.name)) packages.push(pkg);
      if (packages.length > maxPackages) throw new RpmkitError('METADATA_INVALID', `${opts.what}: more than ${maxPackages} packages`, { hint: 'the document is corrupt or hostile' });
      pkg = undefined;
    }
  });

  await feedXml(p, chunks, opts.what);
  return { packages, declared };
}
