// `rpmkit inspect FILE.rpm`: what a package is and holds — NEVRA, descriptive
// tags, files with their attributes, dependencies, scriptlets, payload
// compressor, digests and signature status — read without rpm.
import type { Command } from 'commander';
import { formatEVR } from '../../evr/index.js';
import { formatDep } from '../../repo/richdep.js';
import { formatItem, loadKeys, readRpm, verifyRpm, type RpmDep, type RpmFile, type RpmFileInfo } from '../../rpm/index.js';
import { output } from '../options.js';

const FLAG_NAMES: [number, string][] = [
  [1 << 0, 'config'],
  [1 << 1, 'doc'],
  [1 << 3, 'missingok'],
  [1 << 4, 'noreplace'],
  [1 << 6, 'ghost'],
  [1 << 7, 'license'],
  [1 << 8, 'readme'],
  [1 << 11, 'pubkey'],
  [1 << 12, 'artifact'],
];

/** "-rwxr-xr-x" from a st_mode. */
export function modeString(mode: number): string {
  const types: Record<number, string> = { 0o140000: 's', 0o120000: 'l', 0o100000: '-', 0o060000: 'b', 0o040000: 'd', 0o020000: 'c', 0o010000: 'p' };
  let s = types[mode & 0o170000] ?? '?';
  const rwx = 'rwxrwxrwx';
  for (let i = 0; i < 9; i++) s += mode & (1 << (8 - i)) ? rwx[i] : '-';
  const chars = s.split('');
  if (mode & 0o4000) chars[3] = chars[3] === 'x' ? 's' : 'S';
  if (mode & 0o2000) chars[6] = chars[6] === 'x' ? 's' : 'S';
  if (mode & 0o1000) chars[9] = chars[9] === 'x' ? 't' : 'T';
  return chars.join('');
}

function fileJson(f: RpmFileInfo) {
  return {
    path: f.path,
    mode: f.mode,
    perms: modeString(f.mode),
    size: f.size,
    user: f.user,
    group: f.group,
    mtime: f.mtime,
    digest: f.digest,
    digestAlgo: f.digest ? f.digestAlgo : '',
    flags: FLAG_NAMES.filter(([b]) => f.flags & b).map(([, n]) => n),
    linkTarget: f.linkTarget,
    ...(f.caps ? { caps: f.caps } : {}),
    ...(f.lang ? { lang: f.lang } : {}),
    ...(f.rdev ? { rdev: f.rdev } : {}),
  };
}

function depJson(d: RpmDep) {
  return {
    name: d.name,
    ...(d.op ? { op: d.op } : {}),
    ...(d.evr ? { version: formatEVR(d.evr, true) } : {}),
    text: formatDep(d),
    ...(d.qualifiers ? { qualifiers: d.qualifiers } : {}),
    ...(d.pre ? { pre: true } : {}),
  };
}

const DEP_KINDS = ['requires', 'provides', 'conflicts', 'obsoletes', 'recommends', 'suggests', 'supplements', 'enhances'] as const;

