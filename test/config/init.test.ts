// `rpmkit init`: the starter manifest is valid, an rpmoci.toml converts to
// a manifest with the same meaning, and nothing is overwritten without --force.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inputDigest, parseManifest } from '../../src/config/index.js';
import { convertRpmoci, starterManifest } from '../../src/cli/commands/init.js';
import { runCli, tempDir } from '../helpers/env.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const FIX = path.join(here, 'fixtures', 'rpmoci');
const opts = { reposDir: path.join(here, 'fixtures', 'yum.repos.d'), releasever: '2.0', basearch: 'x86_64' };

test('starter manifest parses, with and without given repos/packages', () => {
  const m = parseManifest(starterManifest(), '/p/rpmkit.toml', opts);
  assert.deepEqual(m.contents.repositories, []);
  assert.deepEqual(m.contents.packages, []);
  assert.equal(m.contents.docs, true);
  const m2 = parseManifest(starterManifest(['https://example.org/$basearch/'], ['bash', 'python3']), '/p/rpmkit.toml', opts);
  assert.deepEqual(m2.contents.repositories[0].baseurl, ['https://example.org/x86_64/']);
  assert.deepEqual(m2.contents.packages, ['bash', 'python3']);
});

test('every rpmoci fixture converts to an rpmkit.toml with the same meaning', () => {
  for (const n of readdirSync(FIX)) {
    const f = path.join(FIX, n, 'rpmoci.toml');
    const src = readFileSync(f, 'utf8');
    const a = parseManifest(src, f, opts);
    const b = parseManifest(convertRpmoci(src, f), path.join(FIX, n, 'rpmkit.toml'), opts);
    assert.equal(b.format, 'rpmkit');
    assert.equal(inputDigest(b), inputDigest(a), n);
    assert.equal(b.contents.docs, a.contents.docs, n);
    assert.deepEqual(b.image, a.image, n);
  }
});

test('rpmkit init via the CLI: starter, refuse overwrite, convert with --force', (t) => {
  const d = tempDir(t);
  let r = runCli(['init'], { cwd: d });
  if (r.error || /Cannot find module/.test(r.stderr)) return t.skip('built CLI not available (run npm run build)');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /wrote rpmkit\.toml/);
  parseManifest(readFileSync(path.join(d, 'rpmkit.toml'), 'utf8'), path.join(d, 'rpmkit.toml'), opts);
  r = runCli(['init'], { cwd: d });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /error\[USAGE\]: rpmkit\.toml already exists/);
  assert.match(r.stderr, /--force/);
  cpSync(path.join(FIX, 'basearch', 'rpmoci.toml'), path.join(d, 'rpmoci.toml'));
  r = runCli(['init', '--force', '--json'], { cwd: d });
  assert.equal(r.status, 0, r.stderr);
  const res = JSON.parse(r.stdout) as { written: string; convertedFrom: string };
  assert.equal(res.convertedFrom, path.join(d, 'rpmoci.toml'));
  const text = readFileSync(path.join(d, 'rpmkit.toml'), 'utf8');
  assert.match(text, /^docs = false$/m);
  assert.match(text, /cdn-ubi\.redhat\.com/);
  writeFileSync(path.join(d, 'x.toml'), '');
  r = runCli(['-f', 'x.toml', 'init', '--empty', '--force', '-p', 'bash'], { cwd: d });
  assert.equal(r.status, 0, r.stderr);
  assert.match(readFileSync(path.join(d, 'x.toml'), 'utf8'), /^ {2}"bash",$/m);
});
