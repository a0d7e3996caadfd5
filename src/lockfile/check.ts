// Staleness: compares the inputs recorded in a lock with the current ones
// and says *what* changed, part by part, instead of only "digest differs".
import type { Change, Lock, LockInput } from './types.js';

const READABLE: Record<string, (i: LockInput) => string> = {
  exclude: (i) => JSON.stringify([...new Set(i.exclude)].sort()),
  weak_deps: (i) => String(i.weakDeps),
  arch: (i) => i.arch,
};

/** Every difference between the lock's recorded inputs and `current`; empty means fresh. */
export function checkLock(lock: Lock, current: LockInput): Change[] {
  const was = lock.input;
  if (was.digest === current.digest) return [];
  const out: Change[] = [];
  const before = new Set(was.packages);
  const now = new Set(current.packages);
  for (const p of [...now].sort()) if (!before.has(p)) out.push({ kind: 'package-added', name: p });
  for (const p of [...before].sort()) if (!now.has(p)) out.push({ kind: 'package-removed', name: p });
  const names = [...new Set([...Object.keys(was.parts), ...Object.keys(current.parts)])].sort();
  const repoSetChanged = names.some((k) => k.startsWith('repo:') && (!(k in was.parts) || !(k in current.parts)));
  for (const k of names) {
    const a = was.parts[k];
    const b = current.parts[k];
    if (a === b) continue;
    if (k.startsWith('repo:')) {
      const id = k.slice(5);
      out.push(a === undefined ? { kind: 'repo-added', id } : b === undefined ? { kind: 'repo-removed', id } : { kind: 'repo-changed', id });
    } else if (k === 'packages') {
      // Already reported by name; only a re-spelling that keeps the set would land here.
      if (!out.some((c) => c.kind === 'package-added' || c.kind === 'package-removed')) out.push({ kind: 'option-changed', option: 'packages', from: was.packages.join(' '), to: current.packages.join(' ') });
    } else if (k === 'gpgkeys') {
      out.push({ kind: 'key-changed', key: 'gpgkeys (manifest-level signing keys)' });
    } else if (k === 'repositories') {
      if (!repoSetChanged) out.push({ kind: 'option-changed', option: 'repository order', from: 'as locked', to: 'reordered' });
    } else {
      const show = READABLE[k];
      out.push({ kind: 'option-changed', option: k, from: show ? show(was) : a === undefined ? '(unset)' : 'as locked', to: show ? show(current) : b === undefined ? '(unset)' : 'changed' });
    }
  }
  if (out.length === 0) out.push({ kind: 'option-changed', option: 'input digest', from: was.digest, to: current.digest });
  return out;
}

/** One human line per change, for `rpmkit lock --check` and `--locked`. */
export function describeChange(c: Change): string {
  switch (c.kind) {
    case 'package-added': return `package "${c.name}" was added to the manifest`;
    case 'package-removed': return `package "${c.name}" was removed from the manifest`;
    case 'repo-added': return `repository "${c.id}" was added`;
    case 'repo-removed': return `repository "${c.id}" was removed`;
    case 'repo-changed': return `repository "${c.id}" changed (URL, filters, priority, keys or options)`;
    case 'key-changed': return `${c.key} changed`;
    case 'option-changed': return `${c.option} changed: ${c.from} -> ${c.to}`;
  }
}
