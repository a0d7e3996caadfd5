// Test helper: read an extended attribute through python3 (Node has no xattr API).
import { spawnSync } from 'node:child_process';

export function getxattr(file: string, name: string): Buffer | undefined {
  const r = spawnSync('python3', ['-c', 'import os,sys\ntry:\n sys.stdout.write(os.getxattr(sys.argv[1], sys.argv[2]).hex())\nexcept OSError:\n pass', file, name], { encoding: 'utf8' });
  return r.status === 0 && r.stdout ? Buffer.from(r.stdout, 'hex') : undefined;
}
