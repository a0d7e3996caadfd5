// resolve() behaviour on small hand-made pools: spec forms, policy (repo
// priority, cost, arch, newest EVR), excludes, weak deps, installonly,
// problems with chains and suggestions, filelists on demand, determinism
// under shuffled input, and install order. The big differential tests
// (libsolv, dnf) live beside this file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEVR } from '../../src/evr/index.js';
import type { Dep, Package, Repo } from '../../src/repo/types.js';
import { explainWhy, installOrder, resolve, type Resolution } from '../../src/solver/index.js';
import { parseTestcaseDep } from '../../src/solver/testcase.js';

function dep(s: string): Dep {
  return parseTestcaseDep(s.replace(/ (and|or|if|else|unless|with|without) /g, (_, op: string) => ` <${op.toUpperCase()}> `));
}

function pkg(nevra: string, deps: Partial<Record<'requires' | 'prereq' | 'provides' | 'conflicts' | 'obsoletes' | 'recommends' | 'supplements', string[]>> = {}, files: string[] = []): Package {
  const m = /^(.+)-([^-]+)-([^-]+)\.([^.]+)$/.exec(nevra)!;
  const evr = parseEVR(m[2]);
  return {
    name: m[1],
    epoch: evr.epoch ?? '0',
    version: evr.version,
    release: m[3],
    arch: m[4],
    repoId: '',
    location: `${nevra}.rpm`,
    checksum: { type: 'sha256', value: '' },
    size: { package: 1, installed: 1, archive: 1 },
    time: { file: 0, build: 0 },
    provides: (deps.provides ?? []).map(dep),
    requires: [...(deps.requires ?? []).map(dep), ...(deps.prereq ?? []).map((s) => ({ ...dep(s), pre: true }))],
    conflicts: (deps.conflicts ?? []).map(dep),
    obsoletes: (deps.obsoletes ?? []).map(dep),
    recommends: (deps.recommends ?? []).map(dep),
    suggests: [],
    supplements: (deps.supplements ?? []).map(dep),
    enhances: [],
    files,
  };
}

function repo(id: string, pkgs: Package[], o: { priority?: number; cost?: number; filelists?: Record<string, string[]> } = {}): Repo {
  for (const p of pkgs) p.repoId = id;
  const r: Repo = {
    id,
    baseUrl: `file:///${id}`,
    priority: o.priority ?? 99,
    cost: o.cost ?? 1000,
    repomdChecksum: id,
    packages: pkgs,
    filelistsLoaded: !o.filelists,
    async loadFilelists() {
      if (r.filelistsLoaded) return;
      for (const p of r.packages) p.files = [...p.files, ...(o.filelists?.[p.name] ?? [])];
      r.filelistsLoaded = true;
    },
  };
  return r;
}

const names = (r: Resolution) => {
  assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.problems.map((p) => [p.kind, p.dep, p.package?.name])));
  return r.packages.map((p) => `${p.name}-${p.version}-${p.release}.${p.arch}@${p.repoId}`);
};

test('spec forms: name, NEVRA, name-version, epoch, name.arch, capability, versioned capability, file, glob', async () => {
  const base = () =>
    repo('r', [
      pkg('foo-1.0-1.x86_64', { provides: ['perl(Foo) = 1.0', 'libfoo.so.1()(64bit)'] }, ['/usr/bin/foo']),
      pkg('foo-2.0-1.x86_64', { provides: ['perl(Foo) = 2.0', 'libfoo.so.1()(64bit)'] }, ['/usr/bin/foo']),
      pkg('foo-devel-2.0-1.x86_64', { requires: ['foo = 2.0-1'] }),
      pkg('bar-3:1.5-2.noarch'),
    ]);
  const r = [base()];
  const one = async (spec: string) => names(await resolve(r, { install: [spec], arch: 'x86_64' }));
  assert.deepEqual(await one('foo'), ['foo-2.0-1.x86_64@r']);
  assert.deepEqual(await one('foo-1.0'), ['foo-1.0-1.x86_64@r']);
  assert.deepEqual(await one('foo-1.0-1'), ['foo-1.0-1.x86_64@r']);
  assert.deepEqual(await one('foo-1.0-1.x86_64'), ['foo-1.0-1.x86_64@r']);
  assert.deepEqual(await one('foo.x86_64'), ['foo-2.0-1.x86_64@r']);
  assert.deepEqual(await one('bar-3:1.5-2'), ['bar-1.5-2.noarch@r']);
  assert.deepEqual(await one('3:bar-1.5-2.noarch'), ['bar-1.5-2.noarch@r']);
  assert.deepEqual(await one('perl(Foo)'), ['foo-2.0-1.x86_64@r']);
  assert.deepEqual(await one('perl(Foo) < 2'), ['foo-1.0-1.x86_64@r']);
  assert.deepEqual(await one('libfoo.so.1()(64bit)'), ['foo-2.0-1.x86_64@r']);
  assert.deepEqual(await one('/usr/bin/foo'), ['foo-2.0-1.x86_64@r']);
  assert.deepEqual(await one('foo-d*'), ['foo-2.0-1.x86_64@r', 'foo-devel-2.0-1.x86_64@r']);
  assert.deepEqual(names(await resolve(r, { install: [] })), []);
  const nf = await resolve(r, { install: ['fooo'] });
  assert.ok(!nf.ok);
  assert.equal(nf.problems[0].kind, 'not-found');
  assert.match(nf.problems[0].suggestions.join(), /foo/);
});

