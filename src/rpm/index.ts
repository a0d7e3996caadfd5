// Reading RPM packages: headers, payload, digests and signatures.
export { readRpm, readRpmBuffer } from './reader.js';
export { payloadEntries, readBody, type CpioEntry } from './cpio.js';
export { decompressedPayload, rawPayload, payloadLimit, prewarmPayloadDecode, startPayloadDecode } from './decompress.js';
export { rpmToPackage, fileSha256 } from './package.js';
export { fileDigestHash, knownBodyDigest } from './bodydigests.js';
export { Header, HEADER_MAGIC, parseHeaderBlob, type HeaderEntry, type HeaderValue, type HeaderRegion } from './header.js';
export { TAG, SIGTAG, TYPE, REGION, SENSE, FILEFLAG, HASHALGO, tagName } from './tags.js';
export type { RpmFile, RpmFileInfo, RpmLead, Nevra, RpmDep, RpmDeps, Scriptlet, ScriptletPhase, Trigger } from './types.js';
export { verifyRpm, formatItem, type VerifyResult, type VerifyItem, type VerifyOptions, type ItemStatus, type SignatureStatus } from './verify.js';
export { loadKeys, addKeys, emptyKeyRing, type KeyRing } from './keys.js';
