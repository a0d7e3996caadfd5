// Our own ustar + PAX tar writer. tar-stream mangles binary xattr values
// (security.capability), and image reproducibility needs full control of
// every header byte: no pids, no atime/ctime, no host names. Entries are
// written through an async sink so layers stream instead of sitting in memory.

export type TarType = 'file' | 'link' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo';

const TYPEFLAG: Record<TarType, string> = { file: '0', link: '1', symlink: '2', char: '3', block: '4', dir: '5', fifo: '6' };

export interface TarHeader {
  /** Relative path, no leading "/" or "./"; directories get a trailing "/" here. */
  name: string;
  type: TarType;
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  /** Seconds since the epoch (integer). */
  mtime: number;
  /** Content size (files only). */
  size: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  xattrs?: Record<string, Buffer>;
}

/** Where tar bytes go; must honour backpressure by returning a promise. */
export type TarSink = (chunk: Buffer) => Promise<void> | void;

const ZERO_BLOCK = Buffer.alloc(512);

/** Largest value an octal field of `width` bytes (incl. NUL) can hold. */
function octalMax(width: number): number {
  return 8 ** (width - 1) - 1;
}

function writeOctal(buf: Buffer, off: number, width: number, value: number): void {
  const s = Math.max(0, Math.floor(value)).toString(8).padStart(width - 1, '0');
  buf.write(s, off, width - 1, 'ascii');
  buf[off + width - 1] = 0;
}

function writeStr(buf: Buffer, off: number, width: number, value: string): void {
  Buffer.from(value, 'utf8').copy(buf, off, 0, width);
}

/** One PAX record: "<len> <key>=<value>\n", where len counts itself. */
function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`, 'utf8'), value, Buffer.from('\n')]);
  let len = body.length + String(body.length).length;
  if (String(len).length + body.length !== len) len = String(len).length + body.length;
  return Buffer.concat([Buffer.from(String(len), 'ascii'), body]);
}

function fitsAscii(s: string, max: number): boolean {
  return Buffer.byteLength(s, 'utf8') <= max && /^[\x20-\x7e]*$/.test(s);
}

/** The 512-byte ustar header block (checksum included). */
function ustarBlock(h: {
  name: string; mode: number; uid: number; gid: number; size: number; mtime: number;
  typeflag: string; linkname: string; uname: string; gname: string; devmajor: number; devminor: number;
}): Buffer {
  const b = Buffer.alloc(512);
  writeStr(b, 0, 100, h.name);
  writeOctal(b, 100, 8, h.mode);
  writeOctal(b, 108, 8, h.uid);
  writeOctal(b, 116, 8, h.gid);
  writeOctal(b, 124, 12, h.size);
  writeOctal(b, 136, 12, h.mtime);
  b.fill(0x20, 148, 156); // checksum field counts as spaces while summing
  b.write(h.typeflag, 156, 1, 'ascii');
  writeStr(b, 157, 100, h.linkname);
  b.write('ustar\u000000', 257, 8, 'binary');
  writeStr(b, 265, 32, h.uname);
  writeStr(b, 297, 32, h.gname);
  writeOctal(b, 329, 8, h.devmajor);
  writeOctal(b, 337, 8, h.devminor);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += b[i];
  b.write(sum.toString(8).padStart(6, '0'), 148, 6, 'ascii');
  b[154] = 0;
  b[155] = 0x20;
  return b;
}

/**
 * Header bytes for one entry: an optional PAX extended header (long names,
 * long link targets, big sizes/ids, non-ASCII names, xattrs) followed by the
 * ustar header. Record order is fixed (sorted keys) so output is stable.
 */
export function encodeHeader(h: TarHeader): Buffer {
  const pax = new Map<string, Buffer>();
  let name = h.name;
  let linkname = h.linkname ?? '';
  if (!fitsAscii(name, 100)) {
    pax.set('path', Buffer.from(name, 'utf8'));
    name = truncateUtf8(name, 100);
  }
  if (!fitsAscii(linkname, 100)) {
    pax.set('linkpath', Buffer.from(linkname, 'utf8'));
    linkname = truncateUtf8(linkname, 100);
  }
  let { size, uid, gid } = h;
  if (size > octalMax(12)) {
    pax.set('size', Buffer.from(String(size)));
    size = 0;
  }
  if (uid > octalMax(8)) {
    pax.set('uid', Buffer.from(String(uid)));
    uid = 0;
  }
  if (gid > octalMax(8)) {
    pax.set('gid', Buffer.from(String(gid)));
    gid = 0;
  }
  let { uname, gname } = h;
  if (!fitsAscii(uname, 32)) {
    pax.set('uname', Buffer.from(uname, 'utf8'));
    uname = '';
  }
  if (!fitsAscii(gname, 32)) {
    pax.set('gname', Buffer.from(gname, 'utf8'));
    gname = '';
  }
  const mtime = Math.min(Math.max(0, Math.floor(h.mtime)), octalMax(12));
  for (const k of Object.keys(h.xattrs ?? {}).sort()) pax.set(`SCHILY.xattr.${k}`, h.xattrs![k]);

  const main = ustarBlock({
    name, mode: h.mode & 0o7777, uid, gid, size: h.type === 'file' ? size : 0, mtime,
    typeflag: TYPEFLAG[h.type], linkname, uname, gname, devmajor: h.devmajor ?? 0, devminor: h.devminor ?? 0,
  });
  if (pax.size === 0) return main;

  const records = Buffer.concat([...pax.keys()].sort().map((k) => paxRecord(k, pax.get(k)!)));
  // A fixed, pid-free name for the extended header (GNU tar puts its pid here).
  const paxHeader = ustarBlock({
    name: truncateUtf8(`PaxHeaders/${h.name.replace(/\/$/, '').split('/').pop() ?? ''}`, 100),
    mode: 0o644, uid: 0, gid: 0, size: records.length, mtime, typeflag: 'x', linkname: '',
    uname: '', gname: '', devmajor: 0, devminor: 0,
  });
  return Buffer.concat([paxHeader, records, padding(records.length), main]);
}

function truncateUtf8(s: string, max: number): string {
  const b = Buffer.from(s, 'utf8');
  if (b.length <= max && /^[\x20-\x7e]*$/.test(s)) return s;
  // ASCII-only fallback name for readers that ignore PAX (never used by real readers).
  return s.replace(/[^\x20-\x7e]/g, '_').slice(-max);
}

export function padding(size: number): Buffer {
  const r = size % 512;
  return r === 0 ? Buffer.alloc(0) : ZERO_BLOCK.subarray(0, 512 - r);
}

/** End-of-archive marker: two zero blocks. */
export function trailer(): Buffer {
  return Buffer.alloc(1024);
}
