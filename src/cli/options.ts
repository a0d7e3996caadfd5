// Reading the global flags from inside a command's action.
import type { Command } from 'commander';
import { type GlobalOptions, type Output, makeOutput } from './context.js';

export function globals(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals() as GlobalOptions;
}

export function output(cmd: Command): Output {
  return makeOutput(globals(cmd));
}
