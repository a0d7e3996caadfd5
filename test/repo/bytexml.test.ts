// The byte-level XML tokenizer on its own: the events it reports must not
// depend on where the input is split, text and attributes come out decoded,
// and every malformed or hostile input is a METADATA_INVALID error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteXml } from '../../src/repo/bytexml.js';
import { RpmkitError } from '../../src/errors.js';

const TAGS = ['root', 'a', 'b'];
const ATTRS = ['x', 'y', 'n'];
const dec = new TextDecoder();

/** Every event as a line; attributes read through scanAttrs when `attrs` is set. */
function events(input: Uint8Array, chunk: number, opts: { attrs?: boolean; maxPending?: number } = {}): string[] {
  const out: string[] = [];
  const x: ByteXml = new ByteXml(
    {
      open(tag, b, from, to, selfClosing) {
        let line = `open ${x.tagName(tag)}#${tag}${selfClosing ? '/' : ''} [${dec.decode(b.subarray(from, to))}]`;
        if (opts.attrs) {
          x.scanAttrs(b, from, to);
          line += ` x=${x.attr(0)} y=${x.attr(1)} n=${x.attrNum(2)}`;
        }
        out.push(line);
        x.wantText = true;
      },
      close(tag) {
        out.push(`close ${x.tagName(tag)}`);
      },
      text(b, from, to) {
        out.push(`text ${JSON.stringify(dec.decode(b.subarray(from, to)))}`);
      },
    },
    'doc',
    TAGS,
    ATTRS,
    opts.maxPending,
  );
  for (let i = 0; i < input.length; i += chunk) x.write(input.subarray(i, Math.min(input.length, i + chunk)));
  x.end();
  return out;
}

function allSplits(doc: string | Uint8Array, opts: { attrs?: boolean } = {}): string[] {
  const bytes = typeof doc === 'string' ? Buffer.from(doc) : doc;
  const whole = events(bytes, bytes.length, opts);
  for (let size = 1; size < Math.min(bytes.length, 40); size++) assert.deepEqual(events(bytes, size, opts), whole, `chunks of ${size}`);
  return whole;
}

test('events do not depend on how the input is split', () => {
  const doc =
    '\uFEFF<?xml version="1.0"?>\n<!-- c --><root n="5">\n' +
    ' <a x="1 &amp; 2" y=\'&lt;&#x41;&#66;&#x1F600;\'>t&amp;u <![CDATA[<&amp;>]]> v</a>' +
    '<b x = "q>r"/><other k="v">ünï 日本</other><a>one<!-- mid -->two</a><a>p<b/>q</a>' +
    '<a n=" 12 "/><a n="1e3"/><a n="x"/></root>\n';
  const ev = allSplits(doc, { attrs: true });
  assert.deepEqual(ev, [
    'open root#0 [ n="5"] x=undefined y=undefined n=5',
    'text "\\n "',
    'open a#1 [ x="1 &amp; 2" y=\'&lt;&#x41;&#66;&#x1F600;\'] x=1 & 2 y=<AB😀 n=0',
    'text "t&u <&amp;> v"',
    'close a',
    'open b#2/ [ x = "q>r"] x=q>r y=undefined n=0',
    'open other#3 [ k="v"] x=undefined y=undefined n=0',
    'text "ünï 日本"',
    'close other',
    'open a#1 [] x=undefined y=undefined n=0',
    'text "onetwo"',
    'close a',
    'open a#1 [] x=undefined y=undefined n=0',
    'text "p"',
    'open b#2/ [] x=undefined y=undefined n=0',
    'text "q"',
    'close a',
    'open a#1/ [ n=" 12 "] x=undefined y=undefined n=12',
    'open a#1/ [ n="1e3"] x=undefined y=undefined n=1000',
    'open a#1/ [ n="x"] x=undefined y=undefined n=0',
    'close root',
  ]);
});

