// Deterministic pseudo-random version strings for differential tests
// against the real rpm: digits (with leading zeros), letters, the
// separators rpm skips, ~ and ^, epochs and releases.

/** mulberry32: small, fast, deterministic. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

function segment(r: () => number): string {
  const k = r();
  if (k < 0.45) {
    const zeros = r() < 0.2 ? '0'.repeat(1 + Math.floor(r() * 3)) : '';
    const digits = r() < 0.1 ? String(Math.floor(r() * 1e12)) : String(Math.floor(r() * (r() < 0.7 ? 12 : 3000)));
    return zeros + digits;
  }
  if (k < 0.75) return Array.from({ length: 1 + Math.floor(r() * 3) }, () => pick(r, ['a', 'b', 'c', 'rc', 'git', 'p', 'z', 'A', 'Z', 'fc', 'el'])).join('');
  return pick(r, ['~', '^', '~', '^', '.', '_', '+', '.', '.', '~~', '^~']);
}

/** A version-like string (no ':' or '-'); `strict` keeps to characters rpmbuild allows in dependencies. */
export function versionString(r: () => number, strict = false): string {
  const n = 1 + Math.floor(r() * 6);
  let s = '';
  for (let i = 0; i < n; i++) {
    s += segment(r);
    if (r() < 0.5) s += pick(r, strict ? ['.', '.', '_', '+'] : ['.', '.', '_', '+', '.']);
  }
  if (strict) s = s.replace(/^[~^._+]+/, '');
  return s === '' ? '0' : s;
}

/** Mutate `a` slightly so that many pairs are equal or nearly so. */
export function near(r: () => number, a: string, strict = false): string {
  const k = r();
  if (k < 0.2) return a;
  if (k < 0.4) return a + pick(r, ['~rc1', '^git1', '.0', '0', 'a', '.1', '~', '^', '_', '']);
  if (k < 0.55) return a.replace(/\d+/, (m) => (r() < 0.5 ? `0${m}` : String(Number(m) + 1)));
  if (k < 0.7) {
    const i = Math.floor(r() * a.length);
    return a.slice(0, i) + segment(r).replace(strict ? /^[~^]+$/ : /$^/, '.') + a.slice(i + 1);
  }
  return versionString(r, strict);
}

/** [epoch:]version[-release] */
export function evrString(r: () => number, strict = false): string {
  const e = r() < 0.25 ? `${pick(r, ['0', '1', '2', '00', '10', '01'])}:` : '';
  const v = versionString(r, strict);
  const rel = r() < 0.6 ? `-${versionString(r, strict)}` : '';
  return e + v + rel;
}

export function nearEVR(r: () => number, a: string, strict = false): string {
  const k = r();
  if (k < 0.2) return a;
  if (k < 0.35) return a.replace(/-.*$/, ''); // drop the release
  if (k < 0.5) return a.replace(/^\d+:/, '') ; // drop the epoch
  if (k < 0.65) return a.includes('-') ? a.replace(/-(.*)$/, (_m, rel: string) => `-${near(r, rel, strict)}`) : `${a}-${versionString(r, strict)}`;
  if (k < 0.8) return a.replace(/^(\d+:)?([^-]*)/, (_m, ep: string | undefined, v: string) => `${ep ?? ''}${near(r, v, strict)}`);
  return evrString(r, strict);
}
