// repo_gpgcheck: openSUSE's real signed repomd.xml (v3 DSA/SHA-1 signature),
// and a fresh v4 signature made here with openpgp.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import * as openpgp from 'openpgp';
import { loadRepo, repoFromUrl, type RepoDefinition } from '../../src/repo/index.js';
import { RpmkitError } from '../../src/errors.js';
import { sharedPath, tempDir } from '../helpers/env.js';
import { makeRepo, pkgXml, primaryXml } from './helpers.js';

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    assert.ok(e instanceof RpmkitError, String(e));
    return e.code;
  }
}

test('openSUSE 11.0: the real repomd.xml.asc verifies against its key (SHA-1 allowed explicitly)', async (t) => {
  const src = sharedPath(t, 'data/repodata/opensuse-11.0-update');
  if (!src) return;
  const tmp = tempDir(t);
  const dir = path.join(tmp, 'suse');
  cpSync(src, dir, { recursive: true });
  const key = path.join(dir, 'repodata', 'repomd.xml.key');
  const def: RepoDefinition = { ...repoFromUrl(dir, 'suse'), repoGpgcheck: true, gpgkeys: [key], options: { rpmkit_allow_sha1: '1' } };
  const r = await loadRepo(def, { cacheDir: path.join(tmp, 'c1') });
  assert.equal(r.packages.length, 2430);
  // SHA-1 is refused unless allowed.
  assert.equal(await code(loadRepo({ ...def, options: {} }, { cacheDir: path.join(tmp, 'c2') })), 'SIGNATURE_INVALID');
  // No key configured.
  assert.equal(await code(loadRepo({ ...def, gpgkeys: [] }, { cacheDir: path.join(tmp, 'c3') })), 'KEY_INVALID');
  // A modified repomd.xml no longer verifies.
  const md = path.join(dir, 'repodata', 'repomd.xml');
  writeFileSync(md, readFileSync(md, 'utf8').replace('<timestamp>1224755528', '<timestamp>1224755529'));
  assert.equal(await code(loadRepo(def, { cacheDir: path.join(tmp, 'c4') })), 'SIGNATURE_INVALID');
  // No signature at all.
  rmSync(path.join(dir, 'repodata', 'repomd.xml.asc'));
  assert.equal(await code(loadRepo(def, { cacheDir: path.join(tmp, 'c5') })), 'SIGNATURE_MISSING');
});

test('v4 signatures (openpgp): good, wrong key, tampered', async (t) => {
  const tmp = tempDir(t);
  const dir = makeRepo(path.join(tmp, 'repo'), { primary: primaryXml([pkgXml('a')]) });
  const mk = async (name: string) => openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name }], format: 'object' });
  const good = await mk('repo');
  const other = await mk('other');
  const repomd = readFileSync(path.join(dir, 'repodata', 'repomd.xml'));
  const sig = await openpgp.sign({ message: await openpgp.createMessage({ binary: repomd }), signingKeys: good.privateKey, detached: true, format: 'armored' });
  writeFileSync(path.join(dir, 'repodata', 'repomd.xml.asc'), sig as string);
  writeFileSync(path.join(tmp, 'good.asc'), good.publicKey.armor());
  writeFileSync(path.join(tmp, 'other.asc'), other.publicKey.armor());
  const def: RepoDefinition = { ...repoFromUrl(dir, 'v4'), repoGpgcheck: true, gpgkeys: [path.join(tmp, 'good.asc')] };
  assert.equal(await code(loadRepo(def, { cacheDir: path.join(tmp, 'c1') })), 'ok');
  // Keys given as file:// URLs, several in the list.
  assert.equal(await code(loadRepo({ ...def, gpgkeys: [`file://${path.join(tmp, 'other.asc')}`, `file://${path.join(tmp, 'good.asc')}`] }, { cacheDir: path.join(tmp, 'c2') })), 'ok');
  assert.equal(await code(loadRepo({ ...def, gpgkeys: [path.join(tmp, 'other.asc')] }, { cacheDir: path.join(tmp, 'c3') })), 'SIGNATURE_INVALID');
  writeFileSync(path.join(tmp, 'junk.asc'), 'not a key');
  assert.equal(await code(loadRepo({ ...def, gpgkeys: [path.join(tmp, 'junk.asc')] }, { cacheDir: path.join(tmp, 'c4') })), 'KEY_INVALID');
  writeFileSync(path.join(dir, 'repodata', 'repomd.xml'), Buffer.concat([repomd, Buffer.from('\n')]));
  assert.equal(await code(loadRepo(def, { cacheDir: path.join(tmp, 'c5') })), 'SIGNATURE_INVALID');
});
