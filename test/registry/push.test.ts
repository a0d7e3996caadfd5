// Pushing to a real registry: Debian's docker-registry on 127.0.0.1, read
// back with skopeo. Covers monolithic and chunked uploads, skipping blobs the
// registry has, cross-repository mounts, and unreachable registries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { needTool, tempDir } from '../helpers/env.js';
import { run } from '../oci/helpers.js';
import { pushImage } from '../../src/registry/index.js';
import { isRpmkitError } from '../../src/errors.js';
import { freePort, rpmkitAsync, smallImage, startRegistry } from './helpers.js';

test('push to docker-registry: skopeo reads back the same digest; second push skips; other repo mounts', async (t) => {
  if (!needTool(t, 'docker-registry', 'skopeo')) return;
  const dir = tempDir(t, 'rpmkit-push-');
  const reg = await startRegistry(t, dir);
  const img = await smallImage(dir);

  const first = await rpmkitAsync(['--json', 'push', '--image', img.layout, '--tag', 'v1', `${reg.host}/rpmkit/demo`]);
  assert.equal(first.status, 0, first.stderr);
  const r1 = JSON.parse(first.stdout) as { digest: string; uploaded: number; skipped: number; mounted: number; ref: string };
  assert.equal(r1.digest, img.manifestDigest);
  assert.equal(r1.ref, `${reg.host}/rpmkit/demo:v1`);
  assert.equal(r1.uploaded, img.layers.length + 1);

  const insp = run('skopeo', ['inspect', '--tls-verify=false', `docker://${reg.host}/rpmkit/demo:v1`]);
  assert.equal(insp.status, 0, insp.stderr);
  assert.equal((JSON.parse(insp.stdout) as { Digest: string }).Digest, img.manifestDigest);
  // skopeo copy verifies every blob digest on the way back.
  const back = path.join(dir, 'back');
  const cp = run('skopeo', ['copy', '--src-tls-verify=false', `docker://${reg.host}/rpmkit/demo:v1`, `oci:${back}:v1`]);
  assert.equal(cp.status, 0, cp.stderr);
  assert.equal((JSON.parse(run('skopeo', ['inspect', `oci:${back}:v1`]).stdout) as { Digest: string }).Digest, img.manifestDigest);

  const second = await rpmkitAsync(['--json', 'push', '--image', img.layout, '--tag', 'v1', `${reg.host}/rpmkit/demo:v1`]);
  assert.equal(second.status, 0, second.stderr);
  const r2 = JSON.parse(second.stdout) as { uploaded: number; skipped: number };
  assert.deepEqual([r2.uploaded, r2.skipped], [0, img.layers.length + 1]);

  const other = await rpmkitAsync(['--json', 'push', '--image', img.layout, '--tag', 'v1', `${reg.host}/team/copy:latest`]);
  assert.equal(other.status, 0, other.stderr);
  const r3 = JSON.parse(other.stdout) as { uploaded: number; mounted: number };
  assert.deepEqual([r3.uploaded, r3.mounted], [0, img.layers.length + 1], 'blobs mounted from rpmkit/demo');
  assert.match(reg.log(), /POST \/v2\/team\/copy\/blobs\/uploads\/\?mount=sha256/);
  const insp3 = run('skopeo', ['inspect', '--tls-verify=false', `docker://${reg.host}/team/copy:latest`]);
  assert.equal((JSON.parse(insp3.stdout) as { Digest: string }).Digest, img.manifestDigest);
});

test('chunked upload (PATCH + Content-Range) round-trips through the registry', async (t) => {
  if (!needTool(t, 'docker-registry', 'skopeo')) return;
  const dir = tempDir(t, 'rpmkit-push-');
  const reg = await startRegistry(t, dir);
  const img = await smallImage(dir);
  const calls: string[] = [];
  const counting: typeof fetch = (input, init) => {
    calls.push(`${init?.method ?? 'GET'} ${(init?.headers as Record<string, string> | undefined)?.['Content-Range'] ?? ''}`);
    return fetch(input, init);
  };
  const r = await pushImage({ layoutDir: img.layout, tag: 'v1', ref: `${reg.host}/chunked/img:v1`, chunkSize: 1024 * 1024, fetch: counting });
  assert.equal(r.digest, img.manifestDigest);
  const patches = calls.filter((c) => c.startsWith('PATCH'));
  assert.ok(patches.length >= 3, `expected >= 3 chunks, saw ${patches.length}`);
  assert.ok(patches.includes('PATCH 0-1048575') && patches.includes('PATCH 1048576-2097151'), patches.join(', '));
  const back = path.join(dir, 'back');
  const cp = run('skopeo', ['copy', '--src-tls-verify=false', `docker://${reg.host}/chunked/img:v1`, `oci:${back}:v1`]);
  assert.equal(cp.status, 0, cp.stderr);
});

test('unreachable registry and unknown tag give coded errors', async (t) => {
  const dir = tempDir(t, 'rpmkit-push-');
  const img = await smallImage(dir);
  const port = await freePort(); // nothing listens there now
  const r = await rpmkitAsync(['push', '--image', img.layout, '--tag', 'v1', `127.0.0.1:${port}/x/y:z`]);
  assert.equal(r.status, 5, r.stderr);
  assert.match(r.stderr, /error\[NETWORK\]: cannot reach registry 127\.0\.0\.1:\d+/);
  const nt = await rpmkitAsync(['push', '--image', img.layout, '--tag', 'nope', `127.0.0.1:${port}/x/y:z`]);
  assert.equal(nt.status, 1);
  assert.match(nt.stderr, /error\[NOT_FOUND\]: tag "nope"/);
  assert.match(nt.stderr, /hint: tags there: v1/);
  const badRef = await rpmkitAsync(['push', '--image', img.layout, '--tag', 'v1', '127.0.0.1:1/UPPER/case']);
  assert.equal(badRef.status, 2);
  assert.match(badRef.stderr, /error\[USAGE\]/);
  await assert.rejects(
    pushImage({ layoutDir: path.join(dir, 'missing'), tag: 'v1', ref: '127.0.0.1:1/a/b' }),
    (e: unknown) => isRpmkitError(e) && e.code === 'NOT_FOUND',
  );
});
