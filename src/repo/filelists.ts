// filelists.xml -> pkgid -> full file list (with types). Loaded only when a
// file dependency outside primary's subset needs it.
import { RpmkitError } from '../errors.js';
import type { FileType } from './types.js';
import { createXmlParser, feedXml, type Attrs } from './xml.js';

export type FilelistsMap = Map<string, { files: string[]; types?: FileType[] }>;

export async function parseFilelists(chunks: AsyncIterable<Buffer>, what: string): Promise<FilelistsMap> {
  const out: FilelistsMap = new Map();
  let id: string | undefined;
  let files: string[] = [];
  let types: FileType[] = [];
  let typed = false;
  let inFile = false;
  let ft: FileType = 'file';
  let text = '';
  const p = await createXmlParser(what);
  p.on('opentag', (n) => {
    const a = n.attributes as Attrs;
    if (n.name === 'package') {
      id = (a.pkgid ?? '').toLowerCase();
      if (!id) throw new RpmkitError('METADATA_INVALID', `${what}: <package> without pkgid`);
      files = [];
      types = [];
      typed = false;
    } else if (n.name === 'file' && id !== undefined) {
      inFile = true;
      text = '';
      ft = a.type === 'dir' ? 'dir' : a.type === 'ghost' ? 'ghost' : 'file';
      if (ft !== 'file') typed = true;
    }
  });
  const onText = (t: string): void => {
    if (inFile) text += t;
  };
  p.on('text', onText);
  // CDATA sections are text too.
  p.on('cdata', onText);
  p.on('closetag', (n) => {
    if (n.name === 'file' && inFile) {
      inFile = false;
      files.push(text);
      types.push(ft);
    } else if (n.name === 'package' && id !== undefined) {
      out.set(id, typed ? { files, types } : { files });
      id = undefined;
    }
  });
  await feedXml(p, chunks, what);
  return out;
}
