// `npm run demo` must work on a fresh clone without rpm tools or network:
// it runs the whole pipeline on the committed example repository.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { runCli, tempDir } from '../helpers/env.js';

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
