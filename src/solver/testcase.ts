// Reader for libsolv's testcase format (ext/testcase.c): `repo NAME PRIO
// testtags <inline>` blocks with `#>=Pkg:`/`#>=Req:`... lines, `system`,
// `job`, `solverflags`, `poolflags`, `nextjob` and `result ... <inline>`.
// Used to run libsolv's own test suite against this solver; reusable for
// writing new cases.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { type DepOp, type EVR, opFromSymbol, parseEVR } from '../evr/index.js';
import type { Dep, Package, RichDep, RichOp } from '../repo/types.js';

export interface TestcaseRepo {
  name: string;
  prio: number;
  subprio: number;
  packages: Package[];
}

export interface TestcaseJob {
  /** install, erase, update, distupgrade, lock, favor, noop ... */
  verb: string;
  /** name, provides, pkg, oneof, all, repo, selection ... */
  select: string;
  /** The rest of the line (a name, a dep, or NEVRA@repo list). */
  args: string;
  /** Trailing [flags] of the job, if any. */
  flags: string[];
  raw: string;
}

export interface TestcaseStep {
  jobs: TestcaseJob[];
  solverflags: string[];
  poolflags: string[];
  /** e.g. ['transaction', 'problems']; empty when the step has no result block. */
  resultKinds: string[];
  /** Expected result lines (without the leading '#>'). */
  result: string[];
  disabled: string[];
}

export interface Testcase {
  file: string;
  repos: TestcaseRepo[];
  system: { arch: string; disttype: string; installed?: string };
  features: string[];
  steps: TestcaseStep[];
}

const RICH_OPS: Record<string, RichOp | 'else'> = { '<AND>': 'and', '<OR>': 'or', '<IF>': 'if', '<UNLESS>': 'unless', '<WITH>': 'with', '<WITHOUT>': 'without', '<ELSE>': 'else', '&': 'and', '|': 'or' };

/** Parse a testcase dependency: `name`, `name >= 1.2`, or rich `A <IF> (B <ELSE> C)`. */
export function parseTestcaseDep(text: string): Dep {
  const s = text.trim();
  const toks: string[] = [];
  for (let w of s.split(/\s+/).filter(Boolean)) {
    // Grouping parens sit at word edges; parens inside names (perl(Foo)) stay.
    while (w.startsWith('(')) {
      toks.push('(');
      w = w.slice(1);
    }
    let close = 0;
    const bal = (x: string) => (x.match(/\(/g) ?? []).length - (x.match(/\)/g) ?? []).length;
    while (w.endsWith(')') && bal(w) < 0) {
      w = w.slice(0, -1);
      close++;
    }
    if (w) toks.push(w);
    for (let k = 0; k < close; k++) toks.push(')');
  }
  let i = 0;
  const parsePrimary = (): Dep => {
    if (toks[i] === '(') {
      i++;
      const d = parseExpr();
      if (toks[i] === ')') i++;
      return d;
    }
    const name = toks[i++];
    const op = toks[i] !== undefined ? opFromSymbol(toks[i]) : undefined;
    if (op && toks[i + 1] !== undefined) {
      const evr = parseEVR(toks[i + 1]);
      i += 2;
      return mk(name, op, evr);
    }
    return { name };
  };
  const parseExpr = (): Dep => {
    const left = parsePrimary();
    const t = toks[i];
    const op = t !== undefined ? RICH_OPS[t] : undefined;
    if (!op) return left;
    i++;
    const right = parseExpr();
    return combine(op, left, right);
  };
  const d = parseExpr();
  if (d.rich) d.name = `(${s})`;
  return d;
}

function mk(name: string, op: DepOp, evr: EVR): Dep {
  return { name, op, evr };
}

/** `B <ELSE> C` only means something under IF/UNLESS; it is carried as a marked pair until then. */
const ELSE = new WeakSet<Dep>();

function combine(op: RichOp | 'else', left: Dep, right: Dep): Dep {
  if (op === 'else') {
    const d: Dep = { name: '', rich: { op: 'and', args: [left, right] } };
    ELSE.add(d);
    return d;
  }
  if ((op === 'if' || op === 'unless') && right.rich && ELSE.has(right)) {
    const [cond, alt] = right.rich.args;
    return { name: '', rich: { op, args: [left, cond, alt] } };
  }
  if ((op === 'and' || op === 'or') && right.rich && right.rich.op === op && !ELSE.has(right)) {
    return { name: '', rich: { op, args: [left, ...right.rich.args] } };
  }
  const r: RichDep = { op, args: [left, right] };
  return { name: '', rich: r };
}

function newPackage(name: string, version: string, release: string, arch: string, repo: string): Package {
  const evr = parseEVR(`${version}-${release}`);
  return {
    name,
    epoch: evr.epoch ?? '0',
    version: evr.version,
    release: evr.release ?? '',
    arch,
    repoId: repo,
    location: `${name}-${version}-${release}.${arch}.rpm`,
    checksum: { type: 'sha256', value: '' },
    size: { package: 0, installed: 0, archive: 0 },
    time: { file: 0, build: 0 },
    provides: [],
    requires: [],
    conflicts: [],
    obsoletes: [],
    recommends: [],
    suggests: [],
    supplements: [],
    enhances: [],
    files: [],
  };
}

