// File capabilities as RPM stores them (text, e.g. "cap_net_raw=ep") turned
// into the binary `security.capability` xattr (struct vfs_cap_data, revision
// 2) that container runtimes apply when they unpack a layer.
import { RpmkitError } from '../errors.js';

/** Linux capability numbers (include/uapi/linux/capability.h). */
const CAPS = [
  'chown', 'dac_override', 'dac_read_search', 'fowner', 'fsetid', 'kill', 'setgid', 'setuid', 'setpcap',
  'linux_immutable', 'net_bind_service', 'net_broadcast', 'net_admin', 'net_raw', 'ipc_lock', 'ipc_owner',
  'sys_module', 'sys_rawio', 'sys_chroot', 'sys_ptrace', 'sys_pacct', 'sys_admin', 'sys_boot', 'sys_nice',
  'sys_resource', 'sys_time', 'sys_tty_config', 'mknod', 'lease', 'audit_write', 'audit_control', 'setfcap',
  'mac_override', 'mac_admin', 'syslog', 'wake_alarm', 'block_suspend', 'audit_read', 'perfmon', 'bpf',
  'checkpoint_restore',
];

const VFS_CAP_REVISION_2 = 0x02000000;
const VFS_CAP_FLAGS_EFFECTIVE = 0x000001;

/**
 * Parse cap_from_text(3) syntax ("cap_a,cap_b+ep cap_c=i", "=ep", "all=p")
 * into the 20-byte xattr value. An empty result (no capability) gives undefined.
 */
export function capsTextToXattr(text: string): Buffer | undefined {
  const sets = { e: 0n, i: 0n, p: 0n };
  const all = (1n << BigInt(CAPS.length)) - 1n;
  for (const clause of text.trim().split(/\s+/).filter(Boolean)) {
    const m = /^([^=+-]*)((?:[=+-][eip]*)+)$/i.exec(clause);
    if (!m) throw bad(text);
    let mask = 0n;
    if (m[1] === '' || m[1].toLowerCase() === 'all') mask = all;
    else {
      for (const name of m[1].toLowerCase().split(',')) {
        const n = name.replace(/^cap_/, '');
        const i = /^\d+$/.test(n) ? Number(n) : CAPS.indexOf(n);
        if (i < 0 || i > 63) throw bad(text);
        mask |= 1n << BigInt(i);
      }
    }
    for (const op of m[2].match(/[=+-][eip]*/gi) ?? []) {
      const flags = op.slice(1).toLowerCase();
      if (op[0] === '=') for (const k of ['e', 'i', 'p'] as const) sets[k] &= ~mask;
      for (const f of flags) {
        const k = f as 'e' | 'i' | 'p';
        if (op[0] === '-') sets[k] &= ~mask;
        else sets[k] |= mask;
      }
    }
  }
  if (sets.p === 0n && sets.i === 0n) return undefined;
  const b = Buffer.alloc(20);
  b.writeUInt32LE(VFS_CAP_REVISION_2 | (sets.e !== 0n ? VFS_CAP_FLAGS_EFFECTIVE : 0), 0);
  b.writeUInt32LE(Number(sets.p & 0xffffffffn), 4);
  b.writeUInt32LE(Number(sets.i & 0xffffffffn), 8);
  b.writeUInt32LE(Number((sets.p >> 32n) & 0xffffffffn), 12);
  b.writeUInt32LE(Number((sets.i >> 32n) & 0xffffffffn), 16);
  return b;
}

function bad(text: string): RpmkitError {
  return new RpmkitError('RPM_INVALID', `file capability "${text}" is not in cap_from_text syntax`, { hint: 'expected e.g. "cap_net_raw=ep"' });
}
