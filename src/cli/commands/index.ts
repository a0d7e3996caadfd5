// Every CLI command, one file each. A command module exports `register`,
// which adds itself to the program. Keep this list sorted.
import type { Command } from 'commander';

export type Register = (program: Command) => void;

export const commands: Register[] = [];
