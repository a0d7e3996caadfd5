// yum .repo files: INI syntax as libdnf reads it, dnf variable
// substitution, and every interpreted option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { basearchOf, dnfVars, hostArch, parseRepoFile, parseSeconds, substitute } from '../../src/config/index.js';
import { RpmkitError } from '../../src/errors.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const FOO = path.join(here, 'fixtures', 'yum.repos.d', 'foo.repo');

test('foo.repo: two sections, lists, continuation lines, units, credentials', () => {
  const vars = dnfVars('x86_64', '39.1');
  const [base, upd] = parseRepoFile(readFileSync(FOO, 'utf8'), FOO, vars);
  assert.equal(base.id, 'foo-base');
  assert.equal(base.name, 'Foo 39.1 - Base');
  assert.deepEqual(base.baseurl, []);
  assert.equal(base.metalink, 'https://mirrors.example.org/metalink?repo=foo-39.1&arch=x86_64');
  assert.equal(base.enabled, false);
  assert.equal(base.gpgcheck, true);
  assert.equal(base.repoGpgcheck, false);
  assert.deepEqual(base.gpgkeys, ['file:///etc/pki/rpm-gpg/RPM-GPG-KEY-foo-39-x86_64', 'file:///etc/pki/rpm-gpg/RPM-GPG-KEY-foo-primary']);
  assert.equal(base.metadataExpire, 21600);
  assert.equal(base.options.countme, '1');
  assert.equal(base.options.type, 'rpm');

  assert.equal(upd.id, 'foo-updates');
  assert.deepEqual(upd.baseurl, ['https://a.example.org/foo/updates/39.1/x86_64/', 'https://b.example.org/foo/updates/39.1/x86_64/']);
  assert.equal(upd.enabled, true);
  assert.equal(upd.priority, 10);
  assert.equal(upd.cost, 500);
  assert.deepEqual(upd.includepkgs, ['bash', 'coreutils', 'glibc*']);
  assert.deepEqual(upd.excludepkgs, ['kernel*']);
  assert.equal(upd.metadataExpire, -1);
  assert.equal(upd.username, 'alice');
  assert.equal(upd.password, 's3cret');
  assert.equal(upd.sslverify, true);
});

test('defaults of a minimal section', () => {
  const [r] = parseRepoFile('[m]\nbaseurl=file:///srv/repo\n', 'm.repo', {});
  assert.deepEqual(r, {
    id: 'm',
    baseurl: ['file:///srv/repo'],
    enabled: true,
    gpgcheck: true,
    repoGpgcheck: false,
    gpgkeys: [],
    priority: 99,
    cost: 1000,
    includepkgs: [],
    excludepkgs: [],
    sslverify: true,
    metadataExpire: 172800,
    options: { baseurl: 'file:///srv/repo' },
  });
});

test('booleans as libdnf spells them; last assignment wins; CRLF; [main] ignored', () => {
  const text = '[main]\ngpgcheck=1\r\n\r\n[a]\r\nbaseurl=https://x/\r\nenabled=No\r\ngpgcheck=off\r\nsslverify=TRUE\r\nrepo_gpgcheck=yes\r\nenabled=on\r\npkg_gpgcheck=0\r\n';
  const rs = parseRepoFile(text, 'a.repo', {});
  assert.equal(rs.length, 1);
  const [r] = rs;
  assert.equal(r.enabled, true);
  assert.equal(r.gpgcheck, false);
  assert.equal(r.sslverify, true);
  assert.equal(r.repoGpgcheck, true);
});

test('metadata_expire units', () => {
  const o = (value: string) => ({ key: 'metadata_expire', value, loc: { file: 'f' }, label: 'metadata_expire' });
  const cases: [string, number][] = [['0', 0], ['90', 90], ['90s', 90], ['15m', 900], ['6h', 21600], ['2d', 172800], ['1.5h', 5400], ['never', -1], ['-1', -1], ['7D', 604800]];
  for (const [v, n] of cases) assert.equal(parseSeconds(o(v)), n, v);
  for (const v of ['', 'soon', '-5', '6 hours', 'h']) assert.throws(() => parseSeconds(o(v)), RpmkitError, v);
});

