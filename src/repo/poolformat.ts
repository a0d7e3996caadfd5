// The layout of one encoded pool segment, shared by the writer
// (poolwriter.ts) and the cache entry's reader (cache.ts): the format's
// magic, the order of a package record's string fields, dependency lists and
// file types, and where each section of a segment starts. A segment is
// 'RPMKITP5', a table of (u32 offset, u32 length) per section, then the
// sections at 8-byte aligned offsets.
import type { DepOp } from '../evr/index.js';
import type { FileType } from './types.js';

/**
 * Segment format: P4 added the string start offsets (packages decode strings
 * lazily), P5 the capability index (capindex.ts).
 */
export const MAGIC = 'RPMKITP5';
/** depCap's mark for a rich dependency (it names no capability). */
export const NO_CAP = 0xffffffff;
/** A dependency's comparison as stored in its flags (0: none). */
export const DEP_OP_CODE: Record<DepOp, number> = { LT: 1, LE: 2, EQ: 3, GE: 4, GT: 5 };
export const FT: FileType[] = ['file', 'dir', 'ghost'];
/** A file entry's type as stored in its two low bits. */
export const FILE_TYPE_CODE: Record<FileType, number> = { file: 0, dir: 1, ghost: 2 };
export const DEP_LISTS = ['provides', 'requires', 'conflicts', 'obsoletes', 'recommends', 'suggests', 'supplements', 'enhances'] as const;
export const STR_FIELDS = ['name', 'epoch', 'version', 'release', 'arch', 'location', 'locationBase', 'sourcerpm', 'summary', 'description', 'url', 'license', 'vendor', 'group', 'buildhost', 'packager'] as const;

export interface PoolMeta {
  repoId: string;
  repomdChecksum: string;
  revision?: string;
  timestamp?: number;
  baseUrl: string;
  packageCount: number;
  /** repomd data types present (primary, filelists, updateinfo, ...). */
  dataTypes: string[];
}

export function pad8(n: number): number {
  return (n + 7) & ~7;
}

export const STRING_FIELD_INDEX: Record<(typeof STR_FIELDS)[number] | 'checksumType' | 'checksumValue', number> = {
  name: 0,
  epoch: 1,
  version: 2,
  release: 3,
  arch: 4,
  location: 5,
  locationBase: 6,
  sourcerpm: 7,
  summary: 8,
  description: 9,
  url: 10,
  license: 11,
  vendor: 12,
  group: 13,
  buildhost: 14,
  packager: 15,
  checksumType: 16,
  checksumValue: 17,
};
export const DEP_KIND_INDEX: Record<(typeof DEP_LISTS)[number], number> = { provides: 0, requires: 1, conflicts: 2, obsoletes: 3, recommends: 4, suggests: 5, supplements: 6, enhances: 7 };

/** A segment's section table for sections of these lengths, where each section starts, and the total size. */
export function segmentLayout(lengths: number[]): { table: Buffer; offsets: number[]; size: number } {
  const table = Buffer.alloc(8 + 8 * lengths.length);
  table.write(MAGIC, 0, 'latin1');
  let off = table.length;
  const offsets = lengths.map((len, i) => {
    const at = off;
    table.writeUInt32LE(at, 8 + i * 8);
    table.writeUInt32LE(len, 12 + i * 8);
    off = pad8(off + len);
    return at;
  });
  return { table, offsets, size: off };
}

/** An encoded segment: one buffer (PoolWriter.finish, a cache file) or its sections (finishInPlace). */
export type EncodedSegment = Uint8Array | Uint8Array[];

/** The bytes of a segment, as pieces to write one after another, and their total length. */
export function segmentBytes(seg: EncodedSegment): { parts: Uint8Array[]; length: number } {
  if (!Array.isArray(seg)) return { parts: [seg], length: seg.length };
  const { table, offsets, size } = segmentLayout(seg.map((b) => b.length));
  const parts: Uint8Array[] = [table];
  seg.forEach((b, i) => {
    parts.push(b);
    const end = (offsets[i] as number) + b.length;
    const next = i + 1 < seg.length ? (offsets[i + 1] as number) : size;
    if (next > end) parts.push(Buffer.alloc(next - end));
  });
  return { parts, length: size };
}
