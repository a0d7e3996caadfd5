// Test helper: build small, real RPMs with rpmbuild from a description of
// their files (content, symlinks, hardlinks, %doc/%license/%lang/%ghost/
// %config/%caps/%attr), uncompressed by default so tests can byte-patch them.
import { mkdirSync, writeFileSync, readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

export interface TestFile {
  path: string;
  /** Regular file content (default ''). */
  content?: string;
  /** Make a symlink with this target. */
  symlink?: string;
  /** Make a hardlink to this other path of the same package. */
  hardlink?: string;
  dir?: boolean;
  /** A FIFO made in the build root. */
  fifo?: boolean;
  /** A regular file of this many bytes (a repeating pattern), made in the build root. */
  bytes?: number;
  /** %files line prefix, e.g. '%doc', '%license', '%lang(de)', '%ghost', '%config(noreplace)', '%caps(cap_net_raw=ep)', '%attr(4755,root,root)'. */
  directive?: string;
}

export interface TestPackage {
  name: string;
  version?: string;
  release?: string;
  files: TestFile[];
  requires?: string[];
  provides?: string[];
  /** Scriptlets: phase -> body (e.g. { post: 'echo hi' }). */
  scripts?: Record<string, string>;
  /** rpm payload setting (default uncompressed 'w0.ufdio'). */
  payload?: string;
}

/** Build each package; returns the .rpm paths in the same order. */
export function buildRpms(dir: string, pkgs: TestPackage[]): string[] {
  return pkgs.map((p) => buildRpm(dir, p));
}

export function buildRpm(dir: string, p: TestPackage): string {
  const top = path.join(dir, `build-${p.name}`);
  const out = path.join(dir, 'rpms');
  mkdirSync(top, { recursive: true });
  mkdirSync(out, { recursive: true });
  const install: string[] = [];
  const files: string[] = [];
  for (const f of p.files) {
    const br = `%{buildroot}${f.path}`;
    if (!f.directive?.startsWith('%ghost') && !f.directive?.includes('%dev(')) {
      install.push(`mkdir -p "$(dirname "${br}")"`);
      if (f.dir) install.push(`mkdir -p "${br}"`);
      else if (f.fifo) install.push(`mkfifo "${br}"`);
      else if (f.symlink !== undefined) install.push(`ln -s '${f.symlink}' "${br}"`);
      else if (f.hardlink) install.push(`ln "%{buildroot}${f.hardlink}" "${br}"`);
      else if (f.bytes !== undefined) install.push(`yes rpmkit | head -c ${f.bytes} > "${br}"`);
      else install.push(`echo '${Buffer.from(f.content ?? '').toString('base64')}' | base64 -d > "${br}"`);
    }
    files.push(`${f.directive ? `${f.directive} ` : ''}${f.dir ? '%dir ' : ''}${f.path}`);
  }
  const scripts = Object.entries(p.scripts ?? {}).map(([phase, body]) => `%${phase}\n${body}\n`);
  const spec = `Name: ${p.name}
Version: ${p.version ?? '1'}
Release: ${p.release ?? '1'}
Summary: test package ${p.name}
License: MIT
BuildArch: noarch
${(p.requires ?? []).map((r) => `Requires: ${r}`).join('\n')}
${(p.provides ?? []).map((r) => `Provides: ${r}`).join('\n')}
%define _binary_payload ${p.payload ?? 'w0.ufdio'}
%define _build_id_links none
%define __os_install_post %{nil}
%define _source_date_epoch_from_changelog 0
%description
test package
%install
${install.join('\n')}
${scripts.join('\n')}
%files
%defattr(-,root,root,-)
${files.join('\n')}
`;
  const specPath = path.join(top, `${p.name}.spec`);
  writeFileSync(specPath, spec);
  const r = spawnSync('rpmbuild', ['-bb', '--define', `_topdir ${top}`, '--define', `_rpmdir ${out}`, '--define', '_build_name_fmt %{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}.rpm', specPath], {
    encoding: 'utf8',
    env: { ...process.env, SOURCE_DATE_EPOCH: '1700000000' },
  });
  if (r.status !== 0) throw new Error(`rpmbuild ${p.name} failed: ${r.stderr}\n${spec}`);
  const name = `${p.name}-${p.version ?? '1'}-${p.release ?? '1'}.noarch.rpm`;
  if (!readdirSync(out).includes(name)) throw new Error(`rpmbuild did not produce ${name}`);
  return path.join(out, name);
}

/**
 * Recompute an unsigned package's digests after it was byte-patched (payload
 * digest in the header, header SHA-1/SHA-256 and header+payload MD5 in the
 * signature), as someone crafting a hostile package would: digests are no
 * defence, so the installer's own checks must catch what follows.
 */
export function fixDigests(file: string): void {
  const b = readFileSync(file);
  const entries = (off: number) => {
    const il = b.readUInt32BE(off + 8);
    const dl = b.readUInt32BE(off + 12);
    const data = off + 16 + il * 16;
    const list = new Map<number, { type: number; offset: number; count: number }>();
    for (let i = 0; i < il; i++) {
      const e = off + 16 + i * 16;
      list.set(b.readUInt32BE(e), { type: b.readUInt32BE(e + 4), offset: data + b.readUInt32BE(e + 8), count: b.readUInt32BE(e + 12) });
    }
    return { list, end: data + dl };
  };
  const sig = entries(96);
  const hdrOff = sig.end + ((8 - ((sig.end - 96) % 8)) % 8);
  const hdr = entries(hdrOff);
  const payload = b.subarray(hdr.end);
  // PAYLOADDIGEST and PAYLOADDIGESTALT (the same for the uncompressed payloads built here).
  for (const tag of [5092, 5097]) {
    const pd = hdr.list.get(tag);
    if (pd) b.write(createHash('sha256').update(payload).digest('hex'), pd.offset, 'latin1');
  }
  const header = b.subarray(hdrOff, hdr.end);
  const sha1 = sig.list.get(269);
  if (sha1) b.write(createHash('sha1').update(header).digest('hex'), sha1.offset, 'latin1');
  const sha256 = sig.list.get(273);
  if (sha256) b.write(createHash('sha256').update(header).digest('hex'), sha256.offset, 'latin1');
  const md5 = sig.list.get(1004);
  if (md5) createHash('md5').update(header).update(payload).digest().copy(b, md5.offset);
  writeFileSync(file, b);
}
