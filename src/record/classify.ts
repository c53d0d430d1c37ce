/**
 * The hub decides the classification (issue 26, item 2; invariant 6): from the schema's declarations
 * (annotations.ts) and the payload, it computes which clearances a message needs. It may raise what
 * the sender claims, never lower it: a warrant for a child born in 2012 marked `juvenile: false` is
 * juvenile; a message the sender calls juvenile stays juvenile whatever the dates say.
 *
 * A person is a child when they were under 18 on the date of the events. The date used is the
 * earliest of the rule's `at` dates present in the payload ("a child at any of the events"), and
 * never later than the day the hub received the message when that is given: a date in the future
 * cannot make a child older. Dates are calendar dates in the federation's time zone (calendar.ts).
 * The hub proves a child; it cannot prove an adult: when the date of the events is later than the
 * offence (a warrant's issue date), a person under 18 then was certainly under 18 at the offence,
 * but an adult then may not have been — that case rests on the sender's flag, which still counts.
 *
 * Pure: no clock (receivedAt is given), no I/O. Reasons name the pointer and the age, never the
 * date of birth itself, so they may go to the audit log.
 */
import { ageOn, assertTimeZone, calendarDateOf, compareDates, dateInZone, parseDate, type CalendarDate, type LeapDayRule } from './calendar.js';
import type { ClassificationDeclaration, GbvRule, JuvenileRule } from './annotations.js';
import { locate, substitute } from './pointer.js';

export type Classification = 'public' | 'restricted' | 'juvenile' | 'gbv';
export type Clearance = 'juvenile' | 'gbv';

export const MAJORITY_AGE = 18;

export interface ClassificationReason {
  class: Exclude<Classification, 'public'>;
  /** who or what put the message in this class */
  source: 'sender' | 'type' | 'date-of-birth' | 'offence';
  /** the payload value that did, for date-of-birth and offence */
  pointer?: string;
  detail: string;
}

export interface ClassificationResult {
  /** the one class the envelope and the message record carry: the sender's if it names a clearance, else juvenile, else gbv, else restricted, else public */
  classification: Classification;
  /** every clearance a recipient needs (a message can need both) */
  clearances: Clearance[];
  /** whether the hub raised what the sender claimed */
  raised: boolean;
  reasons: ClassificationReason[];
}

export interface ClassifyOptions {
  /** the time the hub received the message: an upper bound for the date of the events */
  receivedAt?: Date;
  leapDay?: LeapDayRule;
}

function eventDate(rule: JuvenileRule, data: unknown, timeZone: string, received: CalendarDate | undefined): { date: CalendarDate; from: string } | undefined {
  let best: { date: CalendarDate; from: string } | undefined;
  for (const p of rule.at) {
    for (const l of locate(data, p)) {
      const d = calendarDateOf(l.value, timeZone);
      if (d && (!best || compareDates(d, best.date) < 0)) best = { date: d, from: l.pointer };
    }
  }
  if (received && (!best || compareDates(received, best.date) < 0)) return { date: received, from: 'the day it was received' };
  return best;
}

function juvenileReasons(rule: JuvenileRule, data: unknown, timeZone: string, received: CalendarDate | undefined, leapDay: LeapDayRule): ClassificationReason[] {
  const when = eventDate(rule, data, timeZone, received);
  if (!when) return [];
  const out: ClassificationReason[] = [];
  for (const person of locate(data, rule.dateOfBirth)) {
    if (rule.where) {
      const v = locate(data, substitute(rule.where.pointer, person.indices))[0]?.value;
      if (typeof v !== 'string' || !rule.where.in.includes(v)) continue;
    }
    const birth = parseDate(person.value);
    // a birth after the events is a data error, not a child: the sender's flag decides then
    if (!birth || compareDates(birth, when.date) > 0) continue;
    const age = ageOn(birth, when.date, leapDay);
    if (age < MAJORITY_AGE) {
      const at = when.from.startsWith('/') ? `on the date at ${when.from}` : when.from;
      out.push({ class: 'juvenile', source: 'date-of-birth', pointer: person.pointer, detail: `aged ${age} ${at}` });
    }
  }
  return out;
}

/** A listed code covers itself and its sub-divisions: `PC60-292` covers `PC60-292.1`. */
function listed(code: string, list: readonly string[]): string | undefined {
  return list.find((c) => code === c || code.startsWith(c + '.'));
}

function gbvReasons(rule: GbvRule, data: unknown): ClassificationReason[] {
  const out: ClassificationReason[] = [];
  for (const l of locate(data, rule.pointer)) {
    if (typeof l.value !== 'string') continue;
    const hit = listed(l.value, rule.in);
    if (hit) out.push({ class: 'gbv', source: 'offence', pointer: l.pointer, detail: `${l.value} is listed as a gender-based-violence offence${hit === l.value ? '' : ` (under ${hit})`}` });
  }
  return out;
}

/**
 * The classification of a message: the sender's claim (the envelope's `classification`, undefined
 * when absent), raised by the type and by the payload as `declaration` says.
 */
export function computeClassification(
  declaration: ClassificationDeclaration,
  data: unknown,
  senderClaim: Classification | undefined,
  timeZone: string,
  opts: ClassifyOptions = {},
): ClassificationResult {
  assertTimeZone(timeZone);
  const claim = senderClaim ?? 'public';
  const reasons: ClassificationReason[] = [];
  if (claim !== 'public') reasons.push({ class: claim, source: 'sender', detail: `the sender classified it ${claim}` });
  if (declaration.type) reasons.push({ class: declaration.type, source: 'type', detail: `every message of its type is ${declaration.type}` });

  const received = opts.receivedAt ? dateInZone(opts.receivedAt, timeZone) : undefined;
  const leapDay = opts.leapDay ?? 'march-1';
  for (const rule of declaration.juvenileWhen) reasons.push(...juvenileReasons(rule, data, timeZone, received, leapDay));
  for (const rule of declaration.gbvWhen) reasons.push(...gbvReasons(rule, data));

  const has = (c: Classification) => reasons.some((r) => r.class === c);
  const clearances: Clearance[] = (['juvenile', 'gbv'] as const).filter(has);
  const classification: Classification = claim === 'juvenile' || claim === 'gbv' ? claim : has('juvenile') ? 'juvenile' : has('gbv') ? 'gbv' : has('restricted') ? 'restricted' : 'public';
  const raised = classification !== claim || clearances.some((c) => c !== claim);
  return { classification, clearances, raised, reasons };
}
