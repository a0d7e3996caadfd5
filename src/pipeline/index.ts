// The whole pipeline as library calls: keys for signature checks, locked
// RPMs into a root, and a root into an image.
export { keyRingsFor } from './keys.js';
export { installInputs, installLocked, installPrepared, prepareLocked, type LockedFile, type PreparedFile, type InstallLockedOptions } from './install.js';
export { buildLocked, chooseStage, STAGE_MEMORY_SHARE, type BuildLockedOptions, type BuildLockedResult, type Stage } from './build.js';
