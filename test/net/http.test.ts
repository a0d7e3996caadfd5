// httpGet against a real node http server on 127.0.0.1: retries, redirects,
// auth from env and netrc, size guard, resume, file URLs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import { createHash } from 'node:crypto';
import { writeFileSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AddressInfo } from 'node:net';
import { httpGet, resetNetrcCache } from '../../src/net/index.js';
import { RpmkitError } from '../../src/errors.js';
import { tempDir } from '../helpers/env.js';

const BODY = Buffer.from('0123456789'.repeat(1000));

async function server(t: import('node:test').TestContext, handler: http.RequestListener): Promise<string> {
  const s = http.createServer(handler);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => s.close(() => r())));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

async function rejectsCode(p: Promise<unknown>, code: string): Promise<RpmkitError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof RpmkitError, `expected RpmkitError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected ${code}`);
}

function serveBody(req: http.IncomingMessage, res: http.ServerResponse) {
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (m) {
    const s = Number(m[1]);
    res.writeHead(206, { 'content-length': BODY.length - s, 'content-range': `bytes ${s}-${BODY.length - 1}/${BODY.length}` });
    res.end(BODY.subarray(s));
  } else {
    res.writeHead(200, { 'content-length': BODY.length });
    res.end(BODY);
  }
}

test('retries 503 then succeeds; persistent 500 is HTTP_STATUS', async (t) => {
  let n = 0;
  const base = await server(t, (req, res) => {
    if (req.url === '/flaky' && n++ < 2) {
      res.writeHead(503).end();
      return;
    }
    if (req.url === '/broken') {
      res.writeHead(500).end('boom');
      return;
    }
    serveBody(req, res);
  });
  const r = await httpGet(`${base}/flaky`, { retryDelayMs: 10 });
  assert.equal(n, 3);
  assert.deepEqual(r.data, BODY);
  const e = await rejectsCode(httpGet(`${base}/broken`, { retries: 2, retryDelayMs: 5 }), 'HTTP_STATUS');
  assert.equal(e.details?.status, 500);
  assert.equal(e.exitCode, 5);
});

test('redirects are followed; a loop is REDIRECT_LOOP', async (t) => {
  const base = await server(t, (req, res) => {
    if (req.url === '/a') res.writeHead(302, { location: '/b' }).end();
    else if (req.url === '/b') res.writeHead(301, { location: '/a' }).end();
    else if (req.url === '/go') res.writeHead(307, { location: '/data' }).end();
    else serveBody(req, res);
  });
  const r = await httpGet(`${base}/go`);
  assert.equal(r.url, `${base}/data`);
  assert.equal(r.size, BODY.length);
  await rejectsCode(httpGet(`${base}/a`), 'REDIRECT_LOOP');
});

test('basic auth from RPMKIT_<ID>_HTTP_*; credentials never in error text', async (t) => {
  const seen: string[] = [];
  const base = await server(t, (req, res) => {
    seen.push(req.headers.authorization ?? '');
    if (req.headers.authorization !== `Basic ${Buffer.from('alice:s3cret-pw').toString('base64')}`) {
      res.writeHead(401).end();
      return;
    }
    serveBody(req, res);
  });
  process.env.RPMKIT_MY_REPO_1_HTTP_USERNAME = 'alice';
  process.env.RPMKIT_MY_REPO_1_HTTP_PASSWORD = 's3cret-pw';
  t.after(() => {
    delete process.env.RPMKIT_MY_REPO_1_HTTP_USERNAME;
    delete process.env.RPMKIT_MY_REPO_1_HTTP_PASSWORD;
  });
  const r = await httpGet(`${base}/x`, { repoId: 'my-repo.1' });
  assert.equal(r.size, BODY.length);
  const e = await rejectsCode(httpGet(`${base}/x`, { repoId: 'other' }), 'AUTH_FAILED');
  assert.match(e.hint ?? '', /RPMKIT_OTHER_HTTP_USERNAME/);
  // Wrong credentials in the URL: refused, and neither user nor password shown.
  const e2 = await rejectsCode(httpGet(`http://bob:hunter2@${base.slice(7)}/x`), 'AUTH_FAILED');
  const text = `${e2.message} ${e2.hint} ${JSON.stringify(e2.toJSON())}`;
  assert.ok(!text.includes('hunter2') && !text.includes('bob'), text);
  assert.ok(seen.includes(`Basic ${Buffer.from('bob:hunter2').toString('base64')}`));
});

