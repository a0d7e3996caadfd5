// Image config and manifest documents. Objects are built in a fixed key
// order and serialised without whitespace, so equal inputs give equal bytes.
import { RpmkitError } from '../errors.js';
import type { ImageConfig } from './types.js';

/** rpmoci's default PATH (src/config.rs), used when `envs` has none. */
export const DEFAULT_PATH = '/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin';

export const MEDIA = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  index: 'application/vnd.oci.image.index.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
} as const;

export interface Platform {
  architecture: string;
  variant?: string;
}

const ARCH: Record<string, Platform> = {
  x86_64: { architecture: 'amd64' },
  amd64: { architecture: 'amd64' },
  aarch64: { architecture: 'arm64', variant: 'v8' },
  arm64: { architecture: 'arm64', variant: 'v8' },
  i386: { architecture: '386' },
  i486: { architecture: '386' },
  i586: { architecture: '386' },
  i686: { architecture: '386' },
  '386': { architecture: '386' },
  armv7hl: { architecture: 'arm', variant: 'v7' },
  armv7l: { architecture: 'arm', variant: 'v7' },
  armv6hl: { architecture: 'arm', variant: 'v6' },
  arm: { architecture: 'arm', variant: 'v7' },
  ppc64le: { architecture: 'ppc64le' },
  ppc64: { architecture: 'ppc64' },
  s390x: { architecture: 's390x' },
  riscv64: { architecture: 'riscv64' },
  loongarch64: { architecture: 'loong64' },
  mips64el: { architecture: 'mips64le' },
};

/** OCI platform of an RPM (lock) architecture. */
export function ociPlatform(arch: string): Platform {
  const p = ARCH[arch];
  if (!p) {
    throw new RpmkitError('USAGE', `unknown architecture "${arch}" for an image`, {
      hint: `use one of ${Object.keys(ARCH).join(', ')} (noarch is not a machine architecture: pass the lock's --arch)`,
    });
  }
  return p;
}

/** RFC 3339 without fractions: what registries and Go parse everywhere. */
export function rfc3339(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function sortedRecord<T>(r: Record<string, T> | undefined): Record<string, T> | undefined {
  if (!r || Object.keys(r).length === 0) return undefined;
  const out: Record<string, T> = {};
  for (const k of Object.keys(r).sort()) out[k] = r[k];
  return out;
}

function setOf(keys: string[] | undefined): Record<string, Record<string, never>> | undefined {
  if (!keys || keys.length === 0) return undefined;
  const out: Record<string, Record<string, never>> = {};
  for (const k of [...new Set(keys)].sort()) out[k] = {};
  return out;
}

function normalisePort(p: string): string {
  const s = String(p).trim();
  if (!/^\d{1,5}(\/(tcp|udp|sctp))?$/.test(s)) {
    throw new RpmkitError('CONFIG_INVALID', `exposed port "${s}" is not PORT or PORT/tcp|udp|sctp`);
  }
  return s.includes('/') ? s : `${s}/tcp`;
}

export interface ConfigInput {
  image: ImageConfig;
  platform: Platform;
  created: string;
  diffIds: string[];
  /** One comment per layer for the history (e.g. the packages in it). */
  layerComments: string[];
}

export function imageConfigJson(c: ConfigInput): Buffer {
  const img = c.image;
  const envs: Record<string, string> = { ...(img.envs ?? {}) };
  if (envs.PATH === undefined) envs.PATH = DEFAULT_PATH;
  for (const k of Object.keys(envs)) {
    if (!k || k.includes('=')) throw new RpmkitError('CONFIG_INVALID', `environment variable name "${k}" is invalid`);
  }
  const cfg: Record<string, unknown> = {
    User: img.user || undefined,
    ExposedPorts: setOf(img.exposed_ports?.map(normalisePort)),
    Env: Object.keys(envs).sort().map((k) => `${k}=${envs[k]}`),
    // Written when set, even empty: an explicit [] differs from "inherit" in OCI.
    Entrypoint: img.entrypoint,
    Cmd: img.cmd,
    Volumes: setOf(img.volumes),
    WorkingDir: img.workdir || undefined,
    Labels: sortedRecord(img.labels),
    StopSignal: img.stop_signal || undefined,
  };
  const doc = {
    created: c.created,
    author: img.author || undefined,
    architecture: c.platform.architecture,
    variant: c.platform.variant,
    os: 'linux',
    config: cfg,
    rootfs: { type: 'layers', diff_ids: c.diffIds },
    history: c.layerComments.map((comment) => ({ created: c.created, created_by: 'rpmkit', comment })),
  };
  return Buffer.from(JSON.stringify(doc));
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string; variant?: string };
}

export function manifestJson(config: Descriptor, layers: Descriptor[], annotations?: Record<string, string>): Buffer {
  const doc = {
    schemaVersion: 2,
    mediaType: MEDIA.manifest,
    config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
    annotations: sortedRecord(annotations),
  };
  return Buffer.from(JSON.stringify(doc));
}
