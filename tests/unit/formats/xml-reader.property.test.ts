/**
 * Property tests for the hostile-XML reader: whatever bytes come in (random, structured noise,
 * deep nesting, huge attributes, mutated attack samples), readXml returns a tree or throws a
 * FormatError, and nothing else; and it keeps no memory across calls. Inputs are bounded in size,
 * so each call is bounded in time; the test timeout catches a hang.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';
import { FormatError } from '../../../src/formats/errors.js';
import { readXml } from '../../../src/formats/xml/reader.js';

const attackDir = new URL('../../fixtures/xml-attacks/', import.meta.url);
const samples = readdirSync(attackDir)
  .filter((f) => f.endsWith('.xml'))
  .map((f) => readFileSync(new URL(f, attackDir)));

/** readXml's whole contract: a tree with a root, or a FormatError. */
function tryRead(bytes: Uint8Array): 'tree' | string {
  try {
    const doc = readXml(bytes, { maxBytes: 256 * 1024 });
    expect(typeof doc.root.local).toBe('string');
    return 'tree';
  } catch (e) {
    if (!(e instanceof FormatError)) throw e;
    return e.code;
  }
}

const TOKENS = [
  '<',
  '>',
  '</',
  '/>',
  '<?',
  '?>',
  '<!--',
  '-->',
  '<![CDATA[',
  ']]>',
  '<!DOCTYPE',
  '<!ENTITY',
  '[',
  ']',
  '&',
  ';',
  '&amp;',
  '&lt;',
  '&#',
  '&#x',
  '=',
  '"',
  "'",
  ' ',
  '\n',
  '\r',
  '\t',
  'a',
  'b:c',
  'xmlns',
  'xmlns:p',
  ':',
  '%',
  'SYSTEM',
  '"file:///etc/passwd"',
  'xi:include',
  'http://www.w3.org/2001/XInclude',
  '\u0000',
  '\uFFFE',
  'é',
  'ع',
  '😀',
];
const markupNoise = fc.array(fc.constantFrom(...TOKENS), { maxLength: 300 }).map((t) => Buffer.from(t.join(''), 'utf8'));

const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,8}$/);
const wellFormedish: fc.Arbitrary<string> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string({ maxLength: 20 }).map((s) => s.replace(/[<&]/g, '')),
    fc
      .record({
        tag: name,
        attrs: fc.uniqueArray(
          fc.tuple(
            name,
            fc.string({ maxLength: 10 }).map((s) => s.replace(/[<&"]/g, '')),
          ),
          { maxLength: 4, selector: (a) => a[0] },
        ),
        kids: fc.array(tie('node'), { maxLength: 4 }),
      })
      .map(({ tag, attrs, kids }) => `<${tag}${attrs.map(([k, v]) => ` ${k}="${v}"`).join('')}>${kids.join('')}</${tag}>`),
  ),
})).node as fc.Arbitrary<string>;

function mutate(bytes: Buffer, ops: Array<{ at: number; kind: number; len: number; byte: number }>): Buffer {
  let b = Buffer.from(bytes);
  for (const op of ops) {
    const at = b.length === 0 ? 0 : op.at % b.length;
    if (op.kind === 0) b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + op.len))]);
    else if (op.kind === 1) b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + op.len), b.subarray(at)]);
    else if (op.kind === 2 && b.length > 0) b[at] = op.byte;
    else b = Buffer.concat([b.subarray(0, at), Buffer.from(TOKENS[op.byte % TOKENS.length]), b.subarray(at)]);
    if (b.length > 200_000) b = b.subarray(0, 200_000);
  }
  return b;
}

describe('readXml on untrusted input', () => {
  test('random bytes: a tree or a refusal, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => {
        tryRead(bytes);
      }),
      { numRuns: 500 },
    );
  });

  test('markup-shaped noise: a tree or a refusal', () => {
    fc.assert(
      fc.property(markupNoise, (bytes) => {
        tryRead(bytes);
      }),
      { numRuns: 1000 },
    );
  });

  test('generated well-formed documents parse, wrapped in a root', () => {
    fc.assert(
      fc.property(wellFormedish, (doc) => {
        expect(tryRead(Buffer.from(`<root>${doc}</root>`))).toBe('tree');
      }),
      { numRuns: 300 },
    );
  });

  test('mutated attack samples: a tree or a refusal, and none of them expands anything', () => {
    const op = fc.record({ at: fc.nat(), kind: fc.integer({ min: 0, max: 3 }), len: fc.integer({ min: 1, max: 200 }), byte: fc.integer({ min: 0, max: 255 }) });
    fc.assert(
      fc.property(fc.constantFrom(...samples), fc.array(op, { minLength: 1, maxLength: 8 }), (sample, ops) => {
        const bytes = mutate(sample, ops);
        const outcome = tryRead(bytes);
        if (outcome === 'tree') {
          // whatever parsed cannot carry an expansion: its text is bounded by its own bytes
          const doc = readXml(bytes, { maxBytes: 256 * 1024 });
          expect(JSON.stringify(doc).length).toBeLessThan(bytes.length * 8 + 1000);
        }
      }),
      { numRuns: 1000 },
    );
  });

  test('deep nesting and huge attributes and text: refused by a limit or read, in one pass', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 0, max: 100_000 }), fc.boolean(), (depth, size, close) => {
        const big = 'x'.repeat(size);
        const doc = `<r a="${big}">` + '<e>'.repeat(depth) + big + (close ? '</e>'.repeat(depth) + '</r>' : '');
        const outcome = tryRead(Buffer.from(doc));
        if (depth + 1 > 64) expect(outcome).toBe('xml-too-deep');
        else if (!close) expect(outcome).toBe('xml-malformed');
        else expect(outcome).toBe('tree');
      }),
      { numRuns: 150 },
    );
  });

  // A parser state that re-reads what it has accumulated at each character turns a long run into
  // quadratic work: sax did so for `<!D…` (a minute for 100 KB). Each opener below is followed by
  // 200 KB with no way out of its state; one linear pass reads them all well within the test's
  // timeout, a quadratic one would not finish in minutes.
  test('a long run after any markup opener is read in one linear pass', () => {
    const run = 'B'.repeat(200_000);
    const openers = ['<!D', '<!DOCTYPE', '<!-', '<![CDAT', '<![CDATA[', '<!--', '<?', '<?x ', '<a ', '<a b="', "<a b='", '</', '<a>&', '<a>&#', '<a><!', '<a><![CDATA[', '<a:'];
    for (const opener of openers) {
      for (const doc of [`${opener}${run}`, `<r>${opener}${run}</r>`]) {
        const outcome = tryRead(Buffer.from(doc));
        expect(outcome, `${opener}…`).not.toBe('tree');
      }
    }
  });

  test('memory does not grow across many reads (loosely)', () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const inputs = [
      ...samples,
      ...fc.sample(markupNoise, 200),
      ...fc.sample(
        wellFormedish.map((d) => Buffer.from(`<root>${d}</root>`)),
        200,
      ),
    ];
    const round = () => {
      for (const b of inputs) tryRead(b);
    };
    for (let i = 0; i < 3; i++) round();
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 30; i++) round();
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    // ~12,000 reads; a leak of even 1 KB a read would show as 12 MB
    expect(grown).toBeLessThan(8 * 1024 * 1024);
  });
});
