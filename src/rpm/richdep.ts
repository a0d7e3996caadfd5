// A small parser for rpm's rich (boolean) dependencies: "(a >= 1 or (b if c))".
// Used until src/repo/richdep.ts exists; the grammar follows rpm's rpmrichParse.
import type { Dep, RichDep, RichOp } from '../repo/types.js';
import { opFromSymbol, parseEVR } from '../evr/index.js';

const OPS = new Set(['and', 'or', 'if', 'else', 'unless', 'with', 'without']);

/** Parse a rich dependency; undefined when the text is not a well-formed one. */
export function parseRichDep(text: string): RichDep | undefined {
  const p = { s: text, i: 0 };
  try {
    const d = parseParen(p);
    skipWs(p);
    if (p.i !== p.s.length || !d.rich) return undefined;
    return d.rich;
  } catch {
    return undefined;
  }
}

interface P {
  s: string;
  i: number;
}

function skipWs(p: P): void {
  while (p.i < p.s.length && /\s/.test(p.s[p.i]!)) p.i++;
}

function word(p: P): string {
  skipWs(p);
  const start = p.i;
  let depth = 0;
  while (p.i < p.s.length) {
    const c = p.s[p.i]!;
    if (/\s/.test(c)) break;
    if (c === '(') depth++;
    else if (c === ')') {
      if (depth === 0) break;
      depth--;
    }
    p.i++;
  }
  return p.s.slice(start, p.i);
}

function parseParen(p: P): Dep {
  skipWs(p);
  const start = p.i;
  if (p.s[p.i] !== '(') throw new Error('expected (');
  p.i++;
  const first = parseTerm(p);
  const args: Dep[] = [first];
  let op: string | undefined;
  let sawElse = false;
  for (;;) {
    skipWs(p);
    if (p.s[p.i] === ')') {
      p.i++;
      break;
    }
    const w = word(p);
    if (!OPS.has(w)) throw new Error(`unknown operator ${w}`);
    if (w === 'else') {
      if ((op !== 'if' && op !== 'unless') || sawElse || args.length !== 2) throw new Error('misplaced else');
      sawElse = true;
    } else if (op === undefined) op = w;
    else if (op !== w || op === 'if' || op === 'unless' || op === 'with' || op === 'without') throw new Error('mixed operators');
    args.push(parseTerm(p));
  }
  const raw = p.s.slice(start, p.i);
  if (!op) return { ...first, name: first.name };
  return { name: raw, rich: { op: op as RichOp, args } };
}

function parseTerm(p: P): Dep {
  skipWs(p);
  if (p.s[p.i] === '(') return parseParen(p);
  const name = word(p);
  if (!name || OPS.has(name)) throw new Error('expected a name');
  const save = p.i;
  const sym = word(p);
  const op = opFromSymbol(sym);
  if (op) {
    const evr = word(p);
    if (!evr) throw new Error('expected a version');
    return { name, op, evr: parseEVR(evr) };
  }
  p.i = save;
  return { name };
}
