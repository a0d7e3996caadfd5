// `rpmkit demo` (what `npm run demo` runs): the whole job on the bundled
// example repository, offline — look around, resolve, lock, vendor,
// install, build an image — each step as the command a user would type.
import type { Command } from 'commander';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RpmkitError } from '../../errors.js';
import { output } from '../options.js';
import { packageRoot } from '../../util/pkgroot.js';

/** examples/demo in the package. */
export const DEMO_SOURCE = path.join(packageRoot(), 'examples', 'demo');

interface Step {
  title: string;
  args: string[];
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('run the whole pipeline on the bundled example repository (no network): resolve, lock, vendor, install, build an image')
    .option('--workdir <dir>', 'where to work (default: a new temporary directory, kept so you can look at the results)')
    .action((o: { workdir?: string }, cmd: Command) => {
      const out = output(cmd);
      if (!existsSync(path.join(DEMO_SOURCE, 'rpmkit.toml'))) {
        throw new RpmkitError('NOT_FOUND', `the bundled example is missing (${DEMO_SOURCE})`, { hint: 'run the demo from a clone of the rpmkit repository' });
      }
      const work = o.workdir ? path.resolve(o.workdir) : mkdtempSync(path.join(os.tmpdir(), 'rpmkit-demo-'));
      const project = path.join(work, 'project');
      rmSync(project, { recursive: true, force: true });
      cpSync(DEMO_SOURCE, project, { recursive: true, filter: (src) => !/(^|\/)(specs|build\.sh|BUILT_WITH|rpmkit\.lock)$/.test(src) });
      const cache = path.join(work, 'cache');
      const cli = path.resolve(process.argv[1] ?? path.join(packageRoot(), 'bin', 'rpmkit'));
      const steps: Step[] = [
        { title: 'What the example repository holds', args: ['search', 'demo'] },
        { title: 'What `demo-hello` pulls in (weak deps on, as the manifest asks)', args: ['resolve', 'demo-hello', '--weak-deps', '--repo', 'demo=./repo'] },
        { title: 'Why demo-lib is in', args: ['why', 'demo-lib', 'demo-hello', '--repo', 'demo=./repo'] },
        { title: 'Lock the manifest (rpmkit.toml -> rpmkit.lock)', args: ['lock'] },
        { title: 'The lock is fresh', args: ['lock', '--check'] },
        { title: 'Vendor every locked RPM (verified) for offline builds', args: ['vendor', '--out-dir', 'vendor'] },
        { title: 'Install into a root filesystem, offline, no root needed', args: ['--vendor-dir', 'vendor', 'install', '--root', 'rootfs'] },
        { title: 'Build a reproducible OCI image from the lock', args: ['--vendor-dir', 'vendor', 'build', '--image', 'image', '--tag', 'demo'] },
      ];
      out.info(`rpmkit demo — working in ${work}\n`);
      for (const [i, s] of steps.entries()) {
        process.stdout.write(`\n== ${i + 1}. ${s.title}\n$ rpmkit ${s.args.join(' ')}\n`);
        // Progress goes to stderr and results to stdout, interleaved as a user would see them.
        const r = spawnSync(process.execPath, [cli, '--cache-dir', cache, ...s.args], { cwd: project, stdio: ['ignore', 'inherit', 'inherit'] });
        if (r.status !== 0) {
          throw new RpmkitError('INTERNAL', `demo step "rpmkit ${s.args.join(' ')}" failed with exit code ${r.status}`, { hint: `look at ${project}` });
        }
      }
      const index = JSON.parse(readFileSync(path.join(project, 'image', 'index.json'), 'utf8')) as { manifests: { digest: string; size: number; annotations?: Record<string, string> }[] };
      const m = index.manifests.find((x) => x.annotations?.['org.opencontainers.image.ref.name'] === 'demo');
      process.stdout.write(
        [
          '',
          '== Done',
          `image:   ${path.join(project, 'image')}:demo`,
          `digest:  ${m?.digest ?? '?'}`,
          `lock:    ${path.join(project, 'rpmkit.lock')}`,
          '',
          'Copy it anywhere skopeo can write, and run it:',
          `  skopeo copy oci:${path.join(project, 'image')}:demo docker-daemon:rpmkit-demo:latest`,
          `  skopeo copy oci:${path.join(project, 'image')}:demo docker://localhost:5000/rpmkit-demo:latest --dest-tls-verify=false`,
          `  rpmkit push --image ${path.join(project, 'image')} --tag demo localhost:5000/rpmkit-demo:latest`,
          '  podman run --rm localhost:5000/rpmkit-demo:latest',
          '',
          'Rebuild it (same digest, the build is reproducible):',
          `  cd ${project} && rpmkit --vendor-dir vendor build --image image2 --tag demo`,
          '',
        ].join('\n'),
      );
    });
}
