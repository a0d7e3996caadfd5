#!/usr/bin/env node
// Entry point of the rpmkit executable.
import { main } from './program.js';

process.exitCode = await main(process.argv.slice(2));
