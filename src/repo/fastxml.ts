// A small, fast, non-validating XML tokenizer for repository metadata, fed
// string chunks. It checks what matters for safety and truncation — tags
// nest and close, one root, no DOCTYPE (so no entity definitions), only the
// five predefined entities and character references, nothing after the root
// — and skips the rest of XML's rules. Text is only materialised when the
// handler asks for it (`wantText`), and attributes are handed over raw so a
// caller can use the raw text as a cache key before parsing it.
import { RpmkitError } from '../errors.js';

export interface FastXmlHandler {
  /** `attrs` is the raw text between the tag name and '>' / '/>'; a self-closing tag gets no close() call. */
  open(name: string, attrs: string, selfClosing: boolean): void;
  close(name: string): void;
  /** Called with decoded text while `wantText` is set. */
  text(t: string): void;
}

const ENT: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export class FastXml {
  wantText = false;
  private buf = '';
  private stack: string[] = [];
  private offset = 0;
  private sawRoot = false;
  private rootClosed = false;
  private textParts: string[] = [];
  constructor(
    private readonly h: FastXmlHandler,
    private readonly what: string,
    private readonly maxPending = 64 << 20,
  ) {}

  fail(why: string, at = 0): never {
    throw new RpmkitError('METADATA_INVALID', `${this.what}: malformed XML (${why} near character ${this.offset + at})`, {
      hint: 'the file is truncated or corrupt; run again with --refresh, or try another mirror',
    });
  }

  write(chunk: string): void {
    const s = this.buf.length ? this.buf + chunk : chunk;
    const used = this.run(s);
    this.offset += used;
    this.buf = used < s.length ? s.slice(used) : '';
    if (this.buf.length > this.maxPending) this.fail('a single element or text is larger than allowed');
  }

  end(): void {
    const rest = this.buf;
    if (rest.trim() !== '') {
      if (rest.trimStart().startsWith('<')) this.fail(`unfinished markup at end of document${this.stack.length ? ` inside <${this.stack[this.stack.length - 1]}>` : ''}`);
      if (this.stack.length) this.fail(`document ends inside <${this.stack[this.stack.length - 1]}>`);
      this.fail('text after the root element');
    }
    if (this.stack.length) this.fail(`document ends inside <${this.stack[this.stack.length - 1]}> (truncated)`);
    if (!this.sawRoot) this.fail('no root element');
  }

  /** Process as much of s as possible; returns how many characters were consumed. */
  private run(s: string): number {
    let pos = 0;
    const n = s.length;
    const h = this.h;
    const stack = this.stack;
    for (;;) {
      const lt = s.indexOf('<', pos);
      const end = lt < 0 ? n : lt;
      if (end > pos) {
        if (this.wantText) {
          if (lt < 0) {
            // Text may continue in the next chunk; keep it buffered unless huge.
            return pos;
          }
          this.textParts.push(s.slice(pos, end));
        } else if (stack.length === 0) {
          for (let i = pos; i < end; i++) {
            const c = s.charCodeAt(i);
            if (c !== 32 && c !== 10 && c !== 13 && c !== 9 && c !== 0xfeff) this.fail('text outside the root element', i);
          }
        }
      }
      if (lt < 0) return n;
      if (lt + 1 >= n) return lt;
      const c1 = s.charCodeAt(lt + 1);
      if (c1 === 47 /* / */) {
        const gt = s.indexOf('>', lt + 2);
        if (gt < 0) return lt;
        // Compare in place with the open tag's name: no string per close tag.
        const top = stack[stack.length - 1];
        const e = lt + 2 + (top?.length ?? 0);
        if (top === undefined || !s.startsWith(top, lt + 2) || (gt !== e && s.slice(e, gt).trim() !== '')) {
          const name = s.slice(lt + 2, gt).trim();
          this.fail(top === undefined ? `unexpected close tag </${name}>` : `close tag </${name}> does not match <${top}>`, lt);
        }
        stack.pop();
        this.flushText();
        h.close(top);
        if (stack.length === 0) this.rootClosed = true;
        pos = gt + 1;
        continue;
      }
      if (c1 === 33 /* ! */) {
        if (s.startsWith('<!--', lt)) {
          const e = s.indexOf('-->', lt + 4);
          if (e < 0) return lt;
          pos = e + 3;
          continue;
        }
        if (s.startsWith('<![CDATA[', lt)) {
          const e = s.indexOf(']]>', lt + 9);
          if (e < 0) return lt;
          if (stack.length === 0) this.fail('CDATA outside the root element', lt);
          if (this.wantText) this.textParts.push(s.slice(lt + 9, e));
          pos = e + 3;
          continue;
        }
        if (n - lt < 9) return lt;
        if (s.startsWith('<!DOCTYPE', lt)) {
          throw new RpmkitError('METADATA_INVALID', `${this.what}: has a DOCTYPE declaration, which repository metadata never has`, {
            hint: 'the document may be hostile (entity expansion); refusing to read it',
          });
        }
        this.fail('unexpected markup declaration', lt);
      }
      if (c1 === 63 /* ? */) {
        const e = s.indexOf('?>', lt + 2);
        if (e < 0) return lt;
        pos = e + 2;
        continue;
      }
      // Start tag: the name, then attributes up to an unquoted '>'.
      let i = lt + 1;
      while (i < n) {
        const c = s.charCodeAt(i);
        if (c === 32 || c === 62 || c === 47 || c === 10 || c === 9 || c === 13) break;
        i++;
      }
      if (i >= n) return lt;
      const name = s.slice(lt + 1, i);
      if (name === '' || c1 === 32 || c1 === 60) this.fail('invalid tag', lt);
      let j = i;
      let q = 0;
      for (; j < n; j++) {
        const c = s.charCodeAt(j);
        if (q) {
          if (c === q) q = 0;
          else if (c === 60) this.fail(`'<' inside an attribute value of <${name}>`, j);
        } else if (c === 34 || c === 39) q = c;
        else if (c === 62) break;
        else if (c === 60) this.fail(`'<' inside the tag <${name}>`, j);
      }
      if (j >= n) return lt;
      const selfClosing = s.charCodeAt(j - 1) === 47;
      const attrs = s.slice(i, selfClosing ? j - 1 : j);
      if (stack.length === 0) {
        if (this.rootClosed) this.fail('a second root element', lt);
        this.sawRoot = true;
      }
      this.flushText();
      if (selfClosing) {
        // The handler treats a self-closing open as open+close.
        h.open(name, attrs, true);
        if (stack.length === 0) this.rootClosed = true;
      } else {
        stack.push(name);
        h.open(name, attrs, false);
      }
      pos = j + 1;
    }
  }

  private flushText(): void {
    if (!this.textParts.length) return;
    const raw = this.textParts.length === 1 ? (this.textParts[0] as string) : this.textParts.join('');
    this.textParts.length = 0;
    if (this.wantText) this.h.text(raw.indexOf('&') >= 0 ? this.decode(raw) : raw);
  }

  decode(s: string): string {
    return s.replace(/&([^;&\s]{0,10});?/g, (m, e: string) => {
      if (!m.endsWith(';')) this.fail(`bare '&' in text or attribute`);
      const v = ENT[e];
      if (v !== undefined) return v;
      if (e.startsWith('#')) {
        const code = e[1] === 'x' ? Number.parseInt(e.slice(2), 16) : Number.parseInt(e.slice(1), 10);
        if (Number.isFinite(code) && code > 0 && code <= 0x10ffff) return String.fromCodePoint(code);
      }
      this.fail(`undefined entity &${e};`);
    });
  }

  /** Parse raw attribute text into name -> decoded value. */
  attrs(raw: string): Record<string, string> {
    const out: Record<string, string> = {};
    let i = 0;
    const n = raw.length;
    for (;;) {
      while (i < n) {
        const c = raw.charCodeAt(i);
        if (c !== 32 && c !== 10 && c !== 9 && c !== 13) break;
        i++;
      }
      if (i >= n) return out;
      const eq = raw.indexOf('=', i);
      if (eq < 0) this.fail(`bad attribute syntax "${raw.slice(i, i + 40)}"`);
      const key = raw.slice(i, eq).trim();
      let k = eq + 1;
      while (k < n && (raw.charCodeAt(k) === 32 || raw.charCodeAt(k) === 10 || raw.charCodeAt(k) === 9)) k++;
      const q = raw[k];
      if (q !== '"' && q !== "'") this.fail(`unquoted attribute value for ${key}`);
      const e = raw.indexOf(q, k + 1);
      if (e < 0) this.fail(`unterminated attribute value for ${key}`);
      const v = raw.slice(k + 1, e);
      out[key] = v.indexOf('&') >= 0 ? this.decode(v) : v;
      i = e + 1;
    }
  }
}
