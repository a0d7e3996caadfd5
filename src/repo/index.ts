// The repository metadata stage: load configured repositories (repomd.xml,
// primary, filelists on demand, updateinfo) into plain package pools, with a
// verified, cached, pre-parsed form on disk.
export type { Advisory, Checksum, Dep, FileType, Package, Repo, RepoDefinition, RichDep, RichOp } from './types.js';
export { newRepoDefinition } from './defaults.js';
export { loadRepo, loadRepos, repoFromUrl, repoIdFromUrl, repoCacheDir, cacheInfo, type LoadOptions } from './load.js';
export { parseRichDep, tryParseRichDep, parseDep, formatDep } from './richdep.js';
export { parseRepomd, type Repomd, type RepomdEntry } from './repomd.js';
export { parsePrimary, type PrimaryResult } from './primary.js';
export { parseFilelists } from './filelists.js';
export { parseUpdateinfo } from './updateinfo.js';
export { decompressChunks, detectCompression, type Compression } from './decompress.js';
export { globToRegExp, makeNameFilter, filterPackages } from './filter.js';
export { readKeys, verifyDetached } from './gpg.js';
export { parseMetalink, parseMirrorlist, resolveBaseUrls } from './mirrors.js';
export { whatProvides, searchPackages, type ProvideMatch } from './query.js';
export { defaultCacheDir } from '../util/cachedir.js';
export { CachedPackage, plainPackage } from './cachedpackage.js';
