// A small, fast, non-validating XML tokenizer for repository metadata that
// works on the UTF-8 bytes as they come out of the decompressor: no string
// is made for a tag, an attribute or a text unless the caller asks for one.
// Tag names become small integer ids (the caller registers the names it
// handles up front, so it can switch on numbers), attributes are handed over
// as a raw byte range (parsed by scanAttrs() only for the tags whose values
// the caller needs), and text as a decoded byte range.
//
// It checks what matters for safety and truncation — tags nest and close,
// one root, no DOCTYPE (so no entity definitions), only the five predefined
// entities and character references, nothing after the root — and skips the
// rest of XML's rules.
import { RpmkitError } from '../errors.js';
import { FNV_OFFSET, FNV_PRIME, fnv1a } from './capindex.js';

export interface ByteXmlHandler {
  /**
   * A start tag; its raw attribute text is b[from, to) (valid during the
   * call). A self-closing tag gets no close() call.
   */
  open(tag: number, b: Uint8Array, from: number, to: number, selfClosing: boolean): void;
  close(tag: number): void;
  /**
   * Decoded text b[from, to), while `wantText` is set. The range is valid
   * during this call and the open() or close() call that always follows it.
   */
  text(b: Uint8Array, from: number, to: number): void;
}

const LATIN1 = new TextDecoder('latin1');
const UTF8 = new TextDecoder('utf-8', { ignoreBOM: true });
const ENCODER = new TextEncoder();
/** XML white space. */
export const isSpace = (c: number): boolean => c === 32 || c === 10 || c === 9 || c === 13;

/** Byte strings to small ids: tag names, attribute names. */
class Names {
  readonly bytes: Uint8Array[] = [];
  private slots = new Int32Array(64).fill(-1);
  /** By (length << 8 | first byte), for names under 16 bytes: the one name, -1 none, -2 several. */
  private readonly quick = new Int16Array(16 << 8).fill(-1);
  constructor(
    names: readonly string[],
    private readonly max: number,
  ) {
    for (const n of names) {
      const b = ENCODER.encode(n);
      const id = this.id(b, 0, b.length, fnv1a(b, 0, b.length), true);
      // Longer names are looked up by hash (known() sends every length
      // from 16 there).
      if (b.length > 0 && b.length < 16) {
        const k = (b.length << 8) | (b[0] as number);
        this.quick[k] = this.quick[k] === -1 ? id : -2;
      }
    }
  }

  /**
   * The id of a registered name b[from, to), or -1. Attribute names are
   * told apart by length and first byte (then checked), without a hash.
   */
  known(b: Uint8Array, from: number, to: number): number {
    const len = to - from;
    if (len === 0) return -1;
    const q = len < 16 ? (this.quick[(len << 8) | (b[from] as number)] as number) : -2;
    if (q === -1) return -1;
    if (q === -2) return this.id(b, from, to, fnv1a(b, from, to), false);
    const k = this.bytes[q] as Uint8Array;
    for (let j = 1; j < len; j++) if (k[j] !== b[from + j]) return -1;
    return q;
  }

  /** The id of b[from, to) (hash h); -1 when unknown and `add` is false. */
  id(b: Uint8Array, from: number, to: number, h: number, add: boolean): number {
    const slots = this.slots;
    const mask = slots.length - 1;
    const len = to - from;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const v = slots[i] as number;
      if (v < 0) {
        if (!add) return -1;
        if (this.bytes.length >= this.max) return -2;
        const id = this.bytes.length;
        // A copy: b may be a Buffer, whose slice() is a view of bytes that change.
        this.bytes.push(Uint8Array.prototype.slice.call(b, from, to));
        slots[i] = id;
        if (this.bytes.length * 2 > slots.length) this.rehash();
        return id;
      }
      const k = this.bytes[v] as Uint8Array;
      if (k.length !== len) continue;
      let j = 0;
      while (j < len && k[j] === b[from + j]) j++;
      if (j === len) return v;
    }
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2).fill(-1);
    const mask = slots.length - 1;
    this.bytes.forEach((k, id) => {
      let i = fnv1a(k, 0, k.length) & mask;
      while ((slots[i] as number) >= 0) i = (i + 1) & mask;
      slots[i] = id;
    });
    this.slots = slots;
  }

  name(id: number): string {
    return UTF8.decode(this.bytes[id]);
  }
}

