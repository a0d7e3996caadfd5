// An in-memory root: the file tree an install would leave on disk, held as
// nodes. An image built from it skips creating (and deleting) every file,
// which is most of what an install costs on a real filesystem. Paths inside
// resolve by the same rules as on disk (walkRoot); a node shared by two
// names is a hardlink.
import { RpmkitError } from '../errors.js';
import { walkRoot, type RootLookup } from './paths.js';

export type TreeKind = 'dir' | 'file' | 'symlink' | 'char' | 'block' | 'fifo';

export interface TreeNode {
  kind: TreeKind;
  /** st_mode: type and permission bits. */
  mode: number;
  /** Seconds. */
  mtime: number;
  children?: Map<string, TreeNode>;
  data?: Buffer;
  target?: string;
  major?: number;
  minor?: number;
}

/** One path of the tree in the shape the image stage takes (oci's MemoryEntry). */
export interface TreeEntry {
  rel: string;
  type: TreeKind;
  mode: number;
  size: number;
  mtime: number;
  devmajor?: number;
  devminor?: number;
  linkname?: string;
  data?: Buffer;
  /** The node itself: paths that share it are hardlinks. */
  inode?: object;
}

const S_IFDIR = 0o040000;

export class MemoryTree implements RootLookup {
  readonly root: TreeNode;

  /** `now`: the mtime of what the install makes itself (directories, the rpmdb), as a disk would give it. */
  constructor(readonly now: number) {
    this.root = { kind: 'dir', mode: S_IFDIR | 0o755, mtime: now, children: new Map() };
  }

  /** The node at already resolved components (no symlink followed). */
  node(parts: string[]): TreeNode | undefined {
    let n: TreeNode | undefined = this.root;
    for (const c of parts) {
      n = n.children?.get(c);
      if (!n) return undefined;
    }
    return n;
  }

  kind(parts: string[]): 'dir' | 'symlink' | 'other' | undefined {
    const n = this.node(parts);
    return n === undefined ? undefined : n.kind === 'dir' || n.kind === 'symlink' ? n.kind : 'other';
  }

  readlink(parts: string[]): string {
    return this.node(parts)?.target ?? '';
  }

  mkdir(parts: string[]): void {
    this.put(parts.slice(0, -1), parts[parts.length - 1], { kind: 'dir', mode: S_IFDIR | 0o755, mtime: this.now, children: new Map() });
  }

  /** Resolve a directory path inside the tree (see walkRoot); the resolved components. */
  resolveDir(components: string[], pkg: string, display: string, create: boolean | 'lexical'): string[] {
    return walkRoot(this, components, pkg, display, create).parts;
  }

  /** Whatever is at `name` in the resolved directory `dir`. */
  child(dir: string[], name: string): TreeNode | undefined {
    return this.node(dir)?.children?.get(name);
  }

  /** Put `node` at `name` in the resolved directory `dir`, replacing what was there. */
  put(dir: string[], name: string, node: TreeNode): void {
    const parent = this.node(dir);
    if (parent?.kind !== 'dir') throw new RpmkitError('INTERNAL', `/${dir.join('/')} is not a directory of the tree`);
    parent.children!.set(name, node);
  }

  /** A regular file at a path whose parents are resolved inside the tree; undefined when there is none. */
  readFile(components: string[]): Buffer | undefined {
    try {
      const dir = this.resolveDir(components.slice(0, -1), 'rpmkit', `/${components.join('/')}`, false);
      const n = this.child(dir, components[components.length - 1]);
      return n?.kind === 'file' ? n.data : undefined;
    } catch {
      return undefined;
    }
  }

  /** Every path but the root itself, parents before children. */
  entries(): TreeEntry[] {
    const out: TreeEntry[] = [];
    const walk = (dir: TreeNode, prefix: string) => {
      for (const [name, n] of dir.children!) {
        const rel = prefix ? `${prefix}/${name}` : name;
        const e: TreeEntry = { rel, type: n.kind, mode: n.mode, size: n.kind === 'file' ? n.data!.length : 0, mtime: n.mtime };
        if (n.kind === 'file') {
          e.data = n.data;
          e.inode = n;
        } else if (n.kind === 'symlink') e.linkname = n.target;
        else if (n.kind === 'char' || n.kind === 'block') {
          e.devmajor = n.major;
          e.devminor = n.minor;
        }
        out.push(e);
        if (n.kind === 'dir') walk(n, rel);
      }
    };
    walk(this.root, '');
    return out;
  }
}
