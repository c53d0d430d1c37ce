/**
 * The hub decides the classification (issue 26, item 2): a child is juvenile whatever the sender's
 * flag says; an adult stays public; the sender's class is never lowered; ages are counted in the
 * federation's time zone, 29 February included.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClassificationDeclaration } from '../../../src/record/annotations.js';
import { ageOn, anniversary, calendarDateOf, dateInZone, parseDate } from '../../../src/record/calendar.js';
import { computeClassification, type Classification } from '../../../src/record/classify.js';
import { TimeZoneError } from '../../../src/record/errors.js';

const HEBRON = 'Asia/Hebron';
const d = (s: string) => parseDate(s)!;

const warrantSchema = JSON.parse(readFileSync('contracts/messages/warrant.issued/3.0.schema.json', 'utf8'));
const adultWarrant = warrantSchema.examples[0];

const WARRANT: ClassificationDeclaration = {
  juvenileWhen: [{ dateOfBirth: '/subject/dateOfBirth', at: ['/issuedOn'] }],
  gbvWhen: [{ pointer: '/offences/*/code', in: ['PC60-292', 'PC60-296'] }],
};
const DETENTION: ClassificationDeclaration = {
  juvenileWhen: [{ dateOfBirth: '/detainee/dateOfBirth', at: ['/detention/startedAt', '/orderedAt'] }],
  gbvWhen: [],
};
const REFERRAL: ClassificationDeclaration = {
  juvenileWhen: [
    {
      dateOfBirth: '/parties/*/dateOfBirth',
      where: { pointer: '/parties/*/role', in: ['accused', 'juvenile'] },
      at: ['/charges/*/committedOn', '/referredOn'],
    },
  ],
  gbvWhen: [{ pointer: '/charges/*/offence/code', in: ['PC60-292'] }],
};

function warrant(subject: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { ...adultWarrant, ...extra, subject: { ...adultWarrant.subject, ...subject } };
}

