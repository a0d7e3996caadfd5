// The RPM reader against rpm itself: every package in ../shared/data/rpms must
// give the NEVRA, file list and dependencies `rpm -qp` gives, and a payload
// whose bytes equal `rpm2cpio`'s output and whose entries equal `cpio -t`'s.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { needTool, sharedPath, tempDir } from '../helpers/env.js';
import { compareEVR, opSymbol, parseEVR } from '../../src/evr/index.js';
import { decompressedPayload, payloadEntries, readRpm, readRpmBuffer, rpmToPackage, startPayloadDecode, type RpmDep, type RpmFile } from '../../src/rpm/index.js';
import { isRpmkitError } from '../../src/errors.js';
import { formatDep } from '../../src/repo/richdep.js';

function rpmFiles(root: string): string[] {
  return ['distro', 'edge'].flatMap((d) => readdirSync(path.join(root, d)).sort().map((f) => path.join(root, d, f)));
}

function rpmq(dbpath: string, file: string, ...args: string[]): string[] | undefined {
  const r = spawnSync('rpm', ['--dbpath', dbpath, '--nosignature', '--nodigest', '-qp', ...args, file], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  return r.stdout.split('\n').filter((l) => l !== '');
}

/** Packages rpm 4.18 itself refuses to read even with checks off. */
function rpmCanRead(dbpath: string, file: string): boolean {
  return rpmq(dbpath, file, '--qf', '%{NAME}') !== undefined;
}

function depText(d: RpmDep): string {
  return d.op && d.evr ? `${d.name} ${opSymbol(d.op)} ` : d.name;
}

test('NEVRA, file list and dependencies agree with rpm -qp for every shared RPM', async (t) => {
  const root = sharedPath(t, 'data/rpms');
  if (!root || !needTool(t, 'rpm')) return;
  const db = tempDir(t);
  let checked = 0;
  for (const file of rpmFiles(root)) {
    if (!rpmCanRead(db, file)) continue;
    const rpm = await readRpm(file);
    const name = path.basename(file);
    const [n, e, v, r, a] = rpmq(db, file, '--qf', '%{NAME}\\n%{EPOCH}\\n%{VERSION}\\n%{RELEASE}\\n%{ARCH}\\n')!;
    // rpm prints ARCH as stored; for source packages we say src/nosrc like rpm's NEVRA does.
    assert.deepEqual(
      [rpm.nevra.name, rpm.nevra.epoch === undefined ? '(none)' : String(rpm.nevra.epoch), rpm.nevra.version, rpm.nevra.release],
      [n, e, v, r],
      name,
    );
    if (!rpm.isSource) assert.equal(rpm.nevra.arch, a, name);
    const files = rpmq(db, file, '-l')!;
    const ours = rpm.files.map((f) => f.path);
    if (ours.length === 0) assert.deepEqual(files, ['(contains no files)'], name);
    else assert.deepEqual(ours, files, `${name}: file list`);
    for (const kind of ['requires', 'provides', 'conflicts', 'obsoletes', 'recommends', 'suggests', 'supplements', 'enhances'] as const) {
      const lines = rpmq(db, file, `--${kind}`)!;
      const deps = rpm.deps[kind];
      assert.equal(deps.length, lines.length, `${name}: --${kind} count`);
      deps.forEach((d, i) => {
        const line = lines[i]!;
        assert.ok(line.startsWith(depText(d)), `${name}: --${kind} #${i}: ${line} vs ${depText(d)}`);
        if (d.op && d.evr) assert.equal(compareEVR(d.evr, parseEVR(line.slice(depText(d).length))), 0, `${name}: ${line}`);
        assert.equal(formatDep(d), line, `${name}: --${kind} #${i}`);
        if (d.name.startsWith('(')) assert.ok(d.rich, `${name}: rich dep ${d.name} parsed`);
      });
    }
    checked++;
  }
  assert.ok(checked >= 45, `compared ${checked} packages`);
});

test('file attributes agree with rpm --qf arrays (mode, size, user, group, flags, digest, link, caps)', async (t) => {
  const root = sharedPath(t, 'data/rpms');
  if (!root || !needTool(t, 'rpm')) return;
  const db = tempDir(t);
  for (const file of rpmFiles(root)) {
    if (!rpmCanRead(db, file)) continue;
    const rpm = await readRpm(file);
    const lines = rpmq(db, file, '--qf', '[%{FILEMODES}|%{LONGFILESIZES}|%{FILEUSERNAME}|%{FILEGROUPNAME}|%{FILEFLAGS}|%{FILEDIGESTS}|%{FILELINKTOS}|%{FILEMTIMES}|%{FILEINODES}|%{FILENLINKS}|%{FILECAPS}|%{FILELANGS}\\n]')?.map((l) => l.replace(/\|\(none\)\|/g, '||')) ?? [];
    const ours = rpm.files.map((f) => [f.mode, f.size, f.user, f.group, f.flags, f.digest, f.linkTarget, f.mtime, f.inode, f.nlink, f.caps, f.lang].join('|'));
    assert.deepEqual(ours, lines, path.basename(file));
  }
});

test('payload bytes equal rpm2cpio output and entries equal cpio -t, for every compressor', async (t) => {
  const root = sharedPath(t, 'data/rpms');
  if (!root || !needTool(t, 'rpm2cpio', 'busybox')) return;
  const seen = new Set<string>();
  for (const file of rpmFiles(root)) {
    const ref = spawnSync('rpm2cpio', [file], { maxBuffer: 512 * 1024 * 1024 });
    if (ref.status !== 0) continue;
    const rpm = await readRpm(file);
    let hash: string;
    try {
      const h = createHash('sha256');
      for await (const c of decompressedPayload(rpm)) h.update(c);
      hash = h.digest('hex');
    } catch (e) {
      // rpm2cpio copies a corrupt stream without checking it; we must fail with a code.
      assert.ok(isRpmkitError(e) && e.code === 'PAYLOAD_INVALID', `${file}: ${String(e)}`);
      continue;
    }
    seen.add(rpm.payloadCompressor || 'none');
    const refHash = createHash('sha256').update(ref.stdout).digest('hex');
    assert.equal(hash, refHash, `${path.basename(file)}: decompressed payload`);
    const list = spawnSync('busybox', ['cpio', '-t'], { input: ref.stdout, encoding: 'utf8' });
    const names = list.stdout.split('\n').filter((l) => l !== '');
    const ours: string[] = [];
    const dataLessLinks = new Set<string>();
    for await (const e of payloadEntries(rpm)) {
      ours.push(e.rawPath);
      if (e.nlink > 1 && e.size === 0) dataLessLinks.add(e.rawPath);
      let n = 0;
      for await (const c of e.body) n += c.length;
      assert.equal(n, e.size, `${e.path}: body length`);
      if (e.file && (e.mode & 0o170000) === 0o100000 && e.size > 0) assert.equal(e.size, e.file.size);
    }
    // busybox leaves out the data-less members of hardlink sets; everything else must match.
    assert.deepEqual(ours.filter((n) => names.includes(n) || !dataLessLinks.has(n)).sort(), [...names].sort(), `${path.basename(file)}: cpio -t`);
  }
  for (const c of ['gzip', 'bzip2', 'xz', 'lzma', 'zstd', 'none']) assert.ok(seen.has(c), `a ${c} payload was checked`);
});

test('file contents from the payload match the header digests', async (t) => {
  const root = sharedPath(t, 'data/rpms');
  if (!root) return;
  for (const file of rpmFiles(root)) {
    if (/corrupted/.test(file)) continue;
    const rpm: RpmFile = await readRpm(file);
    for await (const e of payloadEntries(rpm)) {
      const f = e.file;
      if (!f || (f.mode & 0o170000) !== 0o100000 || e.size === 0 || !f.digest) {
        for await (const _ of e.body) void _;
        continue;
      }
      const h = createHash(f.digestAlgo);
      for await (const c of e.body) h.update(c);
      assert.equal(h.digest('hex'), f.digest, `${path.basename(file)}: ${e.path}`);
    }
  }
});

test('headerBlob is rpm\'s exported header: rpmdb.sqlite blobs parse and byte-match what we read', async (t) => {
  const dbFile = sharedPath(t, 'data/rpmdb/azurelinux-2.0/rpmdb.sqlite');
  if (!dbFile) return;
  const { default: initSqlJs } = await import('sql.js');
  const SQL = await initSqlJs();
  const db = new SQL.Database(readFileSync(dbFile));
  const names = new Map<number, string>();
  for (const [key, hnum] of db.exec('SELECT key, hnum FROM Name')[0]!.values) names.set(Number(hnum), String(key));
  const rows = db.exec('SELECT hnum, blob FROM Packages')[0]!.values;
  const { parseHeaderBlob, TAG, REGION } = await import('../../src/rpm/index.js');
  for (const [hnum, blob] of rows) {
    const h = parseHeaderBlob(blob as Uint8Array, { file: 'rpmdb', what: `header ${hnum}` });
    assert.equal(h.string(TAG.NAME), names.get(Number(hnum)));
    assert.equal(h.region?.tag, REGION.HEADERIMMUTABLE);
  }
  assert.equal(rows.length, 129);
  // A package's headerBlob is the on-disk header minus its 8-byte magic.
  const rpmFile = sharedPath(t, 'data/rpms/edge/hello-2.0-1.x86_64.rpm');
  if (!rpmFile) return;
  const rpm = await readRpm(rpmFile);
  const bytes = readFileSync(rpmFile);
  assert.deepEqual(Buffer.from(rpm.headerBlob), bytes.subarray(rpm.headerOffset + 8, rpm.payloadOffset));
  assert.deepEqual([...bytes.subarray(rpm.headerOffset, rpm.headerOffset + 8)], [0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0]);
});

test('rpmToPackage: checksum is sha256 of the file, rpmlib requires dropped, fields filled', async (t) => {
  const file = sharedPath(t, 'data/rpms/distro/hello-2.12.1-2.fc39.x86_64.rpm');
  if (!file) return;
  const rpm = await readRpm(file);
  const pkg = await rpmToPackage(rpm);
  assert.equal(pkg.checksum.value, createHash('sha256').update(readFileSync(file)).digest('hex'));
  assert.equal(pkg.repoId, '@commandline');
  assert.deepEqual([pkg.name, pkg.epoch, pkg.version, pkg.release, pkg.arch], ['hello', '0', '2.12.1', '2.fc39', 'x86_64']);
  assert.ok(pkg.requires.every((d) => !d.name.startsWith('rpmlib(')));
  assert.ok(pkg.requires.length > 0 && pkg.provides.some((d) => d.name === 'hello'));
  assert.ok(pkg.files.includes('/usr/bin/hello'));
  // The same package read from memory gives the same result.
  const fromBuf = await rpmToPackage(await readRpmBuffer(readFileSync(file), file));
  assert.deepEqual(fromBuf, pkg);
});

test('scriptlets carry phase and interpreter as rpm --scripts shows them', async (t) => {
  const root = sharedPath(t, 'data/rpms');
  if (!root || !needTool(t, 'rpm')) return;
  const db = tempDir(t);
  const labels: Record<string, string> = { prein: 'preinstall', postin: 'postinstall', preun: 'preuninstall', postun: 'postuninstall', pretrans: 'pretrans', posttrans: 'posttrans', verify: 'verify' };
  let withScripts = 0;
  for (const file of rpmFiles(root)) {
    if (!rpmCanRead(db, file)) continue;
    const rpm = await readRpm(file);
    const out = (rpmq(db, file, '--scripts') ?? []).filter((l) => /^\S+ scriptlet \(using /.test(l));
    const ours = rpm.scriptlets.map((s) => `${labels[s.phase]} scriptlet (using ${s.interpreter.join(' ')})`);
    const theirs = out.map((l) => l.replace(/:$/, '').replace(/^(\S+) program:? /, '$1 '));
    assert.deepEqual(ours.map((s) => s.replace(/^(\S+) (program|scriptlet).*/, '$1')), theirs.map((s) => s.replace(/^(\S+) (program|scriptlet).*/, '$1')), path.basename(file));
    for (const l of out) {
      const m = /\(using (.*)\)/.exec(l);
      assert.ok(m && ours.some((o) => o.includes(`(using ${m[1]})`)), `${path.basename(file)}: ${l}`);
    }
    if (rpm.scriptlets.length) withScripts++;
  }
  assert.ok(withScripts >= 5);
});

test('the stripped cpio form (07070X: index + data, metadata from the header) reads like newc', async (t) => {
  const file = sharedPath(t, 'data/rpms/edge/rpmrs-v6-rpm-hardlinks-1.0-1.noarch.rpm');
  if (!file) return;
  const orig = readFileSync(file);
  const rpm = await readRpmBuffer(orig, file);
  assert.equal(rpm.payloadCompressor, '', 'an uncompressed payload lets us swap the archive in place');
  const content = new Map<number, Buffer>();
  const newc: string[] = [];
  for await (const e of payloadEntries(rpm)) {
    const parts: Buffer[] = [];
    for await (const c of e.body) parts.push(Buffer.from(c));
    if (e.fileIndex !== undefined && e.size > 0) content.set(e.fileIndex, Buffer.concat(parts));
    newc.push(`${e.path}|${e.mode}|${e.size}|${e.nlink}|${Buffer.concat(parts).toString('hex')}`);
  }
  // Write the same archive in rpm 6's stripped form.
  const out: Buffer[] = [];
  let off = 0;
  const push = (b: Buffer) => {
    out.push(b);
    off += b.length;
  };
  const pad = () => push(Buffer.alloc((4 - (off % 4)) % 4));
  const hex8 = (n: number) => n.toString(16).padStart(8, '0');
  rpm.files.forEach((f, i) => {
    if (f.ghost) return;
    pad();
    push(Buffer.from(`07070X${hex8(i)}`, 'latin1'));
    pad();
    const data = content.get(i) ?? ((f.mode & 0o170000) === 0o120000 ? Buffer.from(f.linkTarget) : Buffer.alloc(0));
    push(data);
  });
  pad();
  const trailer = `070701${'0'.repeat(8 * 4)}${hex8(1)}${'0'.repeat(8 * 6)}${hex8(11)}${'0'.repeat(8)}TRAILER!!!\0`;
  push(Buffer.from(trailer, 'latin1'));
  pad();
  const archive = Buffer.concat(out);
  const body = Buffer.alloc(Math.max(archive.length, orig.length - rpm.payloadOffset));
  archive.copy(body);
  const stripped = await readRpmBuffer(Buffer.concat([orig.subarray(0, rpm.payloadOffset), body]), file);
  const got: string[] = [];
  for await (const e of payloadEntries(stripped)) {
    const parts: Buffer[] = [];
    for await (const c of e.body) parts.push(Buffer.from(c));
    assert.equal(e.rawPath, '');
    got.push(`${e.path}|${e.mode}|${e.size}|${e.nlink}|${Buffer.concat(parts).toString('hex')}`);
  }
  assert.deepEqual(got.sort(), [...newc].sort());
});

test('zstd: the WebAssembly decoder, the zstd program and the pure-JS decoder give the same bytes, and all reject corrupt data', async (t) => {
  const root = sharedPath(t, 'data/rpms');
  if (!root) return;
  let n = 0;
  const impls = ['auto', 'program', 'js'] as const;
  for (const file of rpmFiles(root)) {
    const rpm = await readRpm(file);
    if (rpm.payloadCompressor !== 'zstd') continue;
    const hashOf = async (r: typeof rpm, zstd: (typeof impls)[number]) => {
      const h = createHash('sha256');
      for await (const c of decompressedPayload(r, { zstd })) h.update(c);
      return h.digest('hex');
    };
    const want = await hashOf(rpm, 'js');
    for (const zstd of impls) assert.equal(await hashOf(rpm, zstd), want, `${path.basename(file)} (${zstd})`);
    // A header whose payload size is off by one: the one-piece decode does
    // not match it, and the streaming decoders give the real payload.
    if (rpm.archiveSize) assert.equal(await hashOf({ ...rpm, archiveSize: rpm.archiveSize + 1 }, 'auto'), want, `${path.basename(file)} (size off by one)`);
    const buf = Buffer.from(readFileSync(file));
    // zstd frames in RPMs carry no checksum, so a flipped data byte may decode
    // (the payload digest catches it); a damaged frame header must not.
    buf[rpm.payloadOffset + 1] ^= 0xff;
    const bad = await readRpmBuffer(buf, file);
    for (const zstd of impls) {
      await assert.rejects(
        (async () => {
          for await (const _ of decompressedPayload(bad, { zstd })) void _;
        })(),
        (e: unknown) => isRpmkitError(e) && e.code === 'PAYLOAD_INVALID',
        `${path.basename(file)} (${zstd})`,
      );
    }
    n++;
  }
  assert.ok(n >= 4, `${n} zstd packages`);
});

test('zstd on a worker thread: the same bytes; a damaged frame or a size that lies gives no result, and the usual path decides', async (t) => {
  const root = sharedPath(t, 'data/rpms');
  if (!root) return;
  const dir = tempDir(t);
  const before = process.env.RPMKIT_DECODE_THREADS;
  process.env.RPMKIT_DECODE_THREADS = '1'; // also on a one-core machine
  t.after(() => {
    if (before === undefined) delete process.env.RPMKIT_DECODE_THREADS;
    else process.env.RPMKIT_DECODE_THREADS = before;
  });
  const hash = async (it: AsyncIterable<Buffer> | Iterable<Buffer>) => {
    const h = createHash('sha256');
    for await (const c of it) h.update(c);
    return h.digest('hex');
  };
  let n = 0;
  for (const file of rpmFiles(root)) {
    const rpm = await readRpm(file);
    if (rpm.payloadCompressor !== 'zstd' || !rpm.archiveSize) continue;
    const name = path.basename(file);
    const want = await hash(decompressedPayload(rpm, { zstd: 'js' }));
    const decoded = startPayloadDecode(rpm);
    assert.ok(decoded, name);
    const whole = await decoded;
    assert.ok(whole, `${name}: decoded on the worker`);
    assert.equal(await hash([whole]), want, name);
    // payloadEntries takes it as is.
    assert.equal(await hash(decompressedPayload(rpm, { decoded: Promise.resolve(whole) })), want, name);
    // The header's size off by one: no result from the worker; streaming gives the real payload.
    const lying = { ...rpm, archiveSize: rpm.archiveSize + 1 };
    const none = startPayloadDecode(lying);
    assert.equal(await none, undefined, `${name} (size off by one)`);
    assert.equal(await hash(decompressedPayload(lying, { decoded: none })), want, `${name} (size off by one)`);
    // A damaged frame header: no result, and the usual path reports PAYLOAD_INVALID.
    const buf = Buffer.from(readFileSync(file));
    buf[rpm.payloadOffset + 1] ^= 0xff;
    const badFile = path.join(dir, name);
    writeFileSync(badFile, buf);
    const bad = await readRpm(badFile);
    const nothing = startPayloadDecode(bad);
    assert.equal(await nothing, undefined, `${name} (damaged)`);
    await assert.rejects(hash(decompressedPayload(bad, { decoded: nothing })), (e: unknown) => isRpmkitError(e) && e.code === 'PAYLOAD_INVALID', `${name} (damaged)`);
    n++;
  }
  assert.ok(n >= 4, `${n} zstd packages`);
});

test('zstd on a worker thread: jobs started together are answered in the order they were asked, a failed one in between included', async (t) => {
  const root = sharedPath(t, 'data/rpms');
  if (!root) return;
  const before = process.env.RPMKIT_DECODE_THREADS;
  process.env.RPMKIT_DECODE_THREADS = '1'; // one worker: the order is its own
  t.after(() => {
    if (before === undefined) delete process.env.RPMKIT_DECODE_THREADS;
    else process.env.RPMKIT_DECODE_THREADS = before;
  });
  const rpms: RpmFile[] = [];
  for (const file of rpmFiles(root)) {
    const rpm = await readRpm(file);
    if (rpm.payloadCompressor === 'zstd' && rpm.archiveSize) rpms.push(rpm);
  }
  assert.ok(rpms.length >= 4, `${rpms.length} zstd packages`);
  // Biggest first: if reads finishing first were decoded first, the small ones would overtake it.
  rpms.sort((a, b) => b.fileSize - a.fileSize);
  const jobs = [...rpms.slice(0, 2), { ...rpms[0], path: path.join(tempDir(t), 'gone.rpm') }, ...rpms.slice(2)];
  const order: number[] = [];
  const results = await Promise.all(jobs.map((r, i) => startPayloadDecode(r)!.then((b) => (order.push(i), b))));
  assert.deepEqual(order, jobs.map((_, i) => i));
  assert.equal(results[2], undefined, 'the missing file: no result');
  for (const [i, r] of jobs.entries()) {
    if (i === 2) continue;
    const h = createHash('sha256');
    for await (const c of decompressedPayload(r, { zstd: 'js' })) h.update(c);
    assert.equal(createHash('sha256').update(results[i]!).digest('hex'), h.digest('hex'), path.basename(r.path));
  }
});

test('bodies read partly (or not at all) are skipped correctly before the next entry', async (t) => {
  const file = sharedPath(t, 'data/rpms/distro/hello-2.12.1-2.fc39.x86_64.rpm');
  if (!file) return;
  const rpm = await readRpm(file);
  const all: string[] = [];
  for await (const e of payloadEntries(rpm)) {
    all.push(e.path);
    for await (const _ of e.body) void _;
  }
  const partial: string[] = [];
  let k = 0;
  for await (const e of payloadEntries(rpm)) {
    partial.push(e.path);
    // Alternate: skip the body, read one chunk then stop, read it all.
    if (k % 3 === 1) for await (const _ of e.body) break;
    else if (k % 3 === 2) for await (const _ of e.body) void _;
    k++;
  }
  assert.deepEqual(partial, all);
  assert.equal(all.length, rpm.files.filter((f) => !f.ghost).length);
});
