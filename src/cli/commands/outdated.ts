// `rpmkit outdated [--json]`: locked packages for which the repositories now
// offer a higher version (same name and arch), and locked files that have
// vanished from their repository — what `rpmkit update NAME` would act on.
import type { Command } from 'commander';
import { compareEVR } from '../../evr/index.js';
import type { Package } from '../../repo/index.js';
import { checksumString, lockPackageEvr, readLock, type LockPackage } from '../../lockfile/index.js';
import { output } from '../options.js';
import { lockPathFor, manifestFor } from './lock.js';
import { loadForResolve } from './update.js';

export interface OutdatedEntry {
  name: string;
  arch: string;
  locked: string;
  /** Newest EVR available, when higher than the locked one. */
  latest?: string;
  /** Repository of the newest one. */
  repo?: string;
  /** The locked file is no longer in its repository. */
  vanished: boolean;
}

const evrOf = (p: Package) => `${p.epoch && p.epoch !== '0' ? `${p.epoch}:` : ''}${p.version}-${p.release}`;

/** Shell-style glob (as in `exclude`) to an anchored RegExp. */
function globRe(g: string): RegExp {
  return new RegExp(`^${g.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.').replace(/\[!/g, '[^')}$`);
}

export function findOutdated(locked: LockPackage[], pool: Package[], exclude: string[] = []): OutdatedEntry[] {
  const ex = exclude.map(globRe);
  const byName = new Map<string, Package[]>();
  const checksums = new Set<string>();
  for (const p of pool) {
    checksums.add(`${p.repoId}\0${checksumString(p.checksum)}`);
    if (ex.some((re) => re.test(p.name))) continue;
    const l = byName.get(p.name);
    if (l) l.push(p);
    else byName.set(p.name, [p]);
  }
  const out: OutdatedEntry[] = [];
  for (const lp of locked) {
    const cands = (byName.get(lp.name) ?? []).filter((p) => p.arch === lp.arch);
    let best: Package | undefined;
    for (const c of cands) if (!best || compareEVR(c, best) > 0) best = c;
    const newer = best && compareEVR(best, { epoch: lp.epoch, version: lp.version, release: lp.release }) > 0 ? best : undefined;
    const vanished = !checksums.has(`${lp.repo}\0${lp.checksum}`);
    if (newer || vanished) {
      const e: OutdatedEntry = { name: lp.name, arch: lp.arch, locked: lockPackageEvr(lp), vanished };
      if (newer) {
        e.latest = evrOf(newer);
        e.repo = newer.repoId;
      }
      out.push(e);
    }
  }
  return out;
}

export function register(program: Command): void {
  program
    .command('outdated')
    .description('list locked packages that have newer versions in the repositories (and locked files that vanished)')
    .action(async (_opts: unknown, cmd: Command) => {
      const out = output(cmd);
      const m = await manifestFor(cmd);
      const lock = await readLock(lockPathFor(m));
      // Always fresh metadata: "outdated" is about what the repositories have now.
      const loaded = await loadForResolve(cmd, m, { refresh: true });
      const list = findOutdated(lock.packages, loaded.repos.flatMap((r) => r.packages), m.contents.exclude);
      out.result(list, () => {
        if (!list.length) return `all ${lock.packages.length} locked packages are up to date`;
        const rows = list.map((e) => [`${e.name}.${e.arch}`, e.locked, e.latest ?? '-', e.repo ?? '-', e.vanished ? 'vanished from its repository' : '']);
        const head = ['package', 'locked', 'latest', 'repo', 'note'];
        const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
        const fmt = (r: string[]) => r.map((c, i) => c.padEnd(w[i])).join('  ').trimEnd();
        return [fmt(head), ...rows.map(fmt), '', `run \`rpmkit update ${[...new Set(list.map((e) => e.name))].join(' ')}\` to move them`].join('\n');
      });
    });
}