describe('juvenile by date of birth', () => {
  it('a warrant for a child born in 2012 marked juvenile: false is juvenile', () => {
    const r = computeClassification(WARRANT, warrant({ dateOfBirth: '2012-09-30', juvenile: false }), undefined, HEBRON);
    expect(r.classification).toBe('juvenile');
    expect(r.clearances).toEqual(['juvenile']);
    expect(r.raised).toBe(true);
    expect(r.reasons).toEqual([{ class: 'juvenile', source: 'date-of-birth', pointer: '/subject/dateOfBirth', detail: 'aged 13 on the date at /issuedOn' }]);
    // the reason may go to the audit log: it does not repeat the date of birth
    expect(JSON.stringify(r.reasons)).not.toContain('2012');
  });

  it("an adult stays public, and a sender's restricted stays restricted", () => {
    const adult = computeClassification(WARRANT, adultWarrant, undefined, HEBRON);
    expect(adult).toEqual({ classification: 'public', clearances: [], raised: false, reasons: [] });
    expect(computeClassification(WARRANT, adultWarrant, 'restricted', HEBRON).classification).toBe('restricted');
  });

  it("never lowers: a sender's juvenile stays juvenile for an adult, and a gbv message of a child needs both clearances", () => {
    const r = computeClassification(WARRANT, adultWarrant, 'juvenile', HEBRON);
    expect(r.classification).toBe('juvenile');
    expect(r.raised).toBe(false);
    const both = computeClassification(WARRANT, warrant({ dateOfBirth: '2012-01-01' }), 'gbv', HEBRON);
    expect(both.classification).toBe('gbv');
    expect(both.clearances).toEqual(['juvenile', 'gbv']);
    expect(both.raised).toBe(true);
  });

  it('the 18th birthday: the day before is a child, the day itself an adult', () => {
    const on = (issuedOn: string) => computeClassification(WARRANT, warrant({ dateOfBirth: '2008-05-04' }, { issuedOn }), undefined, HEBRON).classification;
    expect(on('2026-05-03')).toBe('juvenile');
    expect(on('2026-05-04')).toBe('public');
  });

  it("counts an instant on the federation's calendar: 23:30 UTC is already the next day in Hebron", () => {
    // born 2008-03-02; custody began 2026-03-01T23:30Z = 2026-03-02 01:30 in Ramallah: the 18th birthday
    const order = { detainee: { dateOfBirth: '2008-03-02', juvenile: false }, detention: { startedAt: '2026-03-01T23:30:00Z' }, orderedAt: '2026-03-02T13:00:00+02:00' };
    expect(computeClassification(DETENTION, order, undefined, HEBRON).classification).toBe('public');
    expect(computeClassification(DETENTION, order, undefined, 'UTC').classification).toBe('juvenile');
    // the same instant written with Ramallah's offset reads the same
    const local = { ...order, detention: { startedAt: '2026-03-02T01:30:00+02:00' } };
    expect(computeClassification(DETENTION, local, undefined, HEBRON).classification).toBe('public');
    // and one minute before midnight in Ramallah he is still 17
    const before = { ...order, detention: { startedAt: '2026-03-01T21:59:00Z' } };
    expect(computeClassification(DETENTION, before, undefined, HEBRON).classification).toBe('juvenile');
  });

  it('a child born on 29 February turns 18 on 1 March in a year without one', () => {
    const on = (issuedOn: string, leapDay?: 'march-1' | 'february-28') =>
      computeClassification(WARRANT, warrant({ dateOfBirth: '2008-02-29' }, { issuedOn }), undefined, HEBRON, leapDay ? { leapDay } : {}).classification;
    expect(on('2026-02-28')).toBe('juvenile');
    expect(on('2026-03-01')).toBe('public');
    // a federation whose law ends the year on 28 February
    expect(on('2026-02-28', 'february-28')).toBe('public');
    expect(on('2026-02-27', 'february-28')).toBe('juvenile');
    // an 18th birthday never falls on 29 February (birth year + 18 is a leap year only if the birth
    // year is not): in a leap year the anniversary itself counts, as ageOn shows below
  });

  it('a date of the events after the message arrived cannot make a child older', () => {
    const future = warrant({ dateOfBirth: '2012-09-30' }, { issuedOn: '2040-01-01' });
    expect(computeClassification(WARRANT, future, undefined, HEBRON).classification).toBe('public');
    const r = computeClassification(WARRANT, future, undefined, HEBRON, { receivedAt: new Date('2026-05-04T08:00:00Z') });
    expect(r.classification).toBe('juvenile');
    expect(r.reasons[0].detail).toBe('aged 13 the day it was received');
  });

  it('uses the receipt date when the payload has no date of the events', () => {
    const r = computeClassification(WARRANT, warrant({ dateOfBirth: '2012-09-30' }, { issuedOn: undefined }), undefined, HEBRON, { receivedAt: new Date('2026-05-04T08:00:00Z') });
    expect(r.classification).toBe('juvenile');
  });

  it('takes no decision without a date of birth, or with a birth after the events', () => {
    const { dateOfBirth: _dob, ...noBirth } = adultWarrant.subject;
    expect(computeClassification(WARRANT, { ...adultWarrant, subject: noBirth }, undefined, HEBRON).classification).toBe('public');
    expect(computeClassification(WARRANT, warrant({ dateOfBirth: '2027-01-01' }), undefined, HEBRON).classification).toBe('public');
    expect(computeClassification(WARRANT, warrant({ dateOfBirth: 'unknown' }), undefined, HEBRON).classification).toBe('public');
  });

  it('among parties, only the accused count, at the earliest offence', () => {
    const referral = (parties: unknown[], committedOn = '2025-11-23') => ({
      referredOn: '2026-05-10',
      parties,
      charges: [
        { offence: { code: 'PC60-401' }, parties: [0], committedOn: '2026-03-01' },
        { offence: { code: 'PC60-399' }, parties: [0], committedOn },
      ],
    });
    const adult = { role: 'accused', dateOfBirth: '1990-04-02' };
    const childVictim = { role: 'victim', dateOfBirth: '2015-06-01' };
    expect(computeClassification(REFERRAL, referral([adult, childVictim]), undefined, HEBRON).classification).toBe('public');
    // 18 on 2026-01-10: a child at the first offence (2025-11-23), an adult at the second
    const r = computeClassification(REFERRAL, referral([{ role: 'accused', dateOfBirth: '2008-01-10' }, childVictim]), undefined, HEBRON);
    expect(r.classification).toBe('juvenile');
    expect(r.reasons).toEqual([{ class: 'juvenile', source: 'date-of-birth', pointer: '/parties/0/dateOfBirth', detail: 'aged 17 on the date at /charges/1/committedOn' }]);
    expect(computeClassification(REFERRAL, referral([{ role: 'accused', dateOfBirth: '2008-01-10' }], '2026-02-01'), undefined, HEBRON).classification).toBe('public');
  });
});