test('bytes that are not UTF-8 pass through untouched (the string table replaces them)', () => {
  const doc = Buffer.concat([Buffer.from('<root><a>'), Buffer.from([0xff, 0xc3]), Buffer.from('</a></root>')]);
  const texts: number[][] = [];
  const x: ByteXml = new ByteXml(
    {
      open() {
        x.wantText = true;
      },
      close() {},
      text(b, from, to) {
        texts.push([...b.subarray(from, to)]);
      },
    },
    'doc',
    TAGS,
    ATTRS,
  );
  x.write(doc);
  x.end();
  assert.deepEqual(texts, [[0xff, 0xc3]]);
});

test('malformed, truncated and hostile documents are METADATA_INVALID', () => {
  const bad: [string, RegExp][] = [
    ['<root><a></b></root>', /close tag <\/b> does not match <a>/],
    ['<root></root></root>', /unexpected close tag/],
    ['<root><a>', /document ends inside <a> \(truncated\)/],
    ['<root><a>text', /document ends inside <a>/],
    ['<root><a x="1"', /unfinished markup at end of document inside <root>/],
    ['<root><a x="1\'/></root>', /'<' inside an attribute value of <a>/],
    ['<root/>trailing', /text after the root element/],
    ['junk<root/>', /text outside the root element/],
    ['<root/><root/>', /a second root element/],
    ['', /no root element/],
    ['<root>a &bogus; b</root>', /undefined entity &bogus;/],
    ['<root>a & b</root>', /bare '&'/],
    ['<root>&abcdefghijkl;</root>', /bare '&'/],
    ['<root>&#0;</root>', /undefined entity/],
    ['<root>&#x110000;</root>', /undefined entity/],
    ['<root><a x="<"/></root>', /'<' inside an attribute value of <a>/],
    ['<root><a <b/></root>', /'<' inside the tag <a>/],
    ['<root>< a/></root>', /invalid tag/],
    ['<root><![CDATA[x]]></root><![CDATA[y]]>', /CDATA outside the root element/],
    ['<root><!ELEMENT a ANY></root>', /unexpected markup declaration/],
    ['<!DOCTYPE root [<!ENTITY a "b">]><root/>', /DOCTYPE/],
  ];
  for (const [doc, re] of bad) {
    for (const size of [1, 2, 5, Math.max(1, doc.length)]) {
      assert.throws(
        () => events(Buffer.from(doc), size),
        (e: unknown) => e instanceof RpmkitError && e.code === 'METADATA_INVALID' && re.test(e.message),
        `${doc} (chunks of ${size})`,
      );
    }
  }
  const badAttrs: [string, RegExp][] = [
    ['<root a/>', /bad attribute syntax "a"/],
    ['<root x=1/>', /unquoted attribute value for x/],
    ['<root x="&nope;"/>', /undefined entity &nope;/],
  ];
  for (const [doc, re] of badAttrs) {
    assert.throws(
      () => events(Buffer.from(doc), 3, { attrs: true }),
      (e: unknown) => e instanceof RpmkitError && e.code === 'METADATA_INVALID' && re.test(e.message),
      doc,
    );
  }
});

test('limits: an element larger than allowed, more distinct tag names than allowed', () => {
  const big = `<root><a>${'x'.repeat(5000)}</a></root>`;
  assert.throws(
    () => events(Buffer.from(big), 1024, { maxPending: 2048 }),
    (e: unknown) => e instanceof RpmkitError && e.code === 'METADATA_INVALID' && /larger than allowed/.test(e.message),
  );
  assert.equal(events(Buffer.from(big), 1024, { maxPending: 8192 }).length, 5);
  const names = Array.from({ length: 70_000 }, (_, i) => `<t${i}/>`).join('');
  assert.throws(
    () => events(Buffer.from(`<root>${names}</root>`), 1 << 16),
    (e: unknown) => e instanceof RpmkitError && e.code === 'METADATA_INVALID' && /too many distinct tag names/.test(e.message),
  );
});

