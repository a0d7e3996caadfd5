// The capability index stored in cache segments (src/repo/capindex.ts): a
// pool over cache-decoded packages must answer whatProvides exactly as a
// pool over the same packages as plain objects (which builds its own
// index), on hand-made edge cases and on CentOS Stream 9's real repodata;
// and a damaged index is a corrupt cache entry, not a wrong answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { parseEVR } from '../../src/evr/index.js';
import { RpmkitError } from '../../src/errors.js';
import { assemblePool, decodePool } from '../../src/repo/cache.js';
import { encodePool } from '../../src/repo/poolwriter.js';
import type { PoolMeta } from '../../src/repo/poolformat.js';
import { parsePrimary, plainPackage } from '../../src/repo/index.js';
import type { Dep, Package } from '../../src/repo/types.js';
import { Pool } from '../../src/solver/pool.js';
import { parseTestcaseDep } from '../../src/solver/testcase.js';
import { sharedPath } from '../helpers/env.js';

const META: PoolMeta = { repoId: 'r', repomdChecksum: 'x', baseUrl: '', packageCount: 0, dataTypes: [] };
const OPTS = { arches: ['x86_64'], implicitObsoleteUsesColors: true, installonly: [] };

function pkg(nevra: string, provides: string[] = []): Package {
  const m = /^(.+)-([^-]+)-([^-]+)\.([^.]+)$/.exec(nevra)!;
  const evr = parseEVR(m[2]);
  const none: Dep[] = [];
  return {
    name: m[1], epoch: evr.epoch ?? '0', version: evr.version, release: m[3], arch: m[4], repoId: 'r', location: `${nevra}.rpm`,
    checksum: { type: 'sha256', value: '' }, size: { package: 1, installed: 1, archive: 1 }, time: { file: 0, build: 0 },
    provides: provides.map((s) => parseTestcaseDep(s.replace(/ (or|and) /g, (_, op: string) => ` <${op.toUpperCase()}> `))),
    requires: none, conflicts: none, obsoletes: none, recommends: none, suggests: none, supplements: none, enhances: none, files: [],
  };
}

/**
 * Per capability name: unversioned, the first versioned provide of it, and
 * versions around it (a missing name too). Of a package's provides only the
 * first 200: a versioned question reads every provide of every provider, and
 * kernel-core alone has 15k kernel(...) symbols.
 */
function questions(pkgs: Package[]): Dep[] {
  const out: Dep[] = [{ name: 'nothing-has-this' }, { name: '' }];
  const seen = new Set<string>();
  const ask = (d: Dep) => {
    if (seen.has(d.name)) return;
    seen.add(d.name);
    out.push({ name: d.name }, { name: d.name, op: 'GT', evr: { version: '1' } }, { name: d.name, op: 'LT', evr: { version: '1' } }, { name: `${d.name}x` });
    if (d.op) out.push(d);
  };
  for (const p of pkgs) {
    ask({ name: p.name, op: 'EQ', evr: { version: p.version, release: p.release } });
    for (const d of p.provides.slice(0, 200)) if (!d.rich) ask(d);
  }
  return out;
}

function samePools(cached: Package[], plain: Package[]): void {
  assert.ok(cached.every((p) => 'segment' in p), 'the packages come from a cache segment');
  const a = new Pool([{ repo: { id: 'r', prio: 0, subprio: 0 }, packages: cached }], OPTS);
  const b = new Pool([{ repo: { id: 'r', prio: 0, subprio: 0 }, packages: plain }], OPTS);
  for (const q of questions(plain)) {
    const x = a.whatProvides(q);
    const y = b.whatProvides(q);
    if (x.length !== y.length || x.some((v, i) => v !== y[i])) assert.deepEqual(x, y, JSON.stringify(q));
    assert.equal(a.hasCapability(q.name), b.hasCapability(q.name), q.name);
  }
}

test('cache-decoded packages answer whatProvides as plain ones: duplicates, rich provides, UTF-8, several segments', () => {
  const pkgs = [
    pkg('a-1-1.x86_64', ['cap = 1', 'cap = 2', 'cap', 'a']),
    pkg('b-2-1.noarch', ['cap > 1', '(x or y)', 'ünïcödé = 3', 'libfoo.so.1()(64bit)']),
    pkg('c-1:3-1.x86_64', ['(broken', 'b']),
    pkg('日本-1-1.x86_64', ['ünïcödé']),
  ];
  samePools(decodePool(encodePool(META, pkgs)).packages, pkgs);
  // Two segments (as two parser threads write them), packages interleaved back into document order.
  const s1 = encodePool(META, [pkgs[0]!, pkgs[2]!]);
  const s2 = encodePool(META, [pkgs[1]!, pkgs[3]!]);
  const both = assemblePool({ ...META, packageCount: 4 }, undefined, [s1, s2], [0, 1, 1, 1, 0, 1, 1, 1]).packages;
  samePools(both, pkgs);
});

test('a pool mixing cache-decoded and plain packages (local RPMs) sees both', () => {
  const cached = decodePool(encodePool(META, [pkg('a-1-1.x86_64', ['cap = 1'])])).packages;
  const local = pkg('b-1-1.x86_64', ['cap = 2']);
  const pool = new Pool([{ repo: { id: 'r', prio: 0, subprio: 0 }, packages: cached }, { repo: { id: '@commandline', prio: 1, subprio: 0 }, packages: [local] }], OPTS);
  assert.deepEqual(pool.whatProvides({ name: 'cap' }), [1, 2]);
  assert.deepEqual(pool.whatProvides({ name: 'cap', op: 'GE', evr: { version: '2' } }), [2]);
});

test('CentOS Stream 9 BaseOS: the stored index gives the same providers as the built one', async (t) => {
  const dir = sharedPath(t, 'data/repodata/centos-stream9-baseos');
  if (!dir) return;
  const repodata = path.join(dir, 'repodata');
  const { readdirSync } = await import('node:fs');
  const primary = readdirSync(repodata).find((f) => f.endsWith('primary.xml.gz'))!;
  const chunks = Readable.from([readFileSync(path.join(repodata, primary))]).pipe(createGunzip());
  const parsed = (await parsePrimary(chunks, { repoId: 'baseos', what: primary })).packages;
  const cached = decodePool(encodePool(META, parsed)).packages;
  assert.ok(cached.length > 1000);
  samePools(cached, cached.map(plainPackage));
});

test('a damaged capability index is a corrupt cache entry', () => {
  const good = encodePool(META, [pkg('a-1-1.x86_64', ['cap = 1']), pkg('b-1-1.x86_64', ['cap'])]);
  const section = (i: number) => ({ off: good.readUInt32LE(8 + i * 8), len: good.readUInt32LE(12 + i * 8) });
  const damage = (i: number, word: number, value: number) => {
    const b = Buffer.from(good);
    b.writeUInt32LE(value, section(i).off + word * 4);
    return b;
  };
  assert.equal(decodePool(good).packages.length, 2);
  const cases: [string, Buffer][] = [
    ['capability name out of range', damage(7, 0, 0xffffff)],
    ['hash slot out of range', damage(8, 0, 0xffff)],
    ['offsets not ascending', damage(9, 1, 0xffff)],
    ['provider out of range', damage(10, 0, 7)],
    ['section table cut short', Buffer.concat([good.subarray(0, 8), Buffer.from([40, 0, 0, 0]), good.subarray(12)])],
  ];
  for (const [why, bad] of cases) {
    assert.throws(() => decodePool(bad), (e: unknown) => e instanceof RpmkitError && e.code === 'METADATA_INVALID', why);
  }
});
