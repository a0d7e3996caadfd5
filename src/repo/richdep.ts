// rpm's rich (boolean) dependencies — "(a >= 1 or (b if c else d))" — parsed
// into RichDep trees, with rpm's own rules (lib/rpmds.c rpmrichParse): names
// may hold balanced parentheses ("libfoo.so.1()(64bit)"), and/or/with chain
// only with themselves, if/unless take at most one else. Used for repository
// metadata and for the headers of local RPMs alike.
import { RpmkitError } from '../errors.js';
import { type DepOp, opFromSymbol, parseEVR } from '../evr/index.js';
import type { Dep, RichDep, RichOp } from './types.js';

const OPS = new Set<string>(['and', 'or', 'if', 'unless', 'with', 'without', 'else']);

class Parser {
  pos = 0;
  constructor(readonly s: string) {}

  fail(why: string): never {
    throw new RpmkitError('METADATA_INVALID', `invalid rich dependency "${this.s}": ${why} at offset ${this.pos}`);
  }

  ws(): void {
    while (this.pos < this.s.length && isSpace(this.s.charCodeAt(this.pos))) this.pos++;
  }

  /** A word as rpm's SKIPNONWHITEX reads it: stops at space or an unbalanced ')'. */
  word(): string {
    const start = this.pos;
    let depth = 0;
    while (this.pos < this.s.length) {
      const c = this.s[this.pos];
      if (depth === 0 && (isSpace(this.s.charCodeAt(this.pos)) || c === ')')) break;
      if (c === '(') depth++;
      else if (c === ')') depth--;
      this.pos++;
    }
    return this.s.slice(start, this.pos);
  }

  /** '(' operand (OP operand)* ')' */
  rich(): RichDep {
    if (this.s[this.pos] !== '(') this.fail("expected '('");
    this.pos++;
    this.ws();
    const first = this.operand();
    this.ws();
    let op: RichOp | undefined;
    const args: Dep[] = [first];
    let sawElse = false;
    while (this.pos < this.s.length && this.s[this.pos] !== ')') {
      const w = this.word();
      if (!OPS.has(w)) this.fail(`unknown operator "${w}"`);
      if (w === 'else') {
        if ((op !== 'if' && op !== 'unless') || sawElse || args.length !== 2) this.fail('"else" only follows one "if" or "unless" condition');
        sawElse = true;
      } else if (op === undefined) {
        op = w as RichOp;
      } else if (w !== op || op === 'if' || op === 'unless' || op === 'without') {
        this.fail(`"${w}" cannot follow "${op}" without parentheses`);
      }
      this.ws();
      args.push(this.operand());
      this.ws();
    }
    if (this.s[this.pos] !== ')') this.fail("missing ')'");
    this.pos++;
    // "(foo)" is accepted by rpm: a one-operand group.
    return { op: op ?? 'and', args };
  }

  operand(): Dep {
    if (this.pos >= this.s.length) this.fail('unexpected end');
    if (this.s[this.pos] === '(') {
      const start = this.pos;
      const rich = this.rich();
      // A nested "(foo)" is just foo.
      if (rich.args.length === 1) return rich.args[0] as Dep;
      return { name: this.s.slice(start, this.pos), rich };
    }
    const name = this.word();
    if (name === '' || OPS.has(name)) this.fail('expected a dependency name');
    const save = this.pos;
    this.ws();
    const sym = this.word();
    const op = sym ? opFromSymbol(sym) : undefined;
    if (!op) {
      this.pos = save;
      return { name };
    }
    this.ws();
    const evr = this.word();
    if (!evr) this.fail(`missing version after "${sym}"`);
    return { name, op, evr: parseEVR(evr) };
  }
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12;
}

/** Parse a rich dependency ("(a or b)"); throws METADATA_INVALID on bad syntax. */
export function parseRichDep(text: string): RichDep {
  const p = new Parser(text.trim());
  const r = p.rich();
  p.ws();
  if (p.pos !== p.s.length) p.fail('trailing text after the closing parenthesis');
  return r;
}

/** Like parseRichDep, but undefined instead of an error. */
export function tryParseRichDep(text: string): RichDep | undefined {
  try {
    return parseRichDep(text);
  } catch {
    return undefined;
  }
}

/**
 * A dependency as a user or a header writes it: "foo", "foo >= 1.2-3",
 * "/usr/bin/sh" or a rich "(a or b)". Throws METADATA_INVALID on bad syntax.
 */
export function parseDep(text: string): Dep {
  const s = text.trim();
  if (s.startsWith('(')) return { name: s, rich: parseRichDep(s) };
  const m = /^([^\s<>=]+)\s*(<=|>=|=<|=>|==|<|>|=)\s*(\S+)$/.exec(s);
  if (m) {
    const op = opFromSymbol(m[2] as string) as DepOp;
    return { name: m[1] as string, op, evr: parseEVR(m[3] as string) };
  }
  if (/\s/.test(s) || s === '') throw new RpmkitError('METADATA_INVALID', `invalid dependency "${text}"`, { hint: 'write NAME, or NAME OP VERSION with OP one of < <= = >= >' });
  return { name: s };
}

/** A dependency as text, the way rpm prints it ("foo >= 1:2-3"). */
export function formatDep(d: Dep): string {
  if (d.rich || !d.op || !d.evr) return d.name;
  const sym = { LT: '<', LE: '<=', EQ: '=', GE: '>=', GT: '>' }[d.op];
  const e = d.evr;
  const ep = e.epoch !== undefined && e.epoch !== '' ? `${e.epoch}:` : '';
  return `${d.name} ${sym} ${ep}${e.version}${e.release !== undefined ? `-${e.release}` : ''}`;
}
