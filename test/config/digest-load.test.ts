// loadManifest's file lookup and relative paths, and the input digest:
// stable under formatting, key order and checkout location; sensitive to
// everything that can change what resolves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describeInputChanges, diffInputs, inputDigest, loadManifest, manifestInputs, parseManifest, type Manifest } from '../../src/config/index.js';
import { RpmkitError } from '../../src/errors.js';
import { tempDir } from '../helpers/env.js';

const opts = { reposDir: '/nonexistent', releasever: '9', basearch: 'x86_64' };
const parse = (text: string, file = '/proj/rpmkit.toml', o = {}): Manifest => parseManifest(text, file, { ...opts, ...o });

const BASE = `[contents]
repositories = [
  "https://example.org/os/$basearch/",
  { id = "upd", url = "https://example.org/updates/", options = { priority = "10", gpgcheck = "1" } },
]
packages = ["bash", "coreutils"]
exclude = ["kernel*"]
weak_deps = false

[image]
cmd = ["bash"]
`;

// Same meaning, different text: key order, spacing, comments, table forms, option value types.
const REWRITTEN = `# reordered and reformatted
[image]
cmd = [ "bash" ]   # unchanged image

[contents]
weak_deps=false
exclude=['kernel*']
packages = [ "coreutils", "bash", "bash" ]

[[contents.repositories]]
url = "https://example.org/os/x86_64/"

[[contents.repositories]]
options.gpgcheck = true
options.priority = 10
url = 'https://example.org/updates/'
id = "upd"
`;

test('digest ignores formatting, key order, package order/duplicates and option spelling', () => {
  const a = parse(BASE);
  const b = parse(REWRITTEN);
  // The URL id is derived from the unsubstituted URL, as rpmoci does ($ made safe), so write the same URL.
  assert.equal(a.contents.repositories[0].id, 'example.org_os__basearch_');
  const b2 = parse(REWRITTEN.replace('url = "https://example.org/os/x86_64/"', 'url = "https://example.org/os/$basearch/"'));
  assert.notEqual(inputDigest(a), inputDigest(b), 'different repo ids are a different input');
  assert.equal(inputDigest(a), inputDigest(b2));
  assert.match(inputDigest(a), /^sha256:[0-9a-f]{64}$/);
  assert.equal(inputDigest(a), inputDigest(parse(BASE)));
});

test('image settings and docs do not change the lock inputs', () => {
  const a = parse(BASE);
  assert.equal(inputDigest(a), inputDigest(parse(BASE.replace('cmd = ["bash"]', 'cmd = ["sh"]\nuser = "1000"'))));
  assert.equal(inputDigest(a), inputDigest(parse(BASE.replace('weak_deps = false', 'weak_deps = false\ndocs = false'))));
});

test('digest is sensitive to every resolution input, and says which part changed', () => {
  const a = parse(BASE);
  const ia = manifestInputs(a);
  const variants: [string, Manifest, string[]][] = [
    ['package added', parse(BASE.replace('"coreutils"]', '"coreutils", "tar"]')), ['packages']],
    ['exclude', parse(BASE.replace('["kernel*"]', '["kernel*", "systemd"]')), ['exclude']],
    ['weak deps', parse(BASE.replace('weak_deps = false', 'weak_deps = true')), ['weak_deps']],
    ['os_release', parse(BASE.replace('weak_deps = false', 'os_release = false')), ['os_release']],
    ['priority', parse(BASE.replace('priority = "10"', 'priority = "20"')), ['repo:upd']],
    ['repo option kept verbatim', parse(BASE.replace('gpgcheck = "1"', 'gpgcheck = "1", skip_if_unavailable = "1"')), ['repo:upd']],
    ['arch', parse(BASE, undefined, { basearch: 'aarch64' }), ['arch', 'repo:example.org_os__basearch_']],
  ];
  for (const [name, m, parts] of variants) {
    assert.notEqual(inputDigest(m), inputDigest(a), name);
    const d = diffInputs(ia, manifestInputs(m));
    assert.deepEqual(d.changed, parts, name);
    assert.deepEqual(d.added, [], name);
    assert.deepEqual(d.removed, [], name);
  }
  const noUpd = parse(BASE.replace(/\n  \{ id = "upd".*\},/, ''));
  const d = diffInputs(ia, manifestInputs(noUpd));
  assert.deepEqual(d.removed, ['repo:upd']);
  assert.deepEqual(d.changed, ['repositories']);
  assert.deepEqual(describeInputChanges(d), ['repository "upd" was removed', 'the repository list or order changed']);
  assert.deepEqual(describeInputChanges(diffInputs(manifestInputs(noUpd), ia)), ['repository "upd" was added', 'the repository list or order changed']);
});

test('credentials never enter the digest', () => {
  const a = parse(BASE.replace('"https://example.org/updates/"', '"https://alice:pw1@example.org/updates/"').replace('gpgcheck = "1"', 'gpgcheck = "1", password = "pw1"'));
  const b = parse(BASE.replace('"https://example.org/updates/"', '"https://bob:pw2@example.org/updates/"').replace('gpgcheck = "1"', 'gpgcheck = "1", password = "pw2"'));
  assert.equal(inputDigest(a), inputDigest(b));
});