test('policy: repo priority per name (dnf), cost, newest EVR, arch, ties by name', async () => {
  const hi = repo('hi', [pkg('a-1-1.x86_64'), pkg('c-1-1.noarch')], { priority: 10 });
  const lo = repo('lo', [pkg('a-9-1.x86_64'), pkg('b-1-1.x86_64', { requires: ['a'] })], { priority: 50 });
  assert.deepEqual(names(await resolve([lo, hi], { install: ['b'] })), ['a-1-1.x86_64@hi', 'b-1-1.x86_64@lo']);
  // Equal priority: newest wins; equal EVR: lower cost wins.
  const r1 = repo('r1', [pkg('a-1-1.x86_64')], { cost: 500 });
  const r2 = repo('r2', [pkg('a-1-1.x86_64')], { cost: 100 });
  assert.deepEqual(names(await resolve([r1, r2], { install: ['a'] })), ['a-1-1.x86_64@r2']);
  // Arch policy: x86_64 + noarch by default; i686 only when asked.
  const m = repo('m', [pkg('lib-1-1.i686', { provides: ['libx.so.1'] }), pkg('lib-1-1.x86_64', { provides: ['libx.so.1()(64bit)'] }), pkg('app-1-1.x86_64', { requires: ['libx.so.1()(64bit)'] })]);
  assert.deepEqual(names(await resolve([m], { install: ['app'], arch: 'x86_64' })), ['app-1-1.x86_64@m', 'lib-1-1.x86_64@m']);
  assert.deepEqual(names(await resolve([m], { install: ['lib.i686'], arch: 'x86_64' })), ['lib-1-1.i686@m']);
  const only32 = await resolve([m], { install: ['libx.so.1'], arch: 'x86_64' });
  assert.ok(!only32.ok);
  assert.equal(only32.problems[0].kind, 'only-excluded');
  assert.deepEqual(names(await resolve([m], { install: ['libx.so.1', 'app'], arch: 'x86_64', multilib: true })), ['app-1-1.x86_64@m', 'lib-1-1.i686@m', 'lib-1-1.x86_64@m']);
  // Alternatives: strcmp order of names, as libsolv.
  const alt = repo('alt', [pkg('x-1-1.noarch', { requires: ['mta'] }), pkg('postfix-1-1.x86_64', { provides: ['mta'] }), pkg('exim-1-1.x86_64', { provides: ['mta'] })]);
  assert.deepEqual(names(await resolve([alt], { install: ['x'] })), ['exim-1-1.x86_64@alt', 'x-1-1.noarch@alt']);
  // ... unless something chosen recommends the other one.
  alt.packages[0].recommends.push(dep('postfix'));
  assert.deepEqual(names(await resolve([alt], { install: ['x'] })), ['postfix-1-1.x86_64@alt', 'x-1-1.noarch@alt']);
});

