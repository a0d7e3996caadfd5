// Shared helpers of the image tests: a source tree with every entry type,
// running the CLI from source (dist/ is shared and may be mid-build), and a
// tree comparison that reads what umoci unpacked.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync, utimesSync } from 'node:fs';
import * as path from 'node:path';
import { ROOT } from '../helpers/env.js';

/** Run rpmkit from source in a fresh process. */
export function rpmkit(args: string[], env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'cli', 'main.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
}

export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: { ...process.env, ...opts.env } });
}

/** The binary security.capability of "cap_net_raw=ep" as getcap/setcap write it. */
export const NET_RAW_CAP = Buffer.from('0100000200200000000000000000000000000000', 'hex');

export const LONG_DIR = `${'a'.repeat(60)}/${'b'.repeat(60)}`;

/**
 * A tree with regular files of several modes, a setuid binary with a file
 * capability (via metadata), symlinks (relative, absolute, long target),
 * hardlinks, a long path, an empty directory, a fifo, a non-ASCII name,
 * a 3 MiB file, and install leftovers that must not reach the image.
 */
export function makeTree(root: string): void {
  const w = (rel: string, data: string | Buffer, mode = 0o644) => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), data);
    chmodSync(path.join(root, rel), mode);
  };
  w('usr/bin/ping', '#!/bin/sh\necho ping\n', 0o755);
  w('usr/bin/tool', 'tool binary\n'.repeat(10), 0o755);
  w('etc/secret', 'top secret\n', 0o600);
  w('etc/app.conf', 'key=value\n');
  w('usr/share/doc/naïve-ünïcödé.txt', 'unicode name\n');
  w(`${LONG_DIR}/${'c'.repeat(40)}.txt`, 'long path\n');
  const big = Buffer.alloc(3 * 1024 * 1024);
  for (let i = 0; i < big.length; i += 4) big.writeUInt32LE((i * 2654435761) >>> 0, i);
  w('usr/lib/big.bin', big);
  linkSync(path.join(root, 'usr/bin/tool'), path.join(root, 'usr/bin/tool-alias'));
  linkSync(path.join(root, 'usr/bin/tool'), path.join(root, 'usr/sbin-tool-link'));
  symlinkSync('tool', path.join(root, 'usr/bin/tool-sym'));
  symlinkSync('/etc/app.conf', path.join(root, 'etc/app.link'));
  symlinkSync(`../../${LONG_DIR}/${'c'.repeat(40)}.txt`, path.join(root, 'usr/share/long-target'));
  mkdirSync(path.join(root, 'srv/empty'), { recursive: true });
  chmodSync(path.join(root, 'srv/empty'), 0o1777);
  spawnSync('mkfifo', [path.join(root, 'run-fifo')]);
  // Leftovers a package install leaves behind.
  w('var/log/dnf.log', 'log at install time\n');
  w('var/cache/dnf/repo.solv', 'cache\n');
  w('var/lib/dnf/history.sqlite', 'history\n');
  w('var/lib/rpm/.rpm.lock', '');
  w('var/lib/rpm/rpmdb.sqlite', 'rpmdb\n');
  w('var/lib/rpm/rpmdb.sqlite-shm', 'shm\n');
  w('var/lib/rpm/rpmdb.sqlite-wal', '');
  mkdirSync(path.join(root, 'var/tmp'), { recursive: true });
}

/** Ownership manifest for makeTree, as the rootfs stage would write it. */
export function treeMeta(): Record<string, unknown> {
  return {
    '/usr/bin/ping': { uid: 1000, gid: 2000, user: 'pinger', group: 'netgrp', mode: 0o4755, caps: 'cap_net_raw=ep', pkg: 'iputils' },
    '/usr/bin/tool': { uid: 0, gid: 0, user: 'root', group: 'root', mode: 0o755, pkg: 'tools' },
    '/usr/bin/tool-alias': { uid: 0, gid: 0, user: 'root', group: 'root', mode: 0o755, pkg: 'tools' },
    '/usr/sbin-tool-link': { uid: 0, gid: 0, mode: 0o755, pkg: 'tools' },
    '/usr/bin/tool-sym': { uid: 0, gid: 0, mode: 0o777, pkg: 'tools' },
    '/etc/secret': { uid: 0, gid: 0, mode: 0o600, pkg: 'base' },
    '/etc/app.conf': { uid: 0, gid: 0, mode: 0o644, pkg: 'base' },
    '/usr/lib/big.bin': { uid: 0, gid: 0, mode: 0o644, pkg: 'biglib' },
  };
}

export interface Node {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  sha?: string;
  link?: string;
  ino?: string;
}

/** Every path under root (relative) with what an image must preserve. */
export function readTree(root: string): Map<string, Node> {
  const out = new Map<string, Node>();
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(root, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const abs = path.join(root, r);
      const st = lstatSync(abs);
      const type = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : st.isFIFO() ? 'fifo' : 'other';
      const n: Node = { type, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: type === 'file' ? st.size : 0 };
      if (type === 'file') {
        n.sha = createHash('sha256').update(readFileSync(abs)).digest('hex');
        n.ino = `${st.ino}/${st.nlink}`;
      }
      if (type === 'symlink') n.link = readlinkSync(abs);
      out.set(r, n);
      if (type === 'dir') walk(r);
    }
  };
  walk('');
  return out;
}

/** Set every mtime in a tree (so two copies made at different times compare equal without a clamp). */
export function touchAll(root: string, t: number): void {
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(root, rel))) {
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(path.join(root, r));
      if (st.isSymbolicLink()) continue;
      if (st.isDirectory()) walk(r);
      utimesSync(path.join(root, r), t, t);
    }
  };
  walk('');
}
