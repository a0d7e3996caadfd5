// The pool writer's off-heap tables: the deduplicating string table, the
// hash slots, the resizable columns, and the EVR/dependency dedup built on
// them. Each is checked against a JS Map doing the same job.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StringTable } from '../../src/repo/strings.js';
import { ByteColumn, F64Column, U32Column, reserveFor } from '../../src/repo/columns.js';
import { HashSlots, hash3 } from '../../src/repo/hashslots.js';
import { fnv1a } from '../../src/repo/capindex.js';
import { PoolWriter } from '../../src/repo/poolwriter.js';
import { RpmkitError } from '../../src/errors.js';

const text = (t: StringTable, id: number): string => {
  const [b, from, to] = t.bytesOf(id);
  return Buffer.from(b.subarray(from, to)).toString('utf8');
};

/** A deterministic pseudo-random generator (xorshift32). */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

test('string table: ids match a Map over 200k values with repeats, non-ASCII and long ones', () => {
  const t = new StringTable();
  const ref = new Map<string, number>();
  const r = rng(7);
  const pool = ['', 'é', '日本語', '𝄞 clef', 'a'.repeat(5000), 'ü'.repeat(3000)];
  for (let i = 0; i < 200_000; i++) {
    const k = r();
    const s = k % 10 === 0 ? (pool[k % pool.length] as string) : `lib${k % 60_000}-${(k >>> 20) % 7}`;
    const id = t.id(s);
    const want = ref.get(s);
    if (want === undefined) {
      assert.equal(id, ref.size + 1, `a new value gets the next id (${s})`);
      ref.set(s, id);
    } else assert.equal(id, want, `a repeat gets its first id (${s})`);
  }
  assert.equal(t.n, ref.size + 1);
  for (const [s, id] of ref) assert.equal(text(t, id), s);
  // The closed table is the NUL-joined entries with their start offsets.
  const starts = new Uint32Array(t.startBytes().slice().buffer);
  const all = Buffer.from(t.bytes());
  assert.equal(starts.length, t.n + 1);
  for (const [s, id] of ref) assert.equal(all.toString('utf8', starts[id], (starts[id + 1] as number) - 1), s);
});

test('string table: values given as bytes get the ids their strings get; bytes that are not UTF-8 as a decoder reads them', () => {
  const t = new StringTable();
  const ref = new StringTable();
  const values: Buffer[] = [
    Buffer.from(''),
    Buffer.from('glibc'),
    Buffer.from('日本語 é'),
    Buffer.from([0x61, 0xff, 0x62]),
    Buffer.from([0xc3]),
    Buffer.from([0xef, 0xbb, 0xbf, 0x78]),
    Buffer.from('glibc'),
    Buffer.from([0x61, 0xff, 0x62]),
    // Long values take another path in addBytes.
    Buffer.from('a long description, longer than thirty-two bytes: ü'),
    Buffer.concat([Buffer.from('x'.repeat(40)), Buffer.from([0xff, 0xfe]), Buffer.from('y'.repeat(40))]),
  ];
  // Each value sits inside a larger buffer, as the tokenizer hands it over.
  for (const v of values) {
    const b = Buffer.concat([Buffer.from('<<'), v, Buffer.from('>>')]);
    const s = new TextDecoder('utf-8', { ignoreBOM: true }).decode(v);
    assert.equal(t.idBytes(b, 2, 2 + v.length), ref.id(s), JSON.stringify(s));
    assert.equal(t.addBytes(b, 2, 2 + v.length), ref.add(s), JSON.stringify(s));
  }
  assert.deepEqual(Buffer.from(t.bytes()), Buffer.from(ref.bytes()));
  assert.equal(text(t, t.idBytes(Buffer.from([0x61, 0xff, 0x62]), 0, 3)), 'a\ufffdb');
  const longNul = Buffer.concat([Buffer.from('z'.repeat(50)), Buffer.from([0]), Buffer.from('z'.repeat(5))]);
  for (const f of [() => t.idBytes(Buffer.from([0x61, 0, 0x62]), 0, 3), () => t.addBytes(Buffer.from([0]), 0, 1), () => t.addBytes(longNul, 1, longNul.length), () => t.idBytes(longNul, 0, 56)]) {
    assert.throws(f, (e: unknown) => e instanceof RpmkitError && e.code === 'METADATA_INVALID');
  }
});

test('string table: values whose hashes collide stay distinct', () => {
  // Find two different strings with the same 32-bit FNV-1a hash (a birthday
  // search over ~2^17 values), then check the table keeps them apart.
  const seen = new Map<number, string>();
  let pair: [string, string] | undefined;
  for (let i = 0; !pair; i++) {
    const s = `k${i.toString(36).padStart(6, '0')}`;
    const b = Buffer.from(s);
    const h = fnv1a(b, 0, b.length);
    const other = seen.get(h);
    if (other !== undefined) pair = [other, s];
    else seen.set(h, s);
  }
  const [a, b] = pair;
  assert.equal(a.length, b.length);
  const t = new StringTable();
  const ia = t.id(a);
  const ib = t.id(b);
  assert.notEqual(ia, ib);
  assert.equal(t.id(a), ia);
  assert.equal(t.id(b), ib);
  assert.equal(text(t, ib), b);
});

