// Images built from a tree with every entry type: reproducible across
// directories and processes, readable by skopeo and umoci, and unpacking to
// the same tree (modes, owners, links, contents, the binary capability xattr).
import { test } from 'node:test';
import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync, existsSync, readdirSync, lstatSync, readlinkSync } from 'node:fs';
import { buildImage, metaFromJson, type MemoryEntry } from '../../src/oci/index.js';
import { RpmkitError } from '../../src/errors.js';
import * as path from 'node:path';
import { ROOT, needTool, tempDir } from '../helpers/env.js';
import { LONG_DIR, NET_RAW_CAP, makeTree, readTree, rpmkit, run, treeMeta } from './helpers.js';

const SDE = '1700000000';

function build(t: Parameters<typeof tempDir>[0], root: string, layout: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const r = rpmkit(['--json', 'image-from-root', '--root', root, '--image', layout, '--tag', 'latest', ...extra], { SOURCE_DATE_EPOCH: SDE, ...env });
  assert.equal(r.status, 0, `image-from-root failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { manifestDigest: string; configDigest: string; layers: { digest: string; diffId: string; packages: string[] }[] };
}

function setup(t: Parameters<typeof tempDir>[0]) {
  const dir = tempDir(t, 'rpmkit-oci-');
  const root = path.join(dir, 'root');
  makeTree(root);
  const meta = path.join(dir, 'meta.json');
  writeFileSync(meta, JSON.stringify(treeMeta()));
  const cfg = path.join(dir, 'rpmkit.toml');
  writeFileSync(
    cfg,
    [
      '[image]',
      'entrypoint = ["/usr/bin/ping"]',
      'cmd = ["-c", "1"]',
      'envs = { LANG = "C.UTF-8" }',
      'labels = { "org.example.team" = "infra" }',
      'exposed_ports = ["8080/tcp", "53"]',
      'user = "1000"',
      'workingdir = "/srv"',
      'volumes = ["/data"]',
      'stopsignal = "SIGTERM"',
      'annotations = { "org.opencontainers.image.title" = "demo" }',
      '',
    ].join('\n'),
  );
  return { dir, root, meta, cfg };
}

test('same input in other directories and processes gives the same manifest digest', (t) => {
  const a = setup(t);
  const b = setup(t); // a second copy: other paths, other inodes, later mtimes
  const ra = build(t, a.root, path.join(a.dir, 'img'), ['--meta', a.meta, '--config', a.cfg]);
  const rb = build(t, b.root, path.join(b.dir, 'img'), ['--meta', b.meta, '--config', b.cfg]);
  assert.equal(rb.manifestDigest, ra.manifestDigest);
  assert.equal(rb.layers[0].diffId, ra.layers[0].diffId);
  // A different SOURCE_DATE_EPOCH is a different image (created + clamped mtimes).
  const rc = build(t, b.root, path.join(b.dir, 'img2'), ['--meta', b.meta, '--config', b.cfg], { SOURCE_DATE_EPOCH: '1600000000' });
  assert.notEqual(rc.manifestDigest, ra.manifestDigest);
});

test('skopeo reads the layout and the config carries [image]', (t) => {
  if (!needTool(t, 'skopeo')) return;
  const s = setup(t);
  const img = path.join(s.dir, 'img');
  const r = build(t, s.root, img, ['--meta', s.meta, '--config', s.cfg, '--arch', 'aarch64']);
  const insp = run('skopeo', ['inspect', `oci:${img}:latest`]);
  assert.equal(insp.status, 0, insp.stderr);
  const j = JSON.parse(insp.stdout) as { Digest: string; Architecture: string; Created: string; Env: string[]; Labels: Record<string, string> };
  assert.equal(j.Digest, r.manifestDigest);
  assert.equal(j.Architecture, 'arm64');
  assert.equal(j.Created, '2023-11-14T22:13:20Z');
  assert.deepEqual(j.Env, ['LANG=C.UTF-8', 'PATH=/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin']);
  assert.deepEqual(j.Labels, { 'org.example.team': 'infra' });
  const cfg = run('skopeo', ['inspect', '--config', `oci:${img}:latest`]);
  const c = JSON.parse(cfg.stdout) as { config: Record<string, unknown>; variant?: string; history: unknown[] };
  assert.deepEqual(c.config.Entrypoint, ['/usr/bin/ping']);
  assert.deepEqual(c.config.Cmd, ['-c', '1']);
  assert.deepEqual(c.config.ExposedPorts, { '53/tcp': {}, '8080/tcp': {} });
  assert.equal(c.config.User, '1000');
  assert.equal(c.config.WorkingDir, '/srv');
  assert.deepEqual(c.config.Volumes, { '/data': {} });
  assert.equal(c.config.StopSignal, 'SIGTERM');
  assert.equal(c.variant, 'v8');
  assert.equal(c.history.length, 1);
  const raw = JSON.parse(run('skopeo', ['inspect', '--raw', `oci:${img}:latest`]).stdout) as { annotations: Record<string, string> };
  assert.equal(raw.annotations['org.opencontainers.image.title'], 'demo');
  assert.equal(raw.annotations['org.opencontainers.image.created'], '2023-11-14T22:13:20Z');
});

test('umoci unpacks the same tree: modes, owners, links, contents, capability xattr', (t) => {
  if (!needTool(t, 'umoci', 'python3')) return;
  const s = setup(t);
  const img = path.join(s.dir, 'img');
  build(t, s.root, img, ['--meta', s.meta]);
  const bundle = path.join(s.dir, 'bundle');
  const rootless = process.getuid?.() !== 0;
  const u = run('umoci', ['unpack', ...(rootless ? ['--rootless'] : []), '--image', `${img}:latest`, bundle]);
  assert.equal(u.status, 0, u.stderr);
  const got = readTree(path.join(bundle, 'rootfs'));
  const want = readTree(s.root);
  const meta = treeMeta() as Record<string, { uid: number; gid: number; mode?: number }>;
  // Leftovers stay out; their package-owned directories stay in.
  for (const p of ['var/log/dnf.log', 'var/cache/dnf', 'var/lib/dnf', 'var/lib/rpm/.rpm.lock', 'var/lib/rpm/rpmdb.sqlite-shm', 'var/lib/rpm/rpmdb.sqlite-wal']) {
    assert.ok(!got.has(p), `${p} must not be in the image`);
    want.delete(p);
    for (const k of [...want.keys()]) if (k.startsWith(`${p}/`)) want.delete(k);
  }
  for (const p of ['var/log', 'var/cache', 'var/tmp', 'var/lib/rpm/rpmdb.sqlite']) assert.ok(got.has(p), `${p} must be in the image`);
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
  for (const [p, w] of want) {
    const g = got.get(p)!;
    const m = meta[`/${p}`];
    assert.equal(g.type, w.type, p);
    if (w.type !== 'symlink') assert.equal(g.mode.toString(8), (m?.mode ?? w.mode).toString(8), `mode of ${p}`);
    assert.equal(g.sha, w.sha, `content of ${p}`);
    assert.equal(g.link, w.link, `link target of ${p}`);
    if (!rootless) {
      // No host uid leaks: without metadata everything is root's.
      assert.equal(g.uid, m?.uid ?? 0, `uid of ${p}`);
      assert.equal(g.gid, m?.gid ?? 0, `gid of ${p}`);
    }
  }
  const rootfs = path.join(bundle, 'rootfs');
  assert.ok(got.get(`${LONG_DIR}/${'c'.repeat(40)}.txt`));
  assert.equal(got.get('usr/bin/tool')!.ino!.split('/')[1], '3', 'hardlinks unpack as one inode with 3 names');
  assert.equal(got.get('usr/bin/tool')!.ino, got.get('usr/sbin-tool-link')!.ino);
  assert.equal(got.get('run-fifo')!.type, 'fifo');
  if (!rootless) {
    const x = run('python3', ['-c', 'import os,sys; sys.stdout.write(os.getxattr(sys.argv[1], "security.capability").hex())', path.join(rootfs, 'usr/bin/ping')]);
    assert.equal(x.status, 0, x.stderr);
    assert.equal(x.stdout, NET_RAW_CAP.toString('hex'));
  }
});

test('the layer tar is byte-exact for xattrs and names (python tarfile, GNU tar)', (t) => {
  if (!needTool(t, 'python3', 'tar')) return;
  const s = setup(t);
  const img = path.join(s.dir, 'img');
  const r = build(t, s.root, img, ['--meta', s.meta]);
  const blob = path.join(img, 'blobs', 'sha256', r.layers[0].digest.slice(7));
  const py = run('python3', [
    '-c',
    `import tarfile,sys,json
t=tarfile.open(sys.argv[1])
out=[]
for m in t:
  out.append([m.name,m.type.decode(),m.mode,m.uid,m.gid,m.uname,m.gname,m.mtime,m.linkname,{k:v.encode('utf-8','surrogateescape').hex() for k,v in m.pax_headers.items() if k.startswith('SCHILY')}])
print(json.dumps(out))`,
    blob,
  ]);
  assert.equal(py.status, 0, py.stderr);
  const entries = JSON.parse(py.stdout) as [string, string, number, number, number, string, string, number, string, Record<string, string>][];
  const names = entries.map((e) => e[0]);
  assert.deepEqual(names, [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))), 'entries sorted by byte order');
  const ping = entries.find((e) => e[0] === 'usr/bin/ping')!;
  assert.deepEqual(ping.slice(1, 8), ['0', 0o4755, 1000, 2000, 'pinger', 'netgrp', 1700000000]);
  assert.equal(ping[9]['SCHILY.xattr.security.capability'], NET_RAW_CAP.toString('hex'));
  const alias = entries.find((e) => e[0] === 'usr/bin/tool-alias')!;
  assert.equal(alias[1], '1');
  assert.equal(alias[8], 'usr/bin/tool');
  assert.ok(entries.every((e) => e[7] <= 1700000000), 'mtimes clamped');
  assert.ok(entries.filter((e) => !(e[0] in {})).every((e) => e[0] !== 'usr/bin/ping' || e[3] === 1000));
  assert.ok(names.includes('usr/share/doc/naïve-ünïcödé.txt'));
  const gnu = run('tar', ['-tvzf', blob]);
  assert.equal(gnu.status, 0, gnu.stderr);
  assert.equal(gnu.stderr, '', 'GNU tar has no complaints');
  // gzip header: no name, mtime 0, OS=unix
  const head = readFileSync(blob).subarray(0, 10);
  assert.deepEqual([...head], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
});

test('several tags live in one layout; rebuilding a tag replaces only it', (t) => {
  if (!needTool(t, 'skopeo')) return;
  const s = setup(t);
  const img = path.join(s.dir, 'img');
  const a1 = rpmkit(['--json', 'image-from-root', '--root', s.root, '--image', img, '--tag', 'a'], { SOURCE_DATE_EPOCH: SDE });
  assert.equal(a1.status, 0, a1.stderr);
  const b = rpmkit(['--json', 'image-from-root', '--root', s.root, '--image', img, '--tag', 'b', '--config', s.cfg], { SOURCE_DATE_EPOCH: SDE });
  assert.equal(b.status, 0, b.stderr);
  writeFileSync(path.join(s.root, 'etc/app.conf'), 'key=changed\n');
  const a2 = rpmkit(['--json', 'image-from-root', '--root', s.root, '--image', img, '--tag', 'a'], { SOURCE_DATE_EPOCH: SDE });
  assert.equal(a2.status, 0, a2.stderr);
  const idx = JSON.parse(readFileSync(path.join(img, 'index.json'), 'utf8')) as { manifests: { digest: string; annotations: Record<string, string> }[] };
  assert.deepEqual(idx.manifests.map((m) => m.annotations['org.opencontainers.image.ref.name']), ['a', 'b']);
  const digest = (tag: string) => (JSON.parse(run('skopeo', ['inspect', `oci:${img}:${tag}`]).stdout) as { Digest: string }).Digest;
  assert.equal(digest('a'), (JSON.parse(a2.stdout) as { manifestDigest: string }).manifestDigest);
  assert.notEqual(digest('a'), (JSON.parse(a1.stdout) as { manifestDigest: string }).manifestDigest);
  assert.equal(digest('b'), (JSON.parse(b.stdout) as { manifestDigest: string }).manifestDigest);
  assert.ok(!existsSync(path.join(img, '.index.lock')));
});

test('docker-archive output is read by skopeo with the same config', (t) => {
  if (!needTool(t, 'skopeo')) return;
  const s = setup(t);
  const out = path.join(s.dir, 'image.tar');
  const oci = build(t, s.root, path.join(s.dir, 'img'), ['--meta', s.meta, '--config', s.cfg]);
  const r = rpmkit(['--json', 'image-from-root', '--root', s.root, '--image', out, '--tag', 'demo:1.0', '--format', 'docker-archive', '--meta', s.meta, '--config', s.cfg], { SOURCE_DATE_EPOCH: SDE });
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { configDigest: string; layers: { diffId: string }[] };
  // Same config (diff_ids are of the uncompressed tar either way).
  assert.equal(j.configDigest, oci.configDigest);
  const insp = run('skopeo', ['inspect', `docker-archive:${out}`]);
  assert.equal(insp.status, 0, insp.stderr);
  const k = JSON.parse(insp.stdout) as { RepoTags: string[]; Architecture: string; Layers: string[] };
  assert.equal(k.Architecture, 'amd64');
  assert.equal(k.Layers.length, 1);
  const cfg = JSON.parse(run('skopeo', ['inspect', '--config', `docker-archive:${out}`]).stdout) as { rootfs: { diff_ids: string[] } };
  assert.deepEqual(cfg.rootfs.diff_ids, [oci.layers[0].diffId]);
  const again = rpmkit(['--json', 'image-from-root', '--root', s.root, '--image', out, '--tag', 'demo:1.0', '--format', 'docker-archive', '--meta', s.meta, '--config', s.cfg], { SOURCE_DATE_EPOCH: SDE });
  assert.equal(again.status, 0);
  const tarBytes = readFileSync(out);
  assert.ok(tarBytes.length % 512 === 0);
});

test('layers: N splits by package, unpacks to the same tree, and an update touches few layers', (t) => {
  if (!needTool(t, 'umoci')) return;
  const s = setup(t);
  const one = build(t, s.root, path.join(s.dir, 'one'), ['--meta', s.meta]);
  const four = build(t, s.root, path.join(s.dir, 'four'), ['--meta', s.meta, '--layers', '4']);
  assert.equal(one.layers.length, 1);
  assert.equal(four.layers.length, 4);
  // the two heaviest packages get their own layers, the rest share one, unowned files come last
  assert.deepEqual(four.layers.map((l) => l.packages), [['biglib'], ['tools'], ['base', 'iputils'], []]);
  const unpack = (img: string, b: string) => {
    const u = run('umoci', ['unpack', ...(process.getuid?.() !== 0 ? ['--rootless'] : []), '--image', `${img}:latest`, b]);
    assert.equal(u.status, 0, u.stderr);
    return readTree(path.join(b, 'rootfs'));
  };
  const t1 = unpack(path.join(s.dir, 'one'), path.join(s.dir, 'b1'));
  const t4 = unpack(path.join(s.dir, 'four'), path.join(s.dir, 'b4'));
  const strip = (m: Map<string, { ino?: string }>) => JSON.stringify([...m].map(([k, v]) => [k, { ...v, ino: v.ino?.split('/')[1] }]));
  assert.equal(strip(t4), strip(t1));
  // "update" the tools package: only its layer and the unowned layer may change
  writeFileSync(path.join(s.root, 'usr/bin/tool'), 'tool binary v2\n'.repeat(8)); // same size class: same layer plan
  mkdirSync(path.join(s.root, 'var/lib/rpm'), { recursive: true });
  writeFileSync(path.join(s.root, 'var/lib/rpm/rpmdb.sqlite'), 'rpmdb v2\n');
  const upd = build(t, s.root, path.join(s.dir, 'four'), ['--meta', s.meta, '--layers', '4']);
  const same = upd.layers.map((l, i) => l.digest === four.layers[i].digest);
  assert.deepEqual(same, [true, false, true, false]);
});

test('bad input gives coded errors and leaves the layout untouched', (t) => {
  const s = setup(t);
  const img = path.join(s.dir, 'img');
  const missing = rpmkit(['image-from-root', '--root', path.join(s.dir, 'nope'), '--image', img, '--tag', 'x']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /error\[NOT_FOUND\]/);
  const arch = rpmkit(['--arch', 'noarch', 'image-from-root', '--root', s.root, '--image', img, '--tag', 'x']);
  assert.equal(arch.status, 2);
  assert.match(arch.stderr, /error\[USAGE\].*noarch/);
  build(t, s.root, img);
  const before = readFileSync(path.join(img, 'index.json'), 'utf8');
  writeFileSync(path.join(s.root, 'var/lib/rpm/rpmdb.sqlite-wal'), 'uncheckpointed pages');
  const wal = rpmkit(['image-from-root', '--root', s.root, '--image', img, '--tag', 'latest']);
  assert.equal(wal.status, 6);
  assert.match(wal.stderr, /error\[IMAGE_INVALID\].*write-ahead log/);
  assert.match(wal.stderr, /hint: .*journal_mode=DELETE/);
  assert.equal(readFileSync(path.join(img, 'index.json'), 'utf8'), before);
  const badMeta = path.join(s.dir, 'bad.json');
  writeFileSync(badMeta, '{"/x": {"uid": -1}}');
  const bm = rpmkit(['image-from-root', '--root', s.root, '--image', img, '--tag', 'y', '--meta', badMeta]);
  assert.equal(bm.status, 2);
  assert.match(bm.stderr, /error\[CONFIG_INVALID\].*uid/);
  writeFileSync(path.join(img, 'index.json'), '{broken');
  writeFileSync(path.join(s.root, 'var/lib/rpm/rpmdb.sqlite-wal'), '');
  const broken = rpmkit(['image-from-root', '--root', s.root, '--image', img, '--tag', 'latest']);
  assert.equal(broken.status, 6);
  assert.match(broken.stderr, /error\[IMAGE_INVALID\].*index\.json/);
});

test('zstd layers: the zstd program decompresses them to the same diff_id', (t) => {
  if (!needTool(t, 'zstd', 'skopeo')) return;
  const s = setup(t);
  const gz = build(t, s.root, path.join(s.dir, 'gz'), ['--meta', s.meta]);
  const zs = build(t, s.root, path.join(s.dir, 'zs'), ['--meta', s.meta, '--compression', 'zstd']);
  const again = build(t, s.root, path.join(s.dir, 'zs2'), ['--meta', s.meta, '--compression', 'zstd']);
  assert.equal(again.manifestDigest, zs.manifestDigest);
  assert.equal(zs.layers[0].diffId, gz.layers[0].diffId, 'same uncompressed layer');
  const raw = JSON.parse(run('skopeo', ['inspect', '--raw', `oci:${path.join(s.dir, 'zs')}:latest`]).stdout) as { layers: { mediaType: string }[] };
  assert.equal(raw.layers[0].mediaType, 'application/vnd.oci.image.layer.v1.tar+zstd');
  const blob = path.join(s.dir, 'zs', 'blobs', 'sha256', zs.layers[0].digest.slice(7));
  const sum = run('sh', ['-c', `zstd -dc '${blob}' | sha256sum`]);
  assert.equal(`sha256:${sum.stdout.split(' ')[0]}`, zs.layers[0].diffId);
});

test('a file name that is not UTF-8 is refused with UNSAFE_PATH', (t) => {
  const s = setup(t);
  writeFileSync(Buffer.concat([Buffer.from(`${s.root}/etc/bad-`), Buffer.from([0xff, 0xfe])]), 'x');
  const r = rpmkit(['image-from-root', '--root', s.root, '--image', path.join(s.dir, 'img'), '--tag', 'x']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /error\[UNSAFE_PATH\].*not valid UTF-8/);
});

test('concurrent builds of different tags into one layout keep both tags', async (t) => {
  const s = setup(t);
  const img = path.join(s.dir, 'img');
  const runAsync = (tag: string) =>
    new Promise<number | null>((resolve) => {
      const p = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), 'image-from-root', '--root', s.root, '--image', img, '--tag', tag], {
        env: { ...process.env, SOURCE_DATE_EPOCH: SDE },
        stdio: 'ignore',
      });
      p.on('close', resolve);
    });
  const codes = await Promise.all(['t1', 't2', 't3'].map(runAsync));
  assert.deepEqual(codes, [0, 0, 0]);
  const idx = JSON.parse(readFileSync(path.join(img, 'index.json'), 'utf8')) as { manifests: { digest: string; annotations: Record<string, string> }[] };
  assert.deepEqual(idx.manifests.map((m) => m.annotations['org.opencontainers.image.ref.name']), ['t1', 't2', 't3']);
  assert.equal(new Set(idx.manifests.map((m) => m.digest)).size, 1, 'same root, same image');
});

test('a root handed over in memory gives the image of the same tree on disk; a file without its bytes is refused', async (t) => {
  const s = setup(t);
  const meta = metaFromJson(JSON.parse(readFileSync(s.meta, 'utf8')));
  // The disk tree as MemoryEntry values: contents, link targets, one inode object per hardlinked file.
  const inodes = new Map<string, object>();
  const entries: MemoryEntry[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(s.root, rel))) {
      const r = rel ? `${rel}/${name}` : name;
      const abs = path.join(s.root, r);
      const st = lstatSync(abs);
      const type = st.isDirectory() ? 'dir' : st.isFile() ? 'file' : st.isSymbolicLink() ? 'symlink' : 'fifo';
      const e: MemoryEntry = { rel: r, type, mode: st.mode, size: st.isFile() ? st.size : 0, mtime: Math.floor(st.mtimeMs / 1000) };
      if (type === 'file') e.data = readFileSync(abs);
      if (type === 'symlink') e.linkname = readlinkSync(abs);
      if (type === 'file' && st.nlink > 1) {
        const k = `${st.dev}:${st.ino}`;
        if (!inodes.has(k)) inodes.set(k, {});
        e.inode = inodes.get(k);
      }
      entries.push(e);
      if (type === 'dir') walk(r);
    }
  };
  walk('');
  const opts = { tag: 't', arch: 'x86_64', config: {}, meta, sourceDateEpoch: Number(SDE) };
  const disk = await buildImage({ ...opts, rootDir: s.root, layoutDir: path.join(s.dir, 'disk') });
  // Handed over in another order: the stage sorts, drops leftovers and links hardlinks itself.
  const mem = await buildImage({ ...opts, entries: [...entries].reverse(), layoutDir: path.join(s.dir, 'mem') });
  assert.equal(mem.manifestDigest, disk.manifestDigest);
  const two = await buildImage({ ...opts, entries, layers: 2, layoutDir: path.join(s.dir, 'mem2') });
  const twoDisk = await buildImage({ ...opts, rootDir: s.root, layers: 2, layoutDir: path.join(s.dir, 'disk2') });
  assert.equal(two.manifestDigest, twoDisk.manifestDigest);

  const noBytes = entries.map((e) => (e.rel === 'etc/app.conf' ? { ...e, data: undefined } : e));
  await assert.rejects(buildImage({ ...opts, entries: noBytes, layoutDir: path.join(s.dir, 'bad') }), (e: unknown) => e instanceof RpmkitError && e.code === 'USAGE' && /etc\/app\.conf/.test(e.message));
  assert.equal(existsSync(path.join(s.dir, 'bad', 'index.json')), false);
});
