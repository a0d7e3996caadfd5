// primary.xml straight into the encoded pool (PoolWriter): no Package
// objects while parsing, one table entry per distinct dependency (found by
// the raw text of its <rpm:entry> tag before any attribute is parsed). The
// caller decodes the pool afterwards, which yields compact, shared objects —
// the same ones a warm (cached) load produces.
import type { DepOp } from '../evr/index.js';
import { RpmkitError } from '../errors.js';
import { FastXml } from './fastxml.js';
import { PoolWriter, STRING_FIELD_INDEX as F, DEP_KIND_INDEX, FILE_TYPE_CODE } from './cache.js';
import { U32Column } from './columns.js';
import { StringTable } from './strings.js';
import { normalizeChecksumType } from './xml.js';

const DEP_KIND: Record<string, number> = {
  'rpm:provides': DEP_KIND_INDEX.provides,
  'rpm:requires': DEP_KIND_INDEX.requires,
  'rpm:conflicts': DEP_KIND_INDEX.conflicts,
  'rpm:obsoletes': DEP_KIND_INDEX.obsoletes,
  'rpm:recommends': DEP_KIND_INDEX.recommends,
  'rpm:suggests': DEP_KIND_INDEX.suggests,
  'rpm:supplements': DEP_KIND_INDEX.supplements,
  'rpm:enhances': DEP_KIND_INDEX.enhances,
};
const FLAGS: Record<string, DepOp> = { EQ: 'EQ', LT: 'LT', LE: 'LE', GT: 'GT', GE: 'GE' };

/** Text elements and the string slot they fill (-1: handled specially). */
const TEXT: Record<string, number> = {
  name: F.name,
  arch: F.arch,
  checksum: F.checksumValue,
  summary: F.summary,
  description: F.description,
  packager: F.packager,
  url: F.url,
  'rpm:license': F.license,
  'rpm:vendor': F.vendor,
  'rpm:group': F.group,
  'rpm:buildhost': F.buildhost,
  'rpm:sourcerpm': F.sourcerpm,
  file: -1,
};

export interface FastPrimaryOptions {
  what: string;
  maxPackages?: number;
  /** Called after each input chunk is consumed, with the number of packages parsed so far. */
  afterChunk?: (packages: number) => void;
}

const num = (s: string | undefined): number => {
  if (s === undefined || s === '') return 0;
  const n = Number(s);
  return Number.isFinite(n) ? n : 0;
};

