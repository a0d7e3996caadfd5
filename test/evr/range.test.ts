// Dependency ranges and EVR/NEVRA parsing. Overlap follows rpm's
// rpmdsCompareEVR/rpmverOverlap, including "a side without a release
// matches any release when it has the EQUAL bit". The differential test
// asks the real rpm: one package Provides "cN OP1 EVR1", another Requires
// "cN OP2 EVR2", and `rpm -U --test` against a throwaway rpmdb lists
// exactly the requirements it finds unsatisfied.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { type DepOp, evrSatisfies, formatEVR, formatNEVRA, opFromSymbol, opSymbol, parseEVR, parseNEVRA, rangesOverlap } from '../../src/evr/index.js';
import { needTool, tempDir } from '../helpers/env.js';
import { evrString, nearEVR, rng } from './gen.js';

type Row = [DepOp | undefined, string | undefined, DepOp | undefined, string | undefined, boolean];

const OVERLAP: Row[] = [
  // a missing release matches any release, on the side that includes EQUAL
  ['GE', '1.0', 'EQ', '1.0-1', true],
  ['LE', '1.0', 'EQ', '1.0-1', true],
  ['EQ', '1.0', 'EQ', '1.0-5', true],
  ['EQ', '1.0-5', 'EQ', '1.0', true],
  ['GT', '1.0', 'EQ', '1.0-1', false],
  ['LT', '1.0', 'EQ', '1.0-1', false],
  ['EQ', '1.0-1', 'GT', '1.0', false],
  ['EQ', '1.0-1', 'EQ', '1.0-2', false],
  ['GE', '1.0-2', 'EQ', '1.0-1', false],
  ['LE', '1.0-1', 'GE', '1.0-1', true],
  ['LT', '1.0-1', 'GT', '1.0-1', false],
  ['LT', '1.0-1', 'LT', '0.1-1', true],
  ['GT', '1.0-1', 'GT', '5-1', true],
  ['LT', '2', 'GT', '1', true],
  ['GT', '2', 'LT', '1', false],
  ['GT', '1', 'LT', '2', true],
  ['LT', '1', 'GT', '2', false],
  // epochs: a missing epoch only loses to a positive one
  ['EQ', '1:1.0', 'EQ', '1.0', false],
  ['EQ', '0:1.0', 'EQ', '1.0', true],
  ['EQ', '00:1.0', 'EQ', '0:1.0', true],
  ['GE', '1.0', 'EQ', '1:0.5', true],
  ['LE', '1.0', 'EQ', '1:0.5', false],
  ['EQ', '2:1', 'EQ', '10:1', false],
  ['GE', '2:1', 'LE', '10:1', true],
  // tilde / caret
  ['GE', '1.0~rc1', 'EQ', '1.0-1', true],
  ['LT', '1.0', 'EQ', '1.0~rc1-1', true],
  ['GE', '1.0', 'EQ', '1.0~rc1-1', false],
  ['GT', '1.0', 'EQ', '1.0^git1-1', true],
  // existence tests and empty EVRs always overlap
  [undefined, undefined, 'EQ', '1.0-1', true],
  ['EQ', '1.0-1', undefined, undefined, true],
  ['LT', '', 'GT', '5', true],
];

test('rangesOverlap table', () => {
  for (const [o1, e1, o2, e2, want] of OVERLAP) {
    assert.equal(rangesOverlap(o1, e1, o2, e2), want, `${o1} ${e1} vs ${o2} ${e2}`);
    assert.equal(rangesOverlap(o2, e2, o1, e1), want, `(swapped) ${o2} ${e2} vs ${o1} ${e1}`);
    if (e1 !== undefined && e2 !== undefined) assert.equal(rangesOverlap(o1, parseEVR(e1), o2, parseEVR(e2)), want, 'EVR objects');
  }
});

test('evrSatisfies: a package EVR against a requirement', () => {
  const pkg = parseEVR('1:2.4.1-3.fc39');
  const cases: [DepOp | undefined, string | undefined, boolean][] = [
    [undefined, undefined, true], ['GE', '2.4', true], ['LT', '3', false], ['GE', '1:2.4', true], ['EQ', '1:2.4.1', true], ['EQ', '1:2.4.1-3.fc39', true],
    ['EQ', '1:2.4.1-4', false], ['LT', '1:2.4.1-4', true], ['GT', '1:2.4.1', false], ['LE', '1:2.4.1', true], ['LT', '2:0', true], ['GT', '0:9', true],
  ];
  // A requirement without epoch loses to a package's positive epoch: 1:2.4.1 satisfies ">= 2.4", not "< 3".
  for (const [op, evr, want] of cases) assert.equal(evrSatisfies(pkg, op, evr), want, `${op} ${evr}`);
});

