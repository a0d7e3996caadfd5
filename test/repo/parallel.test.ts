// Parsing primary.xml on worker threads (RPMKIT_PARSE_THREADS=2) gives the
// same pool, in the same order, as the saxes reference parser; the cache entry
// it writes reads back the same; bad input still gives METADATA_INVALID.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as path from 'node:path';
import { loadRepo, parsePrimary, decompressChunks, repoFromUrl } from '../../src/repo/index.js';
import { parsePrimaryParallel } from '../../src/repo/parallel.js';
import { sortPoolOrder } from '../../src/repo/order.js';
import { assemblePool } from '../../src/repo/cache.js';
import { RpmkitError } from '../../src/errors.js';
import { sharedPath, tempDir } from '../helpers/env.js';
import { plain } from './helpers.js';

function primaryOf(repo: string): string {
  const f = readdirSync(path.join(repo, 'repodata')).find((n) => /primary\.xml\.gz$/.test(n));
  if (!f) throw new Error(`no primary in ${repo}`);
  return path.join(repo, 'repodata', f);
}

function* pieces(b: Buffer, n: number): Generator<Buffer> {
  for (let i = 0; i < b.length; i += n) yield b.subarray(i, i + n);
}

test('two parser threads load AppStream exactly as the reference parser (cold and from cache)', async (t) => {
  const dir = sharedPath(t, 'data/repodata/centos-stream9-appstream');
  if (!dir) return;
  const prev = process.env.RPMKIT_PARSE_THREADS;
  process.env.RPMKIT_PARSE_THREADS = '2';
  try {
    const cacheDir = tempDir(t);
    const cold = await loadRepo(repoFromUrl(dir, 'r'), { cacheDir });
    const f = primaryOf(dir);
    const ref = await parsePrimary(decompressChunks(readFileSync(f), 'gz', f, 1e10), { repoId: 'r', what: f });
    // loadRepo hands out the packages in the canonical pool order (repo/order.ts), not the XML's.
    sortPoolOrder(ref.packages);
    assert.equal(cold.packages.length, ref.packages.length);
    assert.deepEqual(plain(cold.packages), plain(ref.packages));
    const warm = await loadRepo(repoFromUrl(dir, 'r'), { cacheDir });
    assert.deepEqual(plain(warm.packages), plain(ref.packages));
  } finally {
    if (prev === undefined) delete process.env.RPMKIT_PARSE_THREADS;
    else process.env.RPMKIT_PARSE_THREADS = prev;
  }
});

test('small pieces, many of them: order is kept; truncation and garbage are METADATA_INVALID', async (t) => {
  const dir = sharedPath(t, 'data/repodata/centos-stream9-baseos');
  if (!dir) return;
  const f = primaryOf(dir);
  const xml = gunzipSync(readFileSync(f));
  const ref = await parsePrimary(decompressChunks(xml, 'none', f, 1e10), { repoId: 'r', what: f });
  const got = await parsePrimaryParallel(pieces(xml, 20000), { what: 'doc', pieceSize: 64 * 1024 });
  assert.ok(got.order.length / 2 > 10, 'several pieces');
  const meta = { repoId: 'r', repomdChecksum: 'x', baseUrl: '', packageCount: got.count, dataTypes: [] };
  assert.deepEqual(plain(assemblePool(meta, undefined, got.segments, got.order, 'r').packages), plain(ref.packages));
  const bad = async (doc: Buffer, why: string) => {
    await assert.rejects(
      parsePrimaryParallel(pieces(doc, 20000), { what: 'doc', pieceSize: 64 * 1024 }),
      (e: unknown) => e instanceof RpmkitError && e.code === 'METADATA_INVALID',
      why,
    );
  };
  await bad(xml.subarray(0, Math.floor(xml.length * 0.7)), 'truncated');
  const mid = xml.indexOf('</package>', Math.floor(xml.length / 2));
  await bad(Buffer.concat([xml.subarray(0, mid), Buffer.from('<oops>'), xml.subarray(mid)]), 'unbalanced tag in a later piece');
});