describe('gbv by offence', () => {
  const withOffences = (...codes: string[]) => ({ ...adultWarrant, offences: codes.map((code) => ({ code, description: 'x', legalBasis: 'y' })) });

  it('a listed offence code makes the message gbv, with the pointer of the code', () => {
    const r = computeClassification(WARRANT, withOffences('PC60-399', 'PC60-296'), undefined, HEBRON);
    expect(r.classification).toBe('gbv');
    expect(r.reasons).toEqual([{ class: 'gbv', source: 'offence', pointer: '/offences/1/code', detail: 'PC60-296 is listed as a gender-based-violence offence' }]);
  });

  it('a listed code covers its sub-divisions, not another code that starts alike', () => {
    expect(computeClassification(WARRANT, withOffences('PC60-292.2'), undefined, HEBRON).classification).toBe('gbv');
    expect(computeClassification(WARRANT, withOffences('PC60-2920'), undefined, HEBRON).classification).toBe('public');
  });

  it('a type declared gbv is gbv whatever the payload', () => {
    const r = computeClassification({ type: 'gbv', juvenileWhen: [], gbvWhen: [] }, {}, 'public', HEBRON);
    expect(r.classification).toBe('gbv');
    expect(r.reasons).toEqual([{ class: 'gbv', source: 'type', detail: 'every message of its type is gbv' }]);
  });
});

