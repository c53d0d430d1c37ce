/**
 * What an accepted message does to deadlines (issue 25), decided from the agreements in force:
 * which deadlines it opens (it matches an expectation's `when`) and which it answers — meets (it
 * is an expected type, from the expected institution, correlated) or withdraws (it matches a
 * `cancelledBy`, from a party to the agreement or the expected institution). The store applies
 * both in the statement that commits the message (store/intake.ts), so a deadline and the message
 * that opened or closed it commit together.
 *
 * Guarantees: pure. A starting message without a correlation value (no case reference, no value
 * at the pointer) or without a usable date for a `by` rule opens nothing — nothing could ever be
 * matched to it — and says so in `skipped`, for the caller to log.
 */
import { addDuration, type Agreement, type Classification, type Correlation, type Expectation, type MessageMatch, parseDuration } from '../federation/index.js';
import { failing } from './conditions.js';
import { DEADLINE_APPROACHING, DEADLINE_MISSED, hubRoutes } from './expectation-check.js';
import { dueFromValue } from './deadline-time.js';
import type { LoadedContracts } from './model.js';
import { matches } from './pattern.js';
import { resolveAll } from './pointer.js';
import { isActive } from './validity.js';

/** The message as deadlines see it. */
export interface DeadlineMessage {
  id: string;
  sender: string;
  type: string;
  classification: Classification;
  casereference?: string;
  correlationid?: string;
  causationid?: string;
  data: unknown;
  receivedAt: Date;
}

export type DeadlineKind = 'within' | 'by' | 'every';

export interface DeadlineToOpen {
  agreement: string;
  expectation: string;
  kind: DeadlineKind;
  correlationKey: string;
  caseRef: string | null;
  dueAt: Date;
  warnAt: Date | null;
  classification: Classification;
  notify: string[];
}

export interface DeadlineAnswer {
  agreement: string;
  expectation: string;
  correlationKey: string;
  action: 'met' | 'withdrawn';
  /** for an `every` deadline that is met: when the next period falls due (and its warning) */
  nextDueAt?: Date;
  nextWarnAt?: Date | null;
}

export interface DeadlineEffects {
  open: DeadlineToOpen[];
  answers: DeadlineAnswer[];
  skipped: Array<{ agreement: string; expectation: string; reason: string }>;
}

/** correlation values are bounded: longer ones are not values a deadline keys on */
const MAX_KEY = 256;

function scalarAt(data: unknown, pointer: string): string | undefined {
  const { values } = resolveAll(data, pointer);
  if (values.length !== 1) return undefined;
  const v = values[0];
  if (typeof v === 'string' && v.length > 0 && v.length <= MAX_KEY) return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

function startKey(c: Correlation, m: DeadlineMessage): string | undefined {
  if (c.by === 'casereference') return m.casereference;
  if (c.by === 'correlationid') return m.correlationid ?? m.id;
  return scalarAt(m.data, c.pointer);
}

function answerKeys(c: Correlation, m: DeadlineMessage): string[] {
  if (c.by === 'casereference') return m.casereference ? [m.casereference] : [];
  if (c.by === 'correlationid') return [...new Set([m.correlationid, m.causationid].filter((k): k is string => typeof k === 'string'))];
  const k = scalarAt(m.data, c.answerPointer ?? c.pointer);
  return k === undefined ? [] : [k];
}

/** The static list, plus each institution a `notifyFrom` pointer names that this agreement lets the hub alert. */
function notifyList(a: Agreement, e: Expectation, m: DeadlineMessage, contracts: LoadedContracts): string[] {
  const out = new Set(e.notify);
  for (const p of e.notifyFrom) {
    const v = scalarAt(m.data, p);
    if (v !== undefined && contracts.institution(v) && hubRoutes(a, DEADLINE_MISSED, v) && (e.warnBefore === undefined || hubRoutes(a, DEADLINE_APPROACHING, v))) out.add(v);
  }
  return [...out];
}

function matchesMessage(match: MessageMatch, m: DeadlineMessage): boolean {
  return match.types.includes(m.type) && failing(match.conditions, m.data).length === 0;
}

/** When a deadline of `e` opened by `m` falls due, or a reason it cannot. */
export function dueAt(e: Expectation, m: DeadlineMessage, timeZone: string): Date | string {
  if (e.due.kind === 'within') return addDuration(m.receivedAt, parseDuration(e.due.duration)!);
  if (e.due.kind === 'every') return addDuration(m.receivedAt, parseDuration(e.due.period)!);
  const value = resolveAll(m.data, e.due.pointer).values[0];
  return dueFromValue(value, e.due.plus, timeZone, e.due.day) ?? `no date or date-time at ${e.due.pointer}`;
}

/** The warning time for a deadline due at `due`, or null (none asked, or already past at `from`). */
export function warnAt(e: Expectation, due: Date, from: Date): Date | null {
  if (e.warnBefore === undefined) return null;
  const w = addDuration(due, parseDuration(e.warnBefore)!, -1);
  return w.getTime() > from.getTime() ? w : null;
}

export function deadlineEffects(contracts: LoadedContracts, m: DeadlineMessage): DeadlineEffects {
  const out: DeadlineEffects = { open: [], answers: [], skipped: [] };
  for (const a of contracts.agreements.values()) {
    if (!a.expectations?.length || !isActive(a, m.receivedAt)) continue;
    for (const e of a.expectations) {
      if (matchesMessage(e.when, m)) {
        const key = startKey(e.correlate, m);
        const due = dueAt(e, m, contracts.timeZone);
        if (key === undefined) out.skipped.push({ agreement: a.id, expectation: e.id, reason: `no ${e.correlate.by === 'pointer' ? `value at ${e.correlate.pointer}` : e.correlate.by}` });
        else if (typeof due === 'string') out.skipped.push({ agreement: a.id, expectation: e.id, reason: due });
        else if (notifyList(a, e, m, contracts).length === 0) out.skipped.push({ agreement: a.id, expectation: e.id, reason: 'no institution to tell' });
        else {
          out.open.push({
            agreement: a.id,
            expectation: e.id,
            kind: e.due.kind,
            correlationKey: key,
            caseRef: m.casereference ?? null,
            dueAt: due,
            warnAt: warnAt(e, due, m.receivedAt),
            classification: m.classification,
            notify: notifyList(a, e, m, contracts),
          });
        }
      }
      const expected = e.expect.types.includes(m.type) && matches(e.expect.from, m.sender);
      const cancels = e.cancelledBy.some((c) => matchesMessage(c, m)) && (matches(e.expect.from, m.sender) || a.parties.some((p) => matches(p, m.sender)));
      if (!expected && !cancels) continue;
      for (const key of answerKeys(e.correlate, m)) {
        if (cancels) {
          out.answers.push({ agreement: a.id, expectation: e.id, correlationKey: key, action: 'withdrawn' });
        } else if (e.due.kind === 'every') {
          const next = addDuration(m.receivedAt, parseDuration(e.due.period)!);
          out.answers.push({ agreement: a.id, expectation: e.id, correlationKey: key, action: 'met', nextDueAt: next, nextWarnAt: warnAt(e, next, m.receivedAt) });
        } else {
          out.answers.push({ agreement: a.id, expectation: e.id, correlationKey: key, action: 'met' });
        }
      }
    }
  }
  return out;
}