test('rich dependencies: or, if/else, unless, with/without, nested', async () => {
  const r = repo('r', [
    pkg('a-1-1.noarch', { requires: ['(b or c)', '((d if e else f) and (g unless h))'] }),
    pkg('b-1-1.noarch'),
    pkg('c-1-1.noarch'),
    pkg('d-1-1.noarch'),
    pkg('e-1-1.noarch'),
    pkg('f-1-1.noarch'),
    pkg('g-1-1.noarch'),
    pkg('h-1-1.noarch'),
    pkg('w-1-1.noarch', { requires: ['(p with q)'] }),
    pkg('p1-1-1.noarch', { provides: ['p'] }),
    pkg('p2-1-1.noarch', { provides: ['p', 'q'] }),
    pkg('v-1-1.noarch', { requires: ['(p without q)'] }),
  ]);
  // libsolv decides the clause (e or f) by name, so e (the condition) comes in, then d.
  assert.deepEqual(names(await resolve([r], { install: ['a'] })), ['a-1-1.noarch@r', 'b-1-1.noarch@r', 'd-1-1.noarch@r', 'e-1-1.noarch@r', 'g-1-1.noarch@r']);
  assert.deepEqual(names(await resolve([r], { install: ['a'], exclude: ['e'] })), ['a-1-1.noarch@r', 'b-1-1.noarch@r', 'f-1-1.noarch@r', 'g-1-1.noarch@r']);
  assert.deepEqual(names(await resolve([r], { install: ['a', 'h'] })), ['a-1-1.noarch@r', 'b-1-1.noarch@r', 'd-1-1.noarch@r', 'e-1-1.noarch@r', 'h-1-1.noarch@r']);
  assert.deepEqual(names(await resolve([r], { install: ['a', 'c'], exclude: ['b'] })), ['a-1-1.noarch@r', 'c-1-1.noarch@r', 'd-1-1.noarch@r', 'e-1-1.noarch@r', 'g-1-1.noarch@r']);
  assert.deepEqual(names(await resolve([r], { install: ['w'] })), ['p2-1-1.noarch@r', 'w-1-1.noarch@r']);
  assert.deepEqual(names(await resolve([r], { install: ['v'] })), ['p1-1-1.noarch@r', 'v-1-1.noarch@r']);
});

test('conflicts and obsoletes against packages to be installed; a CDCL backjump finds the other alternative', async () => {
  const r = repo('r', [pkg('a-1-1.noarch', { conflicts: ['b'] }), pkg('b-1-1.noarch'), pkg('n-2-1.noarch', { obsoletes: ['o < 2'] }), pkg('o-1-1.noarch')]);
  const c = await resolve([r], { install: ['a', 'b'] });
  assert.ok(!c.ok);
  assert.equal(c.problems[0].kind, 'conflicts');
  assert.deepEqual([c.problems[0].package?.name, c.problems[0].other?.name], ['a', 'b']);
  const o = await resolve([r], { install: ['n', 'o'] });
  assert.ok(!o.ok);
  assert.equal(o.problems[0].kind, 'obsoletes');
  // x needs (y1 or y2); y1 (preferred by name) needs z1, which conflicts with w, also requested.
  const s = repo('s', [pkg('x-1-1.noarch', { requires: ['y'] }), pkg('y1-1-1.noarch', { provides: ['y'], requires: ['z1'] }), pkg('y2-1-1.noarch', { provides: ['y'] }), pkg('z1-1-1.noarch', { conflicts: ['w'] }), pkg('w-1-1.noarch')]);
  assert.deepEqual(names(await resolve([s], { install: ['x', 'w'] })), ['w-1-1.noarch@s', 'x-1-1.noarch@s', 'y2-1-1.noarch@s']);
});

test('nothing provides: chain from the spec, exclusions named, several problems reported', async () => {
  const r = repo('r', [pkg('top-1-1.noarch', { requires: ['mid'] }), pkg('mid-1-1.noarch', { requires: ['libgone.so.2'] }), pkg('gone-1-1.x86_64', { provides: ['libgone.so.2'] }), pkg('solo-1-1.noarch', { requires: ['nothing-at-all'] })]);
  const res = await resolve([r], { install: ['top', 'solo'], exclude: ['gone'] });
  assert.ok(!res.ok);
  const np = res.problems.filter((p) => p.kind === 'nothing-provides');
  assert.equal(np.length, 2);
  const top = np.find((p) => p.specs.includes('top'))!;
  assert.equal(top.dep, 'libgone.so.2');
  assert.deepEqual(top.chain, ['top', 'top-1-1.noarch', 'mid-1-1.noarch']);
  assert.match(top.excluded?.[0].reason ?? '', /excluded by gone/);
  assert.ok(top.suggestions.some((s) => s.includes('--exclude')));
});

