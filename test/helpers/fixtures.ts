// Expensive real-data fixtures built once per machine and shared by tests:
// the Debian-derived RPM repository (../shared/tools/deb2rpm-distro.sh) and
// the 63k-package rpm-md graph (../shared/tools/debian2rpmmd.py). They live
// outside the clone (never committed) under $RPMKIT_FIXTURES or
// $TMPDIR/rpmkit-fixtures, are built under a lock so parallel test files
// wait for one build, and are reused while their stamp file exists.
import { existsSync, mkdirSync, openSync, closeSync, rmSync, writeFileSync, statSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as os from 'node:os';
import type { TestContext } from 'node:test';
import { SHARED, hasTool } from './env.js';

export const FIXTURES = process.env.RPMKIT_FIXTURES ?? path.join(os.tmpdir(), 'rpmkit-fixtures');

function sleep(ms: number) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Build `dir` once with `build` (which must create `dir/.done`); returns dir or an error text. */
function buildOnce(dir: string, build: (dir: string) => string | undefined): string | { error: string } {
  const stamp = path.join(dir, '.done');
  if (existsSync(stamp)) return dir;
  mkdirSync(FIXTURES, { recursive: true });
  const lock = `${dir}.lock`;
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx'));
      break;
    } catch {
      // Another process builds it; a lock older than 30 minutes is stale.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 30 * 60_000) rmSync(lock, { force: true });
      } catch {}
      sleep(1000);
      if (existsSync(stamp)) return dir;
    }
  }
  try {
    if (existsSync(stamp)) return dir;
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const err = build(dir);
    if (err) return { error: err };
    writeFileSync(stamp, new Date().toISOString());
    return dir;
  } finally {
    rmSync(lock, { force: true });
  }
}

function run(cmd: string, args: string[], opts: { cwd?: string; stdout?: number } = {}): string | undefined {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, stdio: ['ignore', opts.stdout ?? 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) return `${cmd} ${args.join(' ')} failed (${r.status}): ${(r.stderr ?? '').slice(-2000)}`;
  return undefined;
}

/**
 * The real RPM repository built from Debian's python3 closure (about 55
 * RPMs with real payloads, indexed by createrepo_c): `<dir>/repo`.
 * Skips the test when the tools or ../shared are missing.
 */
export function distroRepo(t: TestContext): string | undefined {
  const script = path.join(SHARED, 'tools', 'deb2rpm-distro.sh');
  if (!existsSync(script)) {
    t.skip('needs ../shared/tools/deb2rpm-distro.sh (not present on this machine)');
    return undefined;
  }
  for (const tool of ['rpmbuild', 'createrepo_c', 'apt-get', 'dpkg-deb']) {
    if (!hasTool(tool)) {
      t.skip(`needs \`${tool}\` (not installed; .ci/run installs it)`);
      return undefined;
    }
  }
  const r = buildOnce(path.join(FIXTURES, 'distro'), (dir) => run('bash', [script, dir]));
  if (typeof r !== 'string') throw new Error(`building the Debian-derived RPM repository failed: ${r.error}`);
  return path.join(r, 'repo');
}

export interface DebianRepos {
  /** rpm-md repository of Debian bookworm main (~63k packages). */
  main: string;
  /** rpm-md repository of bookworm-security (~3k packages), the "updates" repo. */
  updates?: string;
}

/** The 63k(+3k)-package rpm-md graph made from the machine's apt lists. */
export function debianRepos(t: TestContext): DebianRepos | undefined {
  const script = path.join(SHARED, 'tools', 'debian2rpmmd.py');
  if (!existsSync(script)) {
    t.skip('needs ../shared/tools/debian2rpmmd.py (not present on this machine)');
    return undefined;
  }
  const lists = '/var/lib/apt/lists';
  const find = (re: RegExp) => (existsSync(lists) ? readdirSync(lists).find((f) => re.test(f)) : undefined);
  const mainList = find(/_debian_dists_bookworm_main_binary-amd64_Packages(\.\w+)?$/);
  if (!mainList) {
    t.skip('needs the apt lists of Debian bookworm main (run `apt-get update`)');
    return undefined;
  }
  const secList = find(/bookworm-security_main_binary-amd64_Packages(\.\w+)?$/);
  const r = buildOnce(path.join(FIXTURES, 'debian'), (dir) => {
    const conv = (list: string, name: string) => {
      const pk = path.join(dir, `${name}.Packages`);
      const e = run('sh', ['-c', `/usr/lib/apt/apt-helper cat-file '${path.join(lists, list)}' > '${pk}'`]);
      if (e) return e;
      const e2 = run('python3', [script, pk, path.join(dir, name)]);
      rmSync(pk, { force: true });
      return e2;
    };
    return conv(mainList, 'main') ?? (secList ? conv(secList, 'updates') : undefined);
  });
  if (typeof r !== 'string') throw new Error(`building the Debian rpm-md repositories failed: ${r.error}`);
  const updates = path.join(r, 'updates');
  return { main: path.join(r, 'main'), updates: existsSync(updates) ? updates : undefined };
}
