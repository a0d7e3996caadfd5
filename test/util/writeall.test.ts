// writeAll: pieces written without joining them, resumed after short writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FileHandle } from 'node:fs/promises';
import { open, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { writeAll } from '../../src/util/writeall.js';
import { RpmkitError } from '../../src/errors.js';
import { tempDir } from '../helpers/env.js';

test('every byte of the pieces reaches the file, in order', async (t) => {
  const file = path.join(tempDir(t), 'f');
  const parts = [Buffer.from('ab'), Buffer.alloc(0), Buffer.alloc(70_000, 7), Buffer.from('z')];
  const fh = await open(file, 'w');
  await writeAll(fh, parts, file);
  await fh.close();
  assert.deepEqual(await readFile(file), Buffer.concat(parts));
});

test('short writes resume mid-piece; a write that makes no progress is an error', async () => {
  const got: number[] = [];
  // A handle that takes at most 3 bytes per call.
  const short = {
    async writev(bufs: Uint8Array[]) {
      let n = 0;
      for (const b of bufs) for (const x of b) if (n < 3) (got.push(x), n++);
      return { bytesWritten: n, buffers: bufs };
    },
  } as unknown as FileHandle;
  const parts = [Uint8Array.of(1, 2), Uint8Array.of(3, 4, 5, 6, 7), Uint8Array.of(), Uint8Array.of(8)];
  await writeAll(short, parts, 'short');
  assert.deepEqual(got, [1, 2, 3, 4, 5, 6, 7, 8]);
  const stuck = { writev: async (bufs: Uint8Array[]) => ({ bytesWritten: 0, buffers: bufs }) } as unknown as FileHandle;
  await assert.rejects(writeAll(stuck, [Uint8Array.of(1)], 'stuck'), (e: unknown) => e instanceof RpmkitError && e.code === 'IO_ERROR');
});
