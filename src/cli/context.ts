// What every command receives: the global flags, already parsed, and the
// output helpers that respect --json / -q / -v.
import { stderr, stdout } from 'node:process';

export interface GlobalOptions {
  file?: string;
  cacheDir?: string;
  arch?: string;
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  locked?: boolean;
  vendorDir?: string;
}

export interface Output {
  /** Result data for --json, or human text otherwise (stdout). */
  result(json: unknown, text: () => string): void;
  /** Progress and notices (stderr); silent under -q or --json. */
  info(msg: string): void;
  /** Warnings (stderr); silent only under -q. */
  warn(msg: string): void;
  /** Debug lines (stderr) under -v. */
  debug(msg: string): void;
}

export function makeOutput(g: GlobalOptions): Output {
  return {
    result(json, text) {
      if (g.json) stdout.write(`${JSON.stringify(json, null, 2)}\n`);
      else {
        const t = text();
        if (t) stdout.write(t.endsWith('\n') ? t : `${t}\n`);
      }
    },
    info(msg) {
      if (!g.quiet && !g.json) stderr.write(`${msg}\n`);
    },
    warn(msg) {
      if (!g.quiet) stderr.write(`warning: ${msg}\n`);
    },
    debug(msg) {
      if (g.verbose) stderr.write(`debug: ${msg}\n`);
    },
  };
}
