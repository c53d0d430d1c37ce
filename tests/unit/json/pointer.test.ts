import { describe, expect, it } from 'vitest';
import { valuesAt } from '../../../src/json/index.js';

describe('valuesAt (pointers with `*` for every array item)', () => {
  const data = {
    offences: [{ code: 'A' }, { code: 'B' }, { other: 1 }],
    'a/b': { '~x': 7 },
    person: { nationalId: '123' },
  };

  it('reaches every item under a `*`, skipping items without the member', () => {
    expect(valuesAt(data, '/offences/*/code')).toEqual(['A', 'B']);
  });

  it('follows plain members and RFC 6901 escapes', () => {
    expect(valuesAt(data, '/person/nationalId')).toEqual(['123']);
    expect(valuesAt(data, '/a~1b/~0x')).toEqual([7]);
  });

  it('reaches nothing through a `*` on a non-array, a missing member, or the prototype chain', () => {
    expect(valuesAt(data, '/person/*')).toEqual([]);
    expect(valuesAt(data, '/missing/x')).toEqual([]);
    expect(valuesAt(data, '/person/constructor')).toEqual([]);
    expect(valuesAt(data, '/__proto__')).toEqual([]);
  });

  it('the empty pointer is the document itself', () => {
    expect(valuesAt(data, '')).toEqual([data]);
  });
});
