// `rpmkit init`: write a commented starter rpmkit.toml, or convert the
// rpmoci.toml next to it (rpmkit reads rpmoci.toml unchanged; the only
// difference is the docs default, which the conversion writes out).
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { inputDigest, parseManifest } from '../../config/index.js';
import { RpmkitError } from '../../errors.js';
import { writeFileAtomic } from '../../util/atomic.js';
import { globals, output } from '../options.js';

const q = (s: string) => JSON.stringify(s);

export function starterManifest(repos: string[] = [], packages: string[] = []): string {
  const list = (items: string[], examples: string[]) =>
    items.length ? `[\n${items.map((i) => `  ${q(i)},\n`).join('')}]` : `[\n${examples.map((e) => `  # ${e},\n`).join('')}]`;
  return `# rpmkit manifest: which packages go into the root filesystem / image, and
# from where. Full reference: docs/manifest.md. rpmoci.toml files are
# accepted unchanged.

[contents]
# Repositories: a URL ($releasever, $basearch and $arch are substituted), a
# path relative to this file ("./repo"), a table with dnf options, or the id
# of a repository defined in /etc/yum.repos.d.
repositories = ${list(repos, [
    '"https://dl.fedoraproject.org/pub/fedora/linux/releases/$releasever/Everything/$basearch/os/"',
    '{ id = "updates", url = "https://example.org/updates/$basearch/", options = { priority = "10" } }',
  ])}
# Package names, globs ("python3-*"), provides ("/usr/bin/python3") or local .rpm files.
packages = ${list(packages, ['"bash"'])}
# Keys package signatures are checked against (URLs, or paths relative to this file).
gpgkeys = []
# docs = true         # install %doc files (false: smaller images)
# weak_deps = false   # install Recommends/Supplements
# exclude = []        # packages that must never be installed
# os_release = true   # also install whatever provides /etc/os-release

[image]
# entrypoint = ["/usr/bin/bash"]
# cmd = []
# user = "1000"
# workdir = "/"
# exposed_ports = ["8080/tcp"]
# volumes = ["/data"]
# stop_signal = "SIGTERM"
# envs = { LANG = "C.UTF-8" }
# labels = { "org.opencontainers.image.title" = "my-image" }
`;
}

/** rpmoci.toml text -> rpmkit.toml text with the same meaning. */
export function convertRpmoci(text: string, from: string): string {
  let body = text;
  // rpmoci leaves %doc files out unless docs = true; rpmkit installs them by default.
  const lines = body.split('\n');
  let inContents = false;
  let hasDocs = false;
  let contentsLine = -1;
  lines.forEach((l, i) => {
    const h = /^\s*\[([^\]]*)\]/.exec(l);
    if (h && !l.trim().startsWith('[[')) {
      inContents = h[1].trim() === 'contents';
      if (inContents) contentsLine = i;
    } else if (/^\s*\[\[/.test(l)) inContents = false;
    else if (inContents && /^\s*docs\s*=/.test(l)) hasDocs = true;
  });
  if (!hasDocs && contentsLine >= 0) {
    lines.splice(contentsLine + 1, 0, '# rpmoci leaves documentation out by default; rpmkit installs it unless told not to.', 'docs = false');
    body = lines.join('\n');
  }
  return `# Converted from ${path.basename(from)} by \`rpmkit init\`. rpmkit reads rpmoci.toml
# unchanged; this copy only makes rpmoci's defaults explicit.
# Reference: docs/manifest.md
${body.endsWith('\n') ? body : `${body}\n`}`;
}

export function register(program: Command): void {
  program
    .command('init')
    .description('write a starter rpmkit.toml (or convert ./rpmoci.toml)')
    .option('--force', 'overwrite an existing manifest')
    .option('--from <rpmoci.toml>', 'convert this rpmoci.toml (default: ./rpmoci.toml when present)')
    .option('--empty', 'write the starter template even when rpmoci.toml exists')
    .option('--repo <url...>', 'repositories to list in the starter manifest')
    .option('-p, --package <spec...>', 'packages to list in the starter manifest')
    .action(async (opts: { force?: boolean; from?: string; empty?: boolean; repo?: string[]; package?: string[] }, cmd: Command) => {
      const g = globals(cmd);
      const out = output(cmd);
      const target = path.resolve(g.file ?? 'rpmkit.toml');
      if (existsSync(target) && !opts.force) {
        throw new RpmkitError('USAGE', `${path.relative(process.cwd(), target) || target} already exists`, { hint: 'pass --force to overwrite it', details: { file: target } });
      }
      const auto = path.resolve('rpmoci.toml');
      const from = opts.from ? path.resolve(opts.from) : !opts.empty && !opts.repo && !opts.package && existsSync(auto) && auto !== target ? auto : undefined;
      let text: string;
      if (from) {
        let src: string;
        try {
          src = readFileSync(from, 'utf8');
        } catch (e) {
          throw new RpmkitError('CONFIG_NOT_FOUND', `cannot read ${from}: ${(e as Error).message}`, { cause: e });
        }
        text = convertRpmoci(src, from);
        // The conversion must mean the same thing; host repo ids missing here are not our concern.
        try {
          const a = parseManifest(src, from.replace(/[^/]*$/, 'rpmoci.toml'), { displayPath: from });
          const b = parseManifest(text, target);
          if (inputDigest(a) !== inputDigest(b) || a.contents.docs !== b.contents.docs) {
            throw new RpmkitError('INTERNAL', `converting ${from} changed its meaning`);
          }
        } catch (e) {
          if (!(e instanceof RpmkitError && e.code === 'REPO_UNKNOWN')) throw e;
          out.warn(`${e.message} (kept as written)`);
        }
      } else {
        text = starterManifest(opts.repo, opts.package);
        parseManifest(text, target);
      }
      await writeFileAtomic(target, text);
      const shown = path.relative(process.cwd(), target) || target;
      out.result({ written: target, convertedFrom: from ?? null }, () => (from ? `wrote ${shown} (converted from ${path.relative(process.cwd(), from) || from})` : `wrote ${shown}`));
    });
}