test('netrc credentials by host', async (t) => {
  const dir = tempDir(t);
  const base = await server(t, (req, res) => {
    if (req.headers.authorization !== `Basic ${Buffer.from('carol:pw2').toString('base64')}`) res.writeHead(401).end();
    else serveBody(req, res);
  });
  writeFileSync(path.join(dir, 'netrc'), 'machine other.example login x password y\nmachine 127.0.0.1\n  login carol\n  password pw2\n');
  const old = process.env.NETRC;
  process.env.NETRC = path.join(dir, 'netrc');
  resetNetrcCache();
  t.after(() => {
    if (old === undefined) delete process.env.NETRC;
    else process.env.NETRC = old;
    resetNetrcCache();
  });
  const r = await httpGet(`${base}/x`);
  assert.equal(r.size, BODY.length);
  await rejectsCode(httpGet(`${base}/x`, { noNetrc: true }), 'AUTH_FAILED');
});

test('maxSize guard, short body, refused connection', async (t) => {
  const base = await server(t, (req, res) => {
    if (req.url === '/nolen') {
      res.writeHead(200);
      res.write(BODY);
      res.end(BODY);
    } else if (req.url === '/short') {
      res.writeHead(200, { 'content-length': BODY.length * 2 });
      res.end(BODY);
      req.socket.destroy();
    } else serveBody(req, res);
  });
  await rejectsCode(httpGet(`${base}/x`, { maxSize: 100 }), 'SIZE_MISMATCH');
  await rejectsCode(httpGet(`${base}/nolen`, { maxSize: BODY.length + 5 }), 'SIZE_MISMATCH');
  await rejectsCode(httpGet(`${base}/short`, { retries: 1, retryDelayMs: 5 }), 'NETWORK');
  // A port nobody listens on.
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  const e = await rejectsCode(httpGet(`http://127.0.0.1:${port}/x`, { retries: 1, retryDelayMs: 5 }), 'NETWORK');
  assert.match(e.message, /refused/);
});

test('resume to a file with Range and a whole-file digest', async (t) => {
  const dir = tempDir(t);
  const base = await server(t, serveBody);
  const dest = path.join(dir, 'f');
  writeFileSync(dest, Buffer.concat([BODY.subarray(0, 4000), Buffer.from('garbage')]));
  const r = await httpGet(`${base}/x`, { dest, start: 4000, hash: 'sha256' });
  assert.equal(r.resumed, true);
  assert.equal(r.received, BODY.length - 4000);
  assert.deepEqual(readFileSync(dest), BODY);
  assert.equal(r.digest, createHash('sha256').update(BODY).digest('hex'));
  assert.equal(r.data, undefined);
});

test('file URLs and plain paths', async (t) => {
  const dir = tempDir(t);
  const f = path.join(dir, 'data.bin');
  writeFileSync(f, BODY);
  assert.deepEqual((await httpGet(pathToFileURL(f).href)).data, BODY);
  assert.deepEqual((await httpGet(f, { start: 10 })).data, BODY.subarray(10));
  await rejectsCode(httpGet(path.join(dir, 'missing')), 'NOT_FOUND');
  await rejectsCode(httpGet(f, { maxSize: 10 }), 'SIZE_MISMATCH');
});

test('asChunks: the body in the pieces it arrived in, with the same digest', async (t) => {
  const dir = tempDir(t);
  const f = path.join(dir, 'data.bin');
  const big = Buffer.alloc(300_000, 7);
  big.write('start', 0);
  writeFileSync(f, big);
  const base = await server(t, (_req, res) => {
    res.writeHead(200);
    // Several writes: the client sees several chunks.
    for (let i = 0; i < big.length; i += 50_000) res.write(big.subarray(i, i + 50_000));
    res.end();
  });
  for (const url of [`${base}/x`, f]) {
    const r = await httpGet(url, { asChunks: true, hash: 'sha256' });
    assert.equal(r.data, undefined);
    assert.ok((r.chunks?.length ?? 0) > 1, `${url}: ${r.chunks?.length} chunks`);
    assert.deepEqual(Buffer.concat(r.chunks ?? []), big);
    assert.equal(r.size, big.length);
    assert.equal(r.digest, createHash('sha256').update(big).digest('hex'));
  }
});

test('TLS: an untrusted certificate fails fast; sslverify=false and sslcacert accept it', async (t) => {
  const { spawnSync } = await import('node:child_process');
  const https = await import('node:https');
  const dir = tempDir(t);
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  if (r.status !== 0) {
    t.skip('needs `openssl` to make a test certificate');
    return;
  }
  const s = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, serveBody);
  await new Promise<void>((res) => s.listen(0, '127.0.0.1', res));
  t.after(() => new Promise<void>((res) => s.close(() => res())));
  const url = `https://127.0.0.1:${(s.address() as AddressInfo).port}/x`;
  const e = await rejectsCode(httpGet(url, { retries: 3, retryDelayMs: 2000 }), 'NETWORK');
  assert.match(e.message, /certificate/i);
  assert.equal((await httpGet(url, { tls: { verify: false } })).size, BODY.length);
  assert.equal((await httpGet(url, { tls: { caFile: cert } })).size, BODY.length);
});
