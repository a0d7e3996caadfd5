// updateinfo.xml -> Advisory[] (errata: security/bugfix/enhancement updates).
import type { Advisory } from './types.js';
import { createXmlParser, feedXml, type Attrs } from './xml.js';

export async function parseUpdateinfo(chunks: AsyncIterable<Buffer>, what: string): Promise<Advisory[]> {
  const out: Advisory[] = [];
  let adv: Advisory | undefined;
  let pkg: Advisory['packages'][number] | undefined;
  let field: string | undefined;
  let text = '';
  const p = await createXmlParser(what);
  p.on('opentag', (n) => {
    const a = n.attributes as Attrs;
    if (n.name === 'update') {
      adv = { id: '', type: a.type ?? 'unknown', references: [], packages: [] };
      return;
    }
    if (!adv) return;
    switch (n.name) {
      case 'issued':
        if (a.date) adv.issued = a.date;
        return;
      case 'updated':
        if (a.date) adv.updated = a.date;
        return;
      case 'reference': {
        const r: Advisory['references'][number] = { type: a.type ?? '' };
        if (a.id) r.id = a.id;
        if (a.href) r.href = a.href;
        if (a.title) r.title = a.title;
        adv.references.push(r);
        return;
      }
      case 'package':
        pkg = { name: a.name ?? '', epoch: a.epoch || '0', version: a.version ?? '', release: a.release ?? '', arch: a.arch ?? '' };
        return;
      case 'id':
      case 'title':
      case 'severity':
      case 'filename':
        field = n.name;
        text = '';
        return;
    }
  });
  const onText = (t: string): void => {
    if (field) text += t;
  };
  p.on('text', onText);
  // CDATA sections are text too.
  p.on('cdata', onText);
  p.on('closetag', (n) => {
    if (!adv) return;
    if (field === n.name) {
      const v = text.trim();
      if (n.name === 'filename') {
        if (pkg) pkg.filename = v;
      } else if (n.name === 'id') adv.id = v;
      else if (n.name === 'title') adv.title = v;
      else if (n.name === 'severity' && v) adv.severity = v;
      field = undefined;
      return;
    }
    if (n.name === 'package' && pkg) {
      adv.packages.push(pkg);
      pkg = undefined;
    } else if (n.name === 'update') {
      out.push(adv);
      adv = undefined;
    }
  });
  await feedXml(p, chunks, what);
  return out;
}
