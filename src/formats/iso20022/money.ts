/**
 * Money as exact decimals: an amount is a bigint count of 10^-5 units (ISO 20022 amounts have at
 * most 5 fraction digits and 18 digits in all) with its ISO 4217 currency beside it. No binary
 * float ever holds an amount: sums, comparisons and keys are exact, and a bigint keeps this module
 * free of a decimal library (big.js / decimal.js would do as well; the fixed scale is all ISO 20022
 * needs, and it makes an amount a cheap, exact index key for reconciliation).
 *
 * Guarantees: parseAmount accepts only what an ISO 20022 amount may be (digits, an optional point
 * and up to 5 fraction digits, at most 18 digits) or throws money-invalid; formatAmount writes the
 * currency's minor units (ISO 4217) and never rounds: an amount finer than its currency allows is
 * refused (money-invalid), because a bank would refuse it too.
 */
import { FormatError } from '../errors.js';

export const SCALE = 5;
const UNIT = 10n ** BigInt(SCALE);

export interface Money {
  /** amount in 10^-5 units of the currency; negative only for signed balances and sums */
  readonly units: bigint;
  readonly currency: string;
}

/** ISO 4217 minor units for the currencies the federation uses and their neighbours. */
export const MINOR_UNITS: Readonly<Record<string, number>> = Object.freeze({
  ILS: 2,
  JOD: 3,
  USD: 2,
  EUR: 2,
  EGP: 2,
  KWD: 3,
  BHD: 3,
  OMR: 3,
  TND: 3,
  IQD: 3,
  LYD: 3,
  SAR: 2,
  AED: 2,
  QAR: 2,
  LBP: 2,
  TRY: 2,
  GBP: 2,
  CHF: 2,
  SEK: 2,
  NOK: 2,
  DKK: 2,
  JPY: 0,
});

export function minorUnits(currency: string): number {
  const n = MINOR_UNITS[currency];
  if (n === undefined) throw new FormatError('money-invalid', `currency ${JSON.stringify(currency)} is not one Wasla knows (ISO 4217 minor units unknown)`);
  return n;
}

const AMOUNT = /^(\d{1,18})(?:\.(\d{1,5}))?$/;

/** An unsigned ISO 20022 amount ("1200.00", "0.5") in `currency`. */
export function parseAmount(text: string, currency: string, where: { path?: string; pointer?: string } = {}): Money {
  const m = AMOUNT.exec(text);
  if (!m || m[1].length + (m[2]?.length ?? 0) > 18) throw new FormatError('money-invalid', `${JSON.stringify(text.slice(0, 40))} is not an ISO 20022 amount`, where);
  if (!/^[A-Z]{3}$/.test(currency)) throw new FormatError('money-invalid', `${JSON.stringify(currency)} is not an ISO 4217 code`, where);
  const frac = (m[2] ?? '').padEnd(SCALE, '0');
  return { units: BigInt(m[1]) * UNIT + BigInt(frac), currency };
}

/** A canonical decimal string (the catalogue's amount.value: "-?digits(.1-3 digits)") */
export function parseDecimal(text: string, currency: string, where: { path?: string; pointer?: string } = {}): Money {
  const neg = text.startsWith('-');
  const m = parseAmount(neg ? text.slice(1) : text, currency, where);
  return neg ? { units: -m.units, currency } : m;
}

export function money(units: bigint, currency: string): Money {
  return { units, currency };
}

export function add(a: Money, b: Money): Money {
  if (a.currency !== b.currency) throw new FormatError('money-currency-mismatch', `cannot add ${a.currency} and ${b.currency}`);
  return { units: a.units + b.units, currency: a.currency };
}

export function negate(a: Money): Money {
  return { units: -a.units, currency: a.currency };
}

/** Fraction digits needed to write `m` exactly. */
function neededDigits(units: bigint): number {
  let frac = (units < 0n ? -units : units) % UNIT;
  let d = SCALE;
  while (d > 0 && frac % 10n === 0n) {
    frac /= 10n;
    d--;
  }
  return d;
}

/**
 * Writes the amount with exactly the currency's minor units ("1200.00" ILS, "5000.000" JOD), or
 * with `digits` if given; refuses to round.
 */
export function formatAmount(m: Money, digits = minorUnits(m.currency)): string {
  if (neededDigits(m.units) > digits) throw new FormatError('money-invalid', `${formatExact(m)} ${m.currency} has more fraction digits than ${m.currency} allows (${digits})`);
  const neg = m.units < 0n;
  const abs = neg ? -m.units : m.units;
  const int = abs / UNIT;
  const frac = (abs % UNIT).toString().padStart(SCALE, '0').slice(0, digits);
  return `${neg ? '-' : ''}${int}${digits > 0 ? `.${frac}` : ''}`;
}

/** The shortest exact decimal for `m` (for messages and keys). */
export function formatExact(m: Money): string {
  return formatAmount(m, Math.max(neededDigits(m.units), 0));
}

/** A key equal for equal amounts in the same currency, whatever their written form ("10.5" = "10.50"). */
export function amountKey(m: Money): string {
  return `${m.currency}:${m.units}`;
}

export function isZero(m: Money): boolean {
  return m.units === 0n;
}

export function compare(a: Money, b: Money): number {
  if (a.currency !== b.currency) throw new FormatError('money-currency-mismatch', `cannot compare ${a.currency} and ${b.currency}`);
  return a.units < b.units ? -1 : a.units > b.units ? 1 : 0;
}
