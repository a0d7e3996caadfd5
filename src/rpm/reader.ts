// Reading an RPM's lead, signature header and main header from a file or a
// buffer. Only the headers are read into memory; the payload stays on disk
// until payloadEntries() streams it.
import { open } from 'node:fs/promises';
import { RpmkitError } from '../errors.js';
import { type Header, type HeaderContext, parseHeaderBlob, readIntro } from './header.js';
import { LEAD_SIZE, parseLead } from './lead.js';
import { readDeps, readFiles, readNevra, readScriptlets, readTriggers } from './meta.js';
import { SIGTAG, TAG } from './tags.js';
import type { RpmFile, RpmLead } from './types.js';

type ReadAt = (offset: number, length: number) => Promise<Uint8Array>;

/** Read and parse an RPM's headers from a file on disk. */
export async function readRpm(path: string): Promise<RpmFile> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new RpmkitError(code === 'ENOENT' ? 'NOT_FOUND' : 'IO_ERROR', `${path}: cannot open: ${(e as Error).message}`, { cause: e, details: { file: path } });
  }
  try {
    const st = await fh.stat();
    const readAt: ReadAt = async (offset, length) => {
      const buf = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return got === length ? buf : buf.subarray(0, got);
    };
    return await parseRpm(readAt, st.size, path);
  } catch (e) {
    if (e instanceof RpmkitError) throw e;
    throw new RpmkitError('IO_ERROR', `${path}: cannot read: ${(e as Error).message}`, { cause: e, details: { file: path } });
  } finally {
    await fh.close();
  }
}

/** Parse an RPM held in memory (the buffer is kept for payloadEntries). */
export async function readRpmBuffer(buf: Uint8Array, name = '<buffer>'): Promise<RpmFile> {
  const readAt: ReadAt = async (offset, length) => buf.subarray(offset, Math.min(buf.length, offset + length));
  const rpm = await parseRpm(readAt, buf.length, name);
  rpm.buffer = buf;
  return rpm;
}

async function readSection(readAt: ReadAt, offset: number, fileSize: number, ctx: HeaderContext): Promise<{ header: Header; size: number }> {
  const intro = await readAt(offset, 16);
  const { size } = readIntro(intro, 0, fileSize - offset, ctx);
  const blob = await readAt(offset + 8, size - 8);
  if (blob.length !== size - 8) throw new RpmkitError('RPM_INVALID', `${ctx.file}: ${ctx.what}: truncated`, { details: { file: ctx.file } });
  return { header: parseHeaderBlob(blob, ctx), size };
}

async function parseRpm(readAt: ReadAt, fileSize: number, file: string): Promise<RpmFile> {
  const lead: RpmLead = parseLead(await readAt(0, LEAD_SIZE), file);
  const sig = await readSection(readAt, LEAD_SIZE, fileSize, { file, what: 'signature header', signature: true });
  const sigEnd = LEAD_SIZE + sig.size;
  const headerOffset = sigEnd + ((8 - (sig.size % 8)) % 8);
  const main = await readSection(readAt, headerOffset, fileSize, { file, what: 'header' });
  const payloadOffset = headerOffset + main.size;
  const h = main.header;
  const s = sig.header;

  // Sizes the package declares about itself: catch truncated files early.
  const sigSize = s.number(SIGTAG.LONGSIZE) ?? s.number(SIGTAG.SIZE);
  if (sigSize !== undefined && headerOffset + sigSize > fileSize) {
    throw new RpmkitError('RPM_INVALID', `${file}: truncated: header and payload should be ${sigSize} bytes, the file has ${fileSize - headerOffset} after the signature`, {
      hint: 'The download was cut short; fetch the package again.',
      details: { file, expected: headerOffset + sigSize, actual: fileSize },
    });
  }
  const payloadSize = h.number(TAG.PAYLOADSIZE);
  if (payloadSize !== undefined && payloadOffset + payloadSize > fileSize) {
    throw new RpmkitError('RPM_INVALID', `${file}: truncated: the payload should be ${payloadSize} bytes, the file has ${fileSize - payloadOffset}`, {
      hint: 'The download was cut short; fetch the package again.',
      details: { file, expected: payloadOffset + payloadSize, actual: fileSize },
    });
  }

  const nevra = readNevra(h, file);
  const archiveSize = h.number(TAG.PAYLOADSIZEALT) ?? s.number(SIGTAG.LONGARCHIVESIZE) ?? s.number(SIGTAG.PAYLOADSIZE) ?? h.number(TAG.ARCHIVESIZE);
  const rpm: RpmFile = {
    path: file,
    fileSize,
    lead,
    signature: s,
    header: h,
    headerBlob: h.blob,
    headerOffset,
    payloadOffset,
    format: h.number(TAG.RPMFORMAT) ?? 4,
    nevra,
    isSource: !h.has(TAG.SOURCERPM),
    payloadCompressor: h.string(TAG.PAYLOADCOMPRESSOR) ?? '',
    payloadFormat: h.string(TAG.PAYLOADFORMAT) ?? 'cpio',
    files: readFiles(h, file),
    deps: readDeps(h, file),
    scriptlets: readScriptlets(h),
    triggers: readTriggers(h, file),
    summary: h.string(TAG.SUMMARY) ?? '',
    description: h.string(TAG.DESCRIPTION) ?? '',
    license: h.string(TAG.LICENSE) ?? '',
    url: h.string(TAG.URL) ?? '',
    vendor: h.string(TAG.VENDOR) ?? '',
    group: h.string(TAG.GROUP) ?? '',
    packager: h.string(TAG.PACKAGER) ?? '',
    buildhost: h.string(TAG.BUILDHOST) ?? '',
    sourcerpm: h.string(TAG.SOURCERPM) ?? '',
    buildtime: h.number(TAG.BUILDTIME) ?? 0,
    size: h.number(TAG.LONGSIZE) ?? h.number(TAG.SIZE) ?? 0,
  };
  if (archiveSize !== undefined) rpm.archiveSize = archiveSize;
  return rpm;
}
