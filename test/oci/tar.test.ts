// The tar writer and the parallel gzip, checked by other readers: python's
// tarfile and GNU tar for headers (PAX for long names, big ids, long user
// names, binary xattrs), gunzip for the parallel gzip stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { needTool, tempDir } from '../helpers/env.js';
import { encodeHeader, padding, trailer, type TarHeader } from '../../src/oci/tar.js';
import { ParallelGzip } from '../../src/oci/pgzip.js';
import { capsTextToXattr } from '../../src/oci/caps.js';
import { NET_RAW_CAP, run } from './helpers.js';

function tarOf(entries: { h: TarHeader; data?: Buffer }[]): Buffer {
  const parts: Buffer[] = [];
  for (const { h, data } of entries) {
    parts.push(encodeHeader(h));
    if (data) parts.push(data, padding(data.length));
  }
  parts.push(trailer());
  return Buffer.concat(parts);
}

const base = { mode: 0o644, uid: 0, gid: 0, uname: 'root', gname: 'root', mtime: 1700000000, size: 0 };

test('PAX records: long names and link targets, big ids, long owner names, binary xattrs', (t) => {
  if (!needTool(t, 'python3', 'tar')) return;
  const dir = tempDir(t);
  const longName = `${'dir-'.repeat(40)}/${'f'.repeat(120)}`;
  const xattr = Buffer.from([0, 1, 2, 0x0a, 0xff, 0x3d, 0x20, 0]); // NUL, newline, '=', space: all must survive
  const body = Buffer.from('content\n');
  const tar = tarOf([
    { h: { ...base, name: 'a-dir/', type: 'dir', mode: 0o2755 } },
    { h: { ...base, name: longName, type: 'file', size: body.length, uid: 3_000_000, gid: 4_000_000, uname: 'a-very-long-user-name-over-32-bytes', gname: 'grp' }, data: body },
    { h: { ...base, name: 'link', type: 'symlink', mode: 0o777, linkname: `/${longName}` } },
    { h: { ...base, name: 'hard', type: 'link', linkname: longName } },
    { h: { ...base, name: 'x', type: 'file', size: 0, xattrs: { 'user.bin': xattr, 'security.capability': NET_RAW_CAP } }, data: Buffer.alloc(0) },
    { h: { ...base, name: 'dev/null', type: 'char', mode: 0o666, devmajor: 1, devminor: 3 } },
    { h: { ...base, name: 'dev/sda', type: 'block', mode: 0o660, devmajor: 8, devminor: 0 } },
  ]);
  const file = path.join(dir, 't.tar');
  writeFileSync(file, tar);
  const py = run('python3', [
    '-c',
    `import tarfile,sys,json
out=[]
for m in tarfile.open(sys.argv[1]):
  out.append([m.name,m.type.decode(),m.mode,m.uid,m.gid,m.uname,m.gname,m.linkname,m.devmajor,m.devminor,{k:v.encode('utf-8','surrogateescape').hex() for k,v in m.pax_headers.items() if k.startswith('SCHILY')}])
print(json.dumps(out))`,
    file,
  ]);
  assert.equal(py.status, 0, py.stderr);
  const got = JSON.parse(py.stdout) as unknown[][];
  assert.deepEqual(got[0].slice(0, 3), ['a-dir', '5', 0o2755]);
  assert.deepEqual(got[1].slice(0, 7), [longName, '0', 0o644, 3_000_000, 4_000_000, 'a-very-long-user-name-over-32-bytes', 'grp']);
  assert.deepEqual([got[2][1], got[2][7]], ['2', `/${longName}`]);
  assert.deepEqual([got[3][1], got[3][7]], ['1', longName]);
  assert.deepEqual(got[4][10], { 'SCHILY.xattr.security.capability': NET_RAW_CAP.toString('hex'), 'SCHILY.xattr.user.bin': xattr.toString('hex') });
  assert.deepEqual(got[5].slice(8, 10), [1, 3]);
  assert.deepEqual(got[6].slice(8, 10), [8, 0]);
  const gnu = run('tar', ['-tvf', file]);
  assert.equal(gnu.status, 0, gnu.stderr);
  assert.equal(gnu.stderr, '');
  // Headers never carry a pid, atime or ctime (GNU tar's PaxHeaders.<pid>).
  assert.ok(!tar.includes(Buffer.from(`PaxHeaders.${process.pid}`)));
  assert.ok(!tar.includes(Buffer.from('atime=')) && !tar.includes(Buffer.from('ctime=')));
});

test('sizes beyond the octal field use a PAX size record', () => {
  const h = encodeHeader({ ...base, name: 'huge', type: 'file', size: 9_000_000_000 });
  assert.ok(h.includes(Buffer.from(' size=9000000000\n')));
  assert.equal(h.length, 512 * 3); // pax header + records block + ustar header
});

test('parallel gzip: one valid member, identical for any input chunking and thread budget', async () => {
  const data = Buffer.concat([randomBytes(700_000), Buffer.alloc(2_500_000, 'abc'), randomBytes(123)]);
  const compress = async (chunk: number, inFlight: number, block?: number) => {
    const out: Buffer[] = [];
    const pg = new ParallelGzip(async (b) => void out.push(b), 6, block, inFlight);
    for (let i = 0; i < data.length; i += chunk) await pg.write(data.subarray(i, i + chunk));
    await pg.end();
    return Buffer.concat(out);
  };
  const a = await compress(65536, 8);
  const b = await compress(1_000_003, 1);
  assert.deepEqual(a, b);
  assert.deepEqual(zlib.gunzipSync(a), data);
  assert.deepEqual([...a.subarray(0, 10)], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
  assert.ok(a.length < data.length * 0.35, `compressed ${a.length}`);
  const small = await compress(100_000, 2, 64 * 1024);
  assert.deepEqual(zlib.gunzipSync(small), data);
  const empty: Buffer[] = [];
  const pe = new ParallelGzip(async (x) => void empty.push(x));
  await pe.end();
  assert.equal(zlib.gunzipSync(Buffer.concat(empty)).length, 0);
});

test('file capabilities text -> vfs_cap_data v2', () => {
  assert.deepEqual(capsTextToXattr('cap_net_raw=ep'), NET_RAW_CAP);
  assert.deepEqual(capsTextToXattr('cap_net_raw+ep'), NET_RAW_CAP);
  const two = capsTextToXattr('cap_net_admin,cap_net_raw+p cap_setfcap=i')!;
  assert.equal(two.readUInt32LE(0), 0x02000000); // no effective bit
  assert.equal(two.readUInt32LE(4), (1 << 12) | (1 << 13));
  assert.equal(two.readUInt32LE(8), 2 ** 31);
  const hi = capsTextToXattr('cap_bpf,cap_perfmon=eip')!;
  assert.equal(hi.readUInt32LE(12), (1 << (39 - 32)) | (1 << (38 - 32)));
  assert.equal(hi.readUInt32LE(16), (1 << (39 - 32)) | (1 << (38 - 32)));
  assert.equal(capsTextToXattr('cap_net_raw=ep cap_net_raw-ep'), undefined);
  assert.throws(() => capsTextToXattr('cap_bogus=ep'), /cap_from_text/);
});
