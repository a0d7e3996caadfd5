// rpmkit's command line: global flags, the command list and the single place
// where errors become messages and exit codes.
import { Command, CommanderError } from 'commander';
import { RpmkitError, EXIT } from '../errors.js';
import { commandsFor } from './commands/index.js';
import { packageVersion } from '../util/pkgroot.js';

/** The program with its global options; commands are registered by main (see commandsFor). */
export function buildProgram(): Command {
  const program = new Command('rpmkit')
    .description('Lockfile-first RPM dependency management: resolve, lock, vendor, install and build OCI images')
    .version(packageVersion(), '-V, --version')
    .option('-f, --file <manifest>', 'manifest to read (default: rpmkit.toml, then rpmoci.toml)')
    .option('--cache-dir <dir>', 'cache directory (default: $RPMKIT_CACHE_DIR or $XDG_CACHE_HOME/rpmkit)')
    .option('--arch <arch>', 'target architecture (default: the host)')
    .option('--json', 'machine-readable output on stdout')
    .option('-q, --quiet', 'only errors and results')
    .option('-v, --verbose', 'debug output and stack traces')
    // Global because every lock-reading command (vendor, install, build...) honours them.
    .option('--locked', 'never re-resolve: fail (exit 3) when rpmkit.lock does not match the manifest')
    .option('--vendor-dir <dir>', 'take every locked RPM from DIR (made by `rpmkit vendor`); no network')
    .showHelpAfterError('(run `rpmkit --help` for usage)')
    .exitOverride();
  return program;
}

/** The flags of the program's options that take a value: the word after one is not a command name. */
export function valueFlags(program: Command): Set<string> {
  return new Set(program.options.filter((o) => o.required || o.optional).flatMap((o) => [o.short, o.long].filter((f): f is string => f !== undefined)));
}

export function renderError(err: unknown, verbose: boolean, json: boolean): number {
  if (err instanceof RpmkitError) {
    if (json) process.stdout.write(`${JSON.stringify({ error: err.toJSON() }, null, 2)}\n`);
    process.stderr.write(`error[${err.code}]: ${err.message}\n`);
    if (err.hint) process.stderr.write(`hint: ${err.hint}\n`);
    if (verbose && err.stack) process.stderr.write(`${err.stack}\n`);
    if (err.exitCode === EXIT.internal && !verbose && err.stack) process.stderr.write(`${err.stack}\n`);
    return err.exitCode;
  }
  if (err instanceof CommanderError) {
    // commander already printed its message.
    return err.exitCode === 0 ? 0 : EXIT.usage;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  process.stderr.write(`internal error: ${e.message}\n${e.stack ?? ''}\nThis is a bug in rpmkit; please report it with the command you ran.\n`);
  return EXIT.internal;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  for (const register of await commandsFor(argv, valueFlags(program))) register(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    const opts = program.opts() as { verbose?: boolean; json?: boolean };
    return renderError(err, Boolean(opts.verbose) || argv.includes('-v') || argv.includes('--verbose'), Boolean(opts.json) || argv.includes('--json'));
  }
}