test('variable substitution: $var, ${var}, longest name, unknown kept, defaults', () => {
  const vars = dnfVars('aarch64', '9.3');
  assert.equal(substitute('$releasever/$basearch/$arch', vars), '9.3/aarch64/aarch64');
  assert.equal(substitute('el$releasever_major-$releasever_minor', vars), 'el9-3');
  assert.equal(substitute('${releasever}x/$nosuch/${nosuch}', vars), '9.3x/$nosuch/${nosuch}');
  assert.equal(substitute('${nosuch:-dflt}/${basearch:+set}/${nosuch:+x}', vars), 'dflt/set/');
  assert.equal(substitute('$basearchx', vars), '$basearchx');
  assert.deepEqual(dnfVars('x86_64', '12'), { arch: 'x86_64', basearch: 'x86_64', releasever: '12', releasever_major: '12', releasever_minor: '' });
  assert.deepEqual(dnfVars('i686', undefined), { arch: 'i686', basearch: 'i386' });
});

test('basearch and host arch names', () => {
  const cases: [string, string][] = [['x86_64', 'x86_64'], ['x86_64_v3', 'x86_64'], ['i686', 'i386'], ['i386', 'i386'], ['athlon', 'i386'], ['aarch64', 'aarch64'], ['armv7hl', 'armhfp'], ['ppc64le', 'ppc64le'], ['s390x', 's390x'], ['riscv64', 'riscv64'], ['noarch', 'noarch']];
  for (const [a, b] of cases) assert.equal(basearchOf(a), b, a);
  assert.equal(hostArch('x64'), 'x86_64');
  assert.equal(hostArch('arm64'), 'aarch64');
  assert.equal(hostArch('ia32'), 'i686');
  assert.equal(hostArch('s390x'), 's390x');
  assert.equal(hostArch('loong64'), 'loongarch64');
  assert.match(hostArch(), /^[a-z0-9_]+$/);
});

interface Bad {
  text: string;
  line: number;
  msg: RegExp;
  key?: string;
}
const bad: Bad[] = [
  { text: 'baseurl=https://x/\n', line: 1, msg: /outside of any \[section\]/, key: 'baseurl' },
  { text: '[a\nbaseurl=https://x/\n', line: 1, msg: /malformed section header/ },
  { text: '[a b]\nbaseurl=https://x/\n', line: 1, msg: /invalid repository id/ },
  { text: '[a]\nbaseurl https://x/\n', line: 2, msg: /expected key=value/ },
  { text: '[a]\nbaseurl=https://x/\ngpgcheck=2\n', line: 3, msg: /expected a boolean/, key: '[a] gpgcheck' },
  { text: '[a]\nbaseurl=https://x/\n\nfrobnicate=1\n', line: 4, msg: /unknown repository option "frobnicate"/, key: '[a] frobnicate' },
  { text: '[a]\nbaseurl=https://x/\ncost=-3\n', line: 3, msg: /integer from 0/, key: '[a] cost' },
  { text: '[a]\nbaseurl=/srv/repo\n', line: 2, msg: /expected a URL/, key: '[a] baseurl' },
  { text: '[a]\nname=No URL\nenabled=1\n', line: 1, msg: /no baseurl, metalink or mirrorlist/ },
];

for (const [i, b] of bad.entries()) {
  test(`bad .repo #${i}: ${b.msg.source}`, () => {
    let err: unknown;
    try {
      parseRepoFile(b.text, '/etc/yum.repos.d/t.repo', {});
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof RpmkitError, String(err));
    assert.equal(err.code, 'CONFIG_INVALID');
    assert.match(err.message, b.msg);
    assert.ok(err.message.startsWith(`/etc/yum.repos.d/t.repo:${b.line}:`), err.message);
    const d = err.details as { line: number; key?: string };
    assert.equal(d.line, b.line);
    if (b.key) assert.equal(d.key, b.key);
  });
}
