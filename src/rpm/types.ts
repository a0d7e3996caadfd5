// The plain-data shapes the RPM reader returns: what rootfs, rpmdb, inspect
// and verify build on.
import type { Dep } from '../repo/types.js';
import type { Header } from './header.js';

export interface RpmLead {
  major: number;
  minor: number;
  /** 0 binary, 1 source. */
  type: number;
  archnum: number;
  name: string;
  osnum: number;
  signatureType: number;
}

export interface Nevra {
  name: string;
  /** Undefined when the package has no EPOCH tag (rpm prints "(none)"). */
  epoch?: number;
  version: string;
  release: string;
  arch: string;
}

export interface RpmFileInfo {
  /** Absolute path as installed ("/usr/bin/x"). */
  path: string;
  mode: number;
  size: number;
  uid?: number;
  gid?: number;
  user: string;
  group: string;
  mtime: number;
  /** Lowercase hex, '' for non-regular files. */
  digest: string;
  /** 'md5', 'sha256', ... (FILEDIGESTALGO; md5 when absent). */
  digestAlgo: string;
  /** RPMFILE_* bits. */
  flags: number;
  config: boolean;
  doc: boolean;
  license: boolean;
  ghost: boolean;
  missingok: boolean;
  noreplace: boolean;
  /** Symlink target ('' when not a symlink). */
  linkTarget: string;
  inode: number;
  /** FILEDEVICES (st_dev in the build root; groups hardlinks with inode). */
  device: number;
  /** FILERDEVS: device number of a device node. */
  rdev: number;
  /** FILECAPS text ("cap_net_raw=ep"), '' when none. */
  caps: string;
  lang: string;
  verifyFlags: number;
  /** Number of entries in this package sharing (device, inode) — hardlinks. */
  nlink: number;
}

/** A dependency as the header stores it: the pool Dep plus rpm's flag bits. */
export interface RpmDep extends Dep {
  /** RPMSENSE_* bits as stored. */
  flags: number;
  /** For requires: 'pre', 'post', 'preun', 'postun', 'pretrans', 'posttrans', 'interp', 'verify', 'rpmlib', 'config', 'missingok', 'meta'. */
  qualifiers?: string[];
}

export interface RpmDeps {
  requires: RpmDep[];
  provides: RpmDep[];
  conflicts: RpmDep[];
  obsoletes: RpmDep[];
  recommends: RpmDep[];
  suggests: RpmDep[];
  supplements: RpmDep[];
  enhances: RpmDep[];
  /** Install ordering hints (OrderWithRequires). */
  orders: RpmDep[];
}

export type ScriptletPhase = 'pretrans' | 'prein' | 'postin' | 'preun' | 'postun' | 'posttrans' | 'preuntrans' | 'postuntrans' | 'verify';

export interface Scriptlet {
  phase: ScriptletPhase;
  /** Interpreter and its arguments ("/bin/sh"; "<lua>" for embedded Lua). */
  interpreter: string[];
  body: string;
  /** RPMSCRIPT_FLAG_* bits (expand, qformat, critical). */
  flags: number;
}

export interface Trigger {
  /** triggerin, triggerun, triggerpostun, triggerprein, filetriggerin, transfiletriggerin ... */
  type: string;
  /** Package triggers: the conditions; file triggers: path prefixes in `name`. */
  conditions: RpmDep[];
  interpreter: string[];
  body: string;
  flags: number;
  priority?: number;
}

export interface RpmFile {
  /** The file it was read from ('<buffer>' for readRpmBuffer). */
  path: string;
  /** File size in bytes. */
  fileSize: number;
  lead: RpmLead;
  signature: Header;
  header: Header;
  /** The main header as rpm exports it for rpmdb.sqlite Packages.blob: il, dl, entries, data; no magic. */
  headerBlob: Uint8Array;
  /** File offset of the main header's 8-byte magic. */
  headerOffset: number;
  /** File offset of the (compressed) payload. */
  payloadOffset: number;
  /** 4 or 6 (RPMFORMAT tag; 4 when absent). */
  format: number;
  nevra: Nevra;
  isSource: boolean;
  /**
   * PAYLOADCOMPRESSOR as stored: 'gzip', 'bzip2', 'xz', 'lzma', 'zstd',
   * 'identity'; '' when the tag is absent (the payload's magic then decides
   * between gzip and none, as rpm's gzip reader does).
   */
  payloadCompressor: string;
  /** PAYLOADFORMAT ('cpio' when absent); the archive may still use rpm's stripped '07070X' entries. */
  payloadFormat: string;
  files: RpmFileInfo[];
  deps: RpmDeps;
  scriptlets: Scriptlet[];
  triggers: Trigger[];
  summary: string;
  description: string;
  license: string;
  url: string;
  vendor: string;
  group: string;
  packager: string;
  buildhost: string;
  sourcerpm: string;
  buildtime: number;
  /** Installed size (SIZE / LONGSIZE). */
  size: number;
  /** Uncompressed payload (cpio) size when the package declares it. */
  archiveSize?: number;
  /** The whole file when read with readRpmBuffer; undefined when read from a path. */
  buffer?: Uint8Array;
}
