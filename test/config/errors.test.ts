// Every way a manifest can be wrong gives CONFIG_INVALID (or REPO_UNKNOWN)
// naming the file, the line (and column) and the key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseManifest } from '../../src/config/index.js';
import { RpmkitError } from '../../src/errors.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const REPOS = path.join(here, 'fixtures', 'yum.repos.d');
const opts = { reposDir: REPOS, releasever: '2.0', basearch: 'x86_64' };
const FILE = '/tmp/proj/rpmkit.toml';

interface Case {
  name: string;
  text: string;
  line: number;
  column?: number;
  key?: string;
  msg: RegExp;
  code?: string;
}

const R = 'repositories = ["https://example.org/repo/"]';

const cases: Case[] = [
  { name: 'TOML syntax error', text: `[contents]\n${R}\npackages = ["a",\n  b]\n`, line: 4, column: 3, msg: /invalid TOML/ },
  { name: 'duplicate key (TOML)', text: `[contents]\n${R}\n${R}\n`, line: 3, msg: /invalid TOML/ },
  { name: 'unknown top-level key', text: `[contents]\n${R}\npackages = []\n\n[imgae]\ncmd = []\n`, line: 5, column: 1, key: 'imgae', msg: /unknown key "imgae"/ },
  { name: 'missing [contents]', text: `[image]\ncmd = ["x"]\n`, line: 0, key: 'contents', msg: /missing \[contents\]/ },
  { name: 'unknown contents key', text: `[contents]\n${R}\npackages = ["a"]\nweakdeps = true\n`, line: 4, column: 1, key: 'contents.weakdeps', msg: /unknown key "weakdeps"/ },
  { name: 'docs not a boolean', text: `[contents]\n${R}\npackages = ["a"]\ndocs = "no"\n`, line: 4, key: 'contents.docs', msg: /expected true or false, got the string "no"/ },
  { name: 'packages not an array', text: `[contents]\n${R}\npackages = "bash"\n`, line: 3, key: 'contents.packages', msg: /expected an array of strings/ },
  { name: 'package not a string', text: `[contents]\n${R}\npackages = ["bash",\n  42]\n`, line: 4, column: 3, key: 'contents.packages[1]', msg: /expected a string, got the number 42/ },
  { name: 'empty package', text: `[contents]\n${R}\npackages = ["bash", " "]\n`, line: 3, key: 'contents.packages[1]', msg: /empty string/ },
  { name: 'both weak_deps spellings', text: `[contents]\n${R}\npackages = ["a"]\nweak_deps = true\ninstall_weak_deps = false\n`, line: 5, key: 'contents.install_weak_deps', msg: /both/ },
  { name: 'repository neither URL nor id', text: `[contents]\nrepositories = ["https://ok.example/", "not a repo"]\npackages = ["a"]\n`, line: 2, key: 'contents.repositories[1]', msg: /neither a URL/ },
  { name: 'unknown host repo id', text: `[contents]\nrepositories = ["nosuch"]\npackages = ["a"]\n`, line: 2, key: 'contents.repositories[0]', msg: /unknown repository id "nosuch"/, code: 'REPO_UNKNOWN' },
  {
    name: 'unknown repo table key',
    text: `[contents]\npackages = ["a"]\n\n[[contents.repositories]]\nurl = "https://a.example/"\n\n[[contents.repositories]]\nurl = "https://b.example/"\nprio = 3\n`,
    line: 9,
    column: 1,
    key: 'contents.repositories[1].prio',
    msg: /unknown key "prio"/,
  },
  {
    name: 'bad priority in inline options',
    text: `[contents]\npackages = ["a"]\nrepositories = [\n  "https://a.example/",\n  { id = "b", url = "https://b.example/", options = { gpgcheck = "1", priority = "high" } },\n]\n`,
    line: 5,
    key: 'contents.repositories[1].options.priority',
    msg: /expected an integer from 1 to 99, got "high"/,
  },
  { name: 'priority out of range', text: `[contents]\npackages = ["a"]\n[[contents.repositories]]\nurl = "https://a.example/"\noptions = { priority = 0 }\n`, line: 5, key: 'contents.repositories[0].options.priority', msg: /from 1 to 99, got 0/ },
  { name: 'bad boolean option', text: `[contents]\npackages = ["a"]\n[[contents.repositories]]\nurl = "https://a.example/"\n[contents.repositories.options]\ngpgcheck = "maybe"\n`, line: 6, column: 1, key: 'contents.repositories[0].options.gpgcheck', msg: /expected a boolean, got "maybe"/ },
  { name: 'unknown repo option', text: `[contents]\npackages = ["a"]\n[[contents.repositories]]\nurl = "https://a.example/"\noptions = { gpgchek = "1" }\n`, line: 5, key: 'contents.repositories[0].options.gpgchek', msg: /unknown repository option "gpgchek"/ },
  { name: 'bad metadata_expire', text: `[contents]\npackages = ["a"]\n[[contents.repositories]]\nurl = "https://a.example/"\noptions = { metadata_expire = "6 hours" }\n`, line: 5, key: 'contents.repositories[0].options.metadata_expire', msg: /expected seconds/ },
  { name: 'repo table url not a URL', text: `[contents]\npackages = ["a"]\n[[contents.repositories]]\nid = "x"\nurl = "example.org/repo"\n`, line: 5, key: 'contents.repositories[0].url', msg: /expected a URL or a path/ },
  { name: 'repo table without url', text: `[contents]\npackages = ["a"]\n[[contents.repositories]]\nid = "x"\n`, line: 3, key: 'contents.repositories[0]', msg: /no url, metalink or mirrorlist/ },
  { name: 'duplicate repo id', text: `[contents]\npackages = ["a"]\nrepositories = [{ id = "x", url = "https://a/" }, { id = "x", url = "https://b/" }]\n`, line: 3, key: 'contents.repositories[1]', msg: /already used by repositories\[0\]/ },
  { name: 'invalid repo id', text: `[contents]\npackages = ["a"]\nrepositories = [{ id = "my repo", url = "https://a/" }]\n`, line: 3, key: 'contents.repositories[0].id', msg: /invalid repository id/ },
  { name: 'repo entry of wrong type', text: `[contents]\npackages = ["a"]\nrepositories = [42]\n`, line: 3, key: 'contents.repositories[0]', msg: /expected a URL string or a table/ },
  { name: 'missing local key file', text: `[contents]\n${R}\npackages = ["a"]\ngpgkeys = ["./keys/nope.asc"]\n`, line: 4, key: 'contents.gpgkeys[0]', msg: /key file not found/ },
  { name: 'bare gpgkey name is a missing relative file', text: `[contents]\n${R}\npackages = ["a"]\ngpgkeys = ["KEY"]\n`, line: 4, key: 'contents.gpgkeys[0]', msg: /key file not found: \/tmp\/proj\/KEY/ },
  { name: 'unknown image key', text: `[contents]\n${R}\npackages = ["a"]\n[image]\ncmd = ["x"]\nentry_point = ["y"]\n`, line: 6, column: 1, key: 'image.entry_point', msg: /unknown key "entry_point"/ },
  { name: 'cmd as a string', text: `[contents]\n${R}\npackages = ["a"]\n[image]\ncmd = "bash"\n`, line: 5, key: 'image.cmd', msg: /expected an array of strings/ },
  { name: 'bad exposed port', text: `[contents]\n${R}\npackages = ["a"]\n[image]\nexposed_ports = ["8080/tcp", "http"]\n`, line: 5, key: 'image.exposed_ports[1]', msg: /invalid port "http"/ },
  { name: 'port out of range', text: `[contents]\n${R}\npackages = ["a"]\n[image]\nexposed_ports = ["70000/tcp"]\n`, line: 5, key: 'image.exposed_ports[0]', msg: /invalid port/ },
  { name: 'env value not a string', text: `[contents]\n${R}\npackages = ["a"]\n[image.envs]\nA = "1"\nB = 2\n`, line: 6, column: 1, key: 'image.envs.B', msg: /expected a string, got the number 2/ },
  { name: 'label value not a string (dotted key)', text: `[contents]\n${R}\npackages = ["a"]\n[image]\nlabels.version = 3\n`, line: 5, key: 'image.labels.version', msg: /expected a string/ },
  { name: 'relative volume', text: `[contents]\n${R}\npackages = ["a"]\n[image]\nvolumes = ["data"]\n`, line: 5, key: 'image.volumes[0]', msg: /not an absolute path/ },
  { name: 'both workdir spellings', text: `[contents]\n${R}\npackages = ["a"]\n[image]\nworkdir = "/a"\nworkingdir = "/b"\n`, line: 5, key: 'image.workdir', msg: /both/ },
  { name: 'bad stop signal', text: `[contents]\n${R}\npackages = ["a"]\n[image]\nstop_signal = "TERM now"\n`, line: 5, key: 'image.stop_signal', msg: /invalid signal/ },
  { name: 'user as a table', text: `[contents]\n${R}\npackages = ["a"]\n[image]\nuser = { name = "x" }\n`, line: 5, key: 'image.user', msg: /expected a string, got a table/ },
];

