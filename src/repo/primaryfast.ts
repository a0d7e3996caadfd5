// primary.xml straight into the encoded pool (PoolWriter): no Package
// objects while parsing, one table entry per distinct dependency. The
// caller decodes the pool afterwards, which yields compact, shared objects —
// the same ones a warm (cached) load produces.
import { RpmkitError } from '../errors.js';
import { ByteXml, isSpace } from './bytexml.js';
import { PoolWriter } from './poolwriter.js';
import { STRING_FIELD_INDEX as F, DEP_OP_CODE, FILE_TYPE_CODE } from './poolformat.js';
import { normalizeChecksumType } from './xml.js';

/**
 * The tags the parser handles, by id (ByteXml numbers them in this order).
 * The eight dependency lists come in DEP_KIND_INDEX order.
 */
const TAGS = [
  'metadata',
  'package',
  'rpm:entry',
  'rpm:provides',
  'rpm:requires',
  'rpm:conflicts',
  'rpm:obsoletes',
  'rpm:recommends',
  'rpm:suggests',
  'rpm:supplements',
  'rpm:enhances',
  'version',
  'time',
  'size',
  'location',
  'rpm:header-range',
  'checksum',
  'file',
  'name',
  'arch',
  'summary',
  'description',
  'packager',
  'url',
  'rpm:license',
  'rpm:vendor',
  'rpm:group',
  'rpm:buildhost',
  'rpm:sourcerpm',
] as const;
const T = Object.fromEntries(TAGS.map((t, i) => [t, i])) as Record<(typeof TAGS)[number], number>;
const FIRST_DEP_LIST = T['rpm:provides'];
const LAST_DEP_LIST = T['rpm:enhances'];

/** Text elements and the string slot they fill (-1: a file). */
const TEXT_SLOT: number[] = new Array<number>(TAGS.length).fill(-2);
for (const [tag, slot] of [
  ['name', F.name],
  ['arch', F.arch],
  ['checksum', F.checksumValue],
  ['summary', F.summary],
  ['description', F.description],
  ['packager', F.packager],
  ['url', F.url],
  ['rpm:license', F.license],
  ['rpm:vendor', F.vendor],
  ['rpm:group', F.group],
  ['rpm:buildhost', F.buildhost],
  ['rpm:sourcerpm', F.sourcerpm],
  ['file', -1],
] as const)
  TEXT_SLOT[T[tag]] = slot;

/** The attributes the parser reads, by index. */
const ATTRS = ['name', 'flags', 'epoch', 'ver', 'rel', 'pre', 'file', 'build', 'package', 'installed', 'archive', 'href', 'xml:base', 'start', 'end', 'type', 'packages'] as const;
const A = Object.fromEntries(ATTRS.map((a, i) => [a, i])) as Record<(typeof ATTRS)[number], number>;
const FLAGS = ['LT', 'LE', 'EQ', 'GE', 'GT'] as const;
const EMPTY = new Uint8Array(0);

export interface FastPrimaryOptions {
  what: string;
  maxPackages?: number;
  /** The document's decompressed size, when known or estimated (sizes the writer's tables and columns). */
  sizeHint?: number;
  /** Called after each input chunk is consumed, with the number of packages parsed so far. */
  afterChunk?: (packages: number) => void;
}

