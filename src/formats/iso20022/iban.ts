/**
 * IBAN (ISO 13616) and BIC (ISO 9362) checks, done before any payment document is written.
 *
 * An IBAN is accepted only if, once spaces are removed and letters upper-cased, it is two letters of
 * a country in the registry table below, two check digits, and a BBAN of the length the registry
 * gives that country, and its mod-97 remainder (ISO 7064 MOD 97-10) is 1. A country outside the
 * table is refused rather than guessed at: a payout to it is worth a human's look first.
 */
import { FormatError } from '../errors.js';

/** Total IBAN length per country, from the SWIFT IBAN registry (ISO 13616). */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = Object.freeze({
  PS: 29,
  JO: 30,
  IL: 23,
  EG: 29,
  SA: 24,
  AE: 23,
  KW: 30,
  QA: 29,
  BH: 22,
  LB: 28,
  TR: 26,
  IQ: 23,
  TN: 24,
  MA: 28,
  DE: 22,
  FR: 27,
  GB: 22,
  NL: 18,
  BE: 16,
  CH: 21,
  AT: 20,
  ES: 24,
  IT: 27,
  FI: 18,
  EE: 20,
  SE: 24,
  NO: 15,
  DK: 18,
  IE: 22,
  PT: 25,
  LU: 20,
  PL: 28,
  GR: 27,
  CY: 28,
});

export function normaliseIban(input: string): string {
  return input.replace(/[\s]/g, '').toUpperCase();
}

/** The ISO 7064 MOD 97-10 remainder of an IBAN (country and check digits moved to the end). */
export function ibanRemainder(iban: string): number {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (const ch of rearranged) {
    const v = ch >= 'A' && ch <= 'Z' ? ch.charCodeAt(0) - 55 : ch.charCodeAt(0) - 48;
    rem = v > 9 ? (rem * 100 + v) % 97 : (rem * 10 + v) % 97;
  }
  return rem;
}

/** Returns the IBAN in electronic form, or throws iban-invalid saying why. */
export function checkIban(input: string, where: { pointer?: string; path?: string } = {}): string {
  const iban = normaliseIban(input);
  if (!/^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/.test(iban)) throw new FormatError('iban-invalid', `${JSON.stringify(input.slice(0, 40))} is not shaped like an IBAN`, where);
  const len = IBAN_LENGTHS[iban.slice(0, 2)];
  if (len === undefined) throw new FormatError('iban-invalid', `country ${iban.slice(0, 2)} is not in Wasla's IBAN registry table`, where);
  if (iban.length !== len) throw new FormatError('iban-invalid', `a ${iban.slice(0, 2)} IBAN has ${len} characters, this one ${iban.length}`, where);
  if (ibanRemainder(iban) !== 1) throw new FormatError('iban-invalid', `IBAN ${iban.slice(0, 4)}… fails the ISO 13616 mod-97 check`, where);
  return iban;
}

export function isValidIban(input: string): boolean {
  try {
    checkIban(input);
    return true;
  } catch {
    return false;
  }
}

export function checkBic(input: string, where: { pointer?: string; path?: string } = {}): string {
  if (!/^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/.test(input)) throw new FormatError('bic-invalid', `${JSON.stringify(input.slice(0, 20))} is not a BIC (ISO 9362)`, where);
  return input;
}
