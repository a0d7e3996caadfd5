// The reader on the Debian-derived repository (55 rpmbuild-made packages with
// real zstd payloads, hardlinks, symlinks, setuid files, scriptlets): every
// package agrees with rpm -qp, the payload equals rpm2cpio's output byte for
// byte, and every regular file's content matches its header digest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { needTool, tempDir } from '../helpers/env.js';
import { distroRepo } from '../helpers/fixtures.js';
import { formatDep } from '../../src/repo/richdep.js';
import { decompressedPayload, emptyKeyRing, payloadEntries, readRpm, verifyRpm } from '../../src/rpm/index.js';

test('55 real packages: headers, files, deps, payload and file digests agree with rpm', { timeout: 600_000 }, async (t) => {
  if (!needTool(t, 'rpm', 'rpm2cpio')) return;
  const repo = distroRepo(t);
  if (!repo) return;
  const db = tempDir(t);
  const files = readdirSync(repo).filter((f) => f.endsWith('.rpm')).sort();
  assert.ok(files.length >= 40, `${files.length} packages`);
  let totalFiles = 0;
  for (const f of files) {
    const file = path.join(repo, f);
    const q = (...a: string[]) => {
      const r = spawnSync('rpm', ['--dbpath', db, '--nosignature', '--nodigest', '-qp', ...a, file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.split('\n').filter((l) => l !== '');
    };
    const rpm = await readRpm(file);
    assert.deepEqual([rpm.nevra.name, rpm.nevra.epoch === undefined ? '(none)' : String(rpm.nevra.epoch), rpm.nevra.version, rpm.nevra.release, rpm.nevra.arch], q('--qf', '%{NAME}\\n%{EPOCH}\\n%{VERSION}\\n%{RELEASE}\\n%{ARCH}\\n'), f);
    const attrs = q('--qf', '[%{FILENAMES}|%{FILEMODES}|%{LONGFILESIZES}|%{FILEUSERNAME}|%{FILEGROUPNAME}|%{FILEFLAGS}|%{FILEDIGESTS}|%{FILELINKTOS}|%{FILENLINKS}|%{FILECAPS}\\n]').map((l) => l.replace(/\|\(none\)$/, '|'));
    assert.deepEqual(rpm.files.map((x) => [x.path, x.mode, x.size, x.user, x.group, x.flags, x.digest, x.linkTarget, x.nlink, x.caps].join('|')), attrs, `${f}: files`);
    for (const kind of ['requires', 'provides', 'conflicts', 'obsoletes', 'recommends', 'suggests'] as const) {
      assert.deepEqual(rpm.deps[kind].map(formatDep), q(`--${kind}`), `${f}: ${kind}`);
    }
    // Payload bytes equal rpm2cpio's.
    const ref = spawnSync('rpm2cpio', [file], { maxBuffer: 1024 * 1024 * 1024 });
    const h = createHash('sha256');
    for await (const c of decompressedPayload(rpm)) h.update(c);
    assert.equal(h.digest('hex'), createHash('sha256').update(ref.stdout).digest('hex'), `${f}: payload`);
    // Every regular file with data hashes to its header digest; every non-ghost file appears.
    const seen = new Set<number>();
    for await (const e of payloadEntries(rpm)) {
      assert.ok(e.fileIndex !== undefined, `${f}: ${e.path} is in the header`);
      seen.add(e.fileIndex!);
      const x = e.file!;
      if ((x.mode & 0o170000) === 0o100000 && e.size > 0) {
        const fh = createHash(x.digestAlgo);
        for await (const c of e.body) fh.update(c);
        assert.equal(fh.digest('hex'), x.digest, `${f}: ${e.path}`);
      } else for await (const _ of e.body) void _;
    }
    assert.equal(seen.size, rpm.files.filter((x) => !x.ghost).length, `${f}: all files in the archive`);
    totalFiles += rpm.files.length;
    // rpmbuild wrote the digests: all must check out (unsigned, so no signature).
    const v = await verifyRpm(rpm, emptyKeyRing(), { nosignature: true });
    assert.equal(v.ok, true, `${f}: ${v.items.map((i) => `${i.label}: ${i.status}`).join('; ')}`);
  }
  assert.ok(totalFiles > 1000, `${totalFiles} files compared`);
});
