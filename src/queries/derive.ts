/**
 * Status derivation: what a record's messages say its status is (issue 24.2).
 *
 * The rule, for any set of messages of one record:
 * 1. Each message stands for the state of the first rule that matches it (its type and `when`
 *    conditions), at its business time: the first of the rule's `at` pointers it carries (a date is
 *    its day's 00:00 UTC), else the envelope's time. A message no rule matches stands for nothing.
 * 2. With a period (`month` parameter), a message of a period type counts only if its business
 *    time, as written, falls in that month (the sender's own calendar, not UTC).
 * 3. A rule with `partial` turns `paid` into `partial` when the message's amount is below the
 *    amount of the reference type's deciding message, in the same currency (exact decimals).
 * 4. Deadlines: of the deciding message of a deadline's type, each deadline time at or before
 *    `asOf` has passed; the earliest passed one stands for its state, at that time — or at the
 *    message's own time if the message was written after its own deadline.
 * 5. The status is the state of the greatest candidate in this order: rank (the state's
 *    precedence), then business time, then a deadline over a message at the same time, then the
 *    payload's canonical JSON, then the message id.
 *
 * Guarantees: the result depends on the SET of messages and on `asOf` and the parameters only —
 * never on the order they arrived or are given in (the order above is total and reads nothing
 * else); a message that arrives late takes its place by its business time and rank, so a payment
 * stays final over an issue that arrives after it, and of an execution and a cancellation the
 * later in time decides. Pure: no clock (asOf is given), no I/O.
 */
import type { Lifecycle, MatchCondition, MessageMatch, QueryContract, StatusRule } from './contract.js';
import type { Classification } from '../federation/index.js';
import { valuesAt } from '../json/index.js';

/** A message as the index and the store give it back, its payload in the major the query reads. */
export interface StoredMessage {
  id: string;
  type: string;
  version: string;
  /** the envelope's `time` */
  time: string;
  /** the effective classification the hub computed at intake */
  classification: Classification;
  data: unknown;
}

export interface DeriveContext {
  /** the time the query runs at: deadlines pass relative to it */
  asOf: Date;
  /** the request's parameters (only the period parameter is read here) */
  params: Readonly<Record<string, string | undefined>>;
}

/** One message's place in the record: what it stands for, and when. */
export interface Counted {
  message: StoredMessage;
  /** the state it stands for, or undefined when no rule matches it */
  state?: string;
  /** the state's rank; -1 when it stands for nothing */
  rank: number;
  /** business time, ms since the epoch */
  time: number;
  /** the business time as written */
  at: string;
}

