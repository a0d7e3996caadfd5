// Finds where a key path (e.g. contents.repositories[1].options.priority)
// is written in a TOML document, so semantic errors can name file:line:col.
// smol-toml gives positions only for syntax errors; this is a small
// structural scanner over an already-valid document (strings, comments,
// arrays, inline tables, [table] and [[array]] headers, dotted keys).

export type KeyPath = (string | number)[];

export interface Position {
  line: number;
  column: number;
}

/** Render a key path the way users write it: a.b[1].c, quoting odd keys. */
export function formatKeyPath(p: KeyPath): string {
  let out = '';
  for (const seg of p) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else {
      const k = /^[A-Za-z0-9_-]+$/.test(seg) ? seg : JSON.stringify(seg);
      out += out ? `.${k}` : k;
    }
  }
  return out;
}

export function positionAt(text: string, offset: number): Position {
  let line = 1;
  let lastNl = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lastNl = i;
    }
  }
  return { line, column: offset - lastNl };
}

class Scanner {
  constructor(readonly s: string) {}

  /** Skip spaces, tabs, and (when `newlines`) newlines and comments. */
  ws(i: number, newlines: boolean): number {
    const s = this.s;
    while (i < s.length) {
      const c = s[i];
      if (c === ' ' || c === '\t' || c === '\r') i++;
      else if (c === '#') {
        while (i < s.length && s[i] !== '\n') i++;
      } else if (newlines && c === '\n') i++;
      else break;
    }
    return i;
  }

  /** End offset of a string starting at i (any of the four TOML forms). */
  str(i: number): number {
    const s = this.s;
    const q = s[i];
    if (s.startsWith(q.repeat(3), i)) {
      let j = s.indexOf(q.repeat(3), i + 3);
      if (j < 0) return s.length;
      // Up to two extra quotes may close a multi-line string.
      while (s[j + 3] === q) j++;
      return j + 3;
    }
    let j = i + 1;
    while (j < s.length && s[j] !== q && s[j] !== '\n') {
      if (q === '"' && s[j] === '\\') j++;
      j++;
    }
    return j + 1;
  }

  /** Parse a (possibly dotted) key at i: its segments and the offset after it. */
  key(i: number): { segs: string[]; end: number } {
    const s = this.s;
    const segs: string[] = [];
    for (;;) {
      i = this.ws(i, false);
      if (s[i] === '"' || s[i] === "'") {
        const e = this.str(i);
        const raw = s.slice(i, e);
        let v = raw.slice(1, -1);
        if (raw[0] === '"') {
          try {
            v = JSON.parse(raw) as string;
          } catch {
            // keep the raw inner text
          }
        }
        segs.push(v);
        i = e;
      } else {
        const m = /^[A-Za-z0-9_-]+/.exec(s.slice(i, i + 256));
        if (!m) return { segs, end: i };
        segs.push(m[0]);
        i += m[0].length;
      }
      const j = this.ws(i, false);
      if (s[j] === '.') i = j + 1;
      else return { segs, end: j };
    }
  }

  /** End offset of the value starting at i. */
  value(i: number): number {
    const s = this.s;
    const c = s[i];
    if (c === '"' || c === "'") return this.str(i);
    if (c === '[') {
      let j = i + 1;
      for (;;) {
        j = this.ws(j, true);
        if (j >= s.length || s[j] === ']') return j + 1;
        if (s[j] === ',') {
          j++;
          continue;
        }
        j = this.value(j);
      }
    }
    if (c === '{') {
      let j = i + 1;
      for (;;) {
        j = this.ws(j, true);
        if (j >= s.length || s[j] === '}') return j + 1;
        if (s[j] === ',') {
          j++;
          continue;
        }
        const k = this.key(j);
        j = this.ws(k.end + 1, false);
        j = this.value(j);
      }
    }
    let j = i;
    while (j < s.length && !/[,\]}\n#]/.test(s[j])) j++;
    return j;
  }
}

interface Best {
  depth: number;
  offset: number;
}

