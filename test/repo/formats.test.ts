// Compression formats, filelists on demand, updateinfo, metalink/mirrorlist,
// repositories over HTTP with basic auth.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { loadRepo, repoFromUrl, parseRichDep, parseDep, whatProvides, searchPackages, type RepoDefinition } from '../../src/repo/index.js';
import { RpmkitError } from '../../src/errors.js';
import { sharedPath, needTool, tempDir } from '../helpers/env.js';
import { makeRepo, pkgXml, plain, primaryXml } from './helpers.js';

const XML = primaryXml([
  pkgXml('a', { files: '<file>/usr/bin/a</file><file type="dir">/etc/a.d</file>' }),
  pkgXml('b', { epoch: '2', requires: '<rpm:entry name="a" flags="GE" epoch="0" ver="1.0" pre="1"/><rpm:entry name="(c or d &gt;= 2)"/>' }),
]);

test('gz, xz, zstd, bz2 and uncompressed primary.xml load the same pool', async (t) => {
  const tmp = tempDir(t);
  const ref = await loadRepo(repoFromUrl(makeRepo(path.join(tmp, 'gz'), { primary: XML }), 'r'), { cacheDir: path.join(tmp, 'c') });
  assert.equal(ref.packages.length, 2);
  const b = ref.packages.find((p) => p.name === 'b');
  assert.equal(b?.epoch, '2');
  assert.deepEqual(b?.requires[0], { name: 'a', op: 'GE', evr: { epoch: '0', version: '1.0' }, pre: true });
  assert.deepEqual(b?.requires[1]?.rich, { op: 'or', args: [{ name: 'c' }, { name: 'd', op: 'GE', evr: { version: '2' } }] });
  const a = ref.packages.find((p) => p.name === 'a');
  assert.deepEqual(a?.files, ['/usr/bin/a', '/etc/a.d']);
  assert.deepEqual(a?.fileTypes, ['file', 'dir']);
  writeFileSync(path.join(tmp, 'p.xml'), XML);
  for (const [tool, args, ext] of [
    ['xz', ['-k', '-f'], 'xz'],
    ['zstd', ['-q', '-f', '-k'], 'zst'],
    ['bzip2', ['-k', '-f'], 'bz2'],
  ] as const) {
    if (!needTool(t, tool)) return;
    assert.equal(spawnSync(tool, [...args, path.join(tmp, 'p.xml')]).status, 0);
    const dir = makeRepo(path.join(tmp, ext), { primary: readFileSync(path.join(tmp, `p.xml.${ext}`)) }, { compression: 'raw', ext: `xml.${ext}` });
    const r = await loadRepo(repoFromUrl(dir, 'r'), { cacheDir: path.join(tmp, `c-${ext}`) });
    assert.deepEqual(plain(r.packages), plain(ref.packages), ext);
  }
  const raw = await loadRepo(repoFromUrl(makeRepo(path.join(tmp, 'none'), { primary: XML }, { compression: 'none' }), 'r'), { cacheDir: path.join(tmp, 'c-none') });
  assert.deepEqual(plain(raw.packages), plain(ref.packages));
});

test('BaseOS filelists load on demand (and from cache the second time)', async (t) => {
  const dir = sharedPath(t, 'data/repodata/centos-stream9-baseos');
  if (!dir) return;
  const tmp = tempDir(t);
  const def = repoFromUrl(dir, 'baseos');
  const r = await loadRepo(def, { cacheDir: tmp });
  assert.equal(r.filelistsLoaded, false);
  const mm = () => r.packages.find((p) => p.name === 'ModemManager' && p.arch === 'x86_64');
  const F = '/usr/lib/.build-id/03/3aaef41b9c3ca2ce1b044c450c9c56fd9951c0';
  assert.ok(mm()?.files.includes('/usr/bin/mmcli'), 'primary lists /usr/bin');
  assert.ok(!mm()?.files.includes(F));
  assert.equal(whatProvides(r.packages, parseDep(F)).length, 0);
  await r.loadFilelists();
  assert.equal(r.filelistsLoaded, true);
  assert.ok(mm()?.files.includes(F));
  const i = mm()?.files.indexOf('/usr/lib/.build-id') ?? -1;
  assert.equal(mm()?.fileTypes?.[i], 'dir');
  assert.deepEqual(whatProvides(r.packages, parseDep(F)).map((m) => m.pkg.name), ['ModemManager']);
  // The same lists from the filelists cache in a new load.
  const logs: string[] = [];
  const r2 = await loadRepo(def, { cacheDir: tmp, log: (m) => logs.push(m) });
  await r2.loadFilelists();
  assert.ok(logs.some((l) => l.includes('filelists from cache')));
  assert.deepEqual(r2.packages.map((p) => p.files), r.packages.map((p) => p.files));
  // rpm's own file count for a package matches: compare with the filelists XML directly.
  const n = spawnSync('sh', ['-c', `zcat ${dir}/repodata/*filelists.xml.gz | awk '/pkgid="${mm()?.checksum.value}"/{f=1} f&&/<file/{c++} f&&/<\\/package>/{print c; exit}'`], { encoding: 'utf8' });
  assert.equal(mm()?.files.length, Number(n.stdout.trim()));
});

