// Directory resolution inside a root against the kernel's own: the same
// 40-link limit whether a path is resolved in one walk or continued from a
// cached ancestor, and the same directory at the end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, realpathSync, statSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';
import { resolveDirSync } from '../../src/rootfs/paths.js';
import { tempDir } from '../helpers/env.js';

/** `count` links name0 -> name1 -> ... -> target, in `dir`. */
function chain(dir: string, name: string, count: number, target: string): void {
  for (let i = 0; i < count; i++) symlinkSync(i === count - 1 ? target : `${name}${i + 1}`, path.join(dir, `${name}${i}`));
}

function rootWithChains(t: import('node:test').TestContext): string {
  const root = tempDir(t);
  mkdirSync(path.join(root, 'd', 'sub'), { recursive: true });
  chain(root, 'l', 30, 'd'); // /l0 reaches /d through 30 links
  chain(path.join(root, 'd'), 'm', 10, 'sub'); // /d/m0 reaches /d/sub through 10
  chain(path.join(root, 'd'), 'n', 11, 'sub'); // /d/n0 through 11
  return root;
}

const tooMany = { code: 'UNSAFE_PATH', message: /too many levels of symbolic links/ };

for (const warm of [false, true]) {
  test(`links are counted over the whole path (${warm ? 'ancestor cached' : 'one walk'}), as the kernel counts them`, (t) => {
    const root = rootWithChains(t);
    const cache = new Map<string, string>();
    const resolve = (parts: string[]) => resolveDirSync(root, parts, 'pkg', `/${parts.join('/')}`, false, { cache });
    if (warm) assert.equal(resolve(['l0']), path.join(root, 'd'));
    // 30 + 10 = 40 links: allowed, and the kernel agrees.
    assert.equal(resolve(['l0', 'm0']), path.join(root, 'd', 'sub'));
    assert.equal(realpathSync(path.join(root, 'l0', 'm0')), realpathSync(path.join(root, 'd', 'sub')));
    // 30 + 11 = 41: refused, as the kernel refuses it (ELOOP).
    assert.throws(() => resolve(['l0', 'n0']), tooMany);
    assert.throws(() => statSync(path.join(root, 'l0', 'n0')), { code: 'ELOOP' });
    // The same directory reached without the long chain is fine.
    assert.equal(resolve(['d', 'n0']), path.join(root, 'd', 'sub'));
  });
}
