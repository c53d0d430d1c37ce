/**
 * Expectations: what an agreement says must follow a message, and by when (issue 25). When a
 * message matching `when` is accepted, the hub opens a deadline; a message of an `expect` type,
 * from the expected institution and correlated to the first, meets it; a `cancelledBy` message
 * withdraws it; otherwise, when it falls due, the hub alerts `notify` (and warns them `warnBefore`
 * the due time). Pure data: src/routing loads, checks and applies it.
 */
import type { Condition } from './condition.js';

/** A message that starts, meets or withdraws a deadline: its type and conditions on its payload. */
export interface MessageMatch {
  types: string[];
  conditions: Condition[];
}

/**
 * How the starting message and the one that answers it are tied together:
 * - `casereference`: the envelope's case reference, equal on both;
 * - `correlationid`: the answer's correlation id (or its causation id) is the starting message's
 *   correlation id, or its id when it had none;
 * - `pointer`: the value at `pointer` in the starting payload equals the value at `answerPointer`
 *   (default: the same pointer) in the answer's payload — a warrant number, a fine number.
 */
export type Correlation = { by: 'casereference' } | { by: 'correlationid' } | { by: 'pointer'; pointer: string; answerPointer?: string };

/** When the deadline falls due. Durations are ISO 8601 (`P15D`, `PT48H`, `P3M`, `P18Y`). */
export type DueRule =
  /** the starting message's acceptance + a duration, in UTC */
  | { kind: 'within'; duration: string }
  /**
   * a date or date-time in the starting payload, plus a duration (default none): a date
   * (`dateOfBirth`) is a calendar date in the federation's time zone and the deadline falls at the
   * start (`day: 'start'`, a birthday) or the end (`'end'`, the default: "by 17 April") of the
   * resulting day there; a date-time moves by the duration in UTC
   */
  | { kind: 'by'; pointer: string; plus?: string; day: 'start' | 'end' }
  /** acceptance + period, again after each answer (and after each miss) until withdrawn */
  | { kind: 'every'; period: string };

export interface Expectation {
  /** unique within its agreement */
  id: string;
  description?: string;
  when: MessageMatch;
  expect: { types: string[]; from: string };
  correlate: Correlation;
  due: DueRule;
  /** a deadline.approaching this long before the due time */
  warnBefore?: string;
  /** the institutions told (by the hub's deadline.* messages) */
  notify: string[];
  /**
   * pointers into the starting payload naming more institutions to tell (the issuing court of a
   * warrant); a value counts only if it is an institution this agreement lets the hub alert
   */
  notifyFrom: string[];
  /** messages that withdraw the deadline (a warrant cancelled, a case closed, a release) */
  cancelledBy: MessageMatch[];
}
