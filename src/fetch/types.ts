// What the fetch stage takes and reports: download items, options, and the
// progress events a CLI turns into a bar or plain lines (the library prints
// nothing itself).
import type { Credentials, TlsOptions } from '../net/index.js';

export interface DownloadItem {
  /** Shown in messages and events, e.g. "bash-5.2-1.x86_64". */
  name: string;
  /** Candidate URLs (mirrors), tried in order. */
  urls: string[];
  size: number;
  /** "<algo>:<hex>", e.g. "sha256:ab12...". */
  checksum: string;
  /** Repository id: credentials from RPMKIT_<ID>_HTTP_* and per-repo TLS options. */
  repoId?: string;
  /** The package name alone (for `rpmkit update NAME` hints). */
  pkgName?: string;
  /** Path relative to a vendor dir (used with `vendorDir`). */
  vendorPath?: string;
}

export interface RepoTransport {
  auth?: Credentials;
  tls?: TlsOptions;
}

export type FetchEvent =
  | { type: 'start'; files: number; bytes: number }
  | { type: 'file-start'; name: string; url: string }
  | { type: 'progress'; name: string; delta: number }
  | { type: 'file-done'; name: string; source: 'cache' | 'network' | 'vendor'; bytes: number }
  | { type: 'retry'; name: string; url: string; attempt: number; reason: string }
  | { type: 'mirror-failed'; name: string; url: string; reason: string }
  | { type: 'done'; files: number; bytes: number; downloaded: number; ms: number };

export interface DownloadOptions {
  /** Root of the content-addressed cache (blobs/<algo>/<ab>/<hex>). */
  cacheDir: string;
  /** Parallel downloads (default 8). */
  concurrency?: number;
  /** Take every item from this directory (item.vendorPath) and nothing from the network or cache. */
  vendorDir?: string;
  /** Use only the cache; a missing entry is an error. */
  offline?: boolean;
  /** Attempts per URL after the first, on 5xx, resets and short bodies (default 4). */
  retries?: number;
  /** First backoff delay in ms, doubled each retry (default 300). */
  retryDelayMs?: number;
  /**
   * Files up to this size (bytes) are fetched into memory and written once
   * (fewer system calls; a failed attempt restarts from 0); bigger ones
   * stream to a partial file that retries resume with Range. Default 4 MiB.
   */
  memoryMax?: number;
  /** Re-hash cache hits before trusting them (default true; a bad entry is dropped and fetched again). */
  verifyCached?: boolean;
  /** Per-repository credentials and TLS options (env variables still win for credentials). */
  repos?: Record<string, RepoTransport>;
  idleTimeoutMs?: number;
  signal?: AbortSignal;
  onEvent?: (e: FetchEvent) => void;
}

export interface DownloadResult {
  item: DownloadItem;
  /** Where the verified file is (a cache blob, or the vendored file). */
  path: string;
  source: 'cache' | 'network' | 'vendor';
}