/** A growable byte buffer. */
class Bytes {
  b = new Uint8Array(1 << 12);
  n = 0;
  constructor(private readonly overflow: () => never) {}
  room(extra: number, max: number): void {
    const need = this.n + extra;
    if (need <= this.b.length) return;
    if (need > max) this.overflow();
    const b = new Uint8Array(Math.min(Math.max(need, this.b.length * 2), max));
    b.set(this.b.subarray(0, this.n));
    this.b = b;
  }
  append(src: Uint8Array, from: number, to: number, max: number): void {
    this.room(to - from, max);
    this.b.set(src.subarray(from, to), this.n);
    this.n += to - from;
  }
}

export class ByteXml {
  wantText = false;
  private readonly tags: Names;
  private readonly keys: Names;
  /** Unconsumed bytes carried to the next write: work[0, pending). */
  private work = Buffer.alloc(1 << 16);
  private pending = 0;
  /** How much of the carried-over bytes is text known to hold no '<' (and whether it holds a '&'). */
  private searched = 0;
  private searchedAmp = false;
  private stack: number[] = [];
  private offset = 0;
  private sawRoot = false;
  private rootClosed = false;
  /** Text so far: one range of the current input (no copy), or the builder. */
  private partFrom = -1;
  private partTo = 0;
  private textCopied = false;
  private readonly text: Bytes;
  /** After scanAttrs: value k is in valBuf[k] at [valFrom[k], valTo[k]); valFrom[k] = -1 when absent. */
  readonly valFrom: Int32Array;
  readonly valTo: Int32Array;
  readonly valBuf: Uint8Array[];
  /** Which values the last scanAttrs() set. */
  private readonly set: Int32Array;
  private nSet = 0;
  private readonly decoded: Bytes;

  /**
   * `tags` get the ids 0, 1, ... in order (others get later ids as they
   * appear); `attrs` are the attribute names scanAttrs() reports, by index.
   */
  constructor(
    private readonly h: ByteXmlHandler,
    private readonly what: string,
    tags: readonly string[],
    attrs: readonly string[],
    private readonly maxPending = 64 << 20,
  ) {
    this.tags = new Names(tags, 1 << 16);
    this.keys = new Names(attrs, attrs.length);
    this.valFrom = new Int32Array(attrs.length).fill(-1);
    this.valTo = new Int32Array(attrs.length);
    this.valBuf = new Array<Uint8Array>(attrs.length).fill(new Uint8Array(0));
    this.set = new Int32Array(attrs.length);
    const tooBig = () => this.fail('a single element or text is larger than allowed');
    this.text = new Bytes(tooBig);
    this.decoded = new Bytes(tooBig);
  }

  fail(why: string, at = 0): never {
    throw new RpmkitError('METADATA_INVALID', `${this.what}: malformed XML (${why} near byte ${this.offset + at})`, {
      hint: 'the file is truncated or corrupt; run again with --refresh, or try another mirror',
    });
  }

  tagName(id: number): string {
    return this.tags.name(id);
  }

  write(chunk: Uint8Array): void {
    let b: Buffer;
    const carried = this.pending > 0;
    if (!carried) b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    else {
      this.keepRoom(this.pending + chunk.length);
      this.work.set(chunk, this.pending);
      b = this.work.subarray(0, this.pending + chunk.length);
    }
    const used = this.run(b);
    const rest = b.length - used;
    if (rest > this.maxPending) this.fail('a single element or text is larger than allowed', used);
    this.offset += used;
    if (rest > 0 && !carried) {
      this.keepRoom(rest);
      this.work.set(b.subarray(used));
    } else if (rest > 0 && used > 0) this.work.copyWithin(0, used, b.length);
    this.pending = rest;
  }

