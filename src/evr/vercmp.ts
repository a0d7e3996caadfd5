// rpmvercmp, transcribed from rpm's lib/rpmvercmp.c so that every ordering
// question (which build is newer, does a range match) is answered exactly as
// rpm and libsolv answer it. ASCII-only character classes, like rpm's
// risalnum(): any other byte is a separator.

const isDigit = (c: number) => c >= 48 && c <= 57;
const isAlpha = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const TILDE = 126;
const CARET = 94;

/** Compare two version (or release) strings: -1, 0 or 1. */
export function rpmvercmp(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  const la = a.length;
  const lb = b.length;
  while (i < la || j < lb) {
    while (i < la && !isDigit(a.charCodeAt(i)) && !isAlpha(a.charCodeAt(i)) && a.charCodeAt(i) !== TILDE && a.charCodeAt(i) !== CARET) i++;
    while (j < lb && !isDigit(b.charCodeAt(j)) && !isAlpha(b.charCodeAt(j)) && b.charCodeAt(j) !== TILDE && b.charCodeAt(j) !== CARET) j++;
    const ca = i < la ? a.charCodeAt(i) : 0;
    const cb = j < lb ? b.charCodeAt(j) : 0;

    // Tilde sorts before everything, even the end of the string.
    if (ca === TILDE || cb === TILDE) {
      if (ca !== TILDE) return 1;
      if (cb !== TILDE) return -1;
      i++;
      j++;
      continue;
    }
    // Caret is like tilde, except that the end of the string sorts lower.
    if (ca === CARET || cb === CARET) {
      if (i >= la) return -1;
      if (j >= lb) return 1;
      if (ca !== CARET) return 1;
      if (cb !== CARET) return -1;
      i++;
      j++;
      continue;
    }
    if (!(i < la && j < lb)) break;

    const numeric = isDigit(ca);
    const cls = numeric ? isDigit : isAlpha;
    let ei = i;
    let ej = j;
    while (ei < la && cls(a.charCodeAt(ei))) ei++;
    while (ej < lb && cls(b.charCodeAt(ej))) ej++;
    // Segments of different types: numeric is newer than alpha.
    if (ej === j) return numeric ? 1 : -1;

    let sa = i;
    let sb = j;
    if (numeric) {
      while (sa < ei && a.charCodeAt(sa) === 48) sa++;
      while (sb < ej && b.charCodeAt(sb) === 48) sb++;
      const da = ei - sa;
      const db = ej - sb;
      if (da !== db) return da > db ? 1 : -1;
    }
    const segA = a.slice(sa, ei);
    const segB = b.slice(sb, ej);
    if (segA !== segB) return segA < segB ? -1 : 1;
    i = ei;
    j = ej;
  }
  if (i >= la && j >= lb) return 0;
  return i >= la ? -1 : 1;
}