test('weak deps only when asked: Recommends and reverse Supplements', async () => {
  const r = repo('r', [pkg('app-1-1.noarch', { recommends: ['extra'] }), pkg('extra-1-1.noarch'), pkg('app-lang-1-1.noarch', { supplements: ['app'] })]);
  assert.deepEqual(names(await resolve([r], { install: ['app'] })), ['app-1-1.noarch@r']);
  const w = await resolve([r], { install: ['app'], weakDeps: true });
  assert.deepEqual(names(w), ['app-1-1.noarch@r', 'app-lang-1-1.noarch@r', 'extra-1-1.noarch@r']);
  assert.ok(w.ok);
  assert.equal(explainWhy(w, 'extra')[1].reason.kind, 'recommends');
  assert.equal(explainWhy(w, 'app-lang')[1].reason.kind, 'supplements');
});

test('installonly packages (kernel) may be requested in several versions; others may not', async () => {
  const r = repo('r', [pkg('kernel-6.1-1.x86_64'), pkg('kernel-6.2-1.x86_64'), pkg('tool-1-1.x86_64'), pkg('tool-2-1.x86_64')]);
  assert.deepEqual(names(await resolve([r], { install: ['kernel-6.1-1', 'kernel-6.2-1'] })), ['kernel-6.1-1.x86_64@r', 'kernel-6.2-1.x86_64@r']);
  const t = await resolve([r], { install: ['tool-1-1', 'tool-2-1'] });
  assert.ok(!t.ok);
  assert.equal(t.problems[0].kind, 'same-name');
});

test('file dependencies missing from primary data load filelists, only then', async () => {
  const r = repo('r', [pkg('app-1-1.noarch', { requires: ['/usr/libexec/helper'] }), pkg('helper-1-1.x86_64')], { filelists: { helper: ['/usr/libexec/helper'] } });
  const plain = repo('p', [pkg('z-1-1.noarch')], { filelists: { z: ['/z'] } });
  assert.deepEqual(names(await resolve([plain], { install: ['z'] })), ['z-1-1.noarch@p']);
  assert.equal(plain.filelistsLoaded, false);
  assert.deepEqual(names(await resolve([r], { install: ['app'] })), ['app-1-1.noarch@r', 'helper-1-1.x86_64@r']);
  assert.equal(r.filelistsLoaded, true);
});

test('deterministic whatever the order of repositories and packages', async () => {
  const mk = (reverse: boolean) => {
    const a = [pkg('x-1-1.noarch', { requires: ['y', 'z'] }), pkg('y1-1-1.noarch', { provides: ['y'] }), pkg('y2-1-1.noarch', { provides: ['y'], requires: ['z'] })];
    const b = [pkg('z-1-1.noarch'), pkg('z-2-1.noarch'), pkg('q-1-1.noarch', { provides: ['y'] }), pkg('y1-1-1.noarch', { provides: ['y'] })];
    const repos = [repo('a', reverse ? a.reverse() : a), repo('b', reverse ? b.reverse() : b)];
    return reverse ? repos.reverse() : repos;
  };
  const first = names(await resolve(mk(false), { install: ['x'] }));
  assert.deepEqual(names(await resolve(mk(true), { install: ['x'] })), first);
  assert.deepEqual(first, ['q-1-1.noarch@b', 'x-1-1.noarch@a', 'z-2-1.noarch@b']);
});

test('install order: Requires(pre) first, loops broken by dropping plain requires', () => {
  const p = [pkg('app-1-1.noarch', { requires: ['lib'] }), pkg('lib-1-1.noarch', { prereq: ['shell'], requires: ['app'] }), pkg('shell-1-1.noarch', { requires: ['lib'] }), pkg('base-1-1.noarch')];
  const order = installOrder(p).map((x) => x.name);
  // shell <-> lib <-> app is one loop; lib's Requires(pre) on shell must hold.
  assert.ok(order.indexOf('shell') < order.indexOf('lib'), order.join(' '));
  assert.equal(order.length, 4);
  const chain = installOrder([pkg('c-1-1.noarch', { requires: ['b'] }), pkg('b-1-1.noarch', { requires: ['a'] }), pkg('a-1-1.noarch')]).map((x) => x.name);
  assert.deepEqual(chain, ['a', 'b', 'c']);
});
