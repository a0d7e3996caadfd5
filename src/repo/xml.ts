// Streaming XML for repository metadata: saxes without namespaces (fast),
// fed from decompressed chunks, with every parse failure turned into
// METADATA_INVALID naming the repository file. A DOCTYPE is refused outright:
// rpm-md never has one, and internal entity declarations are the vector of
// "billion laughs" documents.
import type { SaxesParser } from 'saxes';
import { StringDecoder } from 'node:string_decoder';
import { RpmkitError } from '../errors.js';

export type Attrs = Record<string, string>;
export type XmlParser = SaxesParser<{ xmlns: false; position: true }>;

/** A configured parser; saxes is loaded on first use (warm loads never need it). */
export async function createXmlParser(what: string): Promise<XmlParser> {
  const saxes = await import('saxes');
  // saxes is CommonJS: in the start-up bundle its namespace holds only `default`.
  const Parser = saxes.SaxesParser ?? (saxes as unknown as { default: typeof saxes }).default.SaxesParser;
  const p = new Parser({ xmlns: false, position: true }) as XmlParser;
  p.on('doctype', () => {
    throw new RpmkitError('METADATA_INVALID', `${what}: has a DOCTYPE declaration, which repository metadata never has`, {
      hint: 'the document may be hostile (entity expansion); refusing to read it',
    });
  });
  return p;
}

/** Feed decompressed chunks through the parser and close it (truncation is an error). */
export async function feedXml(p: XmlParser, chunks: AsyncIterable<Buffer> | Iterable<Buffer>, what: string): Promise<void> {
  const dec = new StringDecoder('utf8');
  try {
    for await (const c of chunks) p.write(dec.write(c));
    const rest = dec.end();
    if (rest) p.write(rest);
    p.close();
  } catch (e) {
    throw asMetadataError(e, what);
  }
}

export function asMetadataError(e: unknown, what: string): RpmkitError {
  if (e instanceof RpmkitError) return e;
  const msg = ((e as Error).message ?? String(e)).replace(/^(\d+):(\d+): /, 'line $1, column $2: ');
  return new RpmkitError('METADATA_INVALID', `${what}: malformed XML (${msg.slice(0, 300)})`, {
    hint: 'the file is truncated or corrupt; run again with --refresh, or try another mirror',
    cause: e,
  });
}

/** Checksum type names as hash algorithms: repomd's "sha" is SHA-1. */
export function normalizeChecksumType(t: string | undefined): string {
  const s = (t ?? 'sha256').toLowerCase();
  return s === 'sha' ? 'sha1' : s;
}