test('string table: add() appends without deduplication and NUL is refused on every path', () => {
  const t = new StringTable();
  const x = t.add('/usr/bin/x');
  assert.equal(t.add('/usr/bin/x'), x + 1);
  assert.equal(t.add('/usr/share/dоc'), x + 2); // a Cyrillic о: the UTF-8 path
  assert.equal(text(t, x + 2), '/usr/share/dоc');
  assert.equal(t.id('/usr/bin/x'), x + 3, 'id() does not see add()ed values');
  for (const f of [() => t.id('a\u0000b'), () => t.id('é\u0000'), () => t.add('a\u0000'), () => t.add('é\u0000')]) {
    assert.throws(f, (e: unknown) => e instanceof RpmkitError && e.code === 'METADATA_INVALID');
  }
  t.releaseIndex();
  assert.throws(() => t.id('new'), (e: unknown) => e instanceof RpmkitError && e.code === 'INTERNAL');
});

test('columns: growth within and past the first reservation keeps every value; release empties them', () => {
  const u = new U32Column();
  const f = new F64Column();
  const b = new ByteColumn();
  const N = 3_000_000; // 12 MB of u32, grown in place
  for (let i = 0; i < N; i++) {
    u.push(i * 7);
    if (i % 4 === 0) f.push(i + 0.5);
  }
  for (let i = 0; i < N; i += 99_991) assert.equal(u.a[i], i * 7);
  assert.equal(u.a[N - 1], (N - 1) * 7);
  assert.equal(u.bytes().length, N * 4);
  assert.equal(f.bytes().length, (N / 4) * 8);
  assert.equal(new Float64Array(f.bytes().slice().buffer)[3], 12.5);
  // Past the 64 MB first reservation: the bytes move to a larger one.
  b.reserve(1 << 20);
  for (let i = 0; i < 1 << 20; i++) b.a[i] = i % 251;
  b.n = 1 << 20;
  b.reserve(70 << 20);
  assert.ok(b.a.length >= 71 << 20);
  for (let i = 0; i < 1 << 20; i += 4093) assert.equal(b.a[i], i % 251);
  b.a[(71 << 20) - 1] = 9;
  b.n = 71 << 20;
  assert.equal(b.bytes()[(71 << 20) - 1], 9);
  for (const c of [u, f, b]) {
    c.release();
    assert.equal(c.n, 0);
    assert.equal(c.bytes().length, 0);
  }
});

test('hash slots: equal hashes probe on, and the table grows past half full', () => {
  const s = new HashSlots();
  const put = (h: number, id: number) => {
    let i = h & s.mask;
    while (s.s[2 * i + 1]) i = (i + 1) & s.mask;
    s.put(i, h, id);
  };
  const find = (h: number, id: number): boolean => {
    for (let i = h & s.mask; ; i = (i + 1) & s.mask) {
      const v = s.s[2 * i + 1] as number;
      if (!v) return false;
      if (s.s[2 * i] === h && v - 1 === id) return true;
    }
  };
  for (let id = 0; id < 5000; id++) put(id % 3 === 0 ? 42 : hash3(id, 1, 2), id);
  assert.ok(s.mask + 1 >= 10_000);
  for (let id = 0; id < 5000; id++) assert.ok(find(id % 3 === 0 ? 42 : hash3(id, 1, 2), id), `id ${id}`);
  assert.ok(!find(42, 1));
});

test('pool writer: EVR and dependency ids match a Map over 300k triples', () => {
  const w = new PoolWriter();
  const evrRef = new Map<string, number>();
  const depRef = new Map<string, number>();
  const r = rng(11);
  for (let i = 0; i < 300_000; i++) {
    const k = r();
    const e = k % 5 === 0 ? '1' : undefined;
    const v = `${k % 900}.${(k >>> 10) % 9}`;
    const rel = k % 3 === 0 ? undefined : `${(k >>> 14) % 40}`;
    const ev = w.evr(e, v, rel);
    const ek = `${e}:${v}-${rel}`;
    assert.equal(ev, evrRef.get(ek) ?? (evrRef.set(ek, evrRef.size), evrRef.size - 1));
    const name = `cap${(k >>> 8) % 20_000}`;
    const op = k % 4 === 0 ? undefined : (['LT', 'LE', 'EQ', 'GE', 'GT'] as const)[k % 5];
    const pre = k % 7 === 0;
    const d = w.dep(name, op, op ? ev : -1, pre, false);
    const dk = `${name}|${op}|${op ? ev : -1}|${pre}`;
    assert.equal(d, depRef.get(dk) ?? (depRef.set(dk, depRef.size), depRef.size - 1));
  }
  assert.equal(w.nEvr, evrRef.size);
  assert.equal(w.nDep, depRef.size);
  w.releaseTables();
  assert.throws(() => w.evr(undefined, '1', '1'), (e: unknown) => e instanceof RpmkitError && e.code === 'INTERNAL');
});

test('columns reserve by document size, and one that outgrows its reservation moves with its contents', () => {
  assert.equal(reserveFor(0), 64 << 20);
  assert.equal(reserveFor(1000), 1 << 20);
  assert.equal(reserveFor(5_000_000), 5_000_000);
  assert.equal(reserveFor(1e12), 64 << 20);
  const c = new U32Column(reserveFor(1000));
  for (let i = 0; i < 2_000_000; i++) c.push(i ^ 0x5a5a);
  assert.equal(c.n, 2_000_000);
  const a = c.a;
  for (let i = 0; i < 2_000_000; i += 997) assert.equal(a[i], i ^ 0x5a5a);
  const t = new StringTable(0, reserveFor(1000));
  const ids = Array.from({ length: 100_000 }, (_, i) => t.id(`value-${i}-${'x'.repeat(i % 40)}`));
  assert.equal(text(t, ids[99_999] as number), `value-99999-${'x'.repeat(99_999 % 40)}`);
  assert.equal(t.id('value-5-xxxxx'), ids[5]);
});
