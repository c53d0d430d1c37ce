/**
 * Strict JSON (issue 19, items 3, 7 and 8): the body reader agrees with JSON.parse on every
 * document that is I-JSON and holds no U+0000, and refuses every other one with the problem type
 * and JSON pointer of its first fault. Documents are written by this file's own serializer, which
 * spells member names and strings in random ways (escapes, surrogate pairs, whitespace), so that a
 * name written twice in two spellings is still one name.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isUtf8 } from 'node:buffer';
import { checkJsonText, hasLoneSurrogate, parseStrictJson } from '../../../src/intake/strict-json.js';
import { WaslaError } from '../../../src/errors.js';
import { problemOf } from '../../../src/api/problems.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function refusal(body: string | Uint8Array): { code: string; pointer: string } {
  try {
    parseStrictJson(typeof body === 'string' ? Buffer.from(body) : body);
  } catch (err) {
    expect(err).toBeInstanceOf(WaslaError);
    const e = err as WaslaError;
    expect(problemOf(e).status).toBe(400);
    return { code: e.code, pointer: e.faults[0]?.pointer ?? '(none)' };
  }
  throw new Error('expected a refusal');
}

const token = (t: string) => t.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * A JSON string literal for `s`, each code point written plainly or escaped as `escapes` says (a
 * surrogate pair as two escapes); a lone surrogate is always escaped, as JSON.stringify does.
 */
function literal(s: string, escapes: boolean[]): string {
  let out = '"';
  let n = 0;
  for (const ch of s) {
    const esc = escapes[n++ % escapes.length];
    const cp = ch.codePointAt(0)!;
    const lone = ch.length === 1 && cp >= 0xd800 && cp <= 0xdfff;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (cp < 0x20 || esc || lone) for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + '"';
}

interface Style {
  escapes: boolean[];
  space: string;
}

/** Serializes `v`; `extra` adds one more member (a duplicate) to the object at `extra.path`. */
function write(v: Json, style: Style, extra?: { path: string[]; name: string; value: Json; at: number }, path: string[] = []): string {
  const sp = style.space;
  if (Array.isArray(v)) return `[${sp}${v.map((x, i) => write(x, style, extra, [...path, String(i)])).join(`,${sp}`)}${sp}]`;
  if (v !== null && typeof v === 'object') {
    const members = Object.entries(v).map(([k, x]) => `${literal(k, style.escapes)}${sp}:${sp}${write(x, style, extra, [...path, k])}`);
    if (extra && extra.path.length === path.length && extra.path.every((p, i) => p === path[i])) {
      const dup = `${literal(extra.name, [...style.escapes].reverse())}${sp}:${sp}${write(extra.value, style)}`;
      members.splice(Math.min(extra.at, members.length), 0, dup);
    }
    return `{${sp}${members.join(`,${sp}`)}${sp}}`;
  }
  return typeof v === 'string' ? literal(v, style.escapes) : JSON.stringify(v);
}

/** Every object in `v` with its path, in document order. */
function objects(v: Json, path: string[] = []): Array<{ path: string[]; obj: Record<string, Json> }> {
  if (Array.isArray(v)) return v.flatMap((x, i) => objects(x, [...path, String(i)]));
  if (v !== null && typeof v === 'object') return [{ path, obj: v }, ...Object.entries(v).flatMap(([k, x]) => objects(x, [...path, k]))];
  return [];
}

const clean = (s: string) => !hasLoneSurrogate(s) && !s.includes('\u0000');
const style = fc.record({ escapes: fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), space: fc.constantFrom('', ' ', '\n\t', '  ') });
// full Unicode, surrogate pairs included; U+0000 left out (its own property below)
const document = fc.jsonValue({ maxDepth: 5, stringUnit: 'grapheme' }).filter((v) => !JSON.stringify(v).includes('\\u0000')) as fc.Arbitrary<Json>;

