// File capabilities: rpm stores them as text (FILECAPS, "cap_net_raw=ep");
// the kernel wants a binary security.capability xattr (struct
// vfs_cap_data, revision 2). rpmkit records the binary form for the image
// stage, which writes it into the layer tar as a PAX xattr.
import { RpmkitError } from '../errors.js';

/** Capability numbers from linux/capability.h. */
const CAP_NAMES = [
  'chown', 'dac_override', 'dac_read_search', 'fowner', 'fsetid', 'kill', 'setgid', 'setuid', 'setpcap', 'linux_immutable',
  'net_bind_service', 'net_broadcast', 'net_admin', 'net_raw', 'ipc_lock', 'ipc_owner', 'sys_module', 'sys_rawio', 'sys_chroot', 'sys_ptrace',
  'sys_pacct', 'sys_admin', 'sys_boot', 'sys_nice', 'sys_resource', 'sys_time', 'sys_tty_config', 'mknod', 'lease', 'audit_write',
  'audit_control', 'setfcap', 'mac_override', 'mac_admin', 'syslog', 'wake_alarm', 'block_suspend', 'audit_read', 'perfmon', 'bpf',
  'checkpoint_restore',
];
const CAP_BY_NAME = new Map(CAP_NAMES.map((n, i) => [`cap_${n}`, i]));

const VFS_CAP_REVISION_2 = 0x02000000;
const VFS_CAP_FLAGS_EFFECTIVE = 0x000001;

/**
 * Parse libcap's text form ("cap_a,cap_b=ep cap_c+i", "=ep", "all=ep") into
 * the 20-byte vfs_cap_data v2 value. Throws RPM_INVALID on unknown names.
 */
export function capsTextToXattr(text: string, pkg = 'package'): Uint8Array {
  // 64 capability bits as two 32-bit words per set.
  const sets = { e: [0, 0], i: [0, 0], p: [0, 0] };
  const all = CAP_NAMES.map((_, i) => i);
  for (const clause of text.trim().split(/\s+/).filter(Boolean)) {
    const m = /^([^=+-]*)((?:[=+-][eip]*)+)$/i.exec(clause);
    if (!m) throw bad(text, pkg);
    const names = m[1] === '' || m[1].toLowerCase() === 'all' ? all : m[1].split(',').map((n) => {
      const k = n.toLowerCase();
      const num = CAP_BY_NAME.get(k) ?? CAP_BY_NAME.get(`cap_${k}`) ?? (/^\d+$/.test(k) ? Number(k) : undefined);
      if (num === undefined || num > 63) throw bad(text, pkg);
      return num;
    });
    for (const op of m[2].match(/[=+-][eip]*/gi) ?? []) {
      const kind = op[0];
      const flags = op.slice(1).toLowerCase();
      for (const f of ['e', 'i', 'p'] as const) {
        const on = flags.includes(f);
        for (const n of names) {
          const w = n >> 5;
          const bit = (1 << (n & 31)) >>> 0;
          if (kind === '=') sets[f][w] = on ? (sets[f][w] | bit) >>> 0 : (sets[f][w] & ~bit) >>> 0;
          else if (on && kind === '+') sets[f][w] = (sets[f][w] | bit) >>> 0;
          else if (on && kind === '-') sets[f][w] = (sets[f][w] & ~bit) >>> 0;
        }
      }
    }
  }
  const effective = sets.e[0] !== 0 || sets.e[1] !== 0;
  const out = new Uint8Array(20);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, (VFS_CAP_REVISION_2 | (effective ? VFS_CAP_FLAGS_EFFECTIVE : 0)) >>> 0, true);
  dv.setUint32(4, sets.p[0], true);
  dv.setUint32(8, sets.i[0], true);
  dv.setUint32(12, sets.p[1], true);
  dv.setUint32(16, sets.i[1], true);
  return out;
}

function bad(text: string, pkg: string): RpmkitError {
  return new RpmkitError('RPM_INVALID', `${pkg}: cannot parse file capabilities ${JSON.stringify(text)}`, {
    hint: 'the FILECAPS tag must use libcap text form such as cap_net_raw=ep',
  });
}