test('relative paths resolve against the manifest directory; digest is the same in another checkout', (t) => {
  const mk = (root: string) => {
    mkdirSync(path.join(root, 'proj', 'repo'), { recursive: true });
    mkdirSync(path.join(root, 'proj', 'keys'), { recursive: true });
    mkdirSync(path.join(root, 'proj', 'rpms'), { recursive: true });
    writeFileSync(path.join(root, 'proj', 'keys', 'k.asc'), 'KEY-1');
    writeFileSync(path.join(root, 'proj', 'rpms', 'a-1-1.noarch.rpm'), 'RPM-A');
    writeFileSync(path.join(root, 'proj', 'rpms', 'b-1-1.noarch.rpm'), 'RPM-B');
    writeFileSync(
      path.join(root, 'proj', 'rpmkit.toml'),
      `[contents]\nrepositories = ["./repo", "file:repo2/", { id = "demo", url = "repo/" }, { id = "abs", url = "${root}/proj/repo" }]\npackages = ["bash", "rpms/*.rpm"]\ngpgkeys = ["keys/k.asc"]\n`.replace('url = "repo/"', 'url = "./repo/"'),
    );
    return path.join(root, 'proj');
  };
  const r1 = tempDir(t);
  const p1 = mk(r1);
  return (async () => {
    const m1 = await loadManifest({ cwd: p1, ...opts });
    assert.equal(m1.path, path.join(p1, 'rpmkit.toml'));
    assert.equal(m1.dir, p1);
    const repoUrl = pathToFileURL(path.join(p1, 'repo')).href;
    assert.deepEqual(m1.contents.repositories.map((r) => [r.id, r.baseurl[0]]), [
      ['local_repo', repoUrl],
      ['local_repo2', `${pathToFileURL(path.join(p1, 'repo2')).href}/`],
      ['demo', `${repoUrl}/`],
      ['abs', repoUrl],
    ]);
    assert.deepEqual(m1.repoOrigins.map((o) => o.kind), ['path', 'path', 'table', 'table']);
    assert.deepEqual(m1.contents.gpgkeys, [pathToFileURL(path.join(p1, 'keys', 'k.asc')).href]);
    assert.deepEqual(m1.contents.localPackages, [path.join(p1, 'rpms', 'a-1-1.noarch.rpm'), path.join(p1, 'rpms', 'b-1-1.noarch.rpm')]);

    // Another checkout of the same project (the absolute repo URL differs, so drop it).
    const r2 = tempDir(t);
    const p2 = mk(r2);
    const strip = (m: Manifest) => {
      const i = m.contents.repositories.findIndex((r) => r.id === 'abs');
      m.contents.repositories.splice(i, 1);
      m.repoOrigins.splice(i, 1);
      return m;
    };
    const m2 = await loadManifest({ cwd: p2, ...opts });
    assert.equal(inputDigest(strip(m2)), inputDigest(strip(m1)));
    // Key bytes and local rpm bytes are inputs.
    const before = manifestInputs(m1);
    writeFileSync(path.join(p1, 'keys', 'k.asc'), 'KEY-2');
    writeFileSync(path.join(p1, 'rpms', 'b-1-1.noarch.rpm'), 'RPM-B2');
    assert.deepEqual(diffInputs(before, manifestInputs(m1)).changed, ['gpgkeys', 'localPackages']);
  })();
});

test('file lookup: rpmkit.toml first, then rpmoci.toml, -f, and a clear error when none', async (t) => {
  const d = tempDir(t);
  await assert.rejects(loadManifest({ cwd: d, ...opts }), (e: unknown) => e instanceof RpmkitError && e.code === 'CONFIG_NOT_FOUND' && /rpmkit init/.test(e.hint ?? ''));
  await assert.rejects(loadManifest({ cwd: d, file: 'other.toml', ...opts }), (e: unknown) => e instanceof RpmkitError && e.code === 'CONFIG_NOT_FOUND');
  cpSync(new URL('./fixtures/rpmoci/simple_build/rpmoci.toml', import.meta.url), path.join(d, 'rpmoci.toml'));
  const m = await loadManifest({ cwd: d, ...opts });
  assert.equal(m.format, 'rpmoci');
  writeFileSync(path.join(d, 'rpmkit.toml'), '[contents]\nrepositories = ["https://x.example/"]\npackages = ["a"]\n');
  assert.equal((await loadManifest({ cwd: d, ...opts })).format, 'rpmkit');
  writeFileSync(path.join(d, 'other.toml'), '[contents]\npackages = ["b"]\nbogus = 1\n');
  await assert.rejects(loadManifest({ cwd: d, file: 'other.toml', ...opts }), (e: unknown) => e instanceof RpmkitError && e.message.startsWith('other.toml:3:1: contents.bogus'));
});

test('RPMKIT_REPOS_DIR and RPMKIT_RELEASEVER are honoured when options are absent', () => {
  const dir = new URL('./fixtures/yum.repos.d', import.meta.url).pathname;
  const saved = { d: process.env.RPMKIT_REPOS_DIR, r: process.env.RPMKIT_RELEASEVER };
  process.env.RPMKIT_REPOS_DIR = dir;
  process.env.RPMKIT_RELEASEVER = '3.0';
  try {
    const m = parseManifest('[contents]\nrepositories = ["mariner-official-base"]\npackages = ["a"]\n', '/p/rpmkit.toml', { basearch: 'aarch64' });
    assert.deepEqual(m.contents.repositories[0].baseurl, ['https://packages.microsoft.com/cbl-mariner/3.0/prod/base/aarch64']);
    assert.equal(m.vars.releasever_major, '3');
  } finally {
    for (const [k, v] of [['RPMKIT_REPOS_DIR', saved.d], ['RPMKIT_RELEASEVER', saved.r]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
});