test('attribute names: told apart by length and first byte, by hash when those are shared or long', () => {
  const keys = ['x', 'xa', 'xb', 'name', 'a-very-long-attribute-name', 'a-very-long-attribute-namf'];
  const seen: (string | undefined)[][] = [];
  const x: ByteXml = new ByteXml(
    {
      open(_tag, b, from, to) {
        x.scanAttrs(b, from, to);
        seen.push(keys.map((_, k) => x.attr(k)));
      },
      close() {},
      text() {},
    },
    'doc',
    [],
    keys,
  );
  x.write(
    Buffer.from(
      '<root xb="2" xa="1" x="0" nome="no" xc="no" a-very-long-attribute-namf="L2" a-very-long-attribute-name="L1" name="n1" name="n2">' +
        '<e xa="only"/><e/></root>',
    ),
  );
  x.end();
  assert.deepEqual(seen, [
    ['0', '1', '2', 'n2', 'L1', 'L2'],
    [undefined, 'only', undefined, undefined, undefined, undefined],
    [undefined, undefined, undefined, undefined, undefined, undefined],
  ]);
});

test('mutated primary.xml documents either parse or fail with METADATA_INVALID, never anything else', async () => {
  const { parsePrimaryToPool } = await import('../../src/repo/primaryfast.js');
  const { decodePool, encodeContainer } = await import('../../src/repo/cache.js');
  const { plainPackage } = await import('../../src/repo/index.js');
  const { primaryXml, pkgXml } = await import('./helpers.js');
  const doc = Buffer.from(
    primaryXml([
      pkgXml('a&amp;b', { requires: '<rpm:entry name="(x &gt;= 1 or y)"/><!-- c --><rpm:entry name="z&#x41;" flags="LT" epoch="1" ver="2" rel="3&lt;" pre="1"/>' }),
      pkgXml('c', { files: '<file>/usr/share/&quot;q</file><file type="ghost"><![CDATA[/var/<c>]]></file><file type="dir">/etc/x</file>' }),
      pkgXml('d').replace('<version epoch="0" ', '<version '),
    ]),
  );
  // Deterministic xorshift mutations: replaced, deleted and inserted bytes
  // drawn from XML's own punctuation, NUL and a non-UTF-8 byte.
  let seed = 12345;
  const rnd = (n: number): number => {
    seed ^= seed << 13;
    seed >>>= 0;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    seed >>>= 0;
    return seed % n;
  };
  const alphabet = Buffer.from('<>/"\'=&;#x![]-? \n\u0000abc\u00ff', 'latin1');
  let parsed = 0;
  let refused = 0;
  for (let it = 0; it < 1500; it++) {
    let m: Buffer = Buffer.from(doc);
    for (let k = 1 + rnd(4); k > 0; k--) {
      const at = rnd(m.length);
      const op = rnd(3);
      const c = alphabet[rnd(alphabet.length)] as number;
      if (op === 0) m[at] = c;
      else if (op === 1) m = Buffer.concat([m.subarray(0, at), m.subarray(Math.min(m.length, at + 1 + rnd(20)))]);
      else m = Buffer.concat([m.subarray(0, at), Buffer.from([c]), m.subarray(at)]);
    }
    const size = 1 + rnd(64);
    const chunks: Buffer[] = [];
    for (let i = 0; i < m.length; i += size) chunks.push(m.subarray(i, i + size));
    try {
      const { writer } = await parsePrimaryToPool(chunks, { what: 'doc' });
      const meta = { repoId: 'r', repomdChecksum: 'x', baseUrl: '', packageCount: writer.count, dataTypes: [] };
      const count = writer.count;
      const pool = decodePool(Buffer.concat(encodeContainer(meta, undefined, [writer.finishInPlace(meta)], [0, count], null)));
      for (const p of pool.packages) JSON.stringify(plainPackage(p));
      parsed++;
    } catch (e) {
      assert.ok(e instanceof RpmkitError && e.code === 'METADATA_INVALID', `mutation ${it}: ${(e as Error).stack}\n${JSON.stringify(m.toString('latin1'))}`);
      refused++;
    }
  }
  assert.ok(parsed > 100 && refused > 100, `${parsed} parsed, ${refused} refused`);
});
