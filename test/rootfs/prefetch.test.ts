// loadInOrder and loadPackage: packages handed over in order, started
// ahead within a package and byte budget, their digest checks one after
// another, and skipped for packages whose signature check did them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { sharedPath, tempDir } from '../helpers/env.js';
import { loadInOrder, loadPackage, type LoadedPackage } from '../../src/rootfs/prefetch.js';
import { installInputs, prepareLocked } from '../../src/pipeline/index.js';
import { loadKeys, readRpm, type RpmFile } from '../../src/rpm/index.js';
import { RpmkitError } from '../../src/errors.js';

const MB = 1024 * 1024;

/** Files of the given decoded sizes, and a loader that records what was started when. */
function setup(sizes: (number | undefined)[]) {
  const files = sizes.map((s, i) => ({ file: `p${i}.rpm`, rpm: (s === undefined ? undefined : { archiveSize: s, path: `p${i}.rpm` }) as RpmFile | undefined }));
  const log: string[] = [];
  const verifyDone: (() => void)[] = [];
  const verifyFail: (() => void)[] = [];
  const load = (f: { file: string; rpm?: RpmFile }, o: { after?: Promise<unknown> } = {}): Promise<LoadedPackage> => {
    log.push(`start ${f.file}`);
    let done!: () => void;
    let fail!: () => void;
    const mine = new Promise<void>((r, j) => ((done = r), (fail = () => j(new Error(`${f.file} is corrupt`)))));
    mine.catch(() => {});
    verifyDone.push(done);
    verifyFail.push(fail);
    // The check itself may only begin once the one before it has ended.
    const check = () => {
      log.push(`check ${f.file}`);
      return mine;
    };
    const verified = (o.after ?? Promise.resolve()).then(check, check);
    verified.catch(() => {}); // as loadPackage does: surfaced when awaited
    return Promise.resolve({ rpm: f.rpm ?? ({ path: f.file } as RpmFile), verified, entries: async function* () {} });
  };
  return { files, log, verifyDone, verifyFail, load };
}

test('one package ahead at least; more while they fit the byte budget and the package count', async () => {
  const { files, log, verifyDone, load } = setup([10 * MB, 50 * MB, 50 * MB, 1 * MB, 1 * MB, 1 * MB]);
  const it = loadInOrder(files, { packages: 3, bytes: 100 * MB }, {}, load);
  const first = await it.next();
  assert.equal(first.value!.rpm.path, 'p0.rpm');
  // Started: p0 (10), p1 (50), then p2 would make 110 MB > 100: stop. p0 was
  // handed over, so its bytes no longer count, and p2 fits (100 MB).
  assert.deepEqual(log.filter((l) => l.startsWith('start')), ['start p0.rpm', 'start p1.rpm', 'start p2.rpm']);
  const second = await it.next();
  assert.equal(second.value!.rpm.path, 'p1.rpm');
  // p1 handed over: p2 (50) + p3 (1) + p4 (1) = 52 MB, but 3 packages at most.
  assert.deepEqual(log.filter((l) => l.startsWith('start')).slice(3), ['start p3.rpm', 'start p4.rpm']);
  for (const d of verifyDone) d();
  const rest: string[] = [];
  for await (const p of it) rest.push(p.rpm.path);
  assert.deepEqual(rest, ['p2.rpm', 'p3.rpm', 'p4.rpm', 'p5.rpm']);
});

test('a package bigger than the budget is still started, alone', async () => {
  const { files, log, load } = setup([90 * MB, 90 * MB, 1]);
  const it = loadInOrder(files, { packages: 8, bytes: 50 * MB }, {}, load);
  await it.next();
  assert.deepEqual(log.filter((l) => l.startsWith('start')), ['start p0.rpm', 'start p1.rpm']);
  await it.next();
  assert.deepEqual(log.filter((l) => l.startsWith('start')), ['start p0.rpm', 'start p1.rpm', 'start p2.rpm']);
  const rest: string[] = [];
  for await (const p of it) rest.push(p.rpm.path);
  assert.deepEqual(rest, ['p2.rpm']);
});

test('digest checks run one at a time, in install order, even when one fails', async () => {
  const { files, log, verifyDone, verifyFail, load } = setup([1, 1, 1, undefined]);
  const it = loadInOrder(files, { packages: 8, bytes: 100 * MB }, {}, load);
  const got: LoadedPackage[] = [];
  for await (const p of it) got.push(p);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(log.filter((l) => l.startsWith('check')), ['check p0.rpm'], 'the second waits for the first');
  verifyDone[0]();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(log.filter((l) => l.startsWith('check')), ['check p0.rpm', 'check p1.rpm']);
  verifyFail[1]();
  await assert.rejects(got[1].verified, /p1.rpm is corrupt/);
  verifyDone[2]();
  verifyDone[3]();
  await Promise.all([got[2].verified, got[3].verified]);
  assert.deepEqual(log.filter((l) => l.startsWith('check')), ['check p0.rpm', 'check p1.rpm', 'check p2.rpm', 'check p3.rpm']);
});

test('digests checked with the signature are not checked again; others are, and a bad payload is refused', async (t) => {
  const data = sharedPath(t, 'data');
  if (!data) return;
  const dir = tempDir(t);
  const signed = path.join(data, 'rpms/edge/hello-2.0-1.x86_64-signed.rpm');
  const ring = await loadKeys([path.join(data, 'keys/test/rpm-rpm.org-rsa-2048-test.pub')]);
  const rpm = await readRpm(signed);
  const n = rpm.nevra;
  const pkg = { name: n.name, epoch: String(n.epoch ?? 0), version: n.version, release: n.release, arch: n.arch, location: 'hello.rpm', checksum: 'sha256:00', size: rpm.fileSize };
  const [withKey] = await prepareLocked([{ pkg: { ...pkg, repo: 'signed' }, path: signed }], new Map([['signed', ring]]));
  const [without] = await prepareLocked([{ pkg: { ...pkg, repo: 'plain' }, path: signed }], new Map());
  assert.equal(withKey!.digestsChecked, true);
  assert.equal(without!.digestsChecked, false);
  assert.deepEqual(installInputs([withKey!]), [{ file: signed, rpm: withKey!.rpm, digestsChecked: true }]);
  // A payload altered after that check: found by the install's own check unless it was done already.
  const b = readFileSync(signed);
  b[b.length - 10] ^= 0xff;
  const bad = path.join(dir, 'bad.rpm');
  writeFileSync(bad, b);
  const badRpm = await readRpm(bad);
  await assert.rejects((await loadPackage({ file: bad, rpm: badRpm })).verified, (e: unknown) => e instanceof RpmkitError && e.code === 'CHECKSUM_MISMATCH');
  await (await loadPackage({ file: bad, rpm: badRpm, digestsChecked: true })).verified;
});
