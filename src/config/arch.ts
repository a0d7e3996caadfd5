// Architecture names and the dnf substitution variables ($arch,
// $basearch, $releasever, $releasever_major/minor) that repository URLs use.
import { readFileSync } from 'node:fs';

const NODE_TO_RPM: Record<string, string> = {
  x64: 'x86_64',
  arm64: 'aarch64',
  ia32: 'i686',
  arm: 'armv7hl',
  ppc64: 'ppc64le',
  ppc: 'ppc',
  s390x: 's390x',
  s390: 's390',
  riscv64: 'riscv64',
  loong64: 'loongarch64',
  mips: 'mips',
  mipsel: 'mipsel',
};

/** The host's architecture in rpm's naming (x86_64, aarch64, ...). */
export function hostArch(nodeArch: string = process.arch): string {
  return NODE_TO_RPM[nodeArch] ?? nodeArch;
}

/** dnf's $basearch for an arch (the family rpm-md repositories are published for). */
export function basearchOf(arch: string): string {
  if (/^i[3-6]86$/.test(arch) || arch === 'athlon' || arch === 'geode') return 'i386';
  if (/^x86_64(_v\d)?$/.test(arch) || arch === 'amd64' || arch === 'ia32e') return 'x86_64';
  if (arch === 'aarch64' || arch === 'arm64') return 'aarch64';
  if (/^armv[78]h?nl$|^armv7hl$|^armv8hl$/.test(arch)) return 'armhfp';
  if (/^armv[3-7]/.test(arch)) return 'arm';
  if (arch === 'ppc64p7') return 'ppc64';
  if (arch === 'sparc64v' || arch === 'sparc64') return 'sparc64';
  if (/^sparcv/.test(arch)) return 'sparc';
  if (arch === 'alphaev6' || /^alpha/.test(arch)) return 'alpha';
  return arch;
}

/** VERSION_ID from an os-release file, or undefined. */
export function releaseverFromOsRelease(file = '/etc/os-release'): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    try {
      text = readFileSync('/usr/lib/os-release', 'utf8');
    } catch {
      return undefined;
    }
  }
  const m = /^VERSION_ID=(.*)$/m.exec(text);
  if (!m) return undefined;
  return m[1].trim().replace(/^(["'])(.*)\1$/, '$2');
}

/** The variable set dnf would use for `arch` and `releasever`. */
export function dnfVars(arch: string, releasever: string | undefined, extra: Record<string, string> = {}): Record<string, string> {
  const vars: Record<string, string> = { ...extra, arch, basearch: basearchOf(arch) };
  if (releasever !== undefined && releasever !== '') {
    vars.releasever = releasever;
    const dot = releasever.indexOf('.');
    vars.releasever_major = dot < 0 ? releasever : releasever.slice(0, dot);
    vars.releasever_minor = dot < 0 ? '' : releasever.slice(dot + 1);
  }
  return vars;
}
