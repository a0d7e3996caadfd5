// Open addressing for the pool writer's deduplication tables. A slot holds
// an entry's id + 1 (0 = empty) and its 32-bit hash; the entries themselves
// stay in the writer's columns, where the caller compares them. For the
// ~400k distinct strings and dependencies of a 63k-package repository that
// is a few MB of typed arrays, where JS strings as dictionary keys cost
// ~50 MB of heap (and the garbage collector's time to trace them).
import type { U32Column } from './columns.js';
export class HashSlots {
  hash = new Uint32Array(1 << 10);
  id = new Uint32Array(1 << 10);
  mask = (1 << 10) - 1;
  private n = 0;

  /**
   * Fill empty slot i (where the caller's probe, starting at h & mask,
   * stopped) with id. At most half the slots are used, so a probe always
   * meets an empty one.
   */
  put(i: number, h: number, id: number): void {
    this.hash[i] = h;
    this.id[i] = id + 1;
    if (++this.n * 2 > this.mask) this.grow();
  }

  private grow(): void {
    const { hash, id } = this;
    const size = hash.length * 2;
    const mask = size - 1;
    const h2 = new Uint32Array(size);
    const id2 = new Uint32Array(size);
    for (let j = 0; j < hash.length; j++) {
      const v = id[j] as number;
      if (!v) continue;
      const h = hash[j] as number;
      let i = h & mask;
      while (id2[i]) i = (i + 1) & mask;
      h2[i] = h;
      id2[i] = v;
    }
    this.hash = h2;
    this.id = id2;
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
  for (let i = h & T.mask; ; i = (i + 1) & T.mask) {
    const id = T.id[i] as number;
    if (!id) {
      T.put(i, h, next);
      col.push(a);
      col.push(b);
      col.push(c);
      return next;
    }
    const k = (id - 1) * 3;
    if (T.hash[i] === h && v[k] === a && v[k + 1] === b && v[k + 2] === c) return id - 1;
  }
}
