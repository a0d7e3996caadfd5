// The solver stage's public API: resolve a request against repositories,
// order an install set, and explain why a package is in it.
export { resolve, resolveOnce, comparePackages, defaultArch, DEFAULT_INSTALLONLY } from './resolve.js';
export { installOrder } from './order.js';
export { explainWhy } from './why.js';
export { depToString } from './problems.js';
export { matchSpec, globToRegExp, similarNames } from './spec.js';
export type { Problem, ProblemKind, Reason, Resolution, ResolveOptions, ResolveRequest } from './types.js';
