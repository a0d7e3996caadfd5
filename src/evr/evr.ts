// Epoch:Version-Release values: parsing as rpm does (rpmverParse) and
// comparing as rpmverCmp does.
import { rpmvercmp } from './vercmp.js';

export interface EVR {
  /** Missing epoch is undefined (rpm treats it as 0 when comparing two EVRs). */
  epoch?: string;
  version: string;
  /** Missing release is undefined: a range without release matches any release. */
  release?: string;
}

/** Parse "[E:]V[-R]" the way rpm's rpmverParse splits it. */
export function parseEVR(evr: string): EVR {
  let k = 0;
  while (k < evr.length && evr.charCodeAt(k) >= 48 && evr.charCodeAt(k) <= 57) k++;
  let epoch: string | undefined;
  let rest = evr;
  if (evr[k] === ':') {
    epoch = k === 0 ? '0' : evr.slice(0, k);
    rest = evr.slice(k + 1);
  }
  const dash = rest.lastIndexOf('-');
  if (dash < 0) return epoch === undefined ? { version: rest } : { epoch, version: rest };
  const out: EVR = { version: rest.slice(0, dash), release: rest.slice(dash + 1) };
  if (epoch !== undefined) out.epoch = epoch;
  return out;
}

/** Format an EVR the way rpm prints it: the epoch only when present and non-zero. */
export function formatEVR(e: EVR, showZeroEpoch = false): string {
  const ep = e.epoch !== undefined && (showZeroEpoch || e.epoch !== '0') ? `${e.epoch}:` : '';
  return `${ep}${e.version}${e.release !== undefined ? `-${e.release}` : ''}`;
}

/** rpmver.c's compare_values: a present part (even "") sorts after a missing one. */
function compareValues(a: string | undefined, b: string | undefined): -1 | 0 | 1 {
  if (a === undefined) return b === undefined ? 0 : -1;
  if (b === undefined) return 1;
  return rpmvercmp(a, b);
}

/**
 * Total order on EVRs exactly as rpm's rpmverCmp (and so lua's
 * rpm.vercmp): epoch (missing = 0), version, then release, where a
 * missing release sorts before any present one ("1.0" < "1.0-1"). For
 * "does this package satisfy >= 1.0" use evrSatisfies/rangesOverlap,
 * which apply rpm's other rule: a range without release matches any release.
 */
export function compareEVR(a: EVR, b: EVR): -1 | 0 | 1 {
  const rc = rpmvercmp(a.epoch ?? '0', b.epoch ?? '0');
  if (rc) return rc;
  const rv = rpmvercmp(a.version, b.version);
  if (rv) return rv;
  return compareValues(a.release, b.release);
}
