/**
 * Calendar dates and ages, for the hub's classification of juveniles (classify.ts).
 *
 * A date of birth and a date such as `issuedOn` are calendar dates with no time zone: they are
 * compared as they are. An instant (`2026-03-01T23:30:00Z`) becomes the calendar date it was in the
 * federation's time zone (Asia/Hebron for Palestine), through Intl — never the server's zone and
 * never UTC by accident: at 01:30 in Ramallah it is already the next day.
 *
 * A person reaches age N at the start of the N-th anniversary of their birth. Someone born on
 * 29 February reaches it on 1 March in a year without 29 February (`leapDay: 'march-1'`, the
 * default): a child born 2008-02-29 turns 18 on 2026-03-01. Laws differ — some statutes say 1 March
 * outright, others (England, Taiwan's Civil Code art. 121) end the year on 28 February — and
 * Palestinian law does not settle it; 1 March keeps a child protected one day longer, which is the
 * side the hub errs on. 'february-28' is there for a federation whose law says otherwise.
 *
 * Guarantees: only real dates are accepted (2026-02-29 is not one); every function is pure.
 */
import { TimeZoneError } from './errors.js';

export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

export type LeapDayRule = 'march-1' | 'february-28';

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
// RFC 3339 date-time: a zone (Z or an offset) is required, so an instant is never read in a local zone
const DATE_TIME_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysIn(y: number, m: number): number {
  return [31, isLeapYear(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
}

function valid(year: number, month: number, day: number): CalendarDate | undefined {
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  return { year, month, day };
}

/** `YYYY-MM-DD` as a calendar date, or undefined when it is not one. */
export function parseDate(text: unknown): CalendarDate | undefined {
  if (typeof text !== 'string') return undefined;
  const m = DATE_RE.exec(text);
  return m ? valid(Number(m[1]), Number(m[2]), Number(m[3])) : undefined;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric', calendar: 'gregory', numberingSystem: 'latn' });
    } catch {
      throw new TimeZoneError(timeZone);
    }
    if (formatters.size > 64) formatters.clear();
    formatters.set(timeZone, f);
  }
  return f;
}

/** Throws TimeZoneError unless Intl knows `timeZone`. */
export function assertTimeZone(timeZone: string): void {
  formatterFor(timeZone);
}

// Intl's formatToParts costs tens of µs and intake asks for the date of "now" on every message: the
// last answer per zone is kept for the second it holds for. Zone offsets and their changes are whole
// seconds (tzdata's resolution), so every instant of one UTC second has the same local date.
const lastDate = new Map<string, { second: number; date: CalendarDate }>();

/** The calendar date an instant falls on in `timeZone`. */
export function dateInZone(instant: Date, timeZone: string): CalendarDate {
  const second = Math.floor(instant.getTime() / 1000);
  const last = lastDate.get(timeZone);
  if (last?.second === second) return { ...last.date };
  const parts = formatterFor(timeZone).formatToParts(instant);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const date = { year: get('year'), month: get('month'), day: get('day') };
  if (!Number.isNaN(second)) {
    if (lastDate.size > 64) lastDate.clear();
    lastDate.set(timeZone, { second, date: { ...date } });
  }
  return date;
}

/**
 * A date (`YYYY-MM-DD`, taken as it is) or an RFC 3339 date-time (the date it was in `timeZone`);
 * undefined for anything else.
 */
export function calendarDateOf(value: unknown, timeZone: string): CalendarDate | undefined {
  if (typeof value !== 'string') return undefined;
  const d = parseDate(value);
  if (d) return d;
  const m = DATE_TIME_RE.exec(value);
  if (!m || !valid(Number(m[1]), Number(m[2]), Number(m[3]))) return undefined;
  if (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6]) > 60) return undefined;
  const t = Date.parse(value.replace(/t/, 'T').replace(/z$/, 'Z'));
  return Number.isNaN(t) ? undefined : dateInZone(new Date(t), timeZone);
}

export function compareDates(a: CalendarDate, b: CalendarDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

export function formatDate(d: CalendarDate): string {
  return `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}

/** The day someone born on `birth` reaches `years` years of age. */
export function anniversary(birth: CalendarDate, years: number, leapDay: LeapDayRule = 'march-1'): CalendarDate {
  const year = birth.year + years;
  if (birth.month === 2 && birth.day === 29 && !isLeapYear(year)) {
    return leapDay === 'march-1' ? { year, month: 3, day: 1 } : { year, month: 2, day: 28 };
  }
  return { year, month: birth.month, day: birth.day };
}

/** Completed years of age on `on` (negative when `on` is before the birth). */
export function ageOn(birth: CalendarDate, on: CalendarDate, leapDay: LeapDayRule = 'march-1'): number {
  let age = on.year - birth.year;
  if (compareDates(on, anniversary(birth, age, leapDay)) < 0) age--;
  return age;
}
