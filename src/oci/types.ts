// The input contract of the image stage: a root directory (or its paths held
// in memory) plus optional per-path metadata (ownership, modes, xattrs,
// owning package) that rootless installs cannot put on disk. Nothing here
// depends on the rootfs or rpm stages' internals, so any producer of a root
// can build images.
import type { TarType } from './tar.js';

/**
 * One path of a root, as a layer is written from it: scanned from a
 * directory, or handed over in memory (then `data` and `linkname` hold what
 * would otherwise be read from the disk).
 */
export interface ScanEntry {
  /** Path relative to the root, no leading "/" or "./". */
  rel: string;
  type: TarType;
  /** st_mode (the permission bits are what the layer uses; the type is `type`). */
  mode: number;
  /** Bytes of content (regular files). */
  size: number;
  /** Modification time, seconds. */
  mtime: number;
  /** Device numbers (char and block devices). */
  devmajor?: number;
  devminor?: number;
  /** For type 'link': the earlier path this one is a hardlink of. */
  linkTo?: string;
  /** A symlink's target, when not to be read from the disk. */
  linkname?: string;
  /** A file's content, when not to be read from the disk. */
  data?: Buffer;
}

/** A path of a root held in memory; paths that share an `inode` object are hardlinks of one file. */
export interface MemoryEntry extends ScanEntry {
  inode?: object;
}

/** What the packages say about one path (rootless installs cannot chown or setcap). */
export interface FileMeta {
  uid: number;
  gid: number;
  /** User/group names written into the tar header (default: 'root' for id 0, else empty). */
  uname?: string;
  gname?: string;
  /** Permission bits incl. setuid/setgid/sticky (0o7777); the file type always comes from disk. */
  mode?: number;
  /** Extended attributes, binary values kept intact (e.g. `security.capability`). */
  xattrs?: Record<string, Buffer>;
  /** Name of the package that owns the path; drives `layers: N`. */
  pkg?: string;
  /** Modification time in seconds (default: the file's mtime on disk). */
  mtime?: number;
}

/**
 * Metadata for a path relative to the root, without leading slash or "./"
 * (e.g. "usr/bin/ping"). Undefined means: no package data, root-owned.
 */
export type MetaLookup = (path: string) => FileMeta | undefined;

/** What layering knows about a package (all optional; used to order layers by stability). */
export interface PackageInfo {
  /** Must equal FileMeta.pkg (a name, or the NEVRA the rootfs stage records). */
  name: string;
  /** Source RPM: packages built together are updated together, so they share a layer. */
  sourcerpm?: string;
  /** Build time (seconds): long-unchanged packages go into early layers. */
  buildtime?: number;
}

/** The `[image]` section: the runtime defaults of the image (rpmoci-compatible). */
export interface ImageConfig {
  entrypoint?: string[];
  cmd?: string[];
  /** Environment; PATH defaults to rpmoci's value when absent. */
  envs?: Record<string, string>;
  labels?: Record<string, string>;
  /** e.g. ["8080/tcp", "53/udp"]; a bare number means tcp. */
  exposed_ports?: string[];
  user?: string;
  workdir?: string;
  volumes?: string[];
  stop_signal?: string;
  author?: string;
  /** Manifest annotations (`org.opencontainers.image.*` and others). */
  annotations?: Record<string, string>;
}

export type ImageFormat = 'oci' | 'docker-archive';
export type Compression = 'gzip' | 'zstd';

export interface BuildProgress {
  phase: 'scan' | 'layer' | 'write';
  /** Layer index (phase 'layer'), entries written so far and in total. */
  layer?: number;
  done: number;
  total: number;
}

export interface BuildImageOptions {
  /** The root directory to scan; or, with `entries`, where nothing is read from. */
  rootDir?: string;
  /** The root's paths in memory, with their content, instead of a directory to scan. */
  entries?: MemoryEntry[];
  meta?: MetaLookup;
  /** Package facts for `layers > 1` ordering. */
  packages?: PackageInfo[];
  config: ImageConfig;
  /** RPM architecture of the lock (x86_64, aarch64, ...) or an OCI one (amd64, arm64). */
  arch: string;
  /** Split files by package into up to this many layers (default 1). */
  layers?: number;
  /** OCI layout directory, or the output file for `docker-archive`. */
  layoutDir: string;
  tag: string;
  format?: ImageFormat;
  compression?: Compression;
  /** Clamp mtimes and set `created`; default: $SOURCE_DATE_EPOCH, else mtimes kept and created = now. */
  sourceDateEpoch?: number;
  /** Extra relative paths (or "dir/" prefixes) to leave out, besides the built-in leftovers. */
  exclude?: string[];
  onProgress?: (p: BuildProgress) => void;
}

export interface LayerResult {
  /** Digest of the blob as stored (compressed for OCI). */
  digest: string;
  size: number;
  /** Digest of the uncompressed tar (config rootfs.diff_ids). */
  diffId: string;
  mediaType: string;
  /** Packages whose files are in this layer (sorted). */
  packages: string[];
}

export interface BuildImageResult {
  manifestDigest: string;
  configDigest: string;
  layers: LayerResult[];
  /** Manifest + config + layer blob bytes. */
  size: number;
}
