// The CLI loads only the module of the command being run (start-up time):
// these check that picking it from argv is right, and that help, global
// flags and misspelt commands still behave as with every command loaded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandModules, commandNamed as named, commandsFor } from '../../src/cli/commands/index.js';
import { buildProgram, valueFlags } from '../../src/cli/program.js';
import { runCli } from '../helpers/env.js';

test('commandNamed finds the command after global flags and their values', () => {
  const flags = valueFlags(buildProgram());
  assert.deepEqual([...flags].sort(), ['--arch', '--cache-dir', '--file', '--vendor-dir', '-f']);
  const commandNamed = (argv: string[]) => named(argv, flags);
  assert.equal(commandNamed(['vendor', '--out-dir', 'x']), 'vendor');
  assert.equal(commandNamed(['-q', '--cache-dir', 'lock', 'install']), 'install', 'a flag value that is also a command name');
  assert.equal(commandNamed(['-f', 'm.toml', '--arch', 'x86_64', '--vendor-dir', 'v', 'build']), 'build');
  assert.equal(commandNamed(['--json', 'repo', 'list']), 'repo');
  assert.equal(commandNamed(['install-rpms', 'a.rpm']), 'install-rpms');
  for (const none of [[], ['--help'], ['help', 'vendor'], ['vendr'], ['--', 'lock'], ['-V']]) assert.equal(commandNamed(none), undefined, none.join(' '));
});

test('help lists every command; a misspelt command gets a suggestion; global flags work before any command', () => {
  const help = runCli(['--help']);
  assert.equal(help.status, 0, help.stderr);
  for (const name of Object.keys(commandModules)) assert.match(help.stdout, new RegExp(`^  ${name}\\b`, 'm'), name);
  assert.match(help.stdout, /--locked/);
  assert.match(help.stdout, /--vendor-dir <dir>/);
  const typo = runCli(['vendr']);
  assert.equal(typo.status, 2, typo.stderr);
  assert.match(typo.stderr, /Did you mean vendor\?/);
  const sub = runCli(['--locked', '--vendor-dir', '/nonexistent', 'vendor', '--help']);
  assert.equal(sub.status, 0, sub.stderr);
  assert.match(sub.stdout, /--out-dir <dir>/);
  const version = runCli(['--version']);
  assert.equal(version.status, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
});

test('the version alone loads no command; with a command or a misspelt one it loads as usual', async () => {
  const flags = valueFlags(buildProgram());
  const count = async (argv: string[]) => (await commandsFor(argv, flags)).length;
  assert.equal(await count(['--version']), 0);
  assert.equal(await count(['-q', '--cache-dir', 'x', '-V']), 0, 'a flag value is not a command');
  assert.equal(await count(['-V', 'vendor']), 1);
  assert.equal(await count(['--version', 'vendr']), Object.keys(commandModules).length);
  assert.equal(await count(['--help']), Object.keys(commandModules).length);
});
