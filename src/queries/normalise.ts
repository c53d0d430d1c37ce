/**
 * Canonical forms of what the case index matches on (issue 24.1): a value written by a sender and
 * the same value typed by a clerk into a query must meet in one form.
 *
 * - Person names (`normaliseName`): Arabic letters folded as Arabic search does — alef and hamza
 *   forms (أ إ آ ٱ) to ا, ؤ to و, ئ to ي, taa marbuta ة to ه, alef maqsura ى to ي (and the Persian
 *   yeh and keheh to their Arabic letters), tatweel and every haraka (U+064B–U+065F, U+0670)
 *   removed; Latin letters compatibility-decomposed (NFKD), stripped of their combining marks,
 *   lower-cased, with the letters NFKD does not split spelled out (ß → ss, æ → ae, ø → o, ł → l…);
 *   Arabic-Indic digits to ASCII; punctuation and symbols to spaces; spaces collapsed.
 * - Institution-given identifiers (`canonicalReference`): case, spaces, dashes and Arabic-Indic
 *   digits do not count; `<serial>/<year>` numbers also ignore leading zeros of the serial.
 * - National ids: digits only (Arabic-Indic folded, separators dropped).
 *
 * Guarantees: every function is total (any string in, a string out, never throws), deterministic
 * (no locale: `toLowerCase`/`toUpperCase` without a locale, explicit tables) and idempotent —
 * f(f(x)) = f(x) — so a canonical value stored in the index is its own canonical form.
 */

/** U+0660–U+0669 (Arabic-Indic) and U+06F0–U+06F9 (Extended, Persian/Urdu) digits to ASCII. */
export function foldDigits(s: string): string {
  return s.replace(/[\u0660-\u0669\u06F0-\u06F9]/g, (d) => String((d.charCodeAt(0) & 0x0f) % 10));
}

/** Arabic letters that NFKD leaves whole but Arabic search treats as one. */
const ARABIC_LETTERS: Record<string, string> = {
  '\u0671': '\u0627', // ٱ alef wasla -> ا
  '\u0629': '\u0647', // ة taa marbuta -> ه
  '\u0649': '\u064A', // ى alef maqsura -> ي
  '\u06CC': '\u064A', // ی Farsi yeh -> ي
  '\u06A9': '\u0643', // ک keheh -> ك
};
const ARABIC_LETTER = new RegExp(`[${Object.keys(ARABIC_LETTERS).join('')}]`, 'g');

/** Latin letters NFKD does not decompose, spelled as a reader matching names would. */
const LATIN_LETTERS: Record<string, string> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  đ: 'd',
  ð: 'd',
  ł: 'l',
  ı: 'i',
  þ: 'th',
  ħ: 'h',
  ŧ: 't',
  ŀ: 'l',
  ĸ: 'k',
};
const LATIN_LETTER = new RegExp(`[${Object.keys(LATIN_LETTERS).join('')}]`, 'g');

/**
 * Compatibility-decompose (presentation forms to letters, أ to ا + hamza above, é to e + acute),
 * lower-case, decompose again (lower-casing can compose: İ -> i + dot above), then drop every
 * combining mark (harakat, hamza above/below, maddah, superscript alef, Latin accents), tatweel and
 * invisible format characters (ZWNJ, RLM, the Arabic letter mark).
 */
function decompose(s: string): string {
  return s
    .normalize('NFKD')
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\p{M}\u0640\p{Cf}]/gu, '');
}

/** A person's name as the index matches it: see the module header. */
export function normaliseName(s: string): string {
  return foldDigits(decompose(s))
    .replace(ARABIC_LETTER, (c) => ARABIC_LETTERS[c])
    .replace(LATIN_LETTER, (c) => LATIN_LETTERS[c])
    .replace(/[\p{P}\p{S}\p{Z}\s]+/gu, ' ')
    .trim();
}

/**
 * An identifier an institution gives (a plate, a fine, warrant, case or order number, a payment
 * id): upper case, without spaces, dashes or tatweel, digits folded to ASCII, Arabic letters folded
 * as in names (a plate may carry them).
 */
export function canonicalReference(s: string): string {
  // upper-case before dropping marks: upper-casing can add one (ǰ -> J + caron)
  return foldDigits(s.normalize('NFKC'))
    .toUpperCase()
    .normalize('NFKD')
    .replace(/[\p{M}\u0640\p{Cf}]/gu, '')
    .replace(ARABIC_LETTER, (c) => ARABIC_LETTERS[c])
    .replace(/[\p{Pd}\p{Z}\s_]+/gu, '');
}

const SERIAL_YEAR = /^0*([0-9]{1,7})\/([0-9]{4})$/;

/** A `<serial>/<year>` number (case, decision, order, measure): as a reference, serial without leading zeros. */
export function canonicalSerialYear(s: string): string {
  const ref = canonicalReference(s).replace(/[\u2044\u2215\uFF0F]/g, '/');
  const m = SERIAL_YEAR.exec(ref);
  return m ? `${Number(m[1])}/${m[2]}` : ref;
}

/** A national id: its digits, Arabic-Indic folded; anything else in it kept, so a non-id never matches an id. */
export function canonicalNationalId(s: string): string {
  return foldDigits(s.normalize('NFKD')).replace(/[\p{M}\p{Cf}\p{Pd}\p{Z}\s.]+/gu, '');
}

/** An institution id, as issuers are compared. */
export function canonicalIssuer(s: string): string {
  return s.trim().toLowerCase();
}