export interface DerivedStatus {
  state: string;
  /** business time of what decided it, as written */
  at: string;
  /** the message that decided it (for a deadline: the message whose deadline passed) */
  message: string;
  /** whether a passed deadline decided it */
  deadline: boolean;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** ms since the epoch of a date (its 00:00 UTC) or an RFC 3339 date-time; undefined otherwise. */
export function parseTime(s: unknown): number | undefined {
  if (typeof s !== 'string') return undefined;
  const t = DATE_ONLY.test(s) ? Date.parse(`${s}T00:00:00Z`) : /^\d{4}-\d{2}-\d{2}T/.test(s) ? Date.parse(s) : NaN;
  return Number.isNaN(t) ? undefined : t;
}

function holds(c: MatchCondition, data: unknown): boolean {
  const values = valuesAt(data, c.pointer);
  if (c.op === 'exists') return values.length > 0;
  if (c.op === 'in') return values.some((v) => Array.isArray(c.value) && c.value.includes(v as never));
  return values.some((v) => v === c.value);
}

export function matches(m: MessageMatch, message: StoredMessage): boolean {
  return m.type === message.type && m.when.every((c) => holds(c, message.data));
}

/** The canonical JSON of a value (sorted keys): a tie-break that reads content, not arrival. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

const DECIMAL = /^(-?)([0-9]+)(?:\.([0-9]+))?$/;

/** a - b as the sign of exact decimal strings; undefined when either is not a decimal. */
function compareDecimal(a: string, b: string): number | undefined {
  const ma = DECIMAL.exec(a);
  const mb = DECIMAL.exec(b);
  if (!ma || !mb) return undefined;
  const scale = Math.max((ma[3] ?? '').length, (mb[3] ?? '').length);
  const big = (m: RegExpExecArray) => BigInt(`${m[1]}${m[2]}${(m[3] ?? '').padEnd(scale, '0')}`);
  const d = big(ma) - big(mb);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

function amountAt(data: unknown, pointer: string): { value: string; currency: string } | undefined {
  const [a] = valuesAt(data, pointer);
  if (typeof a !== 'object' || a === null) return undefined;
  const { value, currency } = a as Record<string, unknown>;
  return typeof value === 'string' && typeof currency === 'string' ? { value, currency } : undefined;
}

interface Candidate {
  state: string;
  rank: number;
  time: number;
  at: string;
  deadline: boolean;
  message: StoredMessage;
  /** memoised canonical JSON of the payload */
  content: string;
}

function compareCandidates(a: Candidate, b: Candidate): number {
  return (
    a.rank - b.rank ||
    a.time - b.time ||
    Number(a.deadline) - Number(b.deadline) ||
    (a.content < b.content ? -1 : a.content > b.content ? 1 : 0) ||
    (a.message.id < b.message.id ? -1 : a.message.id > b.message.id ? 1 : 0)
  );
}

function ruleFor(status: Lifecycle, message: StoredMessage): StatusRule | undefined {
  return status.rules.find((r) => matches(r, message));
}

function businessTime(rule: StatusRule | undefined, message: StoredMessage): { time: number; at: string } {
  for (const p of rule?.at ?? []) {
    const [v] = valuesAt(message.data, p);
    const t = parseTime(v);
    if (t !== undefined) return { time: t, at: v as string };
  }
  const t = parseTime(message.time);
  return t === undefined ? { time: 0, at: '' } : { time: t, at: message.time };
}

/**
 * The messages of a record that count (the period applied), each with the state it stands for,
 * sorted ascending by the derivation order (the last decides). Messages no rule matches come first
 * (rank -1) and stand for nothing, but their fields may still be answered.
 */
export function countMessages(query: Pick<QueryContract, 'status'>, messages: readonly StoredMessage[], ctx: DeriveContext): Counted[] {
  const ranks = new Map(query.status.states.map((s) => [s.name, s.rank]));
  const period = query.status.period;
  const month = period ? ctx.params[period.parameter] : undefined;
  const withContent: Array<Counted & { content: string }> = [];
  for (const message of messages) {
    const rule = ruleFor(query.status, message);
    const { time, at } = businessTime(rule, message);
    if (month !== undefined && period!.types.includes(message.type) && at.slice(0, 7) !== month) continue;
    const counted = { message, rank: rule ? (ranks.get(rule.state) ?? 0) : -1, time, at, content: canonicalJson(message.data) };
    withContent.push(rule ? { ...counted, state: rule.state } : counted);
  }
  withContent.sort((a, b) => compareCandidates({ ...a, state: a.state ?? '', deadline: false }, { ...b, state: b.state ?? '', deadline: false }));
  return withContent.map(({ content: _content, ...c }) => c);
}

/** The status a record's messages derive, or undefined when none of them stands for a state. */
export function deriveStatus(query: Pick<QueryContract, 'status'>, messages: readonly StoredMessage[], ctx: DeriveContext): DerivedStatus | undefined {
  const counted = countMessages(query, messages, ctx).filter((c) => c.state !== undefined);
  if (counted.length === 0) return undefined;
  const ranks = new Map(query.status.states.map((s) => [s.name, s.rank]));
  const candidates: Candidate[] = [];
  /** the deciding (last in order) counted message of each type */
  const latestOf = new Map<string, Counted>();
  for (const c of counted) latestOf.set(c.message.type, c);

  for (const c of counted) {
    const rule = ruleFor(query.status, c.message)!;
    let state = c.state!;
    if (rule.partial) {
      const own = amountAt(c.message.data, rule.partial.amount);
      const refMsg = latestOf.get(rule.partial.reference.type);
      const ref = refMsg && amountAt(refMsg.message.data, rule.partial.reference.amount);
      if (own && ref && own.currency === ref.currency && compareDecimal(own.value, ref.value) === -1) state = rule.partial.state;
    }
    candidates.push({ state, rank: ranks.get(state) ?? 0, time: c.time, at: c.at, deadline: false, message: c.message, content: canonicalJson(c.message.data) });
  }

  const asOf = ctx.asOf.getTime();
  for (const type of new Set(query.status.deadlines.map((d) => d.type))) {
    const latest = latestOf.get(type);
    if (!latest) continue;
    let earliest: { state: string; time: number; at: string } | undefined;
    for (const d of query.status.deadlines) {
      if (d.type !== type) continue;
      const [raw] = valuesAt(latest.message.data, d.at);
      const t = parseTime(raw);
      if (t === undefined || t > asOf) continue;
      if (!earliest || t < earliest.time) earliest = { state: d.state, time: t, at: raw as string };
    }
    if (!earliest) continue;
    // a message written after its own deadline is past it from the moment it was written
    const at = earliest.time >= latest.time ? earliest : { ...earliest, time: latest.time, at: latest.at };
    candidates.push({ ...at, rank: ranks.get(earliest.state) ?? 0, deadline: true, message: latest.message, content: canonicalJson(latest.message.data) });
  }

  let best = candidates[0];
  for (const c of candidates) if (compareCandidates(c, best) > 0) best = c;
  return { state: best.state, at: best.at, message: best.message.id, deadline: best.deadline };
}
