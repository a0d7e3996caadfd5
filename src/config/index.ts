// The manifest stage: rpmkit.toml / rpmoci.toml and yum .repo files in,
// a resolved Manifest (with RepoDefinitions) and its input digest out.
export type { Manifest, ManifestContents, ImageConfig, RepoOrigin, ParseOptions, LoadOptions } from './types.js';
export { parseManifest, resolveVars, rpmociRepoId, DEFAULT_REPOS_DIRS } from './manifest.js';
export { loadManifest, findManifest, MANIFEST_NAMES } from './load.js';
export { parseRepoFile, parseRepoSections, scanReposDirs } from './repofile.js';
export { KNOWN_REPO_OPTIONS, substitute, parseSeconds, splitList } from './repooptions.js';
export { inputDigest, manifestInputs, manifestInputParts, diffInputs, describeInputChanges, canonicalJson, type InputChanges } from './digest.js';
export { hostArch, basearchOf, dnfVars, releaseverFromOsRelease } from './arch.js';
export { locateKey, formatKeyPath, type KeyPath } from './locate.js';
