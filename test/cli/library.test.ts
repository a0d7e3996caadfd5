// The package's library entry points (package.json exports): the root with
// every stage as a namespace, and each stage on its own subpath, as the
// README and docs show them. Resolved through the package's own name, the
// way a user's `import ... from 'rpmkit/repo'` is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ROOT } from '../helpers/env.js';

test('rpmkit and rpmkit/<stage> import from the built package', async () => {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
  const root = (await import('rpmkit')) as unknown as Record<string, Record<string, unknown>>;
  for (const sub of Object.keys(pkg.exports).filter((k) => k !== '.')) {
    const stage = sub.slice(2);
    const mod = (await import(`rpmkit/${stage}`)) as Record<string, unknown>;
    assert.ok(Object.keys(mod).length > 0, `rpmkit/${stage} exports something`);
    assert.deepEqual(Object.keys(root[stage] ?? {}).sort(), Object.keys(mod).sort(), `rpmkit's ${stage} namespace is rpmkit/${stage}`);
  }
  const { loadRepos } = (await import('rpmkit/repo')) as { loadRepos: unknown };
  const { vendorPackages } = (await import('rpmkit/fetch')) as { vendorPackages: unknown };
  assert.equal(typeof loadRepos, 'function');
  assert.equal(typeof vendorPackages, 'function');
  assert.equal(typeof (root as unknown as { RpmkitError: unknown }).RpmkitError, 'function');
});
