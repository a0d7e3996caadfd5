// The lock stage: rpmkit.lock's types, deterministic writer, validating
// reader, staleness check, and other tools' lock formats.
export * from './types.js';
export { canonicalJson, digestOf, sha256 } from './canonical.js';
export { computeLockInput, repoDefinitionDigest, type LockInputSpec } from './input.js';
export { formatLock, writeLock, normalizeLock, comparePackages, LOCK_HEADER } from './write.js';
export { parseLock, readLock } from './read.js';
export { checkLock, describeChange } from './check.js';
export {
  buildLock, lockPackageFrom, lockRepositoryFrom, checksumString, splitChecksum, joinUrl,
  lockPackageEvr, lockPackageNevra, lockPackageFileName, lockPackageUrls,
} from './build.js';
export {
  type ForeignLock, type ForeignPackage, type ForeignMatch,
  parseRpmociLock, parseRpmsLockYaml, formatRpmsLockYaml, matchForeignLock,
} from './foreign.js';
