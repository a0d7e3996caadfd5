// metalink / mirrorlist URLs -> base URLs to try in order.
import { httpGet } from '../net/index.js';
import { RpmkitError } from '../errors.js';
import { redactUrl } from '../util/redact.js';
import type { RepoDefinition } from './types.js';
import { createXmlParser, feedXml } from './xml.js';

const REPOMD_SUFFIX = /\/?repodata\/repomd\.xml$/;

/** Base URLs listed by a metalink document (preference order). */
export async function parseMetalink(xml: Buffer, what: string): Promise<string[]> {
  const urls: { url: string; pref: number; order: number }[] = [];
  let cur: { pref: number; protocol?: string } | undefined;
  let text = '';
  const p = await createXmlParser(what);
  p.on('opentag', (n) => {
    if (n.name === 'url') {
      const a = n.attributes as Record<string, string>;
      cur = { pref: Number(a.preference ?? 0) || 0, protocol: a.protocol ?? a.type };
      text = '';
    }
  });
  const onText = (t: string): void => {
    if (cur) text += t;
  };
  p.on('text', onText);
  // CDATA sections are text too.
  p.on('cdata', onText);
  p.on('closetag', (n) => {
    if (n.name === 'url' && cur) {
      const u = text.trim();
      if (/^(https?|file):/i.test(u)) urls.push({ url: u.replace(REPOMD_SUFFIX, '/'), pref: cur.pref, order: urls.length });
      cur = undefined;
    }
  });
  await feedXml(p, [xml], what);
  urls.sort((a, b) => b.pref - a.pref || a.order - b.order);
  return urls.map((u) => u.url);
}

export function parseMirrorlist(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#') && /^(https?|file):/i.test(l))
    .map((l) => l.replace(REPOMD_SUFFIX, '/'));
}

/** The base URLs to try for a repo: baseurl first, then metalink, then mirrorlist. */
export async function resolveBaseUrls(def: RepoDefinition): Promise<string[]> {
  if (def.baseurl.length) return def.baseurl;
  const src = def.metalink ?? def.mirrorlist;
  if (!src) throw new RpmkitError('CONFIG_INVALID', `repo '${def.id}' has no baseurl, metalink or mirrorlist`, { hint: 'give the repository a URL' });
  const what = `repo '${def.id}': ${redactUrl(src)}`;
  const r = await httpGet(src, { repoId: def.id, maxSize: 16 << 20, tls: { verify: def.sslverify, caFile: def.sslcacert, certFile: def.sslclientcert, keyFile: def.sslclientkey } });
  const body = r.data ?? Buffer.alloc(0);
  const head = body.subarray(0, 512).toString('utf8');
  const urls = /<metalink[\s>]/.test(head) || (def.metalink && /^\s*<\?xml/.test(head)) ? await parseMetalink(body, what) : parseMirrorlist(body.toString('utf8'));
  if (!urls.length) throw new RpmkitError('METADATA_INVALID', `${what} lists no usable mirrors`, { hint: 'check the metalink/mirrorlist URL (releasever, basearch)' });
  return urls;
}