const TAGS: Record<string, keyof Package> = { Req: 'requires', Prq: 'requires', Prv: 'provides', Con: 'conflicts', Obs: 'obsoletes', Rec: 'recommends', Sug: 'suggests', Sup: 'supplements', Enh: 'enhances' };

/** Parse testtags (susetags-like) content into packages. */
export function parseTesttags(lines: string[], repo: string): Package[] {
  const out: Package[] = [];
  let cur: Package | undefined;
  let block: string | undefined;
  const add = (tag: string, value: string) => {
    if (tag === 'Pkg') {
      const [n, v, r, a] = value.trim().split(/\s+/);
      cur = newPackage(n, v, r, a, repo);
      out.push(cur);
      return;
    }
    if (!cur) return;
    if (tag === 'Fls') {
      cur.files.push(value.trim());
      return;
    }
    if (tag === 'Vnd') {
      cur.vendor = value.trim();
      return;
    }
    const key = TAGS[tag];
    if (!key) return;
    const d = parseTestcaseDep(value);
    if (tag === 'Prq') d.pre = true;
    (cur[key] as Dep[]).push(d);
  };
  for (const raw of lines) {
    const line = raw.replace(/^#>/, '');
    let m = /^=(\w+):\s?(.*)$/.exec(line);
    if (m) {
      add(m[1], m[2]);
      continue;
    }
    m = /^\+(\w+):\s*$/.exec(line);
    if (m) {
      block = m[1];
      continue;
    }
    m = /^-(\w+):\s*$/.exec(line);
    if (m) {
      block = undefined;
      continue;
    }
    if (block && line.trim()) add(block, line);
  }
  return out;
}

/** Read a testcase file (repos given as `testtags FILE` are read relative to it). */
export function readTestcase(file: string): Testcase {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const tc: Testcase = { file, repos: [], system: { arch: 'unset', disttype: 'rpm' }, features: [], steps: [] };
  let step: TestcaseStep = { jobs: [], solverflags: [], poolflags: [], resultKinds: [], result: [], disabled: [] };
  tc.steps.push(step);
  let i = 0;
  const inline = (): string[] => {
    const block: string[] = [];
    while (i < lines.length && lines[i].startsWith('#>')) block.push(lines[i++].slice(2));
    return block;
  };
  while (i < lines.length) {
    const line = lines[i++].trim();
    if (!line || line.startsWith('#')) continue;
    const parts = line.split(/\s+/);
    switch (parts[0]) {
      case 'repo': {
        const [, name, prioStr, format, src] = parts;
        const [p, sp] = prioStr.split('.');
        let body: string[] = [];
        if (src === '<inline>') body = inline();
        else if (format === 'testtags' && src) body = readFileSync(path.join(path.dirname(file), src), 'utf8').split('\n');
        const pk = format === 'testtags' ? parseTesttags(body.map((l) => (l.startsWith('#>') ? l : `#>${l}`)), name) : [];
        tc.repos.push({ name, prio: Number(p) || 0, subprio: Number(sp ?? 0) || 0, packages: pk });
        break;
      }
      case 'system':
        tc.system = { arch: parts[1], disttype: parts[2], installed: parts[3] };
        break;
      case 'feature':
        tc.features.push(...parts.slice(1));
        break;
      case 'job': {
        const m = /^job\s+(\S+)\s+(\S+)\s*(.*?)\s*(\[[^\]]*\])?$/.exec(line);
        if (m) step.jobs.push({ verb: m[1], select: m[2], args: m[3], flags: m[4] ? m[4].slice(1, -1).split(',').map((x) => x.trim()) : [], raw: line });
        break;
      }
      case 'solverflags':
        step.solverflags.push(...parts.slice(1));
        break;
      case 'poolflags':
        step.poolflags.push(...parts.slice(1));
        break;
      case 'disable':
        step.disabled.push(parts.slice(1).join(' '));
        break;
      case 'result': {
        step.resultKinds = parts[1].split(',');
        step.result = parts[2] === '<inline>' ? inline() : [];
        break;
      }
      case 'nextjob':
        step = { jobs: [], solverflags: [], poolflags: [], resultKinds: [], result: [], disabled: [] };
        tc.steps.push(step);
        break;
      default:
        break;
    }
  }
  return tc;
}

/** `name-evr.arch@repo` as libsolv's testcase writer prints a solvable. */
export function testcaseSolvableStr(p: Package): string {
  const e = p.epoch && p.epoch !== '0' ? `${p.epoch}:` : '';
  return `${p.name}-${e}${p.version}-${p.release}.${p.arch}@${p.repoId}`;
}
