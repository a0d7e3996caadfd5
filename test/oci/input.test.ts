// Input adapters of the image stage: the [image] table in its spellings
// (rpmoci's, rpmkit's, the config stage's parsed camelCase) and the rootfs
// stage's ownership manifest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { imageConfigFrom, metaFromJson } from '../../src/oci/index.js';
import { imageConfigJson } from '../../src/oci/config.js';
import { NET_RAW_CAP } from './helpers.js';

test('[image] spellings map to one ImageConfig; explicit empty entrypoint is kept', () => {
  const a = imageConfigFrom({ workingdir: '/srv', stopsignal: 'SIGINT', exposed_ports: ['80'], entrypoint: [] });
  const b = imageConfigFrom({ workdir: '/srv', stop_signal: 'SIGINT', exposed_ports: ['80'], entrypoint: [] });
  const c = imageConfigFrom({ workdir: '/srv', stopSignal: 'SIGINT', exposedPorts: ['80'], entrypoint: [], envs: {}, labels: {}, volumes: [] });
  const json = (x: ReturnType<typeof imageConfigFrom>) =>
    imageConfigJson({ image: x, platform: { architecture: 'amd64' }, created: '2023-11-14T22:13:20Z', diffIds: [], layerComments: [] }).toString();
  assert.equal(json(a), json(b));
  assert.equal(json(a), json(c));
  const cfg = JSON.parse(json(a)) as { config: Record<string, unknown> };
  assert.deepEqual(cfg.config.Entrypoint, []);
  assert.equal(cfg.config.Cmd, undefined);
  assert.deepEqual(cfg.config.ExposedPorts, { '80/tcp': {} });
  assert.throws(() => imageConfigFrom({ entrypont: ['/x'] }), /unknown field/);
  assert.throws(() => imageConfigFrom({ cmd: [{}] }), /cmd: expected a list of strings/);
  assert.throws(() => json(imageConfigFrom({ exposed_ports: ['http'] })), /exposed port "http"/);
});

test('ownership manifest of the rootfs stage (entries, full st_mode, hex caps, NEVRA pkg)', () => {
  const lookup = metaFromJson({
    version: 1,
    root: '/x',
    entries: [
      { path: '/usr/bin/ping', uid: 0, gid: 0, user: 'root', group: 'root', mode: 0o104755, caps: NET_RAW_CAP.toString('hex'), capsText: 'cap_net_raw=ep', pkg: 'iputils-20221126-1.x86_64' },
      { path: '/usr/bin/arping', uid: 0, gid: 0, user: 'root', group: 'root', mode: 0o100755, capsText: 'cap_net_raw=p', pkg: 'iputils-20221126-1.x86_64' },
      { path: '/var/lib/app', uid: 990, gid: 990, user: 'app', group: 'app', mode: 0o40750, pkg: 'app-1-1.noarch' },
    ],
  });
  const ping = lookup('usr/bin/ping')!;
  assert.equal(ping.mode, 0o4755);
  assert.deepEqual(ping.xattrs?.['security.capability'], NET_RAW_CAP);
  assert.equal(ping.pkg, 'iputils-20221126-1.x86_64');
  assert.equal(lookup('usr/bin/arping')!.xattrs?.['security.capability'].readUInt32LE(0), 0x02000000);
  assert.deepEqual({ ...lookup('var/lib/app') }, { uid: 990, gid: 990, uname: 'app', gname: 'app', mode: 0o750, xattrs: undefined, pkg: 'app-1-1.noarch', mtime: undefined });
  assert.equal(lookup('etc/none'), undefined);
  // A plain map with base64 caps works too.
  const m2 = metaFromJson({ './usr/bin/x': { uid: 1, gid: 2, caps: NET_RAW_CAP.toString('base64'), mode: '4755' } });
  assert.deepEqual(m2('usr/bin/x')!.xattrs?.['security.capability'], NET_RAW_CAP);
  assert.equal(m2('usr/bin/x')!.mode, 0o4755);
  assert.throws(() => metaFromJson([{ uid: 0 }]), /missing "path"/);
});