export async function inspectJson(rpm: RpmFile, keys: string[]) {
  const v = await verifyRpm(rpm, await loadKeys(keys));
  const n = rpm.nevra;
  return {
    file: rpm.path,
    name: n.name,
    epoch: n.epoch ?? null,
    version: n.version,
    release: n.release,
    arch: n.arch,
    nevra: `${n.name}-${formatEVR({ epoch: n.epoch === undefined ? undefined : String(n.epoch), version: n.version, release: n.release })}.${n.arch}`,
    isSource: rpm.isSource,
    rpmFormat: rpm.format,
    summary: rpm.summary,
    description: rpm.description,
    license: rpm.license,
    url: rpm.url,
    vendor: rpm.vendor,
    group: rpm.group,
    packager: rpm.packager,
    buildhost: rpm.buildhost,
    buildtime: rpm.buildtime,
    sourcerpm: rpm.sourcerpm,
    size: rpm.size,
    packageSize: rpm.fileSize,
    archiveSize: rpm.archiveSize ?? null,
    payloadCompressor: rpm.payloadCompressor || 'none',
    payloadFormat: rpm.payloadFormat,
    files: rpm.files.map(fileJson),
    ...Object.fromEntries(DEP_KINDS.map((k) => [k, rpm.deps[k].map(depJson)])),
    scriptlets: rpm.scriptlets.map((s) => ({ phase: s.phase, interpreter: s.interpreter, flags: s.flags, lines: s.body ? s.body.split('\n').length : 0 })),
    triggers: rpm.triggers.map((t) => ({ type: t.type, interpreter: t.interpreter, conditions: t.conditions.map((c) => formatDep(c)), ...(t.priority !== undefined ? { priority: t.priority } : {}) })),
    digests: { status: v.digests, items: v.items.filter((i) => i.kind === 'digest').map((i) => ({ label: i.label, status: i.status, algorithm: i.hash, expected: i.expected, actual: i.actual })) },
    signature: { status: v.signature, items: v.items.filter((i) => i.kind === 'signature').map((i) => ({ label: i.label, status: i.status, keyId: i.keyId, fingerprint: i.fingerprint, algorithm: i.algorithm, hash: i.hash, ...(i.message ? { message: i.message } : {}) })) },
    verifyLines: v.items.map(formatItem),
  };
}

type InspectJson = Awaited<ReturnType<typeof inspectJson>>;

function text(j: InspectJson): string {
  const row = (k: string, v: string | number) => `${k.padEnd(12)}: ${v}`;
  const out = [
    row('Name', j.name),
    row('Epoch', j.epoch ?? '(none)'),
    row('Version', j.version),
    row('Release', j.release),
    row('Architecture', j.arch),
    row('Size', j.size),
    row('License', j.license),
    row('Source RPM', j.sourcerpm || '(none)'),
    row('Build Date', j.buildtime ? new Date(j.buildtime * 1000).toISOString() : '(none)'),
    row('URL', j.url || '(none)'),
    row('Summary', j.summary),
    row('Payload', `${j.payloadCompressor} ${j.payloadFormat} (rpm v${j.rpmFormat} package)`),
    row('Digests', j.digests.status),
    row('Signature', j.signature.status),
    'Description :',
    j.description,
    '',
    `Files (${j.files.length}):`,
    ...j.files.map((f) => `  ${f.perms} ${f.user.padEnd(8)} ${f.group.padEnd(8)} ${String(f.size).padStart(10)} ${f.path}${f.linkTarget ? ` -> ${f.linkTarget}` : ''}${f.flags.length ? `  [${f.flags.join(',')}]` : ''}${f.caps ? `  caps=${f.caps}` : ''}`),
  ];
  for (const k of DEP_KINDS) {
    const list = (j as unknown as Record<string, { text: string; qualifiers?: string[] }[]>)[k]!;
    if (!list.length) continue;
    out.push('', `${k[0]!.toUpperCase()}${k.slice(1)} (${list.length}):`, ...list.map((d) => `  ${d.text}${d.qualifiers ? `  (${d.qualifiers.join(',')})` : ''}`));
  }
  if (j.scriptlets.length || j.triggers.length) {
    out.push('', 'Scriptlets:', ...j.scriptlets.map((s) => `  %${s.phase} (${s.interpreter.join(' ')}, ${s.lines} lines)`), ...j.triggers.map((t) => `  %${t.type} (${t.interpreter.join(' ')}) on ${t.conditions.join(', ')}`));
  }
  out.push('', 'Checks:', ...j.verifyLines.map((l) => `  ${l}`));
  return out.join('\n');
}

export function register(program: Command): void {
  program
    .command('inspect')
    .argument('<file>', 'an .rpm file')
    .option('--key <key>', 'OpenPGP public key file to check the signature with (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .description('show what an RPM package is and holds: NEVRA, files, dependencies, scriptlets, digests and signature')
    .action(async (file: string, opts: { key: string[] }, cmd: Command) => {
      const rpm = await readRpm(file);
      const j = await inspectJson(rpm, opts.key);
      output(cmd).result(j, () => text(j));
    });
}
