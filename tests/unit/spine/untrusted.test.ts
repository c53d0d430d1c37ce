/**
 * What comes from outside (a recipient's answer above all) made storable: the properties the record
 * statement relies on, over arbitrary strings, bytes and numbers (issue 19).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { boundedJson, boundedText, clampInt, INT32_MAX } from '../../../src/untrusted.js';

/** what PostgreSQL refuses in text and jsonb: a NUL, a lone surrogate; and the other controls we drop */
const UNSTORABLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** strings with what a hostile peer sends: NULs, lone surrogates, controls, astral characters */
const hostile = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: fc.constantFrom('\u0000', '\uD800', '\uDFFF', '\u001B', 'a', '😀', '\n', '\u0085'), maxLength: 300 }),
  fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b).toString('utf8')),
  fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b).toString('latin1')),
);

describe('boundedText', () => {
  it('never returns a NUL, a lone surrogate or a control character, and never more than the bound', () => {
    fc.assert(
      fc.property(hostile, fc.integer({ min: 1, max: 400 }), (s, max) => {
        const out = boundedText(s, max);
        expect(out).not.toMatch(UNSTORABLE);
        expect(out.length).toBeLessThanOrEqual(max);
        // and JSON carries it to PostgreSQL without an escape jsonb refuses
        expect(JSON.stringify(out)).not.toMatch(/\\u0000|\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])|(?<!\\ud[89ab][0-9a-f]{2})\\ud[c-f][0-9a-f]{2}/i);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps ordinary text as it is, and marks a cut', () => {
    expect(boundedText('HTTP 503: busy\tnow', 100)).toBe('HTTP 503: busy\tnow');
    expect(boundedText('محكمة بداية رام الله', 100)).toBe('محكمة بداية رام الله');
    expect(boundedText('abcdef', 4)).toBe('abc…');
    expect(boundedText('a\u0000b', 10)).toBe('a\uFFFDb');
    // a pair cut in two is not left half
    expect(boundedText('ab😀', 3)).toBe('ab…');
    expect(boundedText('a😀b', 3)).toBe('a\uFFFD…');
  });
});

describe('boundedJson', () => {
  it('bounds every string (keys too), the depth and the size of any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 12 }), hostile, (v, s) => {
        const out = boundedJson({ [s]: v, s }, { maxString: 50, maxDepth: 6, maxNodes: 40 });
        const text = JSON.stringify(out);
        expect(text).not.toMatch(/\\u0000/);
        const walk = (x: unknown, depth: number): number => {
          expect(depth).toBeLessThanOrEqual(7);
          if (typeof x === 'string') {
            expect(x).not.toMatch(UNSTORABLE);
            expect(x.length).toBeLessThanOrEqual(50);
            return 0;
          }
          if (x === null || typeof x !== 'object') return 0;
          let n = 0;
          for (const [k, c] of Object.entries(x)) {
            if (!Array.isArray(x)) expect(k).not.toMatch(UNSTORABLE);
            n += 1 + walk(c, depth + 1);
          }
          return n;
        };
        expect(walk(out, 0)).toBeLessThanOrEqual(40);
      }),
      { numRuns: 500 },
    );
  });

  it('turns numbers JSON cannot carry into null', () => {
    expect(boundedJson({ a: Number.NaN, b: Infinity, c: 1 }, { maxString: 9, maxDepth: 3, maxNodes: 9 })).toEqual({ a: null, b: null, c: 1 });
  });
});

describe('clampInt', () => {
  it('always returns an integer inside the range', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.integer(), fc.constant(3e9), fc.string()), (n) => {
        const out = clampInt(n, 0, INT32_MAX);
        expect(Number.isInteger(out)).toBe(true);
        expect(out).toBeGreaterThanOrEqual(0);
        expect(out).toBeLessThanOrEqual(INT32_MAX);
      }),
    );
    expect(clampInt(3_000_000_000, 0, INT32_MAX)).toBe(INT32_MAX);
    expect(clampInt(Number.NaN, 5, 9)).toBe(5);
  });
});
