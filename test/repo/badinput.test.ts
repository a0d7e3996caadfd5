// Broken, hostile and unreachable repositories: each gives a coded error
// naming the repo and file, and leaves no cache entry behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { loadRepo, repoFromUrl, repoCacheDir } from '../../src/repo/index.js';
import { RpmkitError } from '../../src/errors.js';
import { ROOT, tempDir } from '../helpers/env.js';
import { makeRepo, pkgXml, primaryXml } from './helpers.js';

const GOOD = primaryXml([pkgXml('a'), pkgXml('b', { requires: '<rpm:entry name="a"/>' })]);

async function expectError(dir: string, cache: string, code: string, ...mustMention: string[]): Promise<RpmkitError> {
  const def = repoFromUrl(dir, 'broken');
  try {
    await loadRepo(def, { cacheDir: cache });
  } catch (e) {
    assert.ok(e instanceof RpmkitError, `not an RpmkitError: ${String(e)}`);
    assert.equal(e.code, code, e.message);
    for (const m of ["'broken'", ...mustMention]) assert.ok(e.message.includes(m), `"${e.message}" should mention ${m}`);
    const cdir = repoCacheDir(def, cache);
    const left = existsSync(cdir) ? readdirSync(cdir) : [];
    assert.deepEqual(left.filter((n) => n.startsWith('pool-') || n === 'state.json'), [], 'no cache entry left behind');
    return e;
  }
  assert.fail(`expected ${code}`);
}

test('truncated and malformed XML', async (t) => {
  const tmp = tempDir(t);
  const trunc = makeRepo(path.join(tmp, 'trunc'), { primary: GOOD.slice(0, GOOD.length - 40) });
  await expectError(trunc, path.join(tmp, 'c'), 'METADATA_INVALID', 'primary.xml.gz');
  const bad = makeRepo(path.join(tmp, 'bad'), { primary: GOOD.replace('</name>', '</nme>') });
  await expectError(bad, path.join(tmp, 'c'), 'METADATA_INVALID', 'primary.xml.gz');
  const notxml = makeRepo(path.join(tmp, 'notxml'), { primary: 'this is not xml at all' });
  await expectError(notxml, path.join(tmp, 'c'), 'METADATA_INVALID', 'primary');
  // Truncated gzip stream (the checksum in repomd matches the truncated bytes).
  const gz = gzipSync(Buffer.from(GOOD));
  const tgz = makeRepo(path.join(tmp, 'tgz'), { primary: gz.subarray(0, gz.length - 20) }, { compression: 'raw', ext: 'xml.gz' });
  await expectError(tgz, path.join(tmp, 'c'), 'METADATA_INVALID', 'primary.xml.gz');
  // A broken repomd.xml itself.
  const rm = makeRepo(path.join(tmp, 'rm'), { primary: GOOD });
  writeFileSync(path.join(rm, 'repodata', 'repomd.xml'), '<repomd><data type="primary">');
  await expectError(rm, path.join(tmp, 'c'), 'METADATA_INVALID', 'repomd.xml');
});

test('checksum and size mismatches, a file missing from the repository', async (t) => {
  const tmp = tempDir(t);
  const e1 = await expectError(makeRepo(path.join(tmp, 'sum'), { primary: GOOD }, { badChecksum: 'primary' }), path.join(tmp, 'c'), 'CHECKSUM_MISMATCH', 'primary.xml.gz');
  assert.equal(e1.exitCode, 6);
  await expectError(makeRepo(path.join(tmp, 'size'), { primary: GOOD }, { badSize: 'primary' }), path.join(tmp, 'c'), 'SIZE_MISMATCH', 'primary.xml.gz');
  const e3 = await expectError(makeRepo(path.join(tmp, 'miss'), { primary: GOOD }, { missing: 'primary' }), path.join(tmp, 'c'), 'NOT_FOUND', 'primary.xml.gz');
  assert.match(e3.message, /listed in repomd\.xml but missing/);
  // No repodata at all.
  await expectError(path.join(tmp, 'nothing'), path.join(tmp, 'c'), 'NOT_FOUND', 'repomd.xml');
  // A checksum type this machine cannot compute is named, not ignored.
  const odd = makeRepo(path.join(tmp, 'odd'), { primary: GOOD });
  const oddMd = path.join(odd, 'repodata', 'repomd.xml');
  writeFileSync(oddMd, readFileSync(oddMd, 'utf8').replace('<checksum type="sha256">', '<checksum type="whirl9">'));
  const e4 = await expectError(odd, path.join(tmp, 'c'), 'METADATA_UNSUPPORTED', 'primary.xml.gz');
  assert.match(e4.message, /unknown checksum type whirl9/);
  // An updateinfo with a bad checksum fails the load too (every file is verified).
  await expectError(makeRepo(path.join(tmp, 'ui'), { primary: GOOD, updateinfo: '<updates/>' }, { badChecksum: 'updateinfo' }), path.join(tmp, 'c'), 'CHECKSUM_MISMATCH', 'updateinfo');
});

