// `npm run demo` must work on a fresh clone without rpm tools or network:
// it runs the whole pipeline on the committed example repository.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ROOT, runCli, tempDir } from '../helpers/env.js';

test('rpmkit demo builds the example image, reproducibly', (t) => {
  const digests: string[] = [];
  for (const name of ['one', 'two']) {
    const work = path.join(tempDir(t), name);
    const r = runCli(['demo', '--workdir', work], { env: { SOURCE_DATE_EPOCH: '', PATH: '/nonexistent' } });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /== Done/);
    const m = /digest:\s+(sha256:[0-9a-f]{64})/.exec(r.stdout);
    assert.ok(m, r.stdout);
    digests.push(m[1]);
    const lock = readFileSync(path.join(work, 'project', 'rpmkit.lock'), 'utf8');
    for (const p of ['demo-base', 'demo-data', 'demo-hello', 'demo-lib']) assert.match(lock, new RegExp(`name = "${p}"`));
    assert.ok(existsSync(path.join(work, 'project', 'rootfs', 'usr', 'bin', 'hello')));
    assert.ok(existsSync(path.join(work, 'project', 'rootfs', 'var', 'lib', 'rpm', 'rpmdb.sqlite')));
  }
  assert.equal(digests[0], digests[1]);
});

test('build on the example repository: in memory and with --keep-root on disk, the same image', (t) => {
  const dir = tempDir(t);
  const repo = path.join(ROOT, 'examples', 'demo', 'repo');
  const toml = readFileSync(path.join(ROOT, 'examples', 'demo', 'rpmkit.toml'), 'utf8').replace('url = "./repo"', `url = ${JSON.stringify(`file://${repo}`)}`);
  writeFileSync(path.join(dir, 'rpmkit.toml'), toml);
  const build = (...extra: string[]) => runCli(['-f', path.join(dir, 'rpmkit.toml'), '--cache-dir', path.join(dir, 'cache'), '--json', 'build', ...extra], { env: { SOURCE_DATE_EPOCH: '' } });
  const mem = build('--image', path.join(dir, 'mem'), '--stage', 'memory');
  assert.equal(mem.status, 0, mem.stderr);
  const kept = path.join(dir, 'kept-root');
  const disk = build('--image', path.join(dir, 'disk'), '--keep-root', kept);
  assert.equal(disk.status, 0, disk.stderr);
  const [m, d] = [JSON.parse(mem.stdout), JSON.parse(disk.stdout)] as { manifestDigest: string; stage: string }[];
  assert.deepEqual([m.stage, d.stage], ['memory', 'disk']);
  assert.equal(m.manifestDigest, d.manifestDigest);
  assert.ok(existsSync(path.join(kept, 'usr', 'bin', 'hello')), 'the kept root stays');
  // A kept root is on disk by definition.
  const both = build('--image', path.join(dir, 'x'), '--keep-root', path.join(dir, 'x-root'), '--stage', 'memory');
  assert.equal(both.status, 2);
  assert.match(both.stderr, /error\[USAGE\].*--keep-root/);
});
