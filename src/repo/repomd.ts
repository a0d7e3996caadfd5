// repodata/repomd.xml: the index of a repository snapshot (which data files
// exist, their checksums and sizes).
import { RpmkitError } from '../errors.js';
import { createXmlParser, feedXml, normalizeChecksumType, type Attrs } from './xml.js';

export interface RepomdEntry {
  type: string;
  href: string;
  /** xml:base of <location>, when the file lives elsewhere. */
  base?: string;
  checksum?: { type: string; value: string };
  openChecksum?: { type: string; value: string };
  size?: number;
  openSize?: number;
  timestamp?: number;
}

export interface Repomd {
  revision?: string;
  data: Record<string, RepomdEntry>;
}

export async function parseRepomd(xml: Buffer, what: string): Promise<Repomd> {
  const out: Repomd = { data: {} };
  let cur: RepomdEntry | undefined;
  let field: string | undefined;
  let attrType: string | undefined;
  let text = '';
  let inTags = false;
  let sawRoot = false;
  const p = await createXmlParser(what);
  p.on('opentag', (n) => {
    const a = n.attributes as Attrs;
    if (!sawRoot) {
      sawRoot = true;
      if (n.name !== 'repomd') throw new RpmkitError('METADATA_INVALID', `${what}: not a repomd document (root <${n.name}>)`, { hint: 'check that the URL points at a repository (the folder holding repodata/)' });
    }
    if (n.name === 'tags') inTags = true;
    if (inTags) return;
    if (n.name === 'data') {
      cur = { type: a.type ?? '', href: '' };
      return;
    }
    if (cur && n.name === 'location') {
      cur.href = a.href ?? '';
      if (a['xml:base']) cur.base = a['xml:base'];
      return;
    }
    field = n.name;
    attrType = a.type;
    text = '';
  });
  const onText = (t: string): void => {
    if (field) text += t;
  };
  p.on('text', onText);
  // CDATA sections are text too.
  p.on('cdata', onText);
  p.on('closetag', (n) => {
    if (n.name === 'tags') {
      inTags = false;
      return;
    }
    if (inTags) return;
    if (n.name === 'data' && cur) {
      if (cur.type && cur.href) out.data[cur.type] = cur;
      cur = undefined;
      return;
    }
    if (field !== n.name) return;
    const v = text.trim();
    if (!cur) {
      if (n.name === 'revision') out.revision = v;
    } else {
      switch (n.name) {
        case 'checksum':
          cur.checksum = { type: normalizeChecksumType(attrType), value: v.toLowerCase() };
          break;
        case 'open-checksum':
          cur.openChecksum = { type: normalizeChecksumType(attrType), value: v.toLowerCase() };
          break;
        case 'size':
          cur.size = toInt(v, what);
          break;
        case 'open-size':
          cur.openSize = toInt(v, what);
          break;
        case 'timestamp':
          cur.timestamp = Math.trunc(Number(v)) || undefined;
          break;
      }
    }
    field = undefined;
  });
  await feedXml(p, [xml], what);
  if (!sawRoot) throw new RpmkitError('METADATA_INVALID', `${what}: empty document`);
  return out;
}

function toInt(v: string, what: string): number {
  if (!/^\d+$/.test(v)) throw new RpmkitError('METADATA_INVALID', `${what}: invalid size "${v.slice(0, 40)}"`);
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new RpmkitError('METADATA_INVALID', `${what}: absurd size ${v.slice(0, 40)}`, { hint: 'the document is corrupt or hostile' });
  return n;
}
