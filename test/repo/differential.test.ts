// The pools rpmkit loads from real repositories, compared field by field
// with what libsolv (rpmmd2solv | dumpsolv) reads from the same files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { loadRepo, repoFromUrl, type Package } from '../../src/repo/index.js';
import { sharedPath, needTool, tempDir } from '../helpers/env.js';
import { debianRepos } from '../helpers/fixtures.js';
import { dumpsolv, plain, solvCount, solvDep, pkgEvr, type Solvable } from './helpers.js';

function primaryOf(repo: string): string {
  const f = readdirSync(path.join(repo, 'repodata')).find((n) => /primary\.xml(\.gz)?$/.test(n));
  if (!f) throw new Error(`no primary in ${repo}`);
  return path.join(repo, 'repodata', f);
}

const KINDS = ['provides', 'obsoletes', 'conflicts', 'recommends', 'suggests', 'supplements', 'enhances'] as const;

// libsolv drops rpmlib() requires and duplicate entries; compare as sets.
const norm = (xs: string[]) => [...new Set(xs.filter((x) => !x.startsWith('rpmlib(')).map((x) => x.replace(/\s+/g, ' ')))].sort();

function comparePackage(p: Package, s: Solvable): void {
  const id = `${p.name}-${pkgEvr(p)}.${p.arch}`;
  assert.equal(s.name, p.name, id);
  assert.equal(s.arch, p.arch, id);
  assert.equal(s.evr, pkgEvr(p), id);
  assert.equal(s.checksum, p.checksum.value, `${id} checksum`);
  if (s.downloadsize !== undefined) assert.equal(s.downloadsize, p.size.package, `${id} size`);
  if (s.installsize !== undefined) assert.equal(s.installsize, p.size.installed, `${id} installed size`);
  if (s.buildtime !== undefined) assert.equal(s.buildtime, p.time.build, `${id} buildtime`);
  // libsolv stores the location as a directory plus a file name, (void) when canonical.
  if (s.mediafile !== undefined) {
    const file = s.mediafile === '(void)' ? `${p.name}-${p.version}-${p.release}.${p.arch}.rpm` : s.mediafile;
    assert.equal(p.location, s.mediadir ? `${s.mediadir}/${file}` : file, `${id} location`);
  }
  for (const k of KINDS) {
    // libsolv turns SUSE "splitprovides" (provides "pkg:/path") into a supplements namespace.
    // SUSE's legacy locale()/modalias()/packageand() provides become namespace
    // supplements in libsolv; that rewrite is libsolv's, not the metadata's.
    let theirs = (s.lists[k] ?? []).filter((x) => !x.includes('namespace:'));
    const ours = p[k]
      .map(solvDep)
      // libsolv shows SUSE's packageand(a:b) as the rich "a & b".
      .map((x) => (/^packageand\(.*\)$/.test(x) ? x.slice(11, -1).split(':').join(' & ') : x))
      .filter((x) => theirs.includes(x) || !/^(locale|modalias|packageand)\(/.test(x));
    // libsolv adds the self-provide "N = EVR" when the metadata lacks it.
    if (k === 'provides') theirs = theirs.filter((x) => x !== `${p.name} = ${pkgEvr(p)}` || ours.includes(x));
    // After the file marker libsolv lists file provides it derived from the file list.
    if (theirs.includes('solvable:filemarker')) theirs = theirs.slice(0, theirs.indexOf('solvable:filemarker'));
    assert.deepEqual(norm(ours), norm(theirs), `${id} ${k}`);
  }
  // requires: libsolv lists pre-requires after a marker.
  const req = s.lists.requires ?? [];
  const mark = req.indexOf('solvable:prereqmarker');
  const solvPre = mark < 0 ? [] : req.slice(mark + 1);
  const solvReq = mark < 0 ? req : req.slice(0, mark);
  const ours = p.requires;
  assert.deepEqual(norm([...solvReq, ...solvPre]), norm(ours.map(solvDep)), `${id} requires`);
  const oursPre = norm(ours.filter((d) => d.pre).map(solvDep));
  const oursPlain = new Set(norm(ours.filter((d) => !d.pre).map(solvDep)));
  // An entry both pre and plain is merged by libsolv into one side.
  assert.deepEqual(oursPre.filter((x) => !oursPlain.has(x)), norm(solvPre).filter((x) => !oursPlain.has(x)), `${id} pre-requires`);
}

async function compareRepo(t: import('node:test').TestContext, dir: string, step: number): Promise<number> {
  const tmp = tempDir(t);
  const solv = dumpsolv(primaryOf(dir), tmp);
  const repo = await loadRepo(repoFromUrl(dir, 'r'), { cacheDir: path.join(tmp, 'cache') });
  assert.equal(repo.packages.length, solv.length, 'package count');
  const byKey = new Map(solv.map((s) => [`${s.checksum}`, s]));
  let n = 0;
  for (let i = 0; i < repo.packages.length; i += step) {
    const p = repo.packages[i] as Package;
    const s = byKey.get(p.checksum.value);
    assert.ok(s, `libsolv has no solvable with checksum ${p.checksum.value} (${p.name})`);
    comparePackage(p, s);
    n++;
  }
  // The warm (cached) load must give the very same pool.
  const warm = await loadRepo(repoFromUrl(dir, 'r'), { cacheDir: path.join(tmp, 'cache') });
  assert.deepEqual(plain(warm.packages), plain(repo.packages));
  return n;
}

test('CentOS Stream 9 BaseOS: every package matches libsolv', async (t) => {
  const dir = sharedPath(t, 'data/repodata/centos-stream9-baseos');
  if (!dir || !needTool(t, 'rpmmd2solv', 'dumpsolv')) return;
  assert.equal(await compareRepo(t, dir, 1), 1125);
});

test('CentOS Stream 9 AppStream (17,649 packages, rich deps): sample matches libsolv', async (t) => {
  const dir = sharedPath(t, 'data/repodata/centos-stream9-appstream');
  if (!dir || !needTool(t, 'rpmmd2solv', 'dumpsolv')) return;
  assert.ok((await compareRepo(t, dir, 7)) > 2000);
});

test('openSUSE 11.0 updates: every package matches libsolv; 164 advisories', async (t) => {
  const dir = sharedPath(t, 'data/repodata/opensuse-11.0-update');
  if (!dir || !needTool(t, 'rpmmd2solv', 'dumpsolv')) return;
  assert.equal(await compareRepo(t, dir, 1), 2430);
  const repo = await loadRepo(repoFromUrl(dir, 'r'), { cacheDir: tempDir(t) });
  assert.equal(repo.advisories?.length, 164);
  const a = repo.advisories?.find((x) => x.id === 'xorg-x11-Xvnc');
  assert.ok(a);
  assert.equal(a.type, 'security');
  assert.equal(a.issued, '1213630432');
  assert.ok(a.references.some((r) => r.id === '374318' && r.type === 'bugzilla'));
  assert.ok(a.packages.some((p) => p.name === 'xorg-x11-Xvnc' && p.arch === 'x86_64' && p.filename === 'xorg-x11-Xvnc-7.3-110.2.x86_64.rpm'));
});

test('Debian-derived 63k + 3k repositories: counts match libsolv, sample of fields too', async (t) => {
  if (!needTool(t, 'rpmmd2solv', 'dumpsolv')) return;
  const repos = debianRepos(t);
  if (!repos) return;
  const tmp = tempDir(t);
  for (const dir of [repos.main, repos.updates].filter((d): d is string => Boolean(d && existsSync(d)))) {
    const repo = await loadRepo(repoFromUrl(dir, 'd'), { cacheDir: path.join(tmp, 'cache') });
    assert.equal(repo.packages.length, solvCount(primaryOf(dir), tmp), dir);
  }
  // Field sample on the small updates repo (dumping 63k solvables is slow).
  if (repos.updates) assert.ok((await compareRepo(t, repos.updates, 5)) > 100);
});

test('rich dependencies are parsed into trees', async (t) => {
  const dir = sharedPath(t, 'data/repodata/centos-stream9-appstream');
  if (!dir) return;
  const repo = await loadRepo(repoFromUrl(dir, 'r'), { cacheDir: tempDir(t) });
  const rich = repo.packages.flatMap((p) => [...p.requires, ...p.recommends, ...p.supplements]).filter((d) => d.name.startsWith('('));
  assert.ok(rich.length > 100);
  for (const d of rich) assert.ok(d.rich, `unparsed rich dep ${d.name}`);
  const dec = rich.find((d) => d.name === '(libdecor-0.so.0()(64bit) if libwayland-client)');
  assert.deepEqual(dec?.rich, { op: 'if', args: [{ name: 'libdecor-0.so.0()(64bit)' }, { name: 'libwayland-client' }] });
});

test('the fast primary tokenizer and the saxes parser agree on real repositories', async (t) => {
  const { parsePrimary, decompressChunks } = await import('../../src/repo/index.js');
  const { sortPoolOrder } = await import('../../src/repo/order.js');
  const { readFileSync } = await import('node:fs');
  for (const name of ['centos-stream9-baseos', 'opensuse-11.0-update', 'centos-stream9-appstream']) {
    const dir = sharedPath(t, `data/repodata/${name}`);
    if (!dir) return;
    const fast = await loadRepo(repoFromUrl(dir, 'r'), { cacheDir: tempDir(t) });
    const f = primaryOf(dir);
    const slow = await parsePrimary(decompressChunks(readFileSync(f), 'gz', f, 1e10), { repoId: 'r', what: f });
    // loadRepo hands out the packages in the canonical pool order (repo/order.ts), not the XML's.
    sortPoolOrder(slow.packages);
    assert.deepEqual(plain(fast.packages), plain(slow.packages), name);
  }
});
