// readFrom and fileChunks: whole files, ranges, and chunks read into one reused buffer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileChunks, readFrom } from '../../src/util/readfile.js';
import { tempDir } from '../helpers/env.js';

const data = Buffer.alloc(2_500_000);
for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 11)) & 0xff;

async function collect(it: AsyncIterable<Buffer>): Promise<{ bytes: Buffer; chunks: number; buffers: Set<ArrayBufferLike> }> {
  const parts: Buffer[] = [];
  const buffers = new Set<ArrayBufferLike>();
  for await (const c of it) {
    buffers.add(c.buffer);
    parts.push(Buffer.from(c)); // a copy: the chunk is read into again
  }
  return { bytes: Buffer.concat(parts), chunks: parts.length, buffers };
}

test('fileChunks gives the bytes of a range, in chunks of one reused buffer', async (t) => {
  const file = path.join(tempDir(t), 'f');
  writeFileSync(file, data);
  const whole = await collect(fileChunks(file));
  assert.ok(whole.bytes.equals(data));
  assert.equal(whole.chunks, 3, '1 MiB chunks');
  assert.equal(whole.buffers.size, 1, 'one buffer for every chunk');
  for (const [start, end] of [[0, 1], [5, 1_048_581], [1_048_576, 2_097_152], [2_400_000, Infinity], [100, 100], [3_000_000, Infinity]] as const) {
    const got = await collect(fileChunks(file, start, end));
    assert.ok(got.bytes.equals(data.subarray(start, Math.min(end, data.length))), `[${start}, ${end})`);
  }
});

test('fileChunks and readFrom fail on a missing file; readFrom honours its limit', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'f');
  writeFileSync(file, data);
  await assert.rejects(collect(fileChunks(path.join(dir, 'missing'))), /ENOENT/);
  await assert.rejects(readFrom(path.join(dir, 'missing')), /ENOENT/);
  assert.ok((await readFrom(file, 1000))!.equals(data.subarray(1000)));
  assert.equal(await readFrom(file, 0, data.length - 1), undefined);
});
