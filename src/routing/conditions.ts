/**
 * Evaluating grant conditions on a payload. The rules, so agreements mean one thing:
 * - A number and a decimal string (`"150.00"`, the form amounts travel in) are compared as exact
 *   decimals: `"150.00"` equals `150`, and `"1000.5" gt "999.99"`. No floating-point rounding.
 * - Two strings that start with an ISO date (`2024-05-01`, `2024-05-01T10:00:00Z`) are ordered as
 *   strings, which is chronological for ISO 8601 in one time zone.
 * - Anything else is compared with deep JSON equality; `lt`/`lte`/`gt`/`gte` on values that are
 *   neither numbers nor dates are false.
 * - A missing value: `exists` false, `not-exists` true, `not-equals` true, every other op false.
 * - A pointer with a `*` segment holds when the test holds for every element it reaches (an empty
 *   array holds vacuously); a branch that stops short counts as a missing value.
 */
import type { Condition } from '../federation/index.js';
import { resolveAll } from './pointer.js';
import { jsonEqual } from '../json/index.js';

const DECIMAL = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}/;

/** An exact decimal as a scaled BigInt, or undefined when the value is not numeric. */
function toDecimal(v: unknown): { n: bigint; scale: number } | undefined {
  let s: string;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return undefined;
    s = String(v);
    if (!DECIMAL.test(s)) {
      // exponent notation (1e21, 1e-7): go through toFixed, which is exact enough for these ranges
      s = Math.abs(v) >= 1 ? BigInt(Math.trunc(v)).toString() : v.toFixed(20).replace(/0+$/, '').replace(/\.$/, '');
      if (!DECIMAL.test(s)) return undefined;
    }
  } else if (typeof v === 'string' && DECIMAL.test(v)) {
    s = v;
  } else {
    return undefined;
  }
  const neg = s.startsWith('-');
  const body = neg ? s.slice(1) : s;
  const [int, frac = ''] = body.split('.');
  const n = BigInt(int + frac) * (neg ? -1n : 1n);
  return { n, scale: frac.length };
}

function compareDecimal(a: { n: bigint; scale: number }, b: { n: bigint; scale: number }): number {
  const scale = Math.max(a.scale, b.scale);
  const x = a.n * 10n ** BigInt(scale - a.scale);
  const y = b.n * 10n ** BigInt(scale - b.scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Equality as conditions see it: numeric across numbers and decimal strings, else deep equality. */
export function valuesEqual(actual: unknown, expected: unknown): boolean {
  const da = toDecimal(actual);
  const de = toDecimal(expected);
  if (da && de) return compareDecimal(da, de) === 0;
  return jsonEqual(actual, expected);
}

/** -1, 0, 1, or undefined when the two values have no order. */
export function order(actual: unknown, expected: unknown): number | undefined {
  const da = toDecimal(actual);
  const de = toDecimal(expected);
  if (da && de) return compareDecimal(da, de);
  if (typeof actual === 'string' && typeof expected === 'string' && ISO_DATE.test(actual) && ISO_DATE.test(expected)) {
    return actual < expected ? -1 : actual > expected ? 1 : 0;
  }
  return undefined;
}

function testOne(c: Condition, present: boolean, actual: unknown): boolean {
  switch (c.op) {
    case 'exists':
      return present;
    case 'not-exists':
      return !present;
    case 'equals':
      return present && valuesEqual(actual, c.value);
    case 'not-equals':
      return !present || !valuesEqual(actual, c.value);
    case 'in':
      return present && Array.isArray(c.value) && c.value.some((v) => valuesEqual(actual, v));
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte': {
      if (!present) return false;
      const o = order(actual, c.value);
      if (o === undefined) return false;
      return c.op === 'lt' ? o < 0 : c.op === 'lte' ? o <= 0 : c.op === 'gt' ? o > 0 : o >= 0;
    }
    default:
      return false;
  }
}

export function holds(c: Condition, data: unknown): boolean {
  const { values, complete } = resolveAll(data, c.pointer);
  if (!c.pointer.split('/').includes('*')) {
    return values.length === 1 ? testOne(c, true, values[0]) : testOne(c, false, undefined);
  }
  // universal over every element reached; a short branch is a missing value
  if (!complete && !testOne(c, false, undefined)) return false;
  return values.every((v) => testOne(c, true, v));
}

/** The conditions that fail (empty when all hold). */
export function failing(conditions: readonly Condition[], data: unknown): Condition[] {
  return conditions.filter((c) => !holds(c, data));
}