test('provides and search queries', async (t) => {
  const dir = sharedPath(t, 'data/repodata/centos-stream9-baseos');
  if (!dir) return;
  const r = await loadRepo(repoFromUrl(dir, 'baseos'), { cacheDir: tempDir(t) });
  const bash = whatProvides(r.packages, parseDep('bash >= 5'));
  assert.deepEqual(bash.map((m) => m.pkg.name), ['bash']);
  assert.equal(whatProvides(r.packages, parseDep('bash < 5')).length, 0);
  assert.ok(whatProvides(r.packages, parseDep('libc.so.6()(64bit)')).some((m) => m.pkg.name === 'glibc'));
  assert.ok(searchPackages(r.packages, 'python3-*').every((p) => p.name.startsWith('python3-')));
  assert.ok(searchPackages(r.packages, 'BOURNE').some((p) => p.name === 'bash'));
  assert.throws(() => parseRichDep('(a or b and c)'), (e: unknown) => e instanceof RpmkitError && e.code === 'METADATA_INVALID');
});

async function serve(t: import('node:test').TestContext, root: string, opts: { user?: string; pass?: string; extra?: Record<string, string> } = {}): Promise<string> {
  const s = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const extra = opts.extra?.[u.pathname];
    if (extra !== undefined) return void res.writeHead(200).end(extra);
    if (opts.user && req.headers.authorization !== `Basic ${Buffer.from(`${opts.user}:${opts.pass}`).toString('base64')}`) return void res.writeHead(401).end();
    let body: Buffer;
    try {
      body = readFileSync(path.join(root, decodeURIComponent(u.pathname)));
    } catch {
      return void res.writeHead(404).end();
    }
    res.writeHead(200).end(body);
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => s.close(() => r())));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

test('HTTP repository with basic auth from RPMKIT_<ID>_HTTP_*; no credentials in errors or baseUrl', async (t) => {
  const tmp = tempDir(t);
  makeRepo(path.join(tmp, 'www', 'repo'), { primary: XML });
  const base = await serve(t, path.join(tmp, 'www'), { user: 'u1', pass: 'pa55-word' });
  const def = repoFromUrl(`${base}/repo/`, 'priv.repo');
  try {
    await loadRepo(def, { cacheDir: path.join(tmp, 'c0') });
    assert.fail('should need auth');
  } catch (e) {
    assert.ok(e instanceof RpmkitError);
    assert.equal(e.code, 'AUTH_FAILED');
    assert.match(e.hint ?? '', /RPMKIT_PRIV_REPO_HTTP_USERNAME/);
  }
  process.env.RPMKIT_PRIV_REPO_HTTP_USERNAME = 'u1';
  process.env.RPMKIT_PRIV_REPO_HTTP_PASSWORD = 'pa55-word';
  t.after(() => {
    delete process.env.RPMKIT_PRIV_REPO_HTTP_USERNAME;
    delete process.env.RPMKIT_PRIV_REPO_HTTP_PASSWORD;
  });
  const r = await loadRepo(def, { cacheDir: path.join(tmp, 'c1') });
  assert.equal(r.packages.length, 2);
  // Credentials inside the URL: used, but never shown.
  delete process.env.RPMKIT_PRIV_REPO_HTTP_USERNAME;
  const withCreds = repoFromUrl(`${base.replace('http://', 'http://u1:pa55-word@')}/repo/`, 'inline');
  const r2 = await loadRepo(withCreds, { cacheDir: path.join(tmp, 'c2') });
  assert.ok(!r2.baseUrl.includes('pa55') && !r2.baseUrl.includes('u1@'), r2.baseUrl);
  const wrong = repoFromUrl(`${base.replace('http://', 'http://u1:WRONG-secret@')}/repo/`, 'inline');
  try {
    await loadRepo(wrong, { cacheDir: path.join(tmp, 'c3') });
    assert.fail('should fail');
  } catch (e) {
    assert.ok(e instanceof RpmkitError);
    assert.equal(e.code, 'AUTH_FAILED');
    const text = JSON.stringify({ ...e.toJSON(), stack: e.stack });
    assert.ok(!text.includes('WRONG-secret'), text);
  }
});

