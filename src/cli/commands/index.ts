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
 * Where a command name would stand in `argv`: the first word that is not a
 * flag nor the value of a global flag that takes one (`valueFlags`, from
 * program.ts), or '--'; and the flags before it.
 */
function commandSlot(argv: readonly string[], valueFlags: ReadonlySet<string>): { word: string | undefined; flags: string[] } {
  const flags: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (valueFlags.has(a)) i++;
    else if (a !== '--' && a.startsWith('-')) flags.push(a);
    else return { word: a, flags };
  }
  return { word: undefined, flags };
}

/**
 * The command an argument list runs, when it names exactly one known
 * command; undefined for help, version, no command or a misspelt one (then
 * every command is registered, so help lists them and commander can
 * suggest the nearest name).
 */
export function commandNamed(argv: readonly string[], valueFlags: ReadonlySet<string>): string | undefined {
  const { word } = commandSlot(argv, valueFlags);
  return word !== undefined && word !== 'help' && Object.hasOwn(commandModules, word) ? word : undefined;
}

/** Does `argv` only ask for the version (`-V`/`--version` and no command)? */
function versionOnly(argv: readonly string[], valueFlags: ReadonlySet<string>): boolean {
  const { word, flags } = commandSlot(argv, valueFlags);
  return word === undefined && flags.some((f) => f === '-V' || f === '--version');
}

/** The register functions for `argv`: its command only, none for the version alone, or all of them. */
export async function commandsFor(argv: readonly string[], valueFlags: ReadonlySet<string>): Promise<Register[]> {
  if (versionOnly(argv, valueFlags)) return [];
  const one = commandNamed(argv, valueFlags);
  const names = one ? [one] : Object.keys(commandModules);
  return (await Promise.all(names.map((n) => (commandModules[n] as Loader)()))).map((m) => m.register);
}
