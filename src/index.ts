// The library entry point: every pipeline stage as a namespace
// (`import { repo, solver } from 'rpmkit'`), and each stage also on its own
// subpath (`import { loadRepos } from 'rpmkit/repo'`, see package.json
// exports). Stages are namespaced because their names would collide
// flat (several stages have a parseX or an EMPTY of their own).
export * as config from './config/index.js';
export * as evr from './evr/index.js';
export * as fetch from './fetch/index.js';
export * as lockfile from './lockfile/index.js';
export * as net from './net/index.js';
export * as oci from './oci/index.js';
export * as pipeline from './pipeline/index.js';
export * as registry from './registry/index.js';
export * as repo from './repo/index.js';
export * as rootfs from './rootfs/index.js';
export * as rpm from './rpm/index.js';
export * as rpmdb from './rpmdb/index.js';
export * as solver from './solver/index.js';
export { RpmkitError, EXIT } from './errors.js';
