/**
 * Due times (routing/deadline-time.ts, federation/duration.ts): durations in UTC, people's dates in
 * the federation's time zone, 29 February, and a day that begins in a daylight-saving gap.
 */
import { describe, expect, it } from 'vitest';
import { addDuration, parseDuration } from '../../../src/federation/index.js';
import { addToDate, dueFromValue, startOfDay } from '../../../src/routing/deadline-time.js';

const iso = (d: Date | undefined) => d?.toISOString();

describe('ISO 8601 durations', () => {
  it('reads the whole forms agreements write, and nothing else', () => {
    expect(parseDuration('P1Y2M3W4DT5H6M7S')).toEqual({ years: 1, months: 2, weeks: 3, days: 4, hours: 5, minutes: 6, seconds: 7 });
    expect(parseDuration('PT48H')).toMatchObject({ hours: 48 });
    for (const bad of ['P', 'PT', 'P1.5D', '-P1D', 'P1DT', '15D', 'P1234567890D', '', 42]) expect(parseDuration(bad), String(bad)).toBeUndefined();
  });

  it('moves the calendar by years and months in UTC, clamped to the month, and by exact lengths below', () => {
    expect(iso(addDuration(new Date('2027-01-31T10:00:00Z'), parseDuration('P1M')!))).toBe('2027-02-28T10:00:00.000Z');
    expect(iso(addDuration(new Date('2028-01-31T10:00:00Z'), parseDuration('P1M')!))).toBe('2028-02-29T10:00:00.000Z');
    expect(iso(addDuration(new Date('2026-11-30T23:00:00Z'), parseDuration('P3M')!))).toBe('2027-02-28T23:00:00.000Z');
    expect(iso(addDuration(new Date('2026-03-01T00:00:00Z'), parseDuration('P15D')!))).toBe('2026-03-16T00:00:00.000Z');
    expect(iso(addDuration(new Date('2026-03-03T00:00:00Z'), parseDuration('PT48H')!, -1))).toBe('2026-03-01T00:00:00.000Z');
  });
});

describe("people's dates in the federation's time zone", () => {
  it('a day starts at 00:00 in Asia/Hebron: UTC+2 in winter, UTC+3 in summer', () => {
    expect(iso(startOfDay({ year: 2026, month: 1, day: 1 }, 'Asia/Hebron'))).toBe('2025-12-31T22:00:00.000Z');
    expect(iso(startOfDay({ year: 2026, month: 7, day: 1 }, 'Asia/Hebron'))).toBe('2026-06-30T21:00:00.000Z');
  });

  it('a day that begins in a gap (clocks forward at midnight) begins at its first instant', () => {
    // Beirut moved from 00:00 to 01:00 on 29 March 2026: the day begins at 01:00 EEST
    expect(iso(startOfDay({ year: 2026, month: 3, day: 29 }, 'Asia/Beirut'))).toBe('2026-03-28T22:00:00.000Z');
  });

  it('someone born on 29 February turns 18 on 1 March of a common year, at its start', () => {
    expect(addToDate({ year: 2012, month: 2, day: 29 }, parseDuration('P18Y')!)).toEqual({ year: 2030, month: 3, day: 1 });
    expect(addToDate({ year: 2012, month: 2, day: 29 }, parseDuration('P16Y')!)).toEqual({ year: 2028, month: 2, day: 29 });
    expect(iso(dueFromValue('2012-02-29', 'P18Y', 'Asia/Hebron', 'start'))).toBe('2030-02-28T22:00:00.000Z');
    expect(iso(dueFromValue('2008-06-15', 'P18Y', 'Asia/Hebron', 'start'))).toBe('2026-06-14T21:00:00.000Z');
  });

  it('"by" a date means all of that day: due at the start of the next, in the zone', () => {
    expect(iso(dueFromValue('2027-04-17', undefined, 'Asia/Hebron'))).toBe('2027-04-17T21:00:00.000Z');
    expect(iso(dueFromValue('2027-12-31', undefined, 'Asia/Hebron'))).toBe('2027-12-31T22:00:00.000Z');
  });

  it('a date-time moves by the duration in UTC; anything else is no date', () => {
    expect(iso(dueFromValue('2026-03-01T10:00:00+02:00', 'PT48H', 'Asia/Hebron'))).toBe('2026-03-03T08:00:00.000Z');
    expect(iso(dueFromValue('2026-08-20T11:00:00+03:00', undefined, 'Asia/Hebron'))).toBe('2026-08-20T08:00:00.000Z');
    for (const bad of ['2026-02-29', '2026-13-01', '20 April', '2026-03-01T10:00:00', 17, null]) expect(dueFromValue(bad, undefined, 'Asia/Hebron'), String(bad)).toBeUndefined();
  });
});
