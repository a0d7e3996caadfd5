// The undo log of one package's installation: what it created, what it
// replaced (the original moved aside, not deleted, until the package is
// complete) and which existing directories it re-moded. Rolling back
// replays it in reverse, so a failed package leaves the root as before.
import { promises as fs } from 'node:fs';

type Action = { kind: 'created'; path: string } | { kind: 'replaced'; path: string; backup: string } | { kind: 'meta'; path: string; mode: number };

export class UndoLog {
  private readonly actions: Action[] = [];

  created(path: string): void {
    this.actions.push({ kind: 'created', path });
  }

  replaced(path: string, backup: string): void {
    this.actions.push({ kind: 'replaced', path, backup });
  }

  meta(path: string, mode: number): void {
    this.actions.push({ kind: 'meta', path, mode });
  }

  /** The package is complete: drop the originals it replaced. */
  async commit(): Promise<void> {
    for (const a of this.actions) if (a.kind === 'replaced') await fs.rm(a.backup, { force: true, recursive: true });
    this.actions.length = 0;
  }

  /** Put everything back, newest first. Best effort: keeps going past errors. */
  async rollback(): Promise<void> {
    for (const a of [...this.actions].reverse()) {
      try {
        if (a.kind === 'created') {
          const st = await fs.lstat(a.path).catch(() => undefined);
          if (st?.isDirectory()) await fs.rmdir(a.path);
          else if (st) await fs.unlink(a.path);
        } else if (a.kind === 'replaced') {
          await fs.rename(a.backup, a.path);
        } else {
          await fs.chmod(a.path, a.mode);
        }
      } catch {
        // keep undoing the rest
      }
    }
    this.actions.length = 0;
  }
}
