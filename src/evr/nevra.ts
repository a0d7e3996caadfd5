// NEVRA strings: "name-[epoch:]version-release.arch", as in file names and
// user specs. Also accepts rpm's "epoch:name-version-release.arch".
import { type EVR, formatEVR } from './evr.js';

export interface NEVRA extends EVR {
  name: string;
  arch?: string;
}

/** Architectures rpm knows; used to tell "foo-1-2.x86_64" from "foo-1-2.fc39". */
export const KNOWN_ARCHES = new Set([
  'noarch', 'src', 'nosrc', 'x86_64', 'i386', 'i486', 'i586', 'i686', 'athlon', 'amd64', 'ia32e', 'x86_64_v2', 'x86_64_v3', 'x86_64_v4',
  'aarch64', 'armv7hl', 'armv7l', 'armv6hl', 'armhfp', 'ppc', 'ppc64', 'ppc64le', 'ppc64p7', 's390', 's390x', 'riscv64', 'loongarch64', 'mips', 'mipsel', 'mips64', 'mips64el', 'sparc', 'sparc64', 'ia64', 'alpha',
]);

/**
 * Parse a full NEVRA. With `requireArch` false, a trailing ".xyz" is taken as
 * the arch only if it names a known architecture.
 */
export function parseNEVRA(s: string, requireArch = true): NEVRA | undefined {
  let str = s.endsWith('.rpm') ? s.slice(0, -4) : s;
  let arch: string | undefined;
  const dot = str.lastIndexOf('.');
  if (dot > 0) {
    const a = str.slice(dot + 1);
    if (requireArch || KNOWN_ARCHES.has(a)) {
      arch = a;
      str = str.slice(0, dot);
    }
  }
  if (requireArch && !arch) return undefined;
  let leadingEpoch: string | undefined;
  const m = /^(\d+):/.exec(str);
  if (m) {
    leadingEpoch = m[1];
    str = str.slice(m[0].length);
  }
  const r = str.lastIndexOf('-');
  if (r <= 0) return undefined;
  const v = str.lastIndexOf('-', r - 1);
  if (v <= 0) return undefined;
  const name = str.slice(0, v);
  let version = str.slice(v + 1, r);
  const release = str.slice(r + 1);
  let epoch = leadingEpoch;
  const c = version.indexOf(':');
  if (c >= 0) {
    if (epoch !== undefined || !/^\d*$/.test(version.slice(0, c))) return undefined;
    epoch = version.slice(0, c) || '0';
    version = version.slice(c + 1);
  }
  if (!name || !version || !release) return undefined;
  const out: NEVRA = { name, version, release };
  if (epoch !== undefined) out.epoch = epoch;
  if (arch !== undefined) out.arch = arch;
  return out;
}

/** "name-[epoch:]version-release.arch" with the epoch only when non-zero. */
export function formatNEVRA(n: NEVRA): string {
  return `${n.name}-${formatEVR(n)}${n.arch ? `.${n.arch}` : ''}`;
}
