// The secondary index rows rpm (lib/rpmdb.c tag2index) writes for one
// installed header: one table per indexed tag, rows of (key, hnum, idx)
// where idx is the element's position in the tag's array.
import { HeaderView, TYPE } from './header-blob.js';
import { SENSE, T } from './tags.js';

/** Index tables in rpm's order (newRpmdb's dbiTags), with their tag. */
export const INDEX_TABLES: readonly (readonly [string, number])[] = [
  ['Name', T.NAME],
  ['Basenames', T.BASENAMES],
  ['Group', T.GROUP],
  ['Requirename', T.REQUIRENAME],
  ['Providename', T.PROVIDENAME],
  ['Conflictname', T.CONFLICTNAME],
  ['Obsoletename', T.OBSOLETENAME],
  ['Triggername', T.TRIGGERNAME],
  ['Dirnames', T.DIRNAMES],
  ['Installtid', T.INSTALLTID],
  ['Sigmd5', T.SIGMD5],
  ['Sha1header', T.SHA1HEADER],
  ['Filetriggername', T.FILETRIGGERNAME],
  ['Transfiletriggername', T.TRANSFILETRIGGERNAME],
  ['Recommendname', T.RECOMMENDNAME],
  ['Suggestname', T.SUGGESTNAME],
  ['Supplementname', T.SUPPLEMENTNAME],
  ['Enhancename', T.ENHANCENAME],
];

export interface IndexRow {
  table: string;
  /** Text keys for string tags, bytes (native little-endian numbers) otherwise. */
  key: string | Uint8Array;
  idx: number;
}

const notPre = (x: number) => x & ~SENSE.PREREQ;
const INSTALL_ONLY = notPre(SENSE.SCRIPT_PRE | SENSE.SCRIPT_POST | SENSE.RPMLIB | SENSE.KEYRING | SENSE.PRETRANS | SENSE.POSTTRANS);
const ERASE_ONLY = notPre(SENSE.SCRIPT_PREUN | SENSE.SCRIPT_POSTUN);

/** rpm 4.18 leaves install-only prerequisites (rpmlib(), Requires(pre)...) out of Requirename. */
export function isTransientRequire(flags: number): boolean {
  return (flags & INSTALL_ONLY) !== 0 && (flags & ERASE_ONLY) === 0;
}

const RICH_TAGS = new Set<number>([T.REQUIRENAME, T.CONFLICTNAME, T.SUGGESTNAME, T.SUPPLEMENTNAME, T.RECOMMENDNAME, T.ENHANCENAME]);
const RICH_OPS = new Set(['and', 'or', 'if', 'unless', 'else', 'with', 'without']);
const CMP = new Set(['<', '>', '=', '<=', '>=', '==', '=<', '=>', '<>']);

/** Split a rich dependency into '(' ')' and words; a word may hold balanced parentheses (perl(Foo)). */
function tokenizeRich(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) i++;
    else if (c === '(' || c === ')') {
      out.push(c);
      i++;
    } else {
      let depth = 0;
      let j = i;
      for (; j < text.length; j++) {
        const d = text[j];
        if (/\s/.test(d)) break;
        if (d === '(') depth++;
        else if (d === ')') {
          if (depth === 0) break;
          depth--;
        }
      }
      out.push(text.slice(i, j));
      i = j;
    }
  }
  return out;
}

/**
 * The names rpm also indexes for a rich dependency (updateRichDep): every
 * simple name inside it, prefixed with '!' where it sits in a negated
 * (if/unless condition) position, sorted and deduplicated; rpmlib() left out.
 * Returns [] when the text is not a well-formed rich dependency.
 */
