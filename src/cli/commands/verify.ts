// `rpmkit verify FILE...`: digests and signatures of RPM packages, item by
// item as `rpmkeys -Kv` prints them. Exits 6 when a digest is BAD, or a
// signature is BAD, missing or from an unknown key (unless --nosignature).
import type { Command } from 'commander';
import { RpmkitError, isRpmkitError } from '../../errors.js';
import { formatItem, loadKeys, readRpm, verifyRpm, type VerifyResult } from '../../rpm/index.js';
import { output } from '../options.js';

interface FileResult {
  path: string;
  ok: boolean;
  result?: VerifyResult;
  error?: Record<string, unknown>;
}

export function register(program: Command): void {
  program
    .command('verify')
    .argument('<files...>', '.rpm files')
    .option('--key <key>', 'OpenPGP public key file trusted for signatures (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--nosignature', 'check digests only; unsigned packages and unknown keys do not fail')
    .option('--nodigest', 'check signatures only')
    .description('check RPM digests and OpenPGP signatures (like rpmkeys -Kv); exit 6 on any failure')
    .action(async (files: string[], opts: { key: string[]; nosignature?: boolean; nodigest?: boolean }, cmd: Command) => {
      const out = output(cmd);
      const keys = await loadKeys(opts.key);
      for (const s of keys.skipped) out.warn(`${s.source}: a key block was skipped: ${s.reason}`);
      const results: FileResult[] = [];
      for (const file of files) {
        try {
          const rpm = await readRpm(file);
          const result = await verifyRpm(rpm, keys, { nosignature: opts.nosignature, nodigest: opts.nodigest });
          results.push({ path: file, ok: result.ok, result });
        } catch (e) {
          if (!isRpmkitError(e)) throw e;
          results.push({ path: file, ok: false, error: e.toJSON() });
        }
      }
      const failed = results.filter((r) => !r.ok);
      const textOut = () =>
        results
          .map((r) => {
            if (r.error) return `${r.path}: ERROR ${String(r.error.code)}: ${String(r.error.message)}`;
            const res = r.result!;
            const what = opts.nosignature ? 'digests' : opts.nodigest ? 'signatures' : 'digests signatures';
            return [`${r.path}:`, ...res.items.map((i) => `    ${formatItem(i)}`), `  ${what} ${r.ok ? 'OK' : `NOT OK (digests ${res.digests}, signature ${res.signature})`}`].join('\n');
          })
          .join('\n');
      if (!failed.length) {
        out.result({ ok: true, results }, textOut);
        return;
      }
      if (!(cmd.optsWithGlobals() as { json?: boolean }).json) out.result(null, textOut);
      const first = failed[0]!;
      const res = first.result;
      const code = first.error ? (String(first.error.code) as 'RPM_INVALID') : res && res.digests === 'BAD' ? 'CHECKSUM_MISMATCH' : 'SIGNATURE_INVALID';
      const why = first.error ? String(first.error.message) : res!.digests === 'BAD' ? 'a digest does not match' : res!.signature === 'NOKEY' ? 'signed with a key that is not trusted (NOKEY)' : res!.signature === 'MISSING' ? 'the package is not signed' : `signature ${res!.signature}`;
      throw new RpmkitError(code, `${failed.length} of ${results.length} package(s) failed verification; first: ${first.path}: ${why}`, {
        hint: res?.signature === 'NOKEY' || res?.signature === 'MISSING' ? 'Pass the signing key with --key FILE, or --nosignature to check digests only.' : 'Do not use these files; download them again from a trusted source.',
        details: { results },
      });
    });
}