test('operator symbols', () => {
  for (const op of ['LT', 'LE', 'EQ', 'GE', 'GT'] as DepOp[]) assert.equal(opFromSymbol(opSymbol(op)), op);
  assert.equal(opFromSymbol('=='), 'EQ');
  assert.equal(opFromSymbol('=>'), 'GE');
  assert.equal(opFromSymbol('=<'), 'LE');
  assert.equal(opFromSymbol('!='), undefined);
});

test('parseEVR / formatEVR', () => {
  const cases: [string, { epoch?: string; version: string; release?: string }][] = [
    ['1:2.0-3', { epoch: '1', version: '2.0', release: '3' }],
    ['2.0', { version: '2.0' }],
    ['2.0-3', { version: '2.0', release: '3' }],
    [':2.0', { epoch: '0', version: '2.0' }],
    ['0:2.0-1', { epoch: '0', version: '2.0', release: '1' }],
    ['2.0-3-4', { version: '2.0-3', release: '4' }],
    ['a:1', { version: 'a:1' }],
    ['1.0-', { version: '1.0', release: '' }],
    ['10:1.0~rc1^git2-0.1.fc39', { epoch: '10', version: '1.0~rc1^git2', release: '0.1.fc39' }],
  ];
  for (const [s, want] of cases) assert.deepEqual(parseEVR(s), want, s);
  assert.equal(formatEVR(parseEVR('0:1.0-1')), '1.0-1');
  assert.equal(formatEVR(parseEVR('0:1.0-1'), true), '0:1.0-1');
  assert.equal(formatEVR(parseEVR('3:1.0')), '3:1.0');
  assert.equal(formatEVR({ version: '1' }, true), '1');
});

test('parseNEVRA / formatNEVRA', () => {
  const cases: [string, boolean, ReturnType<typeof parseNEVRA>][] = [
    ['bash-5.2.15-3.fc39.x86_64', true, { name: 'bash', version: '5.2.15', release: '3.fc39', arch: 'x86_64' }],
    ['python3-3.11.6-1.fc39.noarch.rpm', true, { name: 'python3', version: '3.11.6', release: '1.fc39', arch: 'noarch' }],
    ['glibc-langpack-en-2.38-14.fc39.x86_64', true, { name: 'glibc-langpack-en', version: '2.38', release: '14.fc39', arch: 'x86_64' }],
    ['foo-1:2.0-3.el9.aarch64', true, { name: 'foo', epoch: '1', version: '2.0', release: '3.el9', arch: 'aarch64' }],
    ['1:foo-2.0-3.el9.aarch64', true, { name: 'foo', epoch: '1', version: '2.0', release: '3.el9', arch: 'aarch64' }],
    ['foo-2.0-3.el9.src', true, { name: 'foo', version: '2.0', release: '3.el9', arch: 'src' }],
    ['foo-1.0-1.fc39', false, { name: 'foo', version: '1.0', release: '1.fc39' }],
    ['foo-1.0-1.fc39.x86_64', false, { name: 'foo', version: '1.0', release: '1.fc39', arch: 'x86_64' }],
    ['foo-1.0-1', true, undefined],
    ['foo', false, undefined],
    ['foo-1.x86_64', true, undefined],
    ['-1.0-1.noarch', true, undefined],
    ['1:foo-2:2.0-1.noarch', true, undefined],
  ];
  for (const [s, req, want] of cases) assert.deepEqual(parseNEVRA(s, req), want, s);
  assert.equal(formatNEVRA({ name: 'foo', epoch: '0', version: '1', release: '2', arch: 'noarch' }), 'foo-1-2.noarch');
  assert.equal(formatNEVRA({ name: 'foo', epoch: '3', version: '1', release: '2', arch: 'noarch' }), 'foo-3:1-2.noarch');
  assert.equal(formatNEVRA({ name: 'foo', version: '1', release: '2' }), 'foo-1-2');
});

