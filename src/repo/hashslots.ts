// Open addressing for the pool writer's deduplication tables. A slot holds
// an entry's id + 1 (0 = empty) and its 32-bit hash; the entries themselves
// stay in the writer's columns, where the caller compares them. For the
// ~400k distinct strings and dependencies of a 63k-package repository that
// is a few MB of typed arrays, where JS strings as dictionary keys cost
// ~50 MB of heap (and the garbage collector's time to trace them).
import type { U32Column } from './columns.js';
export class HashSlots {
  /**
   * Slot i is s[2i] (the hash) and s[2i + 1] (id + 1): side by side, so a
   * probe touches one cache line, not two (the tables are far larger than
   * the CPU caches, and each lookup lands somewhere random in them).
   */
  s: Uint32Array;
  /** Slot index mask. */
  mask: number;
  private n = 0;

  /** Room for about `expect` entries before the first growth. */
  constructor(expect = 0) {
    let size = 1 << 10;
    // Capped: the expectation may come from an untrusted size; past it the table grows as usual.
    while (size < expect * 2 && size < 1 << 21) size *= 2;
    this.s = new Uint32Array(2 * size);
    this.mask = size - 1;
  }

  /**
   * Fill empty slot i (where the caller's probe, starting at h & mask,
   * stopped) with id. At most half the slots are used, so a probe always
   * meets an empty one.
   */
  put(i: number, h: number, id: number): void {
    this.s[2 * i] = h;
    this.s[2 * i + 1] = id + 1;
    if (++this.n * 2 > this.mask) this.grow();
  }

  private grow(): void {
    const old = this.s;
    const mask = old.length - 1;
    const s2 = new Uint32Array(old.length * 2);
    for (let j = 0; j < old.length; j += 2) {
      const v = old[j + 1] as number;
      if (!v) continue;
      const h = old[j] as number;
      let i = h & mask;
      while (s2[2 * i + 1]) i = (i + 1) & mask;
      s2[2 * i] = h;
      s2[2 * i + 1] = v;
    }
    this.s = s2;
    this.mask = mask;
  }
}

/** A 32-bit hash of three 32-bit integers (for EVR and dependency triples). */
export function hash3(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ b, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ c, 0x85ebca6b);
  return (h ^ (h >>> 15)) >>> 0;
}

/**
 * The id of the triple (a, b, c) in `col`, which holds three entries per
 * id; a new triple is appended as id `next` (the caller then counts it).
 */
export function intern3(T: HashSlots, col: U32Column, a: number, b: number, c: number, next: number): number {
  const h = hash3(a, b, c);
  const v = col.a;
  const s = T.s;
  for (let i = h & T.mask; ; i = (i + 1) & T.mask) {
    const id = s[2 * i + 1] as number;
    if (!id) {
      T.put(i, h, next);
      col.push(a);
      col.push(b);
      col.push(c);
      return next;
    }
    const k = (id - 1) * 3;
    if (s[2 * i] === h && v[k] === a && v[k + 1] === b && v[k + 2] === c) return id - 1;
  }
}
