// `rpmkit repo list|info`, `search`, `provides` end to end (through tsx, so
// the test does not depend on a fresh dist/ build).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ROOT, sharedPath, tempDir } from '../helpers/env.js';

function cli(args: string[], cache: string) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), ...args, '--cache-dir', cache], { encoding: 'utf8', cwd: ROOT, maxBuffer: 1 << 28 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout) as unknown };
}

test('repo list/info, search and provides on CentOS Stream 9 BaseOS + openSUSE', (t) => {
  const bos = sharedPath(t, 'data/repodata/centos-stream9-baseos');
  const suse = sharedPath(t, 'data/repodata/opensuse-11.0-update');
  if (!bos || !suse) return;
  const cache = tempDir(t);
  const repos = ['--repo', `baseos=${bos}`, '--repo', `suse=${suse}`];

  const list = cli(['repo', 'list', ...repos, '--json'], cache);
  assert.equal(list.status, 0, list.stderr);
  assert.deepEqual((list.json() as { id: string; cached: boolean }[]).map((r) => [r.id, r.cached]), [['baseos', false], ['suse', false]]);

  const info = cli(['repo', 'info', ...repos, '--json'], cache);
  assert.equal(info.status, 0, info.stderr);
  const rows = info.json() as { id: string; packages: number; advisories: number; revision: string | null }[];
  assert.deepEqual(rows.map((r) => [r.id, r.packages, r.advisories]), [['baseos', 1125, 0], ['suse', 2430, 164]]);
  assert.equal(rows[0]?.revision, '1644263915');
  const text = cli(['repo', 'info', 'suse', ...repos], cache);
  assert.match(text.stdout, /Repo-pkgs +: 2430/);
  assert.equal(cli(['repo', 'info', 'nope', ...repos], cache).status, 2);
  assert.deepEqual((cli(['repo', 'list', ...repos, '--json'], cache).json() as { cached: boolean }[]).map((r) => r.cached), [true, true]);

  const s = cli(['search', 'bash', ...repos, '--json'], cache);
  assert.equal(s.status, 0, s.stderr);
  const found = s.json() as { name: string; repo: string }[];
  assert.ok(found.some((r) => r.repo === 'baseos' && r.name === 'bash'));
  const names = found.map((r) => r.name);
  assert.deepEqual(names, [...names].sort(), 'sorted by name');
  const both = cli(['search', 'openssl', ...repos, '--json'], cache).json() as { repo: string }[];
  assert.deepEqual([...new Set(both.map((r) => r.repo))].sort(), ['baseos', 'suse']);

  const p = cli(['provides', 'bash >= 5', ...repos, '--json'], cache);
  assert.equal(p.status, 0, p.stderr);
  assert.deepEqual((p.json() as { name: string; repo: string; matched: { provide?: string } }[]).map((r) => [r.name, r.repo, r.matched.provide]), [['bash', 'baseos', 'bash = 0:5.1.8-2.el9']]);
  const lib = cli(['provides', 'libc.so.6()(64bit)', '--repo', `baseos=${bos}`], cache);
  assert.equal(lib.status, 0, lib.stderr);
  assert.match(lib.stdout, /^glibc-2\.34-.*\.x86_64 : /m);
  const none = cli(['provides', 'no-such-capability', ...repos], cache);
  assert.equal(none.status, 4);
  assert.match(none.stderr, /error\[NO_MATCH\]/);
  // --offline works from the cache just filled.
  assert.equal(cli(['search', 'bash', '--offline', ...repos, '-q'], cache).status, 0);
});
