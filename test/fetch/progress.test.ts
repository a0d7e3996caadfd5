// The download progress reporter in plain (non-TTY) mode: one line per
// downloaded file, retries and a summary; nothing under -q/--json except
// warnings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { progressReporter } from '../../src/cli/commands/vendor.js';
import type { Output } from '../../src/cli/context.js';
import type { FetchEvent } from '../../src/fetch/index.js';

function capture(): { out: Output; lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    out: { result: () => {}, info: (m) => lines.push(`info: ${m}`), warn: (m) => lines.push(`warn: ${m}`), debug: (m) => lines.push(`debug: ${m}`) },
  };
}

const EVENTS: FetchEvent[] = [
  { type: 'start', files: 3, bytes: 3_000_000 },
  { type: 'file-start', name: 'a-1-1.x86_64', url: 'http://x/a.rpm' },
  { type: 'progress', name: 'a-1-1.x86_64', delta: 1_000_000 },
  { type: 'file-done', name: 'a-1-1.x86_64', source: 'network', bytes: 1_000_000 },
  { type: 'retry', name: 'b-1-1.x86_64', url: 'http://x/b.rpm', attempt: 1, reason: 'HTTP 503' },
  { type: 'mirror-failed', name: 'b-1-1.x86_64', url: 'http://x/b.rpm', reason: 'HTTP 500' },
  { type: 'file-done', name: 'b-1-1.x86_64', source: 'network', bytes: 1_000_000 },
  { type: 'file-done', name: 'c-1-1.x86_64', source: 'cache', bytes: 1_000_000 },
  { type: 'done', files: 3, bytes: 3_000_000, downloaded: 2_000_000, ms: 500 },
];

test('plain lines when stderr is not a TTY', () => {
  const c = capture();
  const r = progressReporter(c.out, {});
  for (const e of EVENTS) r.onEvent(e);
  r.stop();
  assert.equal(c.lines[0], 'info: fetching 3 packages (3.0 MB)');
  assert.ok(c.lines.includes('info:   [1/3] a-1-1.x86_64 (1.0 MB)'));
  assert.ok(c.lines.some((l) => l.startsWith('info:   retrying b-1-1.x86_64 (attempt 2): HTTP 503')));
  assert.ok(c.lines.some((l) => l.startsWith('warn: b-1-1.x86_64: http://x/b.rpm failed (HTTP 500)')));
  assert.ok(c.lines.some((l) => l.startsWith('debug: [3/3] c-1-1.x86_64 from cache')));
  assert.match(c.lines[c.lines.length - 1], /^info: fetched 3 packages: 2\.0 MB downloaded, 1\.0 MB from cache\/vendor, 0\.5 s \(4\.0 MB\/s\)$/);
});

test('quiet and json modes print no progress (warnings only)', () => {
  for (const g of [{ quiet: true }, { json: true }]) {
    const c = capture();
    const r = progressReporter(c.out, g);
    for (const e of EVENTS) r.onEvent(e);
    assert.ok(c.lines.every((l) => !l.startsWith('info: fetching') && !l.startsWith('info:   [')), JSON.stringify(c.lines));
  }
});