test('metalink and mirrorlist resolve to base URLs; a dead first mirror falls through', async (t) => {
  const tmp = tempDir(t);
  makeRepo(path.join(tmp, 'www', 'repo'), { primary: XML });
  let base = '';
  const metalink = () => `<?xml version="1.0" encoding="utf-8"?>\n<metalink version="3.0" xmlns="http://www.metalinker.org/"><files><file name="repomd.xml"><resources maxconnections="1">
<url protocol="http" type="http" location="XX" preference="90">${base}/dead/repodata/repomd.xml</url>
<url protocol="http" type="http" location="XX" preference="100">${base}/repo/repodata/repomd.xml</url>
</resources></file></files></metalink>`;
  base = await serve(t, path.join(tmp, 'www'), { extra: {} });
  mkdirSync(path.join(tmp, 'www', 'ml'), { recursive: true });
  writeFileSync(path.join(tmp, 'www', 'ml', 'metalink'), metalink());
  writeFileSync(path.join(tmp, 'www', 'ml', 'mirrorlist'), `# mirrors\n${base}/dead/\n\n${base}/repo/\n`);
  const m: RepoDefinition = { ...repoFromUrl('x', 'ml'), baseurl: [], metalink: `${base}/ml/metalink` };
  assert.equal((await loadRepo(m, { cacheDir: path.join(tmp, 'c1') })).baseUrl, `${base}/repo/`);
  const logs: string[] = [];
  const ml: RepoDefinition = { ...repoFromUrl('x', 'ml2'), baseurl: [], mirrorlist: `${base}/ml/mirrorlist` };
  const r = await loadRepo(ml, { cacheDir: path.join(tmp, 'c2'), log: (s) => logs.push(s) });
  assert.equal(r.baseUrl, `${base}/repo/`);
  assert.ok(logs.some((l) => l.includes('/dead/') && l.includes('failed')));
});

test('fast tokenizer: any chunking, entities, CDATA and comments give the saxes result', async () => {
  const { parsePrimary } = await import('../../src/repo/index.js');
  const { parsePrimaryToPool } = await import('../../src/repo/primaryfast.js');
  const { decodePool } = await import('../../src/repo/cache.js');
  const doc = primaryXml([
    pkgXml('a&amp;b', { requires: '<rpm:entry name="(x &gt;= 1 or y)"/><!-- a comment --><rpm:entry name="z&#x41;&#66;" flags="LT" epoch="1" ver="2" rel="3&lt;"/>' }),
    pkgXml('c', { files: '<file>/usr/share/&quot;q&apos;</file><file type="ghost"><![CDATA[/var/<cdata>]]></file>' }),
    // No epoch attribute (it defaults to 0) after a package that had one.
    pkgXml('d').replace('<version epoch="0" ', '<version '),
  ]).replace('<summary>c summary</summary>', '<summary>ç — ü 日本</summary>');
  const bytes = Buffer.from(doc);
  const ref = await parsePrimary([bytes] as unknown as AsyncIterable<Buffer>, { repoId: 'r', what: 'doc' });
  for (const size of [1, 3, 7, 64, bytes.length]) {
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
    const { writer } = await parsePrimaryToPool(chunks, { what: 'doc' });
    const got = decodePool(writer.finish({ repoId: 'r', repomdChecksum: 'x', baseUrl: '', packageCount: 0, dataTypes: [] })).packages;
    assert.deepEqual(plain(got), plain(ref.packages), `chunk size ${size}`);
  }
  assert.equal(ref.packages[0]?.name, 'a&b');
  assert.deepEqual(ref.packages[0]?.requires[1], { name: 'zAB', op: 'LT', evr: { epoch: '1', version: '2', release: '3<' } });
  assert.deepEqual(ref.packages[1]?.files, ['/usr/share/"q\'', '/var/<cdata>']);
  assert.equal(ref.packages[1]?.summary, 'ç — ü 日本');
  assert.equal(ref.packages[2]?.epoch, '0');
});

test('decompression reads a file given in pieces (as it arrives) like the whole file', async (t) => {
  if (!needTool(t, 'xz', 'zstd', 'bzip2')) return;
  const { decompressChunks } = await import('../../src/repo/decompress.js');
  const raw = Buffer.from(XML.repeat(50));
  const collect = async (it: AsyncIterable<Buffer>) => {
    const out: Buffer[] = [];
    for await (const c of it) out.push(c);
    return Buffer.concat(out);
  };
  const packed: [string, Buffer][] = [
    ['gz', (await import('node:zlib')).gzipSync(raw)],
    ['xz', spawnSync('xz', ['-c'], { input: raw }).stdout],
    ['zst', spawnSync('zstd', ['-q', '-c'], { input: raw }).stdout],
    ['bz2', spawnSync('bzip2', ['-c'], { input: raw }).stdout],
    ['none', raw],
  ];
  for (const [kind, data] of packed) {
    for (const size of [1, 7, 4096]) {
      const pieces: Buffer[] = [];
      for (let i = 0; i < data.length; i += size) pieces.push(data.subarray(i, i + size));
      assert.deepEqual(await collect(decompressChunks(pieces, kind as 'gz', 'doc', 1e9)), raw, `${kind} in pieces of ${size}`);
      assert.equal(pieces.length, 0, 'the pieces are let go as they are used');
    }
    assert.deepEqual(await collect(decompressChunks(Buffer.from(data), kind as 'gz', 'doc', 1e9)), raw, kind);
  }
});
