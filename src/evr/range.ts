// Dependency ranges: does "foo >= 1.2" overlap "foo = 1.3-4"? Transcribes
// rpm's rpmverOverlap, including its rule that the side without a release
// matches any release when it has the EQUAL bit.
import { rpmvercmp } from './vercmp.js';
import { type EVR, parseEVR } from './evr.js';

export type DepOp = 'LT' | 'LE' | 'EQ' | 'GE' | 'GT';

const LESS = 2;
const GREATER = 4;
const EQUAL = 8;
const BITS: Record<DepOp, number> = { LT: LESS, LE: LESS | EQUAL, EQ: EQUAL, GE: GREATER | EQUAL, GT: GREATER };
const SYMBOL: Record<DepOp, string> = { LT: '<', LE: '<=', EQ: '=', GE: '>=', GT: '>' };
const FROM_SYMBOL: Record<string, DepOp> = { '<': 'LT', '<=': 'LE', '=': 'EQ', '==': 'EQ', '>=': 'GE', '>': 'GT', '=<': 'LE', '=>': 'GE' };

export function opSymbol(op: DepOp): string {
  return SYMBOL[op];
}

export function opFromSymbol(sym: string): DepOp | undefined {
  return FROM_SYMBOL[sym];
}

const hasEpoch = (e: EVR) => e.epoch !== undefined && e.epoch !== '';
const hasRel = (e: EVR) => e.release !== undefined && e.release !== '';
/** The EVR would print as "" (what rpm tests before parsing). */
const isEmptyEVR = (e: EVR | string) => (typeof e === 'string' ? e === '' : e.epoch === undefined && e.version === '' && e.release === undefined);

/** Do the ranges (op1 evr1) and (op2 evr2) of the same name overlap? */
export function rangesOverlap(op1: DepOp | undefined, evr1: EVR | string | undefined, op2: DepOp | undefined, evr2: EVR | string | undefined): boolean {
  // An unversioned side is an existence test: always overlaps.
  if (!op1 || !op2 || evr1 === undefined || evr2 === undefined) return true;
  // rpmdsCompareEVR: an empty EVR string on either side always overlaps.
  if (isEmptyEVR(evr1) || isEmptyEVR(evr2)) return true;
  const v1 = typeof evr1 === 'string' ? parseEVR(evr1) : evr1;
  const v2 = typeof evr2 === 'string' ? parseEVR(evr2) : evr2;
  const f1 = BITS[op1];
  const f2 = BITS[op2];
  let sense = 0;
  if (hasEpoch(v1) && hasEpoch(v2)) sense = rpmvercmp(v1.epoch!, v2.epoch!);
  else if (hasEpoch(v1) && Number.parseInt(v1.epoch!, 10) > 0) sense = 1;
  else if (hasEpoch(v2) && Number.parseInt(v2.epoch!, 10) > 0) sense = -1;
  if (sense === 0) {
    sense = rpmvercmp(v1.version, v2.version);
    if (sense === 0) {
      if (hasRel(v1) && hasRel(v2)) sense = rpmvercmp(v1.release!, v2.release!);
      else if ((hasRel(v1) && f2 & EQUAL) || (hasRel(v2) && f1 & EQUAL)) return true;
    }
  }
  if (sense < 0) return (f1 & GREATER) !== 0 || (f2 & LESS) !== 0;
  if (sense > 0) return (f1 & LESS) !== 0 || (f2 & GREATER) !== 0;
  return ((f1 & EQUAL) !== 0 && (f2 & EQUAL) !== 0) || ((f1 & LESS) !== 0 && (f2 & LESS) !== 0) || ((f1 & GREATER) !== 0 && (f2 & GREATER) !== 0);
}

/** Does a package of exactly `evr` satisfy the requirement `op reqEvr`? */
export function evrSatisfies(evr: EVR, op: DepOp | undefined, reqEvr: EVR | string | undefined): boolean {
  return rangesOverlap('EQ', evr, op, reqEvr);
}
