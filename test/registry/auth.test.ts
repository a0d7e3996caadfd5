// Registry authentication against a small in-process registry that speaks
// the distribution API and demands basic auth or the bearer-token flow.
// (Debian's docker-registry only does htpasswd with bcrypt, which this
// machine cannot generate without extra packages.) Credentials come from
// docker/podman auth files and the environment, and never reach the output.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../helpers/env.js';
import { blobPath } from '../../src/oci/index.js';
import { findCredentials, parseChallenge, parseRef } from '../../src/registry/index.js';
import { rpmkitAsync, smallImage } from './helpers.js';

const USER = 'robot';
const PASS = 'S3cr3t-pa55word!';

interface Mock {
  host: string;
  manifests: Map<string, Buffer>;
  blobs: Map<string, Buffer>;
  tokenRequests: URL[];
}

async function mockRegistry(t: TestContext, mode: 'basic' | 'bearer' | 'open-rejecting'): Promise<Mock> {
  const blobs = new Map<string, Buffer>();
  const manifests = new Map<string, Buffer>();
  const uploads = new Map<string, Buffer[]>();
  const tokenRequests: URL[] = [];
  const basic = `Basic ${Buffer.from(`${USER}:${PASS}`).toString('base64')}`;
  let host = '';
  let n = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', `http://${host}`);
      if (url.pathname === '/token') {
        tokenRequests.push(url);
        if (req.headers.authorization !== basic) return void res.writeHead(401).end();
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ token: 'tok-123' }));
        return;
      }
      const want = mode === 'basic' ? basic : 'Bearer tok-123';
      if (mode !== 'open-rejecting' && req.headers.authorization !== want) {
        const challenge =
          mode === 'basic' ? 'Basic realm="mock"' : `Bearer realm="http://${host}/token",service="mock-registry",scope="repository:acme/app:pull,push"`;
        res.writeHead(401, { 'WWW-Authenticate': challenge, 'Content-Type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
        return;
      }
      let m: RegExpExecArray | null;
      if ((m = /^\/v2\/(.+)\/blobs\/(sha256:[0-9a-f]{64})$/.exec(url.pathname)) && req.method === 'HEAD') {
        res.writeHead(blobs.has(m[2]) ? 200 : 404).end();
      } else if (/^\/v2\/(.+)\/blobs\/uploads\/$/.test(url.pathname) && req.method === 'POST') {
        const id = `u${n++}`;
        uploads.set(id, []);
        res.writeHead(202, { Location: `/upload/${id}` }).end();
      } else if ((m = /^\/upload\/(\w+)$/.exec(url.pathname)) && req.method === 'PATCH') {
        uploads.get(m[1])!.push(body);
        res.writeHead(202, { Location: `/upload/${m[1]}` }).end();
      } else if ((m = /^\/upload\/(\w+)$/.exec(url.pathname)) && req.method === 'PUT') {
        const data = Buffer.concat([...uploads.get(m[1])!, body]);
        const d = `sha256:${createHash('sha256').update(data).digest('hex')}`;
        if (d !== url.searchParams.get('digest')) return void res.writeHead(400).end(JSON.stringify({ errors: [{ code: 'DIGEST_INVALID', message: 'digest mismatch' }] }));
        blobs.set(d, data);
        res.writeHead(201).end();
      } else if (mode === 'open-rejecting' && /\/manifests\//.test(url.pathname)) {
        res.writeHead(400, { 'Content-Type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'MANIFEST_INVALID', message: 'manifest invalid' }] }));
      } else if ((m = /^\/v2\/(.+)\/manifests\/(.+)$/.exec(url.pathname)) && req.method === 'PUT') {
        manifests.set(`${m[1]}:${m[2]}`, body);
        res.writeHead(201, { 'Docker-Content-Digest': `sha256:${createHash('sha256').update(body).digest('hex')}` }).end();
      } else {
        res.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  host = `127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  t.after(() => server.close());
  return { host, manifests, blobs, tokenRequests };
}

function noAuthEnv(dir: string): NodeJS.ProcessEnv {
  // A HOME without auth files, and no inherited credentials.
  const home = path.join(dir, 'home');
  mkdirSync(home, { recursive: true });
  return { HOME: home, DOCKER_CONFIG: '', REGISTRY_AUTH_FILE: '', XDG_RUNTIME_DIR: '', RPMKIT_REGISTRY_USERNAME: undefined, RPMKIT_REGISTRY_PASSWORD: undefined };
}

test('bearer token flow with credentials from $DOCKER_CONFIG/config.json', async (t) => {
  const dir = tempDir(t, 'rpmkit-auth-');
  const reg = await mockRegistry(t, 'bearer');
  const img = await smallImage(dir);
  const dc = path.join(dir, 'dockercfg');
  mkdirSync(dc);
  writeFileSync(path.join(dc, 'config.json'), JSON.stringify({ auths: { [reg.host]: { auth: Buffer.from(`${USER}:${PASS}`).toString('base64') } } }));
  const r = await rpmkitAsync(['--json', 'push', '--image', img.layout, '--tag', 'v1', `${reg.host}/acme/app:1.0`], { ...noAuthEnv(dir), DOCKER_CONFIG: dc });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(reg.manifests.get('acme/app:1.0'), readFileSync(blobPath(img.layout, img.manifestDigest)));
  assert.equal(reg.blobs.size, img.layers.length + 1);
  const tr = reg.tokenRequests[0];
  assert.equal(tr.searchParams.get('service'), 'mock-registry');
  assert.ok(tr.searchParams.getAll('scope').includes('repository:acme/app:pull,push'));
  assert.ok(!r.stdout.includes(PASS) && !r.stderr.includes(PASS));
});

test('basic auth with credentials from $REGISTRY_AUTH_FILE (username/password fields) and from the environment', async (t) => {
  const dir = tempDir(t, 'rpmkit-auth-');
  const reg = await mockRegistry(t, 'basic');
  const img = await smallImage(dir);
  const af = path.join(dir, 'auth.json');
  writeFileSync(af, JSON.stringify({ auths: { [`https://${reg.host}/`]: { username: USER, password: PASS } } }));
  const r = await rpmkitAsync(['push', '--image', img.layout, '--tag', 'v1', `${reg.host}/acme/app:basic`], { ...noAuthEnv(dir), REGISTRY_AUTH_FILE: af });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(reg.manifests.has('acme/app:basic'));
  const e = await rpmkitAsync(['push', '--image', img.layout, '--tag', 'v1', `${reg.host}/acme/app:env`], { ...noAuthEnv(dir), RPMKIT_REGISTRY_USERNAME: USER, RPMKIT_REGISTRY_PASSWORD: PASS });
  assert.equal(e.status, 0, e.stderr);
  assert.ok(reg.manifests.has('acme/app:env'));
});

test('wrong or missing credentials: AUTH_FAILED, and the password is never printed', async (t) => {
  const dir = tempDir(t, 'rpmkit-auth-');
  for (const mode of ['basic', 'bearer'] as const) {
    const reg = await mockRegistry(t, mode);
    const img = await smallImage(path.join(dir, mode));
    const wrong = 'not-the-Pa55word-XYZ';
    const r = await rpmkitAsync(['-v', '--json', 'push', '--image', img.layout, '--tag', 'v1', `${reg.host}/acme/app:x`], { ...noAuthEnv(dir), RPMKIT_REGISTRY_USERNAME: USER, RPMKIT_REGISTRY_PASSWORD: wrong });
    assert.equal(r.status, 5, `${mode}: ${r.stderr}`);
    assert.match(r.stderr, /error\[AUTH_FAILED\]: registry 127\.0\.0\.1:\d+: .*rejected/);
    assert.match(r.stderr, /hint: log in with/);
    for (const s of [wrong, Buffer.from(`${USER}:${wrong}`).toString('base64')]) {
      assert.ok(!r.stderr.includes(s) && !r.stdout.includes(s), `${mode}: credential leaked`);
    }
    const none = await rpmkitAsync(['push', '--image', img.layout, '--tag', 'v1', `${reg.host}/acme/app:x`], noAuthEnv(dir));
    assert.equal(none.status, 5);
    assert.match(none.stderr, /error\[AUTH_FAILED\].*none were found/);
  }
});

test('auth file lookup, challenge parsing and reference parsing', (t) => {
  const dir = tempDir(t, 'rpmkit-auth-');
  const cfg = path.join(dir, 'config.json');
  writeFileSync(cfg, JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth: Buffer.from('hub:pw:with:colons').toString('base64') }, 'quay.io': { auth: Buffer.from('q:1').toString('base64') } } }));
  const env = { HOME: path.join(dir, 'nohome'), DOCKER_CONFIG: dir };
  assert.deepEqual(findCredentials('docker.io', env), { username: 'hub', password: 'pw:with:colons' });
  assert.deepEqual(findCredentials('quay.io', env), { username: 'q', password: '1' });
  assert.equal(findCredentials('ghcr.io', env), undefined);
  assert.deepEqual(findCredentials('quay.io', { ...env, RPMKIT_REGISTRY_USERNAME: 'e', RPMKIT_REGISTRY_PASSWORD: 'p' }), { username: 'e', password: 'p' });
  writeFileSync(cfg, `{"auths": {"quay.io": {"auth": "${PASS}"`);
  assert.throws(() => findCredentials('quay.io', env), (e: Error) => /not valid JSON/.test(e.message) && !e.message.includes(PASS));

  assert.deepEqual(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push"'), {
    scheme: 'bearer',
    params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:samalba/my-app:pull,push' },
  });
  assert.deepEqual(parseRef('127.0.0.1:5000/a/b:1.0'), { registry: '127.0.0.1:5000', apiHost: '127.0.0.1:5000', repository: 'a/b', tag: '1.0', digest: undefined });
  assert.deepEqual(parseRef('python'), { registry: 'docker.io', apiHost: 'registry-1.docker.io', repository: 'library/python', tag: undefined, digest: undefined });
  assert.equal(parseRef('localhost/x@sha256:' + 'a'.repeat(64)).digest, 'sha256:' + 'a'.repeat(64));
  assert.throws(() => parseRef('host.io/Bad/Name'), /not a valid repository/);
});

test('a registry refusal is a REGISTRY error with the registry\'s error code', async (t) => {
  const dir = tempDir(t, 'rpmkit-auth-');
  const reg = await mockRegistry(t, 'open-rejecting');
  const img = await smallImage(dir);
  const r = await rpmkitAsync(['push', '--image', img.layout, '--tag', 'v1', `${reg.host}/acme/app:x`], noAuthEnv(dir));
  assert.equal(r.status, 5, r.stderr);
  assert.match(r.stderr, /error\[REGISTRY\]: registry 127\.0\.0\.1:\d+ answered 400 to PUT \/v2\/acme\/app\/manifests\/x: MANIFEST_INVALID: manifest invalid/);
  assert.equal(reg.blobs.size, img.layers.length + 1, 'blobs went up before the manifest');
});