export function richDepNames(text: string): string[] {
  const tokens = tokenizeRich(text);
  const argv: string[] = [];
  let neg = false;
  const levelStart: number[] = [];
  const levelOp: (string | undefined)[] = [];
  let i = 0;
  const parse = (): boolean => {
    if (tokens[i] !== '(') return false;
    i++;
    levelStart.push(argv.length);
    levelOp.push(undefined);
    let expectOperand = true;
    while (i < tokens.length) {
      const t = tokens[i];
      if (t === ')') {
        if (expectOperand) return false;
        i++;
        levelStart.pop();
        const op = levelOp.pop();
        if (op === 'if' || op === 'unless') neg = !neg;
        return true;
      }
      if (expectOperand) {
        if (t === '(') {
          if (!parse()) return false;
        } else {
          i++;
          if (i < tokens.length && CMP.has(tokens[i])) i += 2;
          if (!(t.length > 7 && t.startsWith('rpmlib('))) argv.push(`${neg ? '!' : ' '}${t}`);
        }
        expectOperand = false;
      } else {
        if (!RICH_OPS.has(t)) return false;
        i++;
        const lvl = levelStart.length - 1;
        if (t === 'if' || t === 'unless') {
          levelStart[lvl] = argv.length;
          neg = !neg;
        } else if (t === 'else') {
          const n = argv.length;
          for (let k = levelStart[lvl]; k < n; k++) {
            const name = argv[k];
            argv.push((name[0] === ' ' ? '!' : ' ') + name.slice(1));
          }
          neg = !neg;
        }
        levelOp[lvl] = t;
        expectOperand = true;
      }
    }
    return false;
  };
  if (!parse() || i !== tokens.length) return [];
  const sorted = [...argv].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out: string[] = [];
  for (let k = 0; k < sorted.length; k++) {
    if (k > 0 && sorted[k] === sorted[k - 1]) continue;
    out.push(sorted[k][0] === ' ' ? sorted[k].slice(1) : sorted[k]);
  }
  return out;
}

function le32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, true);
  return b;
}

/** All index rows for one installed header, in rpm's table order. */
export function indexRows(h: HeaderView): IndexRow[] {
  const rows: IndexRow[] = [];
  for (const [table, tag] of INDEX_TABLES) {
    const e = h.entry(tag);
    if (!e || e.count === 0) {
      // rpm indexes a missing Group as "Unknown" (legacy behaviour).
      if (tag === T.GROUP) rows.push({ table, key: 'Unknown', idx: 0 });
      continue;
    }
    if (e.type === TYPE.STRING || e.type === TYPE.STRING_ARRAY || e.type === TYPE.I18NSTRING) {
      // An i18n string's index key is its first (C locale) value.
      const values = e.type === TYPE.STRING_ARRAY ? h.strings(tag) : h.strings(tag).slice(0, 1);
      const reqFlags = tag === T.REQUIRENAME ? h.numbers(T.REQUIREFLAGS) : [];
      const trigIndex = tag === T.FILETRIGGERNAME ? h.numbers(T.FILETRIGGERINDEX) : tag === T.TRANSFILETRIGGERNAME ? h.numbers(T.TRANSFILETRIGGERINDEX) : [];
      values.forEach((key, i) => {
        if (tag === T.REQUIRENAME && i < reqFlags.length && isTransientRequire(reqFlags[i])) return;
        if (tag === T.TRIGGERNAME && values.indexOf(key) < i) return;
        const idx = trigIndex.length > 0 ? (trigIndex[i] ?? 0) : i;
        rows.push({ table, key, idx });
        if (key.startsWith('(') && RICH_TAGS.has(tag) && e.type === TYPE.STRING_ARRAY) {
          for (const n of richDepNames(key)) rows.push({ table, key: n, idx });
        }
      });
    } else if (e.type === TYPE.BIN) {
      const raw = h.raw(tag);
      if (raw && raw.length > 0) rows.push({ table, key: raw.slice(), idx: 0 });
    } else if (e.type === TYPE.INT32) {
      h.numbers(tag).forEach((n, i) => rows.push({ table, key: le32(n), idx: i }));
    } else {
      // Other numeric types are not used by any indexed tag.
      h.numbers(tag).forEach((n, i) => rows.push({ table, key: Uint8Array.of(n & 0xff), idx: i }));
    }
  }
  return rows;
}
