// Staleness: compares the inputs recorded in a lock with the current ones
// and says *what* changed, part by part, instead of only "digest differs".
import type { Change, Lock, LockInput } from './types.js';

function diffMaps(a: Record<string, string>, b: Record<string, string>, added: (k: string) => Change, removed: (k: string) => Change, changed: (k: string) => Change): Change[] {
  const out: Change[] = [];
  for (const k of Object.keys(b).sort()) {
    if (!(k in a)) out.push(added(k));
    else if (a[k] !== b[k]) out.push(changed(k));
  }
  for (const k of Object.keys(a).sort()) if (!(k in b)) out.push(removed(k));
  return out;
}

/** Every difference between the lock's recorded inputs and `current`; empty means fresh. */
export function checkLock(lock: Lock, current: LockInput): Change[] {
  const was = lock.input;
  const out: Change[] = [];
  const before = new Set(was.packages);
  const now = new Set(current.packages);
  for (const p of current.packages) if (!before.has(p)) out.push({ kind: 'package-added', name: p });
  for (const p of was.packages) if (!now.has(p)) out.push({ kind: 'package-removed', name: p });
  const opt = (option: string, from: string, to: string) => {
    if (from !== to) out.push({ kind: 'option-changed', option, from, to });
  };
  opt('exclude', JSON.stringify(was.exclude), JSON.stringify(current.exclude));
  opt('weak_deps', String(was.weakDeps), String(current.weakDeps));
  opt('arch', was.arch, current.arch);
  const keys = new Set([...Object.keys(was.options), ...Object.keys(current.options)]);
  for (const k of [...keys].sort()) opt(k, was.options[k] ?? '(unset)', current.options[k] ?? '(unset)');
  out.push(
    ...diffMaps(was.repositories, current.repositories, (id) => ({ kind: 'repo-added', id }), (id) => ({ kind: 'repo-removed', id }), (id) => ({ kind: 'repo-changed', id })),
    ...diffMaps(was.keys, current.keys, (key) => ({ kind: 'key-added', key }), (key) => ({ kind: 'key-removed', key }), (key) => ({ kind: 'key-changed', key })),
  );
  // Only package order changed, or a part we do not break down: still stale.
  if (out.length === 0 && was.manifest !== current.manifest) {
    out.push({ kind: 'option-changed', option: 'packages (order)', from: was.packages.join(' '), to: current.packages.join(' ') });
  }
  if (out.length === 0 && was.digest !== current.digest) out.push({ kind: 'option-changed', option: 'input digest', from: was.digest, to: current.digest });
  return out;
}

/** One human line per change, for `rpmkit lock --check` and `--locked`. */
export function describeChange(c: Change): string {
  switch (c.kind) {
    case 'package-added': return `package "${c.name}" was added to the manifest`;
    case 'package-removed': return `package "${c.name}" was removed from the manifest`;
    case 'repo-added': return `repository "${c.id}" was added`;
    case 'repo-removed': return `repository "${c.id}" was removed`;
    case 'repo-changed': return `repository "${c.id}" changed (URL, filters, priority or options)`;
    case 'key-added': return `key ${c.key} was added`;
    case 'key-removed': return `key ${c.key} was removed`;
    case 'key-changed': return `key ${c.key} changed`;
    case 'option-changed': return `${c.option} changed: ${c.from} -> ${c.to}`;
  }
}
