import { describe, expect, it } from 'vitest';
import { failing, holds, order, valuesEqual } from '../../../src/routing/conditions.js';
import type { Condition } from '../../../src/federation/index.js';
import { isPattern, matches, specificity } from '../../../src/routing/pattern.js';
import { valueAt as getAt, parsePointer, formatPointer } from '../../../src/json/index.js';
import { endpointEnvVar, resolveEndpoint } from '../../../src/routing/endpoints.js';
import { isActive } from '../../../src/routing/validity.js';

const data = {
  amount: { value: '150.00', currency: 'ILS' },
  count: 3,
  when: '2026-03-18T17:22:41Z',
  day: '2026-03-18',
  subject: { juvenile: false, name: 'x' },
  kind: 'arrest',
  tags: ['a', 'b'],
  parties: [{ role: 'accused' }, { role: 'victim' }],
  nothing: null,
};
const c = (pointer: string, op: Condition['op'], value?: unknown): Condition => (value === undefined ? { pointer, op } : { pointer, op, value });

describe('condition operators', () => {
  it('equals: strings, booleans, objects, and numbers against decimal strings', () => {
    expect(holds(c('/kind', 'equals', 'arrest'), data)).toBe(true);
    expect(holds(c('/kind', 'equals', 'search'), data)).toBe(false);
    expect(holds(c('/subject/juvenile', 'equals', false), data)).toBe(true);
    expect(holds(c('/amount', 'equals', { value: '150.00', currency: 'ILS' }), data)).toBe(true);
    expect(holds(c('/amount/value', 'equals', 150), data)).toBe(true);
    expect(holds(c('/amount/value', 'equals', '150'), data)).toBe(true);
    expect(holds(c('/count', 'equals', '3.000'), data)).toBe(true);
    expect(holds(c('/missing', 'equals', null), data)).toBe(false);
    expect(holds(c('/nothing', 'equals', null), data)).toBe(true);
    // no coercion between booleans and strings
    expect(holds(c('/subject/juvenile', 'equals', 'false'), data)).toBe(false);
  });

  it('not-equals holds for a missing value', () => {
    expect(holds(c('/kind', 'not-equals', 'search'), data)).toBe(true);
    expect(holds(c('/kind', 'not-equals', 'arrest'), data)).toBe(false);
    expect(holds(c('/subject/missing', 'not-equals', true), data)).toBe(true);
  });

  it('in', () => {
    expect(holds(c('/kind', 'in', ['search', 'arrest']), data)).toBe(true);
    expect(holds(c('/kind', 'in', ['search']), data)).toBe(false);
    expect(holds(c('/amount/value', 'in', [100, 150]), data)).toBe(true);
    expect(holds(c('/missing', 'in', [null]), data)).toBe(false);
  });

  it('exists and not-exists (null exists)', () => {
    expect(holds(c('/subject/name', 'exists'), data)).toBe(true);
    expect(holds(c('/nothing', 'exists'), data)).toBe(true);
    expect(holds(c('/subject/age', 'exists'), data)).toBe(false);
    expect(holds(c('/subject/age', 'not-exists'), data)).toBe(true);
    expect(holds(c('/subject', 'not-exists'), data)).toBe(false);
  });

  it('lt, lte, gt, gte on decimals exactly', () => {
    expect(holds(c('/amount/value', 'gt', '149.99'), data)).toBe(true);
    expect(holds(c('/amount/value', 'gt', '150'), data)).toBe(false);
    expect(holds(c('/amount/value', 'gte', 150), data)).toBe(true);
    expect(holds(c('/amount/value', 'lt', '150.001'), data)).toBe(true);
    expect(holds(c('/amount/value', 'lte', '150.000'), data)).toBe(true);
    expect(holds(c('/count', 'lt', 4), data)).toBe(true);
    expect(holds(c('/count', 'gt', '-1'), data)).toBe(true);
    // beyond float precision
    expect(order('12345678901234567890.01', '12345678901234567890.02')).toBe(-1);
    expect(valuesEqual(0.1, '0.1')).toBe(true);
    expect(valuesEqual(1e-7, '0.0000001')).toBe(true);
    expect(order(1e21, '999999999999999999999')).toBe(1);
  });

  it('lt, gt on ISO dates as strings; other strings have no order', () => {
    expect(holds(c('/when', 'gt', '2026-03-01'), data)).toBe(true);
    expect(holds(c('/when', 'lt', '2026-03-18T17:22:42Z'), data)).toBe(true);
    expect(holds(c('/day', 'gte', '2026-03-18'), data)).toBe(true);
    expect(holds(c('/kind', 'gt', 'a'), data)).toBe(false);
    expect(holds(c('/kind', 'lt', 'z'), data)).toBe(false);
    expect(holds(c('/missing', 'lt', 5), data)).toBe(false);
    expect(holds(c('/subject', 'gt', 1), data)).toBe(false);
  });

  it('a * segment holds for every element; missing branches count as missing', () => {
    expect(holds(c('/parties/*/role', 'not-equals', 'juvenile'), data)).toBe(true);
    expect(holds(c('/parties/*/role', 'not-equals', 'victim'), data)).toBe(false);
    expect(holds(c('/parties/*/role', 'in', ['accused', 'victim']), data)).toBe(true);
    expect(holds(c('/parties/*/role', 'equals', 'accused'), data)).toBe(false);
    expect(holds(c('/parties/*/role', 'not-equals', 'juvenile'), { parties: [] })).toBe(true);
    expect(holds(c('/parties/*/role', 'not-equals', 'juvenile'), {})).toBe(true);
    expect(holds(c('/parties/*/role', 'equals', 'accused'), { parties: [{ role: 'accused' }, {}] })).toBe(false);
    expect(holds(c('/tags/*', 'in', ['a', 'b']), data)).toBe(true);
  });

  it('never reads the prototype chain', () => {
    expect(holds(c('/constructor', 'exists'), {})).toBe(false);
    expect(holds(c('/__proto__', 'exists'), {})).toBe(false);
    expect(holds(c('/toString', 'not-exists'), data)).toBe(true);
    expect(getAt([1, 2], '/length')).toBeUndefined();
  });

  it('failing lists the conditions that do not hold', () => {
    const f = failing([c('/kind', 'equals', 'arrest'), c('/count', 'gt', 5), c('/x', 'exists')], data);
    expect(f.map((x) => x.pointer)).toEqual(['/count', '/x']);
  });
});

