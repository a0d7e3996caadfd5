// `rpmkit update PKG` and `rpmkit outdated` on small real repositories built
// with rpmbuild + createrepo_c: named packages move, the rest stay pinned,
// and a forced move (a new version needing a newer library) releases the
// fewest pins and says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseLock } from '../../src/lockfile/index.js';
import { ROOT, needTool, tempDir } from '../helpers/env.js';

function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    c.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function buildRpm(top: string, out: string, name: string, version: string, requires: string[] = []): void {
  const spec = path.join(top, `${name}-${version}.spec`);
  writeFileSync(spec, [
    `Name: ${name}`, `Version: ${version}`, 'Release: 1', 'Summary: test', 'License: MIT', 'BuildArch: noarch',
    ...requires.map((r) => `Requires: ${r}`), '', '%description', 'test', '', '%files', '',
  ].join('\n'));
  const r = spawnSync('rpmbuild', ['-bb', '--quiet', '--define', `_topdir ${top}`, '--define', `_rpmdir ${out}`, '--define', '_build_name_fmt %{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}.rpm', spec], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

function makeRepo(dir: string): string {
  const r = spawnSync('createrepo_c', ['--quiet', dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return pathToFileURL(dir).href;
}

test('update PKG moves only PKG; outdated lists the rest; a forced move unpins the fewest and says so', async (t) => {
  if (!needTool(t, 'rpmbuild', 'createrepo_c')) return;
  const dir = tempDir(t);
  const top = path.join(dir, 'top');
  const base = path.join(dir, 'base');
  const upd = path.join(dir, 'updates');
  mkdirSync(top);
  mkdirSync(base);
  mkdirSync(upd);
  for (const n of ['a', 'b', 'd']) buildRpm(top, base, `tk${n}`, '1');
  buildRpm(top, base, 'tkc', '1', ['tkd']);
  for (const n of ['a', 'b', 'd']) buildRpm(top, upd, `tk${n}`, '2');
  buildRpm(top, upd, 'tkc', '2', ['tkd >= 2']);
  const baseUrl = makeRepo(base);
  const updUrl = makeRepo(upd);
  const m = path.join(dir, 'rpmkit.toml');
  const cache = path.join(dir, 'cache');
  const write = (repos: string[]) => writeFileSync(m, `[contents]\nrepositories = ${JSON.stringify(repos)}\npackages = ["tka", "tkb", "tkc"]\nos_release = false\n`);
  const versions = () => Object.fromEntries(parseLock(readFileSync(path.join(dir, 'rpmkit.lock'), 'utf8')).packages.map((p) => [p.name, p.version]));

  write([baseUrl]);
  let r = await cli(['-f', m, '--cache-dir', cache, 'lock']);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(versions(), { tka: '1', tkb: '1', tkc: '1', tkd: '1' });

  // The updates repository appears: nothing moves until asked.
  write([baseUrl, updUrl]);
  r = await cli(['-f', m, '--cache-dir', cache, '--json', 'outdated']);
  assert.equal(r.status, 0, r.stderr);
  const od = JSON.parse(r.stdout) as { name: string; locked: string; latest: string; vanished: boolean }[];
  assert.deepEqual(od.map((e) => [e.name, e.locked, e.latest, e.vanished]), [['tka', '1-1', '2-1', false], ['tkb', '1-1', '2-1', false], ['tkc', '1-1', '2-1', false], ['tkd', '1-1', '2-1', false]]);

  r = await cli(['-f', m, '--cache-dir', cache, 'update', 'tka']);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(versions(), { tka: '2', tkb: '1', tkc: '1', tkd: '1' });
  assert.match(r.stdout, /Updating tka\.noarch 1-1 -> 2-1/);
  assert.doesNotMatch(r.stdout, /tkb|tkc|tkd/);
  assert.equal((await cli(['-f', m, '--cache-dir', cache, 'lock', '--check'])).status, 0, 'update records the current manifest');

  // tkc-2 needs tkd >= 2: tkd must be released too, and the output says so.
  r = await cli(['-f', m, '--cache-dir', cache, 'update', 'tkc']);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(versions(), { tka: '2', tkb: '1', tkc: '2', tkd: '2' });
  assert.match(r.stdout, /also unpinned to make the update possible: tkd/);

  r = await cli(['-f', m, '--cache-dir', cache, 'update', 'nosuch']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /not in the lock: nosuch/);

  // Everything.
  r = await cli(['-f', m, '--cache-dir', cache, 'update']);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(versions(), { tka: '2', tkb: '2', tkc: '2', tkd: '2' });
  r = await cli(['-f', m, '--cache-dir', cache, 'outdated']);
  assert.match(r.stdout, /all 4 locked packages are up to date/);

  // A locked file that vanished from its repository shows in outdated.
  const lock = parseLock(readFileSync(path.join(dir, 'rpmkit.lock'), 'utf8'));
  const tkb = lock.packages.find((p) => p.name === 'tkb')!;
  renameSync(path.join(upd, tkb.location), path.join(dir, 'moved.rpm'));
  makeRepo(upd);
  r = await cli(['-f', m, '--cache-dir', cache, '--json', 'outdated']);
  const od2 = JSON.parse(r.stdout) as { name: string; vanished: boolean; latest?: string }[];
  assert.deepEqual(od2.map((e) => [e.name, e.vanished]), [['tkb', true]]);
  // Updating something else moves the vanished one too (to what the repositories have), and says so.
  r = await cli(['-f', m, '--cache-dir', cache, 'update', 'tka']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /no longer in the repositories, so these move too: tkb/);
  assert.deepEqual(versions(), { tka: '2', tkb: '1', tkc: '2', tkd: '2' });
});