export async function parsePrimaryToPool(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, opts: FastPrimaryOptions): Promise<{ writer: PoolWriter; declared?: number }> {
  const w = new PoolWriter(opts.sizeHint);
  const S = w.S;
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
  // The current element's text: a range the tokenizer handed over, valid
  // until its next event, or (text in pieces) copied into `own`.
  let tb: Uint8Array = EMPTY;
  let tFrom = 0;
  let tTo = 0;
  let own = new Uint8Array(1 << 12);
  let ownLen = -1;
  const MAX_TEXT = 16 << 20;
  const ZERO = S.id('0');
  const SHA256 = S.id('sha256');
  /** absent: the empty string's id is wanted where an attribute is missing. */
  const EMPTY_ID = -1;

  /** Attribute k's string id; `absent` (or EMPTY_ID) when the tag does not have it. */
  const attrId = (k: number, absent: number): number => {
    const f = x.valFrom[k] as number;
    if (f < 0) return absent === EMPTY_ID ? S.id('') : absent;
    return S.idBytes(x.valBuf[k] as Uint8Array, f, x.valTo[k] as number);
  };
  /** The dependency id of an <rpm:entry>, from its scanned attributes. */
  const dep = (): number => {
    let op = 0;
    for (const f of FLAGS) if (x.attrIs(A.flags, f)) op = DEP_OP_CODE[f];
    let ev = -1;
    if (op) {
      const e = attrId(A.epoch, 0);
      const v = attrId(A.ver, EMPTY_ID);
      ev = w.evrOf(e, v, attrId(A.rel, 0));
    }
    const nm = attrId(A.name, EMPTY_ID);
    const f = x.valFrom[A.name] as number;
    const rich = f >= 0 && f < (x.valTo[A.name] as number) && (x.valBuf[A.name] as Uint8Array)[f] === 40; /* ( */
    return w.depOf(nm, op, ev, x.attrIs(A.pre, '1') || x.attrIs(A.pre, 'true'), rich ? x.attr(A.name) : undefined);
  };

  const endText = (): void => {
    x.wantText = false;
    const slot = textSlot;
    textSlot = -2;
    if (ownLen >= 0) {
      tb = own;
      tFrom = 0;
      tTo = ownLen;
      ownLen = -1;
    }
    if (slot === -1) files.push(S.addBytes(tb, tFrom, tTo) * 4 + fileType);
    else if (slot === F.checksumValue) strs[slot] = checksumId();
    // Many repositories repeat the summary as the description: share the entry.
    else if (slot === F.description) strs[slot] = sameAsSummary() ? (strs[F.summary] as number) : S.addBytes(tb, tFrom, tTo);
    else if (slot === F.sourcerpm) strs[slot] = S.addBytes(tb, tFrom, tTo);
    else strs[slot] = S.idBytes(tb, tFrom, tTo);
    tb = EMPTY;
    tFrom = tTo = 0;
  };
  const sameAsSummary = (): boolean => {
    const sid = strs[F.summary] as number;
    if (!sid) return false;
    const [a, from, to] = S.bytesOf(sid);
    if (to - from !== tTo - tFrom) return false;
    for (let i = 0; i < to - from; i++) if (a[from + i] !== tb[tFrom + i]) return false;
    return true;
  };
  /** The checksum text trimmed and lower-cased (hex digests come in either case). */
  const checksumId = (): number => {
    let from = tFrom;
    let to = tTo;
    while (from < to && isSpace(tb[from] as number)) from++;
    while (to > from && isSpace(tb[to - 1] as number)) to--;
    const len = to - from;
    if (own.length < len) own = new Uint8Array(len);
    for (let i = 0; i < len; i++) {
      const c = tb[from + i] as number;
      own[i] = c >= 65 && c <= 90 ? c + 32 : c;
    }
    return S.addBytes(own, 0, len);
  };
  /** Text arriving in pieces (around a comment or a child tag) is copied. */
  const copyText = (b: Uint8Array, from: number, to: number): void => {
    const len = Math.max(ownLen, 0);
    const need = len + to - from;
    if (need > MAX_TEXT) throw new RpmkitError('METADATA_INVALID', `${opts.what}: a text field is larger than ${MAX_TEXT} bytes`, { hint: 'the document is corrupt or hostile' });
    if (need > own.length) {
      const o = new Uint8Array(Math.max(need, own.length * 2));
      o.set(own.subarray(0, len));
      own = o;
    }
    own.set(b.subarray(from, to), len);
    ownLen = need;
  };

  const x: ByteXml = new ByteXml(
    {
      open(tag, b, from, to, selfClosing) {
        if (!inPkg) {
          if (tag === T.package) {
            if (selfClosing) throw new RpmkitError('METADATA_INVALID', `${opts.what}: an empty <package/> (package #${w.count + 1})`);
            inPkg = true;
            strs.fill(0);
            nums.fill(0);
            for (const d of deps) d.length = 0;
            files = [];
            typed = false;
            hasHr = false;
            strs[F.epoch] = ZERO;
            strs[F.checksumType] = SHA256;
          } else if (tag === T.metadata) {
            x.scanAttrs(b, from, to);
            const p = x.attr(A.packages);
            if (p !== undefined) {
              declared = Number(p);
              if (declared > maxPackages) throw new RpmkitError('METADATA_INVALID', `${opts.what}: claims ${declared} packages (limit ${maxPackages})`, { hint: 'the document is corrupt or hostile' });
            }
          }
          return;
        }
        // A child inside a text element: its text so far must outlive this event.
        if (textSlot !== -2 && ownLen < 0 && tTo > tFrom) {
          copyText(tb, tFrom, tTo);
          tb = EMPTY;
        }
        switch (tag) {
          case T['rpm:entry']: {
            if (kind < 0) return;
            // No cache keyed on the raw tag text: with values looked up as
            // bytes, parsing the attributes costs about what that lookup
            // did, and the cache's copy of every distinct text (~18 MB on
            // 63k packages) cost more in page faults.
            x.scanAttrs(b, from, to);
            (deps[kind] as number[]).push(dep());
            return;
          }
          case T.version:
            x.scanAttrs(b, from, to);
            strs[F.epoch] = x.nonEmpty(A.epoch) ? attrId(A.epoch, 0) : ZERO;
            strs[F.version] = attrId(A.ver, EMPTY_ID);
            strs[F.release] = attrId(A.rel, EMPTY_ID);
            return;
          case T.time:
            x.scanAttrs(b, from, to);
            nums[3] = x.attrNum(A.file);
            nums[4] = x.attrNum(A.build);
            return;
          case T.size:
            x.scanAttrs(b, from, to);
            nums[0] = x.attrNum(A.package);
            nums[1] = x.attrNum(A.installed);
            nums[2] = x.attrNum(A.archive);
            return;
          case T.location: {
            x.scanAttrs(b, from, to);
            const f = x.valFrom[A.href] as number;
            strs[F.location] = f < 0 ? S.add('') : S.addBytes(x.valBuf[A.href] as Uint8Array, f, x.valTo[A.href] as number);
            if (x.nonEmpty(A['xml:base'])) strs[F.locationBase] = attrId(A['xml:base'], 0);
            return;
          }
          case T['rpm:header-range']:
            x.scanAttrs(b, from, to);
            nums[5] = x.attrNum(A.start);
            nums[6] = x.attrNum(A.end);
            hasHr = true;
            return;
          case T.checksum:
            x.scanAttrs(b, from, to);
            strs[F.checksumType] = (x.valFrom[A.type] as number) < 0 || x.attrIs(A.type, 'sha256') ? SHA256 : S.id(normalizeChecksumType(x.attr(A.type)));
            break;
          case T.file:
            fileType = 0;
            if (to - from > 1) {
              x.scanAttrs(b, from, to);
              if (x.attrIs(A.type, 'dir') || x.attrIs(A.type, 'ghost')) {
                fileType = x.attrIs(A.type, 'dir') ? FILE_TYPE_CODE.dir : FILE_TYPE_CODE.ghost;
                typed = true;
              }
            }
            break;
          default:
            if (tag >= FIRST_DEP_LIST && tag <= LAST_DEP_LIST) kind = selfClosing ? -1 : tag - FIRST_DEP_LIST;
            if (TEXT_SLOT[tag] === undefined || TEXT_SLOT[tag] === -2) return;
        }
        textSlot = TEXT_SLOT[tag] as number;
        tb = EMPTY;
        tFrom = tTo = 0;
        ownLen = -1;
        if (selfClosing) endText();
        else x.wantText = true;
      },
      text(b, from, to) {
        if (ownLen < 0 && tTo === tFrom) {
          tb = b;
          tFrom = from;
          tTo = to;
          if (to - from > MAX_TEXT) copyText(b, from, to);
          return;
        }
        if (ownLen < 0) {
          copyText(tb, tFrom, tTo);
          tb = EMPTY;
        }
        copyText(b, from, to);
      },
      close(tag) {
        if (!inPkg) return;
        if (textSlot !== -2) {
          endText();
          return;
        }
        if (kind >= 0 && tag - FIRST_DEP_LIST === kind) {
          kind = -1;
          return;
        }
        if (tag === T.package) {
          inPkg = false;
          if (!strs[F.name]) throw new RpmkitError('METADATA_INVALID', `${opts.what}: a <package> without a <name> (package #${w.count + 1})`);
          w.addPackage(strs, hasHr, nums, deps, files, typed);
          if (w.count > maxPackages) throw new RpmkitError('METADATA_INVALID', `${opts.what}: more than ${maxPackages} packages`, { hint: 'the document is corrupt or hostile' });
        }
      },
    },
    opts.what,
    TAGS,
    ATTRS,
  );
  for await (const c of chunks) {
    x.write(c);
    opts.afterChunk?.(w.count);
  }
  x.end();
  w.releaseTables();
  return { writer: w, declared };
}
