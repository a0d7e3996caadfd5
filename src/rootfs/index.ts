// Public API of the rootfs stage: install RPM packages into a directory
// tree, safely and without running scriptlets; ownership for the image stage.
export { installRoot, isRoot, type InstallOptions, type InstallPackage, type InstallReport, type InstalledPackageReport, type SkippedScriptlet, type SkippedNode } from './install.js';
export { writeOwnershipManifest, readOwnershipManifest, defaultManifestPath, parseIdFile, type OwnershipEntry, type OwnershipManifest } from './ownership.js';
export { capsTextToXattr } from './caps.js';
export { packagePathComponents, canonicalPath, resolveDirInRoot } from './paths.js';
export { installTree, type TreeInstall, type TreeInstallOptions } from './memory.js';
export { MemoryTree, type TreeEntry, type TreeNode } from './tree.js';
