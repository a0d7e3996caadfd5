// The floor under any installer written for Node on this machine: create a
// tree from an uncompressed tar already in memory, synchronously, one
// thread, and nothing else (no decompression, no digest, no rpm database,
// no checks). pipeline.bench.ts runs it as its own process, start-up
// included, on the tree rpmkit installed, and sets it against dnf's install.
// Usage: node createfloor.mjs TAR DEST. Handles what GNU tar writes for a
// root: directories, files, symlinks, hardlinks, long names ('L').
import * as fs from 'node:fs';

const [tarFile, root] = process.argv.slice(2);
const tar = fs.readFileSync(tarFile);
fs.mkdirSync(root, { recursive: true });
const field = (h, a, b) => h.toString('latin1', a, b).replace(/\0.*$/s, '');
let pos = 0;
let longName;
while (pos + 512 <= tar.length && tar[pos] !== 0) {
  const h = tar.subarray(pos, pos + 512);
  const prefix = field(h, 345, 500);
  const name = (longName ?? (prefix ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100))).replace(/^\.\//, '');
  longName = undefined;
  const size = parseInt(field(h, 124, 136).trim() || '0', 8);
  const mode = parseInt(field(h, 100, 108).trim(), 8) & 0o7777;
  const mtime = parseInt(field(h, 136, 148).trim(), 8);
  const type = String.fromCharCode(h[156] || 48);
  const body = tar.subarray(pos + 512, pos + 512 + size);
  pos += 512 + Math.ceil(size / 512) * 512;
  if (type === 'L') {
    longName = body.toString('utf8').replace(/\0.*$/s, '');
    continue;
  }
  if (name === '' || name === '.') continue;
  const p = `${root}/${name}`;
  if (type === '5') fs.mkdirSync(p, { mode });
  else if (type === '2') fs.symlinkSync(field(h, 157, 257), p);
  else if (type === '1') fs.linkSync(`${root}/${field(h, 157, 257).replace(/^\.\//, '')}`, p);
  else if (type === '0') {
    const fd = fs.openSync(p, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, mode);
    fs.writeSync(fd, body);
    fs.futimesSync(fd, mtime, mtime);
    fs.closeSync(fd);
  }
}