describe('strict JSON bodies', () => {
  it('agrees with JSON.parse on every document without a duplicate name, however it is spelt', () => {
    fc.assert(
      fc.property(document, style, (v, st) => {
        const text = write(v, st);
        expect(parseStrictJson(Buffer.from(text))).toEqual(JSON.parse(text));
      }),
      { numRuns: 400 },
    );
  });

  it('refuses every document with a duplicate name, naming the second one', () => {
    const withObject = document.filter((v) => objects(v).length > 0);
    fc.assert(
      fc.property(withObject, style, fc.nat(), fc.nat(), fc.string({ unit: 'grapheme', maxLength: 6 }).filter(clean), (v, st, which, at, fresh) => {
        const targets = objects(v);
        const { path, obj } = targets[which % targets.length];
        const names = Object.keys(obj);
        // a name the object already has, or, in an empty object, one written twice
        const name = names.length ? names[which % names.length] : fresh;
        const base = names.length ? v : (JSON.parse(JSON.stringify(v)) as Json);
        if (!names.length) objects(base)[which % targets.length].obj[name] = null;
        const text = write(base, st, { path, name, value: 1, at });
        expect(JSON.parse(text)).toBeDefined(); // JSON.parse takes it silently
        const r = refusal(text);
        expect(r.code).toBe('duplicate-member');
        expect(r.pointer).toBe([...path, name].map((p) => '/' + token(p)).join(''));
      }),
      { numRuns: 400 },
    );
  });

  it('refuses a string that escapes a lone surrogate, and only such strings', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' }), (v) => {
        const text = JSON.stringify(v); // escapes lone surrogates as \udXXX (well-formed JSON.stringify)
        const strings: string[] = [];
        JSON.parse(text, (k, x) => {
          strings.push(k);
          if (typeof x === 'string') strings.push(x);
          return x;
        });
        const bad = strings.filter((s) => !clean(s));
        if (bad.length === 0) expect(parseStrictJson(Buffer.from(text))).toEqual(JSON.parse(text));
        else expect(['invalid-utf8', 'nul-character']).toContain(refusal(text).code);
      }),
      { numRuns: 400 },
    );
  });

  it('tells a lone surrogate from a pair', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(hasLoneSurrogate(s)).toBe(Buffer.from(s, 'utf8').toString('utf8') !== s);
      }),
      { numRuns: 500 },
    );
  });

  it('names the pointer of a lone surrogate or a U+0000, in values and in names', () => {
    expect(refusal('{"data":{"name":"a\\ud800b"}}')).toEqual({ code: 'invalid-utf8', pointer: '/data/name' });
    expect(refusal('{"data":["ok","\\udc00"]}')).toEqual({ code: 'invalid-utf8', pointer: '/data/1' });
    expect(refusal('{"data":{"\\ud83d":1}}')).toEqual({ code: 'invalid-utf8', pointer: '/data' });
    expect(refusal('{"a":"\\ud83d\\u0041"}')).toEqual({ code: 'invalid-utf8', pointer: '/a' });
    expect(refusal('{"subject":"x\\u0000y"}')).toEqual({ code: 'nul-character', pointer: '/subject' });
    expect(refusal('{"data":{"k\\u0000":1}}')).toEqual({ code: 'nul-character', pointer: '/data' });
    // a well-formed pair, escaped or not, is text
    expect(parseStrictJson(Buffer.from('{"a":"\\ud83d\\ude00","b":"😀"}'))).toEqual({ a: '😀', b: '😀' });
  });

  it('names the duplicates of the issue: juvenile and classification written twice', () => {
    expect(refusal('{"classification":"juvenile","data":{},"classification":"public"}')).toEqual({ code: 'duplicate-member', pointer: '/classification' });
    expect(refusal('{"data":{"juvenile":true,"juvenile":false}}')).toEqual({ code: 'duplicate-member', pointer: '/data/juvenile' });
    expect(refusal('{"data":{"parties":[{"role":"a"},{"role":"a","r\\u006fle":"b"}]}}')).toEqual({ code: 'duplicate-member', pointer: '/data/parties/1/role' });
    expect(refusal('{"a/b~":1,"a/b~":2}')).toEqual({ code: 'duplicate-member', pointer: '/a~1b~0' });
    expect(refusal('{"__proto__":1,"__proto__":2}')).toEqual({ code: 'duplicate-member', pointer: '/__proto__' });
  });

  it('refuses bytes that are not UTF-8, and only those, before reading JSON', () => {
    const wrap = (b: number[]) => Buffer.concat([Buffer.from('{"subject":"'), Buffer.from(b), Buffer.from('"}')]);
    // 0xFF, an overlong "/", an encoded surrogate, a truncated sequence, a code point over U+10FFFF
    for (const bad of [[0xff], [0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80]]) {
      expect(refusal(wrap(bad))).toEqual({ code: 'invalid-utf8', pointer: '' });
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), (bytes) => {
        const body = wrap([...bytes]);
        if (!isUtf8(body)) expect(refusal(body).code).toBe('invalid-utf8');
        else {
          let code = 'accepted';
          try {
            parseStrictJson(body);
          } catch (err) {
            code = (err as WaslaError).code;
          }
          expect(code).not.toBe('invalid-utf8');
        }
      }),
      { numRuns: 400 },
    );
  });

  it('keeps the depth limit, and measures it without recursion', () => {
    expect(refusal('['.repeat(65) + ']'.repeat(65)).code).toBe('too-deeply-nested');
    expect(parseStrictJson(Buffer.from('['.repeat(64) + ']'.repeat(64)))).toBeDefined();
    expect(() => checkJsonText('{"a":'.repeat(200_000) + '1' + '}'.repeat(200_000), 64)).toThrow(WaslaError);
  });
});
