// The installer's write queue: a regular file whose content is in memory
// is written when it is queued (write.ts: synchronously, which measured
// faster than overlapping the writes on the thread pool), but each entry
// lands — renamed into place, hardlinked, recorded — strictly in archive
// order, exactly as a one-at-a-time install would, and no more than
// `window` wait at once. A write may be asynchronous (the interface allows
// it), and landing waits for it.

export interface PendingWrite {
  /** The file being written (undefined: nothing to write). */
  write?: Promise<void>;
  /** Where the entry lands, as resolved when it was queued. */
  target?: string;
  /** Land the entry, once its write is done. */
  run(): Promise<void>;
}

export class WriteQueue {
  private readonly queue: PendingWrite[] = [];
  /** Paths that queued entries will land on, with how many of them each. */
  private readonly targets = new Map<string, number>();

  constructor(private readonly window: number) {}

  get length(): number {
    return this.queue.length;
  }

  /** Will a queued entry still land on some path? */
  get hasTargets(): boolean {
    return this.targets.size > 0;
  }

  /** Will a queued entry still land on `target`? */
  has(target: string): boolean {
    return this.targets.has(target);
  }

  /** Queue an entry; the oldest land first while more than `window` wait. */
  async add(q: PendingWrite): Promise<void> {
    this.queue.push(q);
    if (q.target) this.targets.set(q.target, (this.targets.get(q.target) ?? 0) + 1);
    while (this.queue.length > this.window) await this.landOne();
  }

  /** Land every queued entry, in order. */
  async drain(): Promise<void> {
    while (this.queue.length > 0) await this.landOne();
  }

  /** Wait for the writes still in flight (after a failure, so a rollback sees their files). */
  async settle(): Promise<void> {
    await Promise.allSettled(this.queue.map((q) => q.write));
  }

  private async landOne(): Promise<void> {
    const q = this.queue.shift()!;
    try {
      if (q.write) await q.write;
      await q.run();
    } finally {
      if (q.target) {
        const n = (this.targets.get(q.target) ?? 1) - 1;
        if (n === 0) this.targets.delete(q.target);
        else this.targets.set(q.target, n);
      }
    }
  }
}