export async function parsePrimaryToPool(chunks: AsyncIterable<Buffer> | Iterable<Buffer>, opts: FastPrimaryOptions): Promise<{ writer: PoolWriter; declared?: number }> {
  const w = new PoolWriter();
  const maxPackages = opts.maxPackages ?? 5_000_000;
  let declared: number | undefined;
  let inPkg = false;
  const strs = new Array<number>(18).fill(0);
  const nums = new Array<number>(7).fill(0);
  const deps: number[][] = [[], [], [], [], [], [], [], []];
  let files: number[] = [];
  let typed = false;
  let hasHr = false;
  let kind = -1;
  let textSlot = -2;
  let fileType = 0;
  let text = '';
  let summary = '';
  // Raw <rpm:entry> attribute text -> dependency id: the text's id in
  // rawDeps indexes depOf (id 0 is the table's unused entry).
  const rawDeps = new StringTable();
  const depOf = new U32Column();
  depOf.push(0);
  const MAX_TEXT = 16 << 20;

  const endText = (): void => {
    x.wantText = false;
    const slot = textSlot;
    textSlot = -2;
    if (slot === -1) files.push(w.unique(text) * 4 + fileType);
    else if (slot === F.checksumValue) strs[slot] = w.unique(text.trim().toLowerCase());
    // Many repositories repeat the summary as the description: share the entry.
    else if (slot === F.description) strs[slot] = text === summary && strs[F.summary] ? (strs[F.summary] as number) : w.unique(text);
    else if (slot === F.sourcerpm) strs[slot] = w.unique(text);
    else if (slot === F.summary) {
      summary = text;
      strs[slot] = w.str(text);
    } else strs[slot] = same(slot, text);
    text = '';
  };
  // Packager, vendor, license, buildhost, arch... usually repeat the previous
  // package's value: a string compare instead of a dictionary lookup.
  const lastText: (string | undefined)[] = new Array(18).fill(undefined);
  const lastId = new Array<number>(18).fill(0);
  const same = (slot: number, v: string): number => {
    if (v === lastText[slot]) return lastId[slot] as number;
    const id = w.str(v);
    lastText[slot] = v;
    lastId[slot] = id;
    return id;
  };
  const ZERO = w.str('0');
  const SHA256 = w.str('sha256');
  const x: FastXml = new FastXml(
    {
      open(name, raw, selfClosing) {
        if (!inPkg) {
          if (name === 'package') {
            if (selfClosing) throw new RpmkitError('METADATA_INVALID', `${opts.what}: an empty <package/> (package #${w.count + 1})`);
            inPkg = true;
            strs.fill(0);
            nums.fill(0);
            summary = '';
            for (const d of deps) d.length = 0;
            files = [];
            typed = false;
            hasHr = false;
            strs[F.epoch] = ZERO;
            strs[F.checksumType] = SHA256;
          } else if (name === 'metadata') {
            const a = x.attrs(raw);
            if (a.packages !== undefined) {
              declared = Number(a.packages);
              if (declared > maxPackages) throw new RpmkitError('METADATA_INVALID', `${opts.what}: claims ${declared} packages (limit ${maxPackages})`, { hint: 'the document is corrupt or hostile' });
            }
          }
          return;
        }
        let slot: number;
        switch (name) {
          case 'rpm:entry': {
            if (kind < 0) return;
            const seen = rawDeps.n;
            const rid = rawDeps.id(raw);
            let id: number;
            if (rid < seen) id = depOf.a[rid] as number;
            else {
              const a = x.attrs(raw);
              const n = a.name ?? '';
              const op = a.flags === undefined ? undefined : FLAGS[a.flags];
              const ev = op ? w.evr(a.epoch, a.ver ?? '', a.rel) : -1;
              id = w.dep(n, op, ev, a.pre === '1' || a.pre === 'true', n.charCodeAt(0) === 40);
              depOf.push(id);
            }
            (deps[kind] as number[]).push(id);
            return;
          }
          case 'rpm:provides':
          case 'rpm:requires':
          case 'rpm:conflicts':
          case 'rpm:obsoletes':
          case 'rpm:recommends':
          case 'rpm:suggests':
          case 'rpm:supplements':
          case 'rpm:enhances':
            kind = selfClosing ? -1 : (DEP_KIND[name] as number);
            return;
          case 'version': {
            const a = x.attrs(raw);
            strs[F.epoch] = a.epoch ? same(F.epoch, a.epoch) : ZERO;
            strs[F.version] = w.str(a.ver ?? '');
            strs[F.release] = w.str(a.rel ?? '');
            return;
          }
          case 'time': {
            const a = x.attrs(raw);
            nums[3] = num(a.file);
            nums[4] = num(a.build);
            return;
          }
          case 'size': {
            const a = x.attrs(raw);
            nums[0] = num(a.package);
            nums[1] = num(a.installed);
            nums[2] = num(a.archive);
            return;
          }
          case 'location': {
            const a = x.attrs(raw);
            strs[F.location] = w.unique(a.href ?? '');
            if (a['xml:base']) strs[F.locationBase] = w.str(a['xml:base']);
            return;
          }
          case 'rpm:header-range': {
            const a = x.attrs(raw);
            nums[5] = num(a.start);
            nums[6] = num(a.end);
            hasHr = true;
            return;
          }
          case 'checksum':
            strs[F.checksumType] = w.str(normalizeChecksumType(x.attrs(raw).type));
            slot = F.checksumValue;
            break;
          case 'file':
            fileType = 0;
            if (raw.length > 1) {
              const t = x.attrs(raw).type;
              if (t === 'dir' || t === 'ghost') {
                fileType = FILE_TYPE_CODE[t];
                typed = true;
              }
            }
            slot = -1;
            break;
          case 'name':
          case 'arch':
          case 'summary':
          case 'description':
          case 'packager':
          case 'url':
          case 'rpm:license':
          case 'rpm:vendor':
          case 'rpm:group':
          case 'rpm:buildhost':
          case 'rpm:sourcerpm':
            slot = TEXT[name] as number;
            break;
          default:
            return;
        }
        textSlot = slot;
        text = '';
        if (selfClosing) endText();
        else x.wantText = true;
      },
      text(t) {
        text = text ? text + t : t;
        if (text.length > MAX_TEXT) throw new RpmkitError('METADATA_INVALID', `${opts.what}: a text field is larger than ${MAX_TEXT} bytes`, { hint: 'the document is corrupt or hostile' });
      },
      close(name) {
        if (!inPkg) return;
        if (textSlot !== -2) {
          endText();
          return;
        }
        if (kind >= 0 && DEP_KIND[name] === kind) {
          kind = -1;
          return;
        }
        if (name === 'package') {
          inPkg = false;
          if (!strs[F.name]) throw new RpmkitError('METADATA_INVALID', `${opts.what}: a <package> without a <name> (package #${w.count + 1})`);
          w.addPackage(strs, hasHr, nums, deps, files, typed);
          if (w.count > maxPackages) throw new RpmkitError('METADATA_INVALID', `${opts.what}: more than ${maxPackages} packages`, { hint: 'the document is corrupt or hostile' });
        }
      },
    },
    opts.what,
  );
  const { StringDecoder } = await import('node:string_decoder');
  const dec = new StringDecoder('utf8');
  // Text is decoded in small slices: strings under V8's large-object size die
  // young in the nursery, where big ones would pile up in old space until a
  // full collection (tens of MB on a big document).
  const SLICE = 32 * 1024;
  for await (const c of chunks) {
    for (let i = 0; i < c.length; i += SLICE) x.write(dec.write(c.length <= SLICE ? c : c.subarray(i, i + SLICE)));
    opts.afterChunk?.(w.count);
  }
  const rest = dec.end();
  if (rest) x.write(rest);
  x.end();
  rawDeps.release();
  depOf.release();
  w.releaseTables();
  return { writer: w, declared };
}