  /** Make the carry-over buffer hold at least n bytes, keeping what it holds. */
  private keepRoom(n: number): void {
    if (n <= this.work.length) return;
    const w = Buffer.alloc(Math.max(n, this.work.length * 2));
    this.work.copy(w, 0, 0, this.pending);
    this.work = w;
  }

  end(): void {
    const b = this.work;
    let i = 0;
    while (i < this.pending && (isSpace(b[i] as number) || isBom(b, i))) i += isBom(b, i) ? 3 : 1;
    const open = this.stack.length ? ` inside <${this.tagName(this.stack[this.stack.length - 1] as number)}>` : '';
    if (i < this.pending) {
      if (b[i] === 60) this.fail(`unfinished markup at end of document${open}`);
      if (this.stack.length) this.fail(`document ends${open}`);
      this.fail('text after the root element');
    }
    if (this.stack.length) this.fail(`document ends${open} (truncated)`);
    if (!this.sawRoot) this.fail('no root element');
  }

  /** Process as much of b as possible; returns how many bytes were consumed. */
  private run(b: Buffer): number {
    const n = b.length;
    const h = this.h;
    const stack = this.stack;
    let pos = 0;
    // Carried-over text already searched for '<' is not searched again
    // (a long text arriving in many writes would cost quadratic time).
    let searched = this.searched;
    let searchedAmp = this.searchedAmp;
    this.searched = 0;
    for (;;) {
      // Find the next '<', noting whether the text before it has an entity.
      let lt = pos + searched;
      let amp = searchedAmp;
      searched = 0;
      searchedAmp = false;
      for (; lt < n; lt++) {
        const c = b[lt] as number;
        if (c === 60) break;
        if (c === 38) amp = true;
      }
      if (lt >= n) {
        // Wanted text may continue in the next write, and so may a split
        // byte-order mark outside the root: keep those. Other text is done.
        if (!this.wantText && stack.length > 0) return n;
        this.searched = n - pos;
        this.searchedAmp = amp;
        return this.keep(b, pos);
      }
      if (lt > pos) {
        if (this.wantText) this.addText(b, pos, lt, amp);
        else if (stack.length === 0) {
          for (let i = pos; i < lt; i++) {
            if (isBom(b, i)) i += 2;
            else if (!isSpace(b[i] as number)) this.fail('text outside the root element', i);
          }
        }
      }
      if (lt + 1 >= n) return this.keep(b, lt);
      const c1 = b[lt + 1] as number;
      if (c1 === 47 /* / */) {
        let gt = lt + 2;
        while (gt < n && b[gt] !== 62) gt++;
        if (gt >= n) return this.keep(b, lt);
        // Compare in place with the open tag's name: no string per close tag.
        const top = stack[stack.length - 1];
        if (top === undefined || !this.closes(b, lt + 2, gt, top)) {
          const name = UTF8.decode(b.subarray(lt + 2, gt)).trim();
          this.fail(top === undefined ? `unexpected close tag </${name}>` : `close tag </${name}> does not match <${this.tagName(top)}>`, lt);
        }
        stack.pop();
        this.flushText(b);
        h.close(top);
        if (stack.length === 0) this.rootClosed = true;
        pos = gt + 1;
        continue;
      }
      if (c1 === 33 /* ! */) {
        if (startsWith(b, lt, '<!--')) {
          const e = b.indexOf('-->', lt + 4, 'latin1');
          if (e < 0) return this.keep(b, lt);
          pos = e + 3;
          continue;
        }
        if (startsWith(b, lt, '<![CDATA[')) {
          const e = b.indexOf(']]>', lt + 9, 'latin1');
          if (e < 0) return this.keep(b, lt);
          if (stack.length === 0) this.fail('CDATA outside the root element', lt);
          if (this.wantText) this.addText(b, lt + 9, e, false, true);
          pos = e + 3;
          continue;
        }
        if (n - lt < 9) return this.keep(b, lt);
        if (startsWith(b, lt, '<!DOCTYPE')) {
          throw new RpmkitError('METADATA_INVALID', `${this.what}: has a DOCTYPE declaration, which repository metadata never has`, {
            hint: 'the document may be hostile (entity expansion); refusing to read it',
          });
        }
        this.fail('unexpected markup declaration', lt);
      }
      if (c1 === 63 /* ? */) {
        const e = b.indexOf('?>', lt + 2, 'latin1');
        if (e < 0) return this.keep(b, lt);
        pos = e + 2;
        continue;
      }
      // Start tag: the name (hashed as it is read), then attributes up to an
      // unquoted '>'.
      let i = lt + 1;
      let hash = FNV_OFFSET;
      for (; i < n; i++) {
        const c = b[i] as number;
        if (c === 32 || c === 62 || c === 47 || c === 10 || c === 9 || c === 13) break;
        hash = Math.imul(hash ^ c, FNV_PRIME);
      }
      if (i >= n) return this.keep(b, lt);
      if (i === lt + 1 || c1 === 60) this.fail('invalid tag', lt);
      let j = i;
      let q = 0;
      for (; j < n; j++) {
        const c = b[j] as number;
        if (q) {
          if (c === q) q = 0;
          else if (c === 60) this.fail(`'<' inside an attribute value of <${UTF8.decode(b.subarray(lt + 1, i))}>`, j);
        } else if (c === 34 || c === 39) q = c;
        else if (c === 62) break;
        else if (c === 60) this.fail(`'<' inside the tag <${UTF8.decode(b.subarray(lt + 1, i))}>`, j);
      }
      if (j >= n) return this.keep(b, lt);
      const tag = this.tags.id(b, lt + 1, i, hash >>> 0, true);
      if (tag < 0) this.fail('too many distinct tag names', lt);
      const selfClosing = b[j - 1] === 47;
      if (stack.length === 0) {
        if (this.rootClosed) this.fail('a second root element', lt);
        this.sawRoot = true;
      }
      this.flushText(b);
      if (selfClosing) {
        // The handler treats a self-closing open as open+close.
        h.open(tag, b, i, j - 1, true);
        if (stack.length === 0) this.rootClosed = true;
      } else {
        stack.push(tag);
        h.open(tag, b, i, j, false);
      }
      pos = j + 1;
    }
  }