const eq = (a: KeyPath, b: KeyPath, n: number) => {
  for (let k = 0; k < n; k++) if (a[k] !== b[k]) return false;
  return true;
};
const lcp = (a: KeyPath, b: KeyPath) => {
  let k = 0;
  while (k < a.length && k < b.length && a[k] === b[k]) k++;
  return k;
};

/** Descend into a value at `off` whose own path is `here`, looking for `target`. */
function descend(sc: Scanner, off: number, here: KeyPath, target: KeyPath, best: Best): void {
  const s = sc.s;
  if (here.length >= target.length || !eq(here, target, here.length)) return;
  const want = target[here.length];
  if (s[off] === '[' && typeof want === 'number') {
    let j = off + 1;
    let idx = 0;
    for (;;) {
      j = sc.ws(j, true);
      if (j >= s.length || s[j] === ']') return;
      if (s[j] === ',') {
        j++;
        continue;
      }
      if (idx === want) {
        const p = [...here, idx];
        if (p.length > best.depth) {
          best.depth = p.length;
          best.offset = j;
        }
        descend(sc, j, p, target, best);
        return;
      }
      j = sc.value(j);
      idx++;
    }
  }
  if (s[off] === '{' && typeof want === 'string') {
    let j = off + 1;
    for (;;) {
      j = sc.ws(j, true);
      if (j >= s.length || s[j] === '}') return;
      if (s[j] === ',') {
        j++;
        continue;
      }
      const start = j;
      const k = sc.key(j);
      j = sc.ws(k.end + 1, false);
      const p = [...here, ...k.segs];
      const n = lcp(p, target);
      if (n > best.depth) {
        best.depth = n;
        best.offset = start;
      }
      if (n === p.length && p.length < target.length) descend(sc, j, p, target, best);
      j = sc.value(j);
    }
  }
}

/**
 * Best-effort position of `target` in `text`: the deepest prefix of the
 * path that can be found (the key itself, else its nearest parent), or
 * undefined when not even the first segment is written.
 */
export function locateKey(text: string, target: KeyPath): Position | undefined {
  const sc = new Scanner(text);
  const s = text;
  const best: Best = { depth: 0, offset: -1 };
  let table: KeyPath = [];
  const aotCount = new Map<string, number>();
  let i = 0;
  while (i < s.length) {
    i = sc.ws(i, true);
    if (i >= s.length) break;
    const start = i;
    if (s[i] === '[') {
      const aot = s[i + 1] === '[';
      const k = sc.key(i + (aot ? 2 : 1));
      // [a.b.c] under an earlier [[a.b]] means the last element of a.b.
      let hdr: KeyPath = [];
      k.segs.forEach((seg, idx) => {
        hdr.push(seg);
        const n = aotCount.get(JSON.stringify(k.segs.slice(0, idx + 1)));
        if (n !== undefined && (idx < k.segs.length - 1 || !aot)) hdr.push(n - 1);
      });
      if (aot) {
        const name = JSON.stringify(k.segs);
        const n = aotCount.get(name) ?? 0;
        aotCount.set(name, n + 1);
        hdr = [...hdr, n];
      }
      table = hdr;
      const n = lcp(hdr, target);
      if (n > best.depth) {
        best.depth = n;
        best.offset = start;
      }
      i = k.end;
      while (i < s.length && s[i] !== '\n') i++;
      continue;
    }
    const k = sc.key(i);
    if (k.segs.length === 0 || s[k.end] !== '=') {
      // Not a key line (cannot happen in a valid document): skip the line.
      while (i < s.length && s[i] !== '\n') i++;
      continue;
    }
    const v = sc.ws(k.end + 1, false);
    const p = [...table, ...k.segs];
    const n = lcp(p, target);
    if (n > best.depth) {
      best.depth = n;
      best.offset = start;
    }
    if (n === p.length && p.length < target.length) descend(sc, v, p, target, best);
    i = sc.value(v);
  }
  return best.offset < 0 ? undefined : positionAt(text, best.offset);
}
