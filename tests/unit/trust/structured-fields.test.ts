import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SfDecimal,
  SfParseError,
  SfToken,
  isInnerList,
  parseDictionary,
  parseItem,
  parseList,
  serializeDictionary,
  serializeItem,
  serializeList,
  type BareItem,
  type Dictionary,
  type Item,
  type Member,
  type Parameters,
} from '../../../src/trust/index.js';

describe('RFC 8941 structured fields: parsing', () => {
  it('reads a dictionary with items, booleans, parameters and inner lists (§3.2)', () => {
    const d = parseDictionary('a=?0, b, c; foo=bar, d=(1 2);valid, e=:AQID:');
    expect([...d.keys()]).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect((d.get('a') as Item).value).toBe(false);
    expect((d.get('b') as Item).value).toBe(true);
    const c = d.get('c') as Item;
    expect(c.value).toBe(true);
    expect((c.params.get('foo') as SfToken).value).toBe('bar');
    const dd = d.get('d')!;
    expect(isInnerList(dd)).toBe(true);
    expect(isInnerList(dd) && dd.items.map((i) => i.value)).toEqual([1, 2]);
    expect(dd.params.get('valid')).toBe(true);
    expect([...((d.get('e') as Item).value as Uint8Array)]).toEqual([1, 2, 3]);
    expect(serializeDictionary(d)).toBe('a=?0, b, c;foo=bar, d=(1 2);valid, e=:AQID:');
  });

  it('reads strings with escapes, tokens, integers and decimals', () => {
    expect(parseItem('"say \\"hi\\" \\\\ bye"').value).toBe('say "hi" \\ bye');
    expect((parseItem('*foo/bar:baz').value as SfToken).value).toBe('*foo/bar:baz');
    expect(parseItem('-999999999999999').value).toBe(-999999999999999);
    const dec = parseItem('4.50').value;
    expect(dec).toBeInstanceOf(SfDecimal);
    expect(serializeItem(parseItem('4.50'))).toBe('4.5');
    expect(serializeItem(parseItem('1.0'))).toBe('1.0');
  });

  it('reads the Signature-Input example of RFC 9421 §4.1 and writes it back unchanged', () => {
    const v = 'sig1=("@method" "@target-uri" "@authority" "content-digest" "cache-control");created=1618884475;keyid="test-key-rsa-pss"';
    const d = parseDictionary(v);
    const m = d.get('sig1')!;
    expect(isInnerList(m) && m.items.map((i) => i.value)).toEqual(['@method', '@target-uri', '@authority', 'content-digest', 'cache-control']);
    expect(serializeDictionary(d)).toBe(v);
  });

  it('keeps the first position but the last value of a repeated key (§4.2.2)', () => {
    expect(serializeDictionary(parseDictionary('a=1, b=2, a=3'))).toBe('a=3, b=2');
  });

  it('tolerates OWS around commas and SP inside inner lists, and canonicalises them', () => {
    expect(serializeList(parseList('  (  "a"   "b" );x=1 ,\t c  '))).toBe('("a" "b");x=1, c');
  });

  it.each([
    ['a=1,', 'trailing comma'],
    ['A=1', 'uppercase key'],
    ['a=1 b=2', 'missing comma'],
    ['a="unterminated', 'unterminated string'],
    ['a="bad \\n escape"', 'invalid escape'],
    ['a=1234567890123456', 'integer longer than 15 digits'],
    ['a=1.2345', 'too many fractional digits'],
    ['a=1.', 'decimal ending in a dot'],
    ['a=:AQ*D:', 'invalid base64'],
    ['a=?2', 'invalid boolean'],
    ['a=(1 2', 'unterminated inner list'],
    ['a=(1,2)', 'comma inside inner list'],
    ['a="\u00e9"', 'non-ASCII string'],
  ])('refuses %s (%s)', (input) => {
    expect(() => parseDictionary(input)).toThrow(SfParseError);
  });
});

// Arbitrary structured values, for the round-trip property.
const key = fc.stringMatching(/^[a-z*][a-z0-9_\-.*]{0,6}$/);
const bare: fc.Arbitrary<BareItem> = fc.oneof(
  fc.integer({ min: -999_999_999_999_999, max: 999_999_999_999_999 }),
  fc.integer({ min: -999_999, max: 999_999 }).map((n) => new SfDecimal(n / 1000)),
  fc.stringMatching(/^[\x20-\x7e]{0,12}$/),
  fc.stringMatching(/^[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]{0,8}$/).map((s) => new SfToken(s)),
  fc.uint8Array({ maxLength: 16 }),
  fc.boolean(),
);
const params: fc.Arbitrary<Parameters> = fc.uniqueArray(fc.tuple(key, bare), { maxLength: 3, selector: ([k]) => k }).map((entries) => new Map(entries));
const item: fc.Arbitrary<Item> = fc.record({ value: bare, params });
const member: fc.Arbitrary<Member> = fc.oneof(item, fc.record({ items: fc.array(item, { maxLength: 4 }), params }));
const dictionary: fc.Arbitrary<Dictionary> = fc.uniqueArray(fc.tuple(key, member), { maxLength: 5, selector: ([k]) => k }).map((entries) => new Map(entries));

describe('RFC 8941 structured fields: properties', () => {
  it('serialize(parse(serialize(x))) === serialize(x) for any dictionary', () => {
    fc.assert(
      fc.property(dictionary, (d) => {
        const s = serializeDictionary(d);
        expect(serializeDictionary(parseDictionary(s))).toBe(s);
      }),
      { numRuns: 300 },
    );
  });

  it('serialize(parse(serialize(x))) === serialize(x) for any list', () => {
    fc.assert(
      fc.property(fc.array(member, { maxLength: 5 }), (l) => {
        const s = serializeList(l);
        expect(serializeList(parseList(s))).toBe(s);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws anything but SfParseError on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (s) => {
        try {
          parseDictionary(s);
        } catch (e) {
          expect(e).toBeInstanceOf(SfParseError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