describe('pointers', () => {
  it('escape and unescape ~ and /', () => {
    expect(parsePointer('/a~1b/c~0d')).toEqual(['a/b', 'c~d']);
    expect(formatPointer(['a/b', 'c~d'])).toBe('/a~1b/c~0d');
    expect(getAt({ 'a/b': { 'c~d': 1 } }, '/a~1b/c~0d')).toBe(1);
    expect(getAt({ a: [10, 20] }, '/a/1')).toBe(20);
    expect(getAt({ a: [10, 20] }, '/a/01')).toBeUndefined();
  });
});

describe('institution patterns', () => {
  it('* is one segment, ** one or more, anything else literal', () => {
    expect(matches('ps.hjc.court.*', 'ps.hjc.court.ramallah')).toBe(true);
    expect(matches('ps.hjc.court.*', 'ps.hjc.court')).toBe(false);
    expect(matches('ps.hjc.court.*', 'ps.hjc.court.ramallah.annex')).toBe(false);
    expect(matches('ps.*.court.*', 'ps.hjc.court.nablus')).toBe(true);
    expect(matches('ps.**', 'ps.mot')).toBe(true);
    expect(matches('ps.**', 'ps.hjc.court.nablus')).toBe(true);
    expect(matches('ps.**', 'ps')).toBe(false);
    expect(matches('ps.**.ramallah', 'ps.hjc.court.ramallah')).toBe(true);
    expect(matches('ps.mot', 'ps.mot')).toBe(true);
    expect(matches('ps.mot', 'ps.mof')).toBe(false);
    expect(matches('ps.hjc.court*', 'ps.hjc.courts')).toBe(false);
    expect(isPattern('ps.hjc.court.*')).toBe(true);
    expect(isPattern('ps.hjc.court')).toBe(false);
  });

  it('exact ids are more specific than patterns, * than **', () => {
    expect(specificity('ps.hjc.court.ramallah')).toBeGreaterThan(specificity('ps.hjc.court.*'));
    expect(specificity('ps.hjc.court.*')).toBeGreaterThan(specificity('ps.hjc.*.*'));
    expect(specificity('ps.*.*')).toBeGreaterThan(specificity('ps.**'));
  });
});

describe('endpoints and validity windows', () => {
  it('names the override variable from the id', () => {
    expect(endpointEnvVar('ps.sjd.family-court.ramallah')).toBe('WASLA_ENDPOINT_PS_SJD_FAMILY_COURT_RAMALLAH');
  });

  it('resolves ${VAR}, ${VAR:-default}, and the override wins', () => {
    expect(resolveEndpoint('a.b', 'http://${H}:${P:-9}/d', { H: 'h' }).url).toBe('http://h:9/d');
    expect(resolveEndpoint('a.b', 'http://${H}/d', {}).error).toMatch(/H is not set.*WASLA_ENDPOINT_A_B/);
    expect(resolveEndpoint('a.b', 'http://${H}/d', { WASLA_ENDPOINT_A_B: 'https://x/y' }).url).toBe('https://x/y');
    expect(resolveEndpoint('a.b', 'http://x/d', { WASLA_ENDPOINT_A_B: 'ftp://x' }).error).toMatch(/http or https/);
    expect(resolveEndpoint('a.b', '${U}', { U: 'not a url' }).error).toMatch(/not a URL/);
  });

  it('a date covers its whole day in UTC', () => {
    const a = { validFrom: '2026-01-01', validUntil: '2026-12-31' };
    expect(isActive(a, new Date('2025-12-31T23:59:59Z'))).toBe(false);
    expect(isActive(a, new Date('2026-01-01T00:00:00Z'))).toBe(true);
    expect(isActive(a, new Date('2026-12-31T23:59:59Z'))).toBe(true);
    expect(isActive(a, new Date('2027-01-01T00:00:00Z'))).toBe(false);
    expect(isActive({ validUntil: '2026-06-01T12:00:00Z' }, new Date('2026-06-01T12:00:01Z'))).toBe(false);
    expect(isActive({}, new Date())).toBe(true);
  });
});