  /** Whether b[from, to) names tag `top` (trailing space allowed). */
  private closes(b: Uint8Array, from: number, to: number, top: number): boolean {
    const name = this.tags.bytes[top] as Uint8Array;
    if (to - from < name.length) return false;
    for (let k = 0; k < name.length; k++) if (b[from + k] !== name[k]) return false;
    for (let k = from + name.length; k < to; k++) if (!isSpace(b[k] as number)) return false;
    return true;
  }

  /** Stop at `at`: b[at, ...) is carried over, so text taken from before it is copied first. */
  private keep(b: Uint8Array, at: number): number {
    if (this.partFrom >= 0) this.copyPart(b);
    return at;
  }

  private copyPart(b: Uint8Array): void {
    this.text.append(b, this.partFrom, this.partTo, this.maxPending);
    this.partFrom = -1;
    this.textCopied = true;
  }

  /** Text b[from, to): kept as a range if it is all there is, else copied (decoded unless CDATA). */
  private addText(b: Uint8Array, from: number, to: number, amp: boolean, cdata = false): void {
    if (!amp && !cdata && !this.textCopied && this.partFrom < 0) {
      this.partFrom = from;
      this.partTo = to;
      return;
    }
    if (this.partFrom >= 0) this.copyPart(b);
    this.textCopied = true;
    if (amp) this.decodeInto(this.text, b, from, to);
    else this.text.append(b, from, to, this.maxPending);
  }

