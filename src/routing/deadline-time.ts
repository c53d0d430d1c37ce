/**
 * When a deadline falls due, from its rule and the starting message (issue 25). Dates of people
 * are calendar dates read in the federation's time zone; everything else is an instant moved in UTC.
 *
 * - `within` / `every`: the message's acceptance + the duration (UTC, federation/duration.ts).
 * - `by` a date-time (`validUntil: 2026-11-04T00:00:00+02:00`): that instant + `plus`, in UTC.
 * - `by` a date (`dateOfBirth: 2008-02-29`, `dueBy: 2026-04-17`): the calendar date + `plus`
 *   (years and months on the calendar, a day past the month's end running into the next month, so
 *   someone born on 29 February turns 18 on 1 March in a common year — the rule of
 *   record/calendar.ts; then weeks and days), in the federation's time zone: due at the END of
 *   that day (`day: 'end'`, the default: a fine due by 17 April may be paid all that day, a
 *   warrant valid until 4 November is valid all that day) or at its START (`day: 'start'`: at
 *   00:00 in Ramallah on the 18th birthday the child is 18).
 *
 * Guarantees: pure; undefined when the payload has no usable date at the pointer.
 */
import { addDuration, type Duration, parseDuration } from '../federation/index.js';
import { parseDate, type CalendarDate, isLeapYear } from '../record/calendar.js';

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

function wallClock(at: number, timeZone: string): number {
  let f = offsetFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    if (offsetFormatters.size > 64) offsetFormatters.clear();
    offsetFormatters.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(at)).map((x) => [x.type, x.value]));
  return Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
}

/**
 * The first instant of calendar day `d` in `timeZone`. Where the day starts in a gap (clocks moved
 * forward at midnight, as Palestine's have), the first instant that exists on that day.
 */
export function startOfDay(d: CalendarDate, timeZone: string): Date {
  const local = Date.UTC(d.year, d.month - 1, d.day);
  const candidates = [local - (wallClock(local, timeZone) - local)];
  candidates.push(local - (wallClock(candidates[0], timeZone) - candidates[0]));
  const onDay = candidates.filter((t) => wallClock(t, timeZone) >= local).sort((a, b) => a - b);
  return new Date(onDay[0] ?? candidates[0]);
}

function daysIn(y: number, m: number): number {
  return [31, isLeapYear(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
}

/** A calendar date + years, months (a day past the month's end runs into the next month), weeks, days. */
export function addToDate(d: CalendarDate, dur: Duration): CalendarDate {
  const total = d.year * 12 + (d.month - 1) + dur.years * 12 + dur.months;
  let year = Math.floor(total / 12);
  let month = total - year * 12 + 1;
  let day = d.day;
  if (day > daysIn(year, month)) {
    day -= daysIn(year, month);
    month++;
    if (month > 12) {
      month = 1;
      year++;
    }
  }
  const t = new Date(Date.UTC(year, month - 1, day) + (dur.weeks * 7 + dur.days) * 86_400_000);
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

const ZERO: Duration = { years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0 };
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/** The due instant of a `by` rule for `value` (the payload's date or date-time), or undefined. */
export function dueFromValue(value: unknown, plus: string | undefined, timeZone: string, day: 'start' | 'end' = 'end'): Date | undefined {
  const dur = plus === undefined ? ZERO : parseDuration(plus);
  if (!dur || typeof value !== 'string') return undefined;
  const date = parseDate(value);
  if (date) {
    let on = addToDate(date, dur);
    if (day === 'end') on = addToDate(on, { ...ZERO, days: 1 });
    const start = startOfDay(on, timeZone).getTime();
    return new Date(start + ((dur.hours * 60 + dur.minutes) * 60 + dur.seconds) * 1000);
  }
  if (!DATE_TIME.test(value)) return undefined;
  const t = Date.parse(value.toUpperCase());
  return Number.isNaN(t) ? undefined : addDuration(new Date(t), dur);
}
