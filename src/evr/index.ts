// RPM version rules: the one module every other stage leans on for ordering.
export { rpmvercmp } from './vercmp.js';
export { type EVR, parseEVR, formatEVR, compareEVR } from './evr.js';
export { type DepOp, rangesOverlap, evrSatisfies, opSymbol, opFromSymbol } from './range.js';
export { type NEVRA, parseNEVRA, formatNEVRA, KNOWN_ARCHES } from './nevra.js';