  private flushText(b: Uint8Array): void {
    if (this.partFrom >= 0) {
      const from = this.partFrom;
      this.partFrom = -1;
      if (this.wantText) this.h.text(b, from, this.partTo);
    } else if (this.textCopied) {
      this.textCopied = false;
      const len = this.text.n;
      this.text.n = 0;
      if (this.wantText) this.h.text(this.text.b, 0, len);
    }
  }

  /** Append b[from, to) to out with entity and character references decoded. */
  private decodeInto(out: Bytes, b: Uint8Array, from: number, to: number): void {
    // Decoding never makes text longer (the longest reference, "&#x10FFFF;", is 10 bytes for 4).
    out.room(to - from, this.maxPending);
    const o = out.b;
    let n = out.n;
    for (let i = from; i < to; i++) {
      const c = b[i] as number;
      if (c !== 38) {
        o[n++] = c;
        continue;
      }
      let e = i + 1;
      while (e < to && e - i <= 11) {
        const d = b[e] as number;
        if (d === 59 || d === 38 || isSpace(d)) break;
        e++;
      }
      if (e >= to || b[e] !== 59 || e - i > 11) this.fail(`bare '&' in text or attribute`);
      const name = LATIN1.decode(b.subarray(i + 1, e));
      const cp = entity(name);
      if (cp === undefined) this.fail(`undefined entity &${UTF8.decode(b.subarray(i + 1, e))};`);
      n = putCodePoint(o, n, cp);
      i = e;
    }
    out.n = n;
  }

  /**
   * Parse the raw attribute text b[from, to) of a start tag: afterwards
   * value k (the constructor's attrs[k]) is valBuf[k][valFrom[k], valTo[k]),
   * decoded, or valFrom[k] is -1 when the tag does not have it. The values
   * are valid until the next scanAttrs().
   */
  scanAttrs(b: Uint8Array, from: number, to: number): void {
    // Forget the last tag's values (a fill() of every slot costs more).
    for (let s = 0; s < this.nSet; s++) this.valFrom[this.set[s] as number] = -1;
    this.nSet = 0;
    this.decoded.n = 0;
    // Decoded values never outgrow the raw text, so the buffer is not
    // reallocated while earlier values point into it.
    this.decoded.room(to - from, this.maxPending);
    let i = from;
    for (;;) {
      while (i < to && isSpace(b[i] as number)) i++;
      if (i >= to) return;
      let eq = i;
      while (eq < to && b[eq] !== 61) eq++;
      if (eq >= to) this.fail(`bad attribute syntax "${UTF8.decode(b.subarray(i, Math.min(to, i + 40)))}"`);
      let ke = eq;
      while (ke > i && isSpace(b[ke - 1] as number)) ke--;
      let k = eq + 1;
      while (k < to && isSpace(b[k] as number)) k++;
      // No closure for the key's name here: this loop is hot, and esbuild
      // (tsx, which runs the tests and benches) wraps every closure it
      // creates in a call that names it, which made a cold load 1.5x slower.
      const q = b[k];
      if (q !== 34 && q !== 39) this.fail(`unquoted attribute value for ${UTF8.decode(b.subarray(i, ke))}`);
      let e = k + 1;
      let amp = false;
      for (; e < to; e++) {
        const c = b[e] as number;
        if (c === q) break;
        if (c === 38) amp = true;
      }
      if (e >= to) this.fail(`unterminated attribute value for ${UTF8.decode(b.subarray(i, ke))}`);
      const idx = this.keys.known(b, i, ke);
      if (idx >= 0) {
        if ((this.valFrom[idx] as number) < 0) this.set[this.nSet++] = idx;
        if (amp) {
          const d = this.decoded;
          const at = d.n;
          this.decodeInto(d, b, k + 1, e);
          this.valBuf[idx] = d.b;
          this.valFrom[idx] = at;
          this.valTo[idx] = d.n;
        } else {
          this.valBuf[idx] = b;
          this.valFrom[idx] = k + 1;
          this.valTo[idx] = e;
        }
      }
      i = e + 1;
    }
  }

