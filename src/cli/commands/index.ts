// Every CLI command, one file each. A command module exports `register`,
// which adds itself to the program. The modules are imported on demand:
// a command pulls in its pipeline stages (XML parsers, compressors, the
// solver...), and loading all of them costs more start-up time than most
// commands take to run. Keep this list sorted.
import type { Command } from 'commander';

export type Register = (program: Command) => void;

type Loader = () => Promise<{ register: Register }>;

export const commandModules: Readonly<Record<string, Loader>> = {
  build: () => import('./build.js'),
  demo: () => import('./demo.js'),
  'image-from-root': () => import('./image-from-root.js'),
  init: () => import('./init.js'),
  inspect: () => import('./inspect.js'),
  install: () => import('./install.js'),
  'install-rpms': () => import('./install-rpms.js'),
  lock: () => import('./lock.js'),
  outdated: () => import('./outdated.js'),
  provides: () => import('./provides.js'),
  push: () => import('./push.js'),
  repo: () => import('./repo.js'),
  resolve: () => import('./resolve.js'),
  search: () => import('./search.js'),
  update: () => import('./update.js'),
  vendor: () => import('./vendor.js'),
  verify: () => import('./verify.js'),
  why: () => import('./why.js'),
};

/**
 * The command an argument list runs, when it names exactly one known
 * command; undefined for help, version, no command or a misspelt one (then
 * every command is registered, so help lists them and commander can
 * suggest the nearest name). `valueFlags`: the global options that take a
 * value (program.ts's valueFlags), whose value is skipped.
 */
export function commandNamed(argv: readonly string[], valueFlags: ReadonlySet<string>): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') return undefined;
    if (valueFlags.has(a)) {
      i++;
      continue;
    }
    if (a.startsWith('-')) continue;
    if (a === 'help') return undefined;
    return Object.hasOwn(commandModules, a) ? a : undefined;
  }
  return undefined;
}

/** Does `argv` only ask for the version (`-V`/`--version` and no command)? */
function versionOnly(argv: readonly string[], valueFlags: ReadonlySet<string>): boolean {
  let version = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') return false;
    if (valueFlags.has(a)) i++;
    else if (a === '-V' || a === '--version') version = true;
    else if (!a.startsWith('-')) return false;
  }
  return version;
}

/** The register functions for `argv`: its command only, none for the version alone, or all of them. */
export async function commandsFor(argv: readonly string[], valueFlags: ReadonlySet<string>): Promise<Register[]> {
  if (versionOnly(argv, valueFlags)) return [];
  const one = commandNamed(argv, valueFlags);
  const names = one ? [one] : Object.keys(commandModules);
  return (await Promise.all(names.map((n) => (commandModules[n] as Loader)()))).map((m) => m.register);
}
