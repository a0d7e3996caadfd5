// Every CLI command, one file each. A command module exports `register`,
// which adds itself to the program. Keep this list sorted.
import type { Command } from 'commander';
import { register as build } from './build.js';
import { register as demo } from './demo.js';
import { register as imageFromRoot } from './image-from-root.js';
import { register as init } from './init.js';
import { register as inspect } from './inspect.js';
import { register as install } from './install.js';
import { register as installRpms } from './install-rpms.js';
import { register as lock } from './lock.js';
import { register as outdated } from './outdated.js';
import { register as provides } from './provides.js';
import { register as push } from './push.js';
import { register as repo } from './repo.js';
import { register as resolve } from './resolve.js';
import { register as search } from './search.js';
import { register as update } from './update.js';
import { register as vendor } from './vendor.js';
import { register as verify } from './verify.js';
import { register as why } from './why.js';

export type Register = (program: Command) => void;

export const commands: Register[] = [build, demo, imageFromRoot, init, inspect, install, installRpms, lock, outdated, provides, push, repo, resolve, search, update, vendor, verify, why];