  /** Attribute k (after scanAttrs) as a string, or undefined. */
  attr(k: number): string | undefined {
    const f = this.valFrom[k] as number;
    return f < 0 ? undefined : UTF8.decode((this.valBuf[k] as Uint8Array).subarray(f, this.valTo[k]));
  }

  /** Whether attribute k is present and not empty. */
  nonEmpty(k: number): boolean {
    const f = this.valFrom[k] as number;
    return f >= 0 && (this.valTo[k] as number) > f;
  }

  /** Attribute k as a number as Number() reads it; 0 when absent, empty or not finite. */
  attrNum(k: number): number {
    const f = this.valFrom[k] as number;
    if (f < 0) return 0;
    const b = this.valBuf[k] as Uint8Array;
    const t = this.valTo[k] as number;
    if (t === f) return 0;
    // Plain digits (the usual case) without a string.
    if (t - f < 16) {
      let v = 0;
      let i = f;
      for (; i < t; i++) {
        const c = (b[i] as number) - 48;
        if (c < 0 || c > 9) break;
        v = v * 10 + c;
      }
      if (i === t) return v;
    }
    const v = Number(LATIN1.decode(b.subarray(f, t)));
    return Number.isFinite(v) ? v : 0;
  }

  /** Whether attribute k is present and equal to the ASCII string s. */
  attrIs(k: number, s: string): boolean {
    const f = this.valFrom[k] as number;
    if (f < 0 || (this.valTo[k] as number) - f !== s.length) return false;
    const b = this.valBuf[k] as Uint8Array;
    for (let i = 0; i < s.length; i++) if (b[f + i] !== s.charCodeAt(i)) return false;
    return true;
  }
}

function isBom(b: Uint8Array, i: number): boolean {
  return b[i] === 0xef && b[i + 1] === 0xbb && b[i + 2] === 0xbf;
}

function startsWith(b: Uint8Array, at: number, s: string): boolean {
  if (at + s.length > b.length) return false;
  for (let i = 0; i < s.length; i++) if (b[at + i] !== s.charCodeAt(i)) return false;
  return true;
}

const ENT: Record<string, number> = { lt: 60, gt: 62, amp: 38, quot: 34, apos: 39 };

/** The code point an entity or character reference (without & and ;) stands for. */
function entity(name: string): number | undefined {
  const v = ENT[name];
  if (v !== undefined) return v;
  if (name.charCodeAt(0) !== 35 /* # */) return undefined;
  const code = name[1] === 'x' ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
  return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? code : undefined;
}

/** UTF-8 of code point cp at o[n]; returns the new end. A lone surrogate becomes U+FFFD, as a text encoder writes it. */
function putCodePoint(o: Uint8Array, n: number, cp: number): number {
  if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
  if (cp < 0x80) o[n++] = cp;
  else if (cp < 0x800) {
    o[n++] = 0xc0 | (cp >> 6);
    o[n++] = 0x80 | (cp & 63);
  } else if (cp < 0x10000) {
    o[n++] = 0xe0 | (cp >> 12);
    o[n++] = 0x80 | ((cp >> 6) & 63);
    o[n++] = 0x80 | (cp & 63);
  } else {
    o[n++] = 0xf0 | (cp >> 18);
    o[n++] = 0x80 | ((cp >> 12) & 63);
    o[n++] = 0x80 | ((cp >> 6) & 63);
    o[n++] = 0x80 | (cp & 63);
  }
  return n;
}
