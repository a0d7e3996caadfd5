// Real rpmoci.toml files (from microsoft/rpmoci's repository: its own
// manifest, its example and its integration-test fixtures) must load
// unchanged, with rpmoci's meaning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseManifest, type Manifest } from '../../src/config/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const FIX = path.join(here, 'fixtures', 'rpmoci');
const REPOS = path.join(here, 'fixtures', 'yum.repos.d');
const opts = { reposDir: REPOS, releasever: '2.0', basearch: 'x86_64' };

function load(name: string): Manifest {
  const f = path.join(FIX, name, 'rpmoci.toml');
  return parseManifest(readFileSync(f, 'utf8'), f, opts);
}

const MARINER = 'https://packages.microsoft.com/cbl-mariner/2.0/prod/base/x86_64';
const MS_KEYS = ['https://raw.githubusercontent.com/microsoft/CBL-Mariner/2.0/SPECS/mariner-repos/MICROSOFT-RPM-GPG-KEY', 'https://packages.microsoft.com/keys/microsoft.asc'];

test('every rpmoci fixture loads', () => {
  const names = readdirSync(FIX).sort();
  assert.ok(names.length >= 12);
  for (const n of names) {
    const m = load(n);
    assert.equal(m.format, 'rpmoci', n);
    assert.ok(m.contents.packages.length > 0, n);
    assert.ok(m.contents.repositories.length > 0, n);
  }
});

test('rpmoci defaults: docs off, weak deps off, os_release on, gpgcheck and sslverify on', () => {
  const m = load('simple_build');
  assert.equal(m.contents.docs, false);
  assert.equal(m.contents.weakDeps, false);
  assert.equal(m.contents.osRelease, true);
  assert.deepEqual(m.contents.gpgkeys, MS_KEYS);
  assert.deepEqual(m.contents.packages, ['tini-static']);
  const [r] = m.contents.repositories;
  assert.equal(r.id, 'packages.microsoft.com_cbl-mariner_2.0_prod_base_x86_64');
  assert.deepEqual(r.baseurl, [MARINER]);
  assert.equal(r.gpgcheck, true);
  assert.equal(r.sslverify, true);
  assert.equal(r.priority, 99);
  assert.equal(r.cost, 1000);
  assert.deepEqual(m.image.cmd, ['tini-static']);
  assert.equal(m.image.entrypoint, undefined);
});

test('rpmoci repo id from a URL keeps the trailing-slash segment as rpmoci does', () => {
  assert.equal(load('parse_inline').contents.repositories[0].id, 'packages.microsoft.com_cbl-mariner_2.0_prod_base_x86_64_');
  assert.equal(load('fedora35').contents.repositories[0].id, 'fedora.mirrorservice.org_fedora_linux_releases_35_Everything_x86_64_os_');
});

test('inline repository table with options (includepkgs as a comma list)', () => {
  const r = load('parse_inline').contents.repositories[0];
  assert.deepEqual(r.includepkgs, ['foo', 'bar']);
  assert.equal(r.options.includepkgs, 'foo,bar');
});

test('$basearch in a manifest URL and gpgcheck = "false"', () => {
  const r = load('basearch').contents.repositories[0];
  assert.equal(r.id, 'ubi');
  assert.deepEqual(r.baseurl, ['https://cdn-ubi.redhat.com/content/public/ubi/dist/ubi9/9/x86_64/baseos/os']);
  assert.equal(r.gpgcheck, false);
  const f = path.join(FIX, 'basearch', 'rpmoci.toml');
  const arm = parseManifest(readFileSync(f, 'utf8'), f, { ...opts, basearch: 'aarch64' });
  assert.deepEqual(arm.contents.repositories[0].baseurl, ['https://cdn-ubi.redhat.com/content/public/ubi/dist/ubi9/9/aarch64/baseos/os']);
});

test('mixed repository forms: host repo id, URL, table', () => {
  const m = load('parse_multiple');
  assert.deepEqual(m.contents.repositories.map((r) => r.id), ['foo-base', 'packages.microsoft.com_cbl-mariner_2.0_prod_base_x86_64', 'foo']);
  assert.deepEqual(m.repoOrigins.map((o) => o.kind), ['id', 'url', 'table']);
  const host = m.contents.repositories[0];
  // Disabled in its .repo file, but named explicitly: used, as rpmoci does.
  assert.equal(host.enabled, true);
  assert.equal(host.options.enabled, '0');
  assert.equal(host.metalink, 'https://mirrors.example.org/metalink?repo=foo-2.0&arch=x86_64');
  assert.deepEqual(host.gpgkeys, ['file:///etc/pki/rpm-gpg/RPM-GPG-KEY-foo-2-x86_64', 'file:///etc/pki/rpm-gpg/RPM-GPG-KEY-foo-primary']);
  assert.equal(host.metadataExpire, 6 * 3600);
  assert.equal(m.repoOrigins[0].repoFile, path.join(REPOS, 'foo.repo'));
});

test('repo id from the host with $releasever/$basearch (README getting-started form)', () => {
  const m = load('rootless');
  const r = m.contents.repositories[0];
  assert.equal(r.id, 'mariner-official-base');
  assert.deepEqual(r.baseurl, [MARINER]);
  assert.equal(r.name, 'CBL-Mariner Official Base 2.0 x86_64');
  assert.equal(r.repoGpgcheck, true);
  assert.deepEqual(m.image.entrypoint, ['/usr/bin/tini-static', '--']);
});

test('docs = true, os_release = false, install_weak_deps, [image.envs]', () => {
  assert.equal(load('repo-root').contents.docs, true);
  assert.equal(load('no_auto_etc_os_release').contents.osRelease, false);
  assert.equal(load('etc_os_release_explicit').contents.osRelease, true);
  assert.equal(load('weakdeps').contents.weakDeps, false);
  assert.deepEqual(load('fedora35').image.envs, { RUST_LOG: 'info' });
  assert.deepEqual(load('hardlinks').image.cmd, ['stat', '--format', '%h', '/usr/bin/ld']);
  assert.deepEqual(load('hardlinks').contents.packages, ['/usr/bin/ld', '/usr/bin/stat']);
});

test('rpmoci ImageConfig spellings (workingdir, stopsignal, author, volumes) load', () => {
  const text = `[contents]
repositories = ["${MARINER}"]
packages = ["tini"]
[image]
user = "1000"
exposed_ports = ["8080/tcp", "53/udp", "80"]
volumes = ["/data"]
workingdir = "/srv"
stopsignal = "SIGINT"
author = "someone"
labels = { "foo.bar" = "baz" }
`;
  const m = parseManifest(text, '/tmp/x/rpmoci.toml', opts);
  assert.deepEqual(m.image, {
    envs: {},
    labels: { 'foo.bar': 'baz' },
    exposedPorts: ['8080/tcp', '53/udp', '80'],
    volumes: ['/data'],
    user: '1000',
    workdir: '/srv',
    stopSignal: 'SIGINT',
    author: 'someone',
  });
});

test('the same text named rpmkit.toml uses rpmkit defaults (docs on)', () => {
  const f = path.join(FIX, 'simple_build', 'rpmoci.toml');
  const m = parseManifest(readFileSync(f, 'utf8'), '/tmp/x/rpmkit.toml', opts);
  assert.equal(m.format, 'rpmkit');
  assert.equal(m.contents.docs, true);
});
