/**
 * ISO 8601 durations as agreements write them (`P15D`, `PT48H`, `P3M`, `P18Y`, `P1Y2M10DT2H30M`),
 * and adding one to an instant in UTC. Years and months move the calendar (31 January + P1M is the
 * last day of February, never 3 March); weeks, days and smaller units are exact lengths of time.
 * A duration of people's dates (an age) is not this: see record/calendar.ts.
 *
 * Guarantees: parseDuration accepts only the forms above, with no fractions and no negative parts,
 * at most 9 digits a part; addDuration is pure.
 */
export interface Duration {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

const DURATION_RE = /^P(?:(\d{1,9})Y)?(?:(\d{1,9})M)?(?:(\d{1,9})W)?(?:(\d{1,9})D)?(?:T(?:(\d{1,9})H)?(?:(\d{1,9})M)?(?:(\d{1,9})S)?)?$/;

/** The duration, or undefined when `text` is not one (`P`, `PT`, fractions, signs). */
export function parseDuration(text: unknown): Duration | undefined {
  if (typeof text !== 'string') return undefined;
  const m = DURATION_RE.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) return undefined;
  const n = (i: number) => (m[i] === undefined ? 0 : Number(m[i]));
  return { years: n(1), months: n(2), weeks: n(3), days: n(4), hours: n(5), minutes: n(6), seconds: n(7) };
}

function daysInMonth(year: number, month0: number): number {
  return new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();
}

/** `at` moved by `d` (or back, `sign` -1), in UTC. */
export function addDuration(at: Date, d: Duration, sign: 1 | -1 = 1): Date {
  const t = new Date(at.getTime());
  const months = sign * (d.years * 12 + d.months);
  if (months !== 0) {
    const total = t.getUTCFullYear() * 12 + t.getUTCMonth() + months;
    const year = Math.floor(total / 12);
    const month0 = total - year * 12;
    // clamp to the month's last day: 31 January + 1 month is 28/29 February
    const day = Math.min(t.getUTCDate(), daysInMonth(year, month0));
    t.setUTCFullYear(year, month0, day);
  }
  const ms = (((d.weeks * 7 + d.days) * 24 + d.hours) * 60 + d.minutes) * 60_000 + d.seconds * 1000;
  return new Date(t.getTime() + sign * ms);
}