describe('never lowers (property)', () => {
  const rank = (c: Classification) => (c === 'public' ? 0 : c === 'restricted' ? 1 : 2);
  it('the result is at least the claim and keeps its clearance', () => {
    const claim = fc.constantFrom<Classification | undefined>(undefined, 'public', 'restricted', 'juvenile', 'gbv');
    const date = fc.date({ min: new Date('1990-01-01'), max: new Date('2030-12-31'), noInvalidDate: true }).map((x) => x.toISOString().slice(0, 10));
    const code = fc.constantFrom('PC60-292', 'PC60-399', 'PC60-296.1', 'X');
    fc.assert(
      fc.property(claim, date, date, fc.array(code, { maxLength: 3 }), (c, dob, issuedOn, codes) => {
        const data = { ...warrant({ dateOfBirth: dob }, { issuedOn }), offences: codes.map((k) => ({ code: k })) };
        const r = computeClassification(WARRANT, data, c, HEBRON);
        expect(rank(r.classification)).toBeGreaterThanOrEqual(rank(c ?? 'public'));
        if (c === 'juvenile' || c === 'gbv') {
          expect(r.classification).toBe(c);
          expect(r.clearances).toContain(c);
        }
        const child = ageOn(d(dob), d(issuedOn)) < 18 && dob <= issuedOn;
        expect(r.clearances.includes('juvenile')).toBe(child || c === 'juvenile');
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a time zone Intl does not know', () => {
    expect(() => computeClassification(WARRANT, adultWarrant, undefined, 'Palestine/Ramallah')).toThrow(TimeZoneError);
  });
});

describe('calendar', () => {
  it('ages count completed years', () => {
    expect(ageOn(d('2008-05-04'), d('2026-05-03'))).toBe(17);
    expect(ageOn(d('2008-05-04'), d('2026-05-04'))).toBe(18);
    expect(ageOn(d('2008-12-31'), d('2009-01-01'))).toBe(0);
    expect(ageOn(d('2008-02-29'), d('2009-02-28'))).toBe(0);
    expect(ageOn(d('2008-02-29'), d('2009-03-01'))).toBe(1);
    expect(ageOn(d('2008-02-29'), d('2012-02-28'))).toBe(3);
    expect(ageOn(d('2008-02-29'), d('2012-02-29'))).toBe(4);
    expect(anniversary(d('2008-02-29'), 18)).toEqual(d('2026-03-01'));
    expect(anniversary(d('2008-02-29'), 18, 'february-28')).toEqual(d('2026-02-28'));
    expect(anniversary(d('2000-02-29'), 100)).toEqual(d('2100-03-01'));
  });

  it('reads only real dates and instants with a zone', () => {
    expect(parseDate('2026-02-29')).toBeUndefined();
    expect(parseDate('2024-02-29')).toEqual({ year: 2024, month: 2, day: 29 });
    expect(parseDate('2026-13-01')).toBeUndefined();
    expect(calendarDateOf('2026-03-01T12:00:00', HEBRON)).toBeUndefined();
    expect(calendarDateOf('2026-03-01T25:00:00Z', HEBRON)).toBeUndefined();
    expect(calendarDateOf(20260301, HEBRON)).toBeUndefined();
    expect(calendarDateOf('2026-06-30T21:30:00Z', HEBRON)).toEqual(d('2026-07-01'));
    expect(calendarDateOf('2026-06-30T20:30:00Z', HEBRON)).toEqual(d('2026-06-30'));
  });

  it("follows Palestine's summer time (UTC+3) as Intl knows it", () => {
    // 21:30 UTC is 00:30 the next day in summer (UTC+3), 23:30 the same day in winter (UTC+2)
    expect(dateInZone(new Date('2026-07-15T21:30:00Z'), HEBRON)).toEqual(d('2026-07-16'));
    expect(dateInZone(new Date('2026-01-15T21:30:00Z'), HEBRON)).toEqual(d('2026-01-15'));
  });

  it('answers as Intl does instant by instant, across midnights, zones and a caller changing the answer', () => {
    const intl = (at: Date, tz: string) => {
      const p = new Intl.DateTimeFormat('en-US', { timeZone: tz, year: 'numeric', month: 'numeric', day: 'numeric' }).formatToParts(at);
      const n = (t: string) => Number(p.find((x) => x.type === t)?.value);
      return { year: n('year'), month: n('month'), day: n('day') };
    };
    // the seconds around local midnight in Hebron, New York and Kolkata (+05:30), interleaved so the
    // per-zone memo is hit and missed; milliseconds within one second share the memo
    const midnights = [
      ['2026-07-15T21:00:00Z', HEBRON],
      ['2026-03-09T04:00:00Z', 'America/New_York'],
      ['2026-03-08T18:30:00Z', 'Asia/Kolkata'],
    ] as const;
    for (let offset = -3000; offset <= 3000; offset += 250) {
      for (const [at, tz] of midnights) {
        const instant = new Date(Date.parse(at) + offset);
        expect(dateInZone(instant, tz), `${instant.toISOString()} ${tz}`).toEqual(intl(instant, tz));
      }
    }
    // what a caller does with its answer does not change the next one
    const first = dateInZone(new Date('2026-07-15T12:00:00Z'), HEBRON);
    first.day = 1;
    expect(dateInZone(new Date('2026-07-15T12:00:00.500Z'), HEBRON)).toEqual(d('2026-07-15'));
  });
});
