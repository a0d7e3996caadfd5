// Node built-ins loaded on first use. Compiling one that is not in Node's
// start-up snapshot costs milliseconds (node:https with tls and net ~11 ms,
// node:child_process ~6 ms on the reference machine), and most commands
// never touch most of them: a warm `rpmkit resolve` needs no HTTP client,
// no child processes and no threads.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** A getter for built-in module `name`, which is loaded the first time the getter is called. */
export function lazyBuiltin<T>(name: string): () => T {
  let m: T | undefined;
  return () => (m ??= require(name) as T);
}