test('hostile documents: entity expansion, undefined entities, absurd sizes, decompression bombs', async (t) => {
  const tmp = tempDir(t);
  const lol = `<?xml version="1.0"?>\n<!DOCTYPE metadata [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>\n<metadata packages="1"><package type="rpm"><name>&c;</name></package></metadata>`;
  const e = await expectError(makeRepo(path.join(tmp, 'lol'), { primary: lol }), path.join(tmp, 'c'), 'METADATA_INVALID', 'primary');
  assert.match(e.message, /DOCTYPE/);
  const undef = GOOD.replace('<summary>a summary', '<summary>&xxe; summary');
  await expectError(makeRepo(path.join(tmp, 'undef'), { primary: undef }), path.join(tmp, 'c'), 'METADATA_INVALID', 'primary');
  // Claims an absurd package count.
  await expectError(makeRepo(path.join(tmp, 'count'), { primary: primaryXml([pkgXml('a')], 999_999_999) }), path.join(tmp, 'c'), 'METADATA_INVALID', 'primary');
  // Decompresses to far more than repomd's open-size.
  const bomb = primaryXml([pkgXml('a', { provides: '<rpm:entry name="x"/>'.repeat(20000) })]);
  await expectError(makeRepo(path.join(tmp, 'bomb'), { primary: bomb }, { openSize: { primary: 1000 } }), path.join(tmp, 'c'), 'METADATA_INVALID', 'primary');
  // An absurd size in repomd.xml.
  const abs = makeRepo(path.join(tmp, 'abs'), { primary: GOOD });
  const md = path.join(abs, 'repodata', 'repomd.xml');
  writeFileSync(md, readFileSync(md, 'utf8').replace(/<size>\d+<\/size>/, '<size>99999999999999999999999</size>'));
  await expectError(abs, path.join(tmp, 'c'), 'METADATA_INVALID', 'repomd.xml');
  // zchunk is refused clearly.
  const zck = makeRepo(path.join(tmp, 'zck'), { primary: Buffer.from('\0ZCK1 not really') }, { compression: 'raw', ext: 'xml.zck' });
  const z = await expectError(zck, path.join(tmp, 'c'), 'METADATA_UNSUPPORTED', 'zck');
  assert.match(z.hint ?? '', /zck/);
});

async function server(t: import('node:test').TestContext, handler: http.RequestListener): Promise<string> {
  const s = http.createServer(handler);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => s.close(() => r())));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

test('a 500-ing server, a redirect loop, a refused connection', async (t) => {
  const tmp = tempDir(t);
  let hits = 0;
  const base = await server(t, (req, res) => {
    hits++;
    if (req.url?.startsWith('/loop')) res.writeHead(302, { location: req.url === '/loop/a/repodata/repomd.xml' ? '/loop/b/repodata/repomd.xml' : '/loop/a/repodata/repomd.xml' }).end();
    else res.writeHead(500).end('internal error');
  });
  const e = await expectError(`${base}/five/`, path.join(tmp, 'c'), 'HTTP_STATUS', 'repomd.xml');
  assert.equal(e.exitCode, 5);
  assert.ok(hits >= 2, 'retried');
  await expectError(`${base}/loop/a/`, path.join(tmp, 'c'), 'REDIRECT_LOOP', 'repomd.xml');
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  await expectError(`http://127.0.0.1:${port}/repo/`, path.join(tmp, 'c'), 'NETWORK', 'repomd.xml');
});

test('the CLI exits non-zero with the code and the repo named', (t) => {
  const tmp = tempDir(t);
  const dir = makeRepo(path.join(tmp, 'sum'), { primary: GOOD }, { badChecksum: 'primary' });
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), 'repo', 'info', '--repo', `broken=${dir}`, '--cache-dir', path.join(tmp, 'c')], { encoding: 'utf8', cwd: ROOT });
  assert.equal(r.status, 6, r.stderr);
  assert.match(r.stderr, /error\[CHECKSUM_MISMATCH\]: repo 'broken': repodata\/.*primary\.xml\.gz/);
  assert.match(r.stderr, /hint: /);
});