test('parseEVR splits exactly as rpm.ver does on 3000 generated strings', (t) => {
  if (!needTool(t, 'rpm')) return;
  const r = rng(99);
  const evrs = Array.from({ length: 3000 }, () => (r() < 0.5 ? evrString(r) : nearEVR(r, evrString(r))));
  const dir = tempDir(t);
  const file = path.join(dir, 'evrs.txt');
  writeFileSync(file, evrs.map((e) => `${e}\n`).join(''));
  const lua = `%{lua: local t={} for l in io.lines("${file}") do local v=rpm.ver(l); t[#t+1]=tostring(v.e).."|"..v.v.."|"..tostring(v.r) end print(table.concat(t,"\\n"))}`;
  const res = spawnSync('rpm', ['--eval', lua], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(res.status, 0, res.stderr);
  const got = res.stdout.trimEnd().split('\n');
  assert.equal(got.length, evrs.length);
  const bad: string[] = [];
  evrs.forEach((s, i) => {
    const e = parseEVR(s);
    const ours = `${e.epoch ?? 'nil'}|${e.version}|${e.release ?? 'nil'}`;
    if (ours !== got[i]) bad.push(`${s}: rpm ${got[i]}, ours ${ours}`);
  });
  assert.deepEqual(bad.slice(0, 20), []);
});

const OPS: DepOp[] = ['LT', 'LE', 'EQ', 'GE', 'GT'];

function spec(name: string, tag: 'Provides' | 'Requires', deps: string[]): string {
  return `Name: ${name}\nVersion: 1\nRelease: 1\nSummary: overlap test\nLicense: MIT\nBuildArch: noarch\nAutoReqProv: no\n${deps.map((d) => `${tag}: ${d}\n`).join('')}%description\noverlap test\n%files\n`;
}

test('rangesOverlap agrees with rpm on 600 generated Provides/Requires pairs', (t) => {
  if (!needTool(t, 'rpm', 'rpmbuild')) return;
  const r = rng(5150);
  const rows: { o1: DepOp; e1: string; o2: DepOp; e2: string }[] = [];
  for (let i = 0; i < 600; i++) {
    // rpmbuild refuses ".." in dependency EVRs.
    const e1 = evrString(r, true).replace(/\.\.+/g, '.');
    const e2 = (r() < 0.8 ? nearEVR(r, e1, true) : evrString(r, true)).replace(/\.\.+/g, '.');
    rows.push({ o1: OPS[Math.floor(r() * 5)], e1, o2: OPS[Math.floor(r() * 5)], e2 });
  }
  const dir = tempDir(t);
  const top = path.join(dir, 'top');
  mkdirSync(top);
  const build = (name: string, text: string) => {
    const f = path.join(dir, `${name}.spec`);
    writeFileSync(f, text);
    const b = spawnSync('rpmbuild', ['-bb', '--quiet', '--define', `_topdir ${top}`, '--define', '_build_id_links none', f], { encoding: 'utf8' });
    assert.equal(b.status, 0, b.stderr);
  };
  build('ovlprov', spec('ovlprov', 'Provides', rows.map((x, i) => `c${i} ${opSymbol(x.o1)} ${x.e1}`)));
  build('ovlcons', spec('ovlcons', 'Requires', rows.map((x, i) => `c${i} ${opSymbol(x.o2)} ${x.e2}`)));
  const rpms = path.join(top, 'RPMS', 'noarch');
  const file = (n: string) => path.join(rpms, readdirSync(rpms).find((f) => f.startsWith(`${n}-`))!);
  const db = path.join(dir, 'db');
  mkdirSync(db);
  const rpm = (args: string[]) => spawnSync('rpm', ['--dbpath', db, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  let res = rpm(['--initdb']);
  assert.equal(res.status, 0, res.stderr);
  res = rpm(['-i', '--justdb', '--nodeps', '--nosignature', '--ignorearch', '--ignoreos', file('ovlprov')]);
  if (res.status !== 0) return t.skip(`rpm cannot write a private rpmdb here: ${res.stderr.trim()}`);
  res = rpm(['-U', '--test', '--nosignature', file('ovlcons')]);
  const unmet = new Set<number>();
  for (const m of res.stderr.matchAll(/^\s+c(\d+) .* is needed by ovlcons/gm)) unmet.add(Number(m[1]));
  assert.ok(res.status === 0 || unmet.size > 0, res.stderr);
  const bad: string[] = [];
  let overlaps = 0;
  rows.forEach((x, i) => {
    const ours = rangesOverlap(x.o1, x.e1, x.o2, x.e2);
    if (ours) overlaps++;
    if (ours === unmet.has(i)) bad.push(`provides ${opSymbol(x.o1)} ${x.e1} / requires ${opSymbol(x.o2)} ${x.e2}: rpm ${!unmet.has(i)}, ours ${ours}`);
  });
  assert.deepEqual(bad.slice(0, 20), []);
  // The sample must exercise both answers.
  assert.ok(overlaps > 100 && overlaps < 550, `overlapping pairs: ${overlaps}`);
});
