// The fetch stage: verified downloads into a content-addressed cache, and
// vendoring a lock's RPMs into a directory for offline builds.
export type { DownloadItem, DownloadOptions, DownloadResult, FetchEvent, RepoTransport } from './types.js';
export { downloadPackages } from './download.js';
export { blobPath, claimPartial, commitBlob } from './cache.js';
export { hashFile, verifyFile, parseChecksum, type VerifyOutcome } from './verify.js';
export { lockItems, fetchLocked, vendorPackages, verifyVendorDir, vendorPathFor, VENDOR_INDEX, type FetchedPackage, type LockFetchOptions, type VendorResult } from './locked.js';
