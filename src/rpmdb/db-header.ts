// The header rpm writes into the Packages table for an installed package:
// the package's own header (its signed immutable region, byte for byte),
// plus the signature-header tags rpm merges in when it reads a package
// (headerMergeLegacySigs) and the install-time tags it puts on during the
// transaction (INSTALLTIME, INSTALLCOLOR, INSTALLTID, FILESTATES,
// INSTPREFIXES). Checked byte for byte against `rpm -i --justdb` blobs.
import { HeaderView, TYPE, appendEntries, charEntry, int32Entry, stringArrayEntry, type NewEntry, entryLength } from './header-blob.js';
import { SIG, T } from './tags.js';

export interface InstalledHeaderInput {
  /** Main header blob (with or without the 8-byte magic). */
  header: Uint8Array;
  /** Signature header blob, if the package had one. */
  signature?: Uint8Array;
  /** Seconds since the epoch; rpm's INSTALLTIME. */
  installTime: number;
  /** Transaction id (rpm uses the transaction's start time). */
  installTid: number;
  /** rpm's transaction colour: 3 on 64-bit multilib arches, else 0. */
  installColor: number;
  /** One state per file (FILE_STATE.*); defaults to all NORMAL. */
  fileStates?: number[];
  /** For error messages. */
  what?: string;
}

/** Signature tag -> main header tag, as headerMergeLegacySigs translates them. */
const SIG_TO_MAIN: Record<number, number> = {
  [SIG.SIZE]: T.SIGSIZE,
  [SIG.PGP]: T.SIGPGP,
  [SIG.MD5]: T.SIGMD5,
  [SIG.GPG]: T.SIGGPG,
  [SIG.PGP5]: T.SIGPGP5,
  [SIG.PAYLOADSIZE]: T.ARCHIVESIZE,
  [SIG.FILESIGNATURES]: T.FILESIGNATURES,
  [SIG.FILESIGNATURELENGTH]: T.FILESIGNATURELENGTH,
};

function mergedSigEntries(main: HeaderView, sig: HeaderView): NewEntry[] {
  const out: NewEntry[] = [];
  const added = new Set<number>();
  for (const e of sig.h.entries) {
    let tag = SIG_TO_MAIN[e.tag];
    if (tag === undefined) {
      // Anything else is copied only from the 256..999 range (SHA1, SHA256, RSA, DSA, ...).
      if (!(e.tag >= 256 && e.tag < 1000)) continue;
      tag = e.tag;
    }
    if (main.has(tag) || added.has(tag)) continue;
    switch (e.type) {
      case TYPE.NULL:
      case TYPE.I18NSTRING:
        continue;
      case TYPE.CHAR:
      case TYPE.INT8:
      case TYPE.INT16:
      case TYPE.INT32:
      case TYPE.INT64:
        if (e.count !== 1) continue;
        break;
      default:
        if (e.count >= 16 * 1024) continue;
    }
    const len = entryLength(sig.h, e, sig.what);
    out.push({ tag, type: e.type, count: e.count, data: sig.h.data.slice(e.offset, e.offset + len) });
    added.add(tag);
  }
  return out;
}

/** The blob rpm stores in Packages.blob for this package. */
export function installedHeaderBlob(input: InstalledHeaderInput): Uint8Array {
  const what = input.what ?? 'package header';
  const main = HeaderView.parse(input.header, what);
  const extra: NewEntry[] = [];
  if (input.signature) extra.push(...mergedSigEntries(main, HeaderView.parse(input.signature, `${what} (signature)`)));
  const put = (e: NewEntry) => {
    // headerPut on an existing tag appends; rpm never does that for these, so a
    // package that already carries one (a re-exported db header) keeps its own.
    if (!main.has(e.tag)) extra.push(e);
  };
  put(int32Entry(T.INSTALLTIME, [input.installTime]));
  const nfiles = main.strings(T.BASENAMES).length;
  if (nfiles > 0) put(charEntry(T.FILESTATES, input.fileStates ?? new Array<number>(nfiles).fill(0)));
  const prefixes = main.strings(T.PREFIXES);
  if (prefixes.length > 0) put(stringArrayEntry(T.INSTPREFIXES, prefixes));
  put(int32Entry(T.INSTALLCOLOR, [input.installColor]));
  put(int32Entry(T.INSTALLTID, [input.installTid]));
  return appendEntries(main.h, extra);
}

/** rpm's default transaction colour for an architecture (%_transaction_color). */
export function transactionColor(arch: string): number {
  return /^(x86_64|amd64|aarch64|ppc64|ppc64le|s390x|sparc64|riscv64|loongarch64|mips64.*)$/.test(arch) ? 3 : 0;
}
