// Test helper: build small, real RPMs with rpmbuild from a description of
// their files (content, symlinks, hardlinks, %doc/%license/%lang/%ghost/
// %config/%caps/%attr), uncompressed by default so tests can byte-patch them.
import { mkdirSync, writeFileSync, readdirSync } from 'node:fs';
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