for (const c of cases) {
  test(`error: ${c.name}`, () => {
    let err: unknown;
    try {
      parseManifest(c.text, FILE, opts);
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof RpmkitError, `expected an RpmkitError, got ${String(err)}`);
    assert.equal(err.code, c.code ?? 'CONFIG_INVALID', err.message);
    assert.equal(err.exitCode, 2);
    assert.match(err.message, c.msg);
    const d = err.details as { file: string; line?: number; column?: number; key?: string };
    assert.equal(d.file, FILE);
    if (c.line) {
      assert.equal(d.line, c.line, err.message);
      assert.ok(err.message.startsWith(`${FILE}:${c.line}:`), err.message);
    }
    if (c.column) assert.equal(d.column, c.column, err.message);
    if (c.key) {
      assert.equal(d.key, c.key);
      assert.ok(err.message.includes(c.key), err.message);
    }
    assert.ok(err.hint === undefined || err.hint.length > 0);
  });
}

test('errors in a host .repo file name that file, line and option', () => {
  const bad = path.join(here, 'fixtures', 'bad.repos.d');
  let err: unknown;
  try {
    parseManifest('[contents]\nrepositories = ["broken"]\npackages = ["a"]\n', FILE, { ...opts, reposDir: bad });
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof RpmkitError);
  assert.equal(err.code, 'CONFIG_INVALID');
  const d = err.details as { file: string; line: number; key: string };
  assert.equal(d.file, path.join(bad, 'broken.repo'));
  assert.equal(d.line, 4);
  assert.equal(d.key, '[broken] priority');
  assert.match(err.message, /broken\.repo:4:1: \[broken\] priority: expected an integer/);
});
