// libsolv's own test suite (0.7.23 test/testcases, in ../shared) run against
// rpmkit's solver: every step whose jobs install into an empty (or kept)
// system is solved and compared with the expected transaction/problems.
// Debian's testsolv runs on every file in the same run to confirm the
// reference; steps whose expected result is libsolv's rule dump (cplxdeps)
// get their reference transaction from testsolv itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { hasTool, sharedPath, tempDir } from '../helpers/env.js';
import { readTestcase } from '../../src/solver/testcase.js';
import { runTestcaseStep } from '../../src/solver/testcase-run.js';
import { splitTestsolvOutput } from '../helpers/testsolv.js';

function walk(d: string): string[] {
  return readdirSync(d)
    .sort()
    .flatMap((f) => {
      const p = path.join(d, f);
      return statSync(p).isDirectory() ? walk(p) : p.endsWith('.t') ? [p] : [];
    });
}

/** testsolv -r output -> per step, the result lines. */
function testsolvResults(file: string): string[][] {
  return splitTestsolvOutput(spawnSync('testsolv', ['-r', file], { encoding: 'utf8', cwd: path.dirname(file) }).stdout);
}

test('libsolv testcases: install/problem steps match the expected results', (t) => {
  const root = sharedPath(t, 'data/libsolv-testcases');
  if (!root) return;
  const files = walk(root);
  assert.ok(files.length >= 90, `expected the 95 libsolv testcases, found ${files.length}`);
  const haveTestsolv = hasTool('testsolv');
  const tmp = tempDir(t);
  let pass = 0;
  let skipped = 0;
  let confirmed = 0;
  const failures: string[] = [];
  const skipReasons = new Map<string, number>();
  for (const file of files) {
    const rel = path.relative(root, file);
    if (haveTestsolv) {
      // The reference itself: libsolv must agree with the expected results.
      const r = spawnSync('testsolv', [file], { encoding: 'utf8', cwd: path.dirname(file) });
      assert.equal(r.status, 0, `testsolv fails its own case ${rel}: ${r.stdout.slice(0, 500)}`);
      confirmed++;
    }
    const tc = readTestcase(file);
    // cplxdeps cases expect libsolv's rule dump; ask testsolv for the transaction instead.
    let fromTestsolv: string[][] | undefined;
    if (haveTestsolv && tc.steps.some((s) => s.resultKinds.includes('rules'))) {
      const text = readFileSync(file, 'utf8').replace(/^result rules <inline>\n(#>.*\n)*/gm, 'result transaction,problems <inline>\n');
      const copy = path.join(tmp, rel.replace(/\//g, '_'));
      writeFileSync(copy, text);
      fromTestsolv = testsolvResults(copy);
    }
    tc.steps.forEach((step, i) => {
      const name = `${rel}#${i + 1}`;
      let expected = step.result;
      if (step.resultKinds.includes('rules') && fromTestsolv) {
        step.resultKinds = ['transaction', 'problems'];
        expected = fromTestsolv[i] ?? [];
      }
      const o = runTestcaseStep(tc, step);
      if (o.scope === 'skip') {
        skipped++;
        skipReasons.set(o.reason.replace(/ \S+ \S+ is out of scope/, ' (job kind) is out of scope'), (skipReasons.get(o.reason) ?? 0) + 1);
        return;
      }
      const exp = expected.filter((l) => /^(install|erase|upgrade|problem)/.test(l));
      const expInstall = exp.filter((l) => l.startsWith('install')).map((l) => l.trim()).sort();
      const expProblems = new Set(exp.filter((l) => l.startsWith('problem')).map((l) => l.split(/\s+/)[1]));
      let ok: boolean;
      if (expProblems.size) ok = !o.ok && o.problems.length === expProblems.size;
      else ok = o.ok && JSON.stringify(o.lines) === JSON.stringify(expInstall);
      if (ok) pass++;
      else failures.push(`${name}\n  expected: ${exp.join(' | ')}\n  got:      ${o.ok ? o.lines.join(' | ') : o.problems.map((p) => p.text).join(' | ')}`);
    });
  }
  t.diagnostic(`libsolv testcases: ${pass} steps pass, ${failures.length} fail, ${skipped} out of scope; testsolv confirmed ${confirmed} files`);
  for (const [r, n] of [...skipReasons].sort((a, b) => b[1] - a[1])) t.diagnostic(`  skipped ${n}: ${r}`);
  assert.deepEqual(failures, []);
  assert.ok(pass >= 25, `only ${pass} steps were in scope and passed`);
});
