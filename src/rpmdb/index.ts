// Public API of the rpmdb stage: turn package headers into the rpm database
// rpm itself reads (/var/lib/rpm/rpmdb.sqlite).
import * as path from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { installedHeaderBlob, transactionColor } from './db-header.js';
import { buildRpmdbSqlite } from './sqlite.js';

export { installedHeaderBlob, transactionColor, type InstalledHeaderInput } from './db-header.js';
export { buildRpmdbSqlite, readRpmdbBlobs, rpmdbSchema, type RpmdbSchemaObject } from './sqlite.js';
export { writeSqliteDatabase, type SqlValue, type SqlRow, type SqlTable, type SqlIndex } from './sqlite-file.js';
export { indexRows, richDepNames, INDEX_TABLES, type IndexRow } from './indexes.js';
export { HeaderView, parseHeaderBlob, appendEntries, type ParsedHeader, type HeaderEntry, type NewEntry } from './header-blob.js';
export { FILE_STATE } from './tags.js';
export { installedPackage, type InstalledPackage, type InstalledFile } from './installed.js';

export interface RpmdbPackage {
  /** Main header blob as in the package (with or without its magic). */
  header: Uint8Array;
  /** Signature header blob, when the package had one. */
  signature?: Uint8Array;
  /** Per-file state (FILE_STATE.*), e.g. NOTINSTALLED for dropped docs. */
  fileStates?: number[];
  /** For messages. */
  name?: string;
}

export interface WriteRpmdbOptions {
  /** Seconds since the epoch for INSTALLTIME / INSTALLTID. Default: SOURCE_DATE_EPOCH, else now. */
  installTime?: number;
  /** Target architecture (for rpm's transaction colour). Default: x86_64. */
  arch?: string;
  /** Installed-header blobs already in the database (kept first, unchanged). */
  existing?: Uint8Array[];
}

/** The install time rpmkit records: SOURCE_DATE_EPOCH when set, else the current time. */
export function defaultInstallTime(env: NodeJS.ProcessEnv = process.env): number {
  const s = env.SOURCE_DATE_EPOCH;
  if (s && /^\d+$/.test(s)) return Number(s);
  return Math.floor(Date.now() / 1000);
}

/** The path of the database inside a root. */
export function rpmdbPath(root: string): string {
  return path.join(root, 'var', 'lib', 'rpm', 'rpmdb.sqlite');
}

/** Build the database bytes for packages given in install order. */
export async function buildRpmdb(packages: RpmdbPackage[], opts: WriteRpmdbOptions = {}): Promise<Uint8Array> {
  const t = opts.installTime ?? defaultInstallTime();
  const color = transactionColor(opts.arch ?? 'x86_64');
  const blobs = packages.map((p) =>
    installedHeaderBlob({ header: p.header, signature: p.signature, fileStates: p.fileStates, installTime: t, installTid: t, installColor: color, what: p.name }),
  );
  return buildRpmdbSqlite([...(opts.existing ?? []), ...blobs]);
}

/** Write <root>/var/lib/rpm/rpmdb.sqlite atomically; returns its path. */
export async function writeRpmdb(root: string, packages: RpmdbPackage[], opts: WriteRpmdbOptions = {}): Promise<string> {
  const target = rpmdbPath(root);
  await writeFileAtomic(target, await buildRpmdb(packages, opts), 0o644);
  return target;
}
