/** Canonical forms of names, identifiers and national ids (issue 24.1). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalNationalId, canonicalReference, canonicalSerialYear, foldDigits, normaliseName } from '../../../src/queries/normalise.js';
import { keyedValue } from '../../../src/queries/index-keys.js';
import { secret } from './setup.js';

describe('person names', () => {
  it('fold the alef and hamza forms, taa marbuta, alef maqsura, tatweel and harakat', () => {
    expect(normaliseName('أحمد')).toBe('احمد');
    expect(normaliseName('إبراهيم')).toBe('ابراهيم');
    expect(normaliseName('آمنة')).toBe('امنه');
    expect(normaliseName('ٱلشيخ')).toBe('الشيخ');
    expect(normaliseName('مؤمن')).toBe('مومن');
    expect(normaliseName('هانئ')).toBe('هاني');
    expect(normaliseName('فاطمة')).toBe(normaliseName('فاطمه'));
    expect(normaliseName('ليلى')).toBe('ليلي');
    expect(normaliseName('مـحـمـــد')).toBe('محمد');
    expect(normaliseName('مُحَمَّدٌ')).toBe('محمد');
    expect(normaliseName('رحمٰن')).toBe('رحمن'); // superscript alef U+0670
    expect(normaliseName('ﺃﺣﻤﺪ')).toBe('احمد'); // presentation forms
    expect(normaliseName('عبد الله ١٢')).toBe('عبد الله 12');
  });

  it('case-fold Latin names without their accents, punctuation or extra spaces', () => {
    expect(normaliseName('  Reem   Adel AL-Saqqa ')).toBe('reem adel al saqqa');
    expect(normaliseName('Zoë Ørsted-Müller')).toBe('zoe orsted muller');
    expect(normaliseName('İBRAHİM')).toBe('ibrahim');
    expect(normaliseName('STRASSE')).toBe(normaliseName('Straße'));
    expect(normaliseName("O'Neil\u200f")).toBe('o neil');
  });

  const ARABIC = [...'ابتثجحخدذرزسشصضطظعغفقكلمنهوي'];
  const HARAKAT = [...'\u064B\u064C\u064D\u064E\u064F\u0650\u0651\u0652\u0670'];
  const VARIANTS: Record<string, string[]> = {
    ا: ['ا', 'أ', 'إ', 'آ', 'ٱ', '\uFE8D'],
    و: ['و', 'ؤ'],
    ي: ['ي', 'ئ', 'ى', 'ی'],
    ه: ['ه', 'ة'],
    ك: ['ك', 'ک'],
  };
  const LATIN_MARKS = ['\u0301', '\u0300', '\u0308', '\u0302', '\u030c'];

  /** A canonical name: words of canonical Arabic letters, Latin lower-case letters or ASCII digits. */
  const word = fc.oneof(
    fc.array(fc.constantFrom(...ARABIC), { minLength: 1, maxLength: 8 }).map((a) => a.join('')),
    fc.array(fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'), { minLength: 1, maxLength: 8 }).map((a) => a.join('')),
    fc.array(fc.constantFrom(...'0123456789'), { minLength: 1, maxLength: 4 }).map((a) => a.join('')),
  );
  const canonical = fc.array(word, { minLength: 1, maxLength: 5 }).map((w) => w.join(' '));

  /** One way a clerk, a keyboard or a case system may write the same name. */
  function variant(name: string, choices: number[]): string {
    let k = 0;
    const pick = <T>(list: T[]): T => list[choices[k++ % choices.length] % list.length];
    let out = '';
    for (const c of name) {
      if (c === ' ') {
        out += pick([' ', '  ', '\t', ' - ', '-', '\u00a0', ' ، ']);
      } else if (/[0-9]/.test(c)) {
        out += pick([c, String.fromCharCode(0x0660 + Number(c)), String.fromCharCode(0x06f0 + Number(c))]);
      } else if (/[a-z]/.test(c)) {
        const letter = pick([c, c.toUpperCase()]);
        out += (letter + pick(['', '', ...LATIN_MARKS])).normalize(pick(['NFC', 'NFD']) as 'NFC' | 'NFD');
      } else {
        out += pick(VARIANTS[c] ?? [c]) + pick(['', '', ...HARAKAT]) + pick(['', '', '\u0640']);
      }
    }
    return pick(['', ' ', '\u200f']) + out + pick(['', ' ', '.']);
  }

  it('match every variant of a name to its canonical form (property)', () => {
    fc.assert(
      fc.property(canonical, fc.array(fc.nat(), { minLength: 1, maxLength: 64 }), (name, choices) => {
        expect(normaliseName(name)).toBe(name);
        expect(normaliseName(variant(name, choices))).toBe(name);
      }),
      { numRuns: 2000 },
    );
  });

  it('meet in one keyed value, whichever variant was indexed and whichever was asked', () => {
    fc.assert(
      fc.property(canonical, fc.array(fc.nat(), { minLength: 1 }), fc.array(fc.nat(), { minLength: 1 }), (name, a, b) => {
        const stored = keyedValue(secret, 'person-name', normaliseName(variant(name, a)));
        expect(keyedValue(secret, 'person-name', normaliseName(variant(name, b)))).toBe(stored);
      }),
      { numRuns: 300 },
    );
  });
});

describe('identifiers', () => {
  it('ignore case, spaces, dashes and Arabic-Indic digits', () => {
    expect(canonicalReference('7-1234-95')).toBe('7123495');
    expect(canonicalReference(' ٧ ١٢٣٤ ٩٥ ')).toBe('7123495');
    expect(canonicalReference('tf-2026–0048213')).toBe('TF20260048213');
    expect(canonicalReference('RAM-W-2026-00604')).toBe(canonicalReference('ram w 2026 00604'));
    expect(canonicalSerialYear('087/2026')).toBe('87/2026');
    expect(canonicalSerialYear('٨٧ / ٢٠٢٦')).toBe('87/2026');
    expect(canonicalSerialYear('87／2026')).toBe('87/2026');
    expect(canonicalNationalId('٤٠٤ ١١٢-٩٨٧')).toBe('404112987');
    expect(foldDigits('۱۲۳٤٥')).toBe('12345');
  });

  it('keep different values apart', () => {
    expect(canonicalSerialYear('87/2026')).not.toBe(canonicalSerialYear('87/2025'));
    expect(canonicalReference('TF-2026-0048213')).not.toBe(canonicalReference('TF-2026-0048214'));
    expect(canonicalNationalId('404112987')).not.toBe(canonicalNationalId('404112988'));
  });
});

describe('every canonical form is idempotent (property)', () => {
  const forms = { normaliseName, canonicalReference, canonicalSerialYear, canonicalNationalId };
  for (const [name, f] of Object.entries(forms)) {
    it(name, () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => f(f(s)) === f(s)),
        { numRuns: 3000 },
      );
      fc.assert(
        fc.property(fc.string({ unit: 'grapheme', maxLength: 20 }), (s) => f(f(s)) === f(s)),
        { numRuns: 3000 },
      );
    });
  }
});
