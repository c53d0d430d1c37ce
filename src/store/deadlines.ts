/**
 * Deadlines in PostgreSQL (issue 25; migration 0013). Opening, meeting and withdrawing happen in the
 * statement that commits the message that does it (store/intake.ts, with the rows built here); the
 * clock's side is here: claim what is due — `FOR UPDATE SKIP LOCKED`, through the partial index on
 * `fire_at` of open deadlines, so a pass costs what is due and not what is open, and two workers
 * never take the same row — then record what fired, with its audit entry, in the same transaction.
 */
import { sql, type SQL } from 'drizzle-orm';
import { resultRows, type Db } from './db.js';
import type { deadlines, DeadlineState } from './schema.js';
import { auditInsert } from '../audit/writer.js';

export type DeadlineRow = typeof deadlines.$inferSelect;

/** A due deadline as the clock claims it: with the type and sender of the message that started it. */
export interface DueDeadline extends DeadlineRow {
  startedType: string;
  startedSender: string;
}

/** A deadline a message opens (the store's view of routing's DeadlineToOpen). */
export interface DeadlineOpenInput {
  id: string;
  agreement: string;
  expectation: string;
  kind: string;
  correlationKey: string;
  caseRef: string | null;
  dueAt: Date;
  warnAt: Date | null;
  classification: string;
  notify: string[];
}

/** A deadline a message answers: met (an `every` one re-armed to `nextDueAt`) or withdrawn. */
export interface DeadlineAnswerInput {
  agreement: string;
  expectation: string;
  correlationKey: string;
  action: 'met' | 'withdrawn';
  nextDueAt?: Date;
  nextWarnAt?: Date | null;
}

export interface DeadlineChanges {
  open: DeadlineOpenInput[];
  answers: DeadlineAnswerInput[];
}

export function deadlineOpenRows(messageId: string, sender: string, c: DeadlineChanges | undefined) {
  return (c?.open ?? []).map((d) => ({
    id: d.id,
    agreement: d.agreement,
    expectation: d.expectation,
    kind: d.kind,
    correlation_key: d.correlationKey,
    case_ref: d.caseRef,
    started_by: messageId,
    classification: d.classification,
    notify: d.notify,
    due_at: d.dueAt.toISOString(),
    warn_at: d.warnAt?.toISOString() ?? null,
    actor: sender,
  }));
}

export function deadlineAnswerRows(messageId: string, sender: string, c: DeadlineChanges | undefined) {
  return (c?.answers ?? []).map((a) => ({
    message_id: messageId,
    agreement: a.agreement,
    expectation: a.expectation,
    correlation_key: a.correlationKey,
    action: a.action,
    next_due_at: a.nextDueAt?.toISOString() ?? null,
    next_warn_at: a.nextWarnAt?.toISOString() ?? null,
    actor: sender,
  }));
}

const toRow = (r: Record<string, any>): DeadlineRow => ({
  id: String(r.id),
  agreement: r.agreement,
  expectation: r.expectation,
  kind: r.kind,
  correlationKey: r.correlation_key,
  caseRef: r.case_ref,
  startedBy: String(r.started_by),
  classification: r.classification,
  notify: typeof r.notify === 'string' ? JSON.parse(r.notify) : r.notify,
  state: r.state,
  dueAt: new Date(r.due_at),
  warnAt: r.warn_at === null ? null : new Date(r.warn_at),
  fireAt: new Date(r.fire_at),
  periodsMet: Number(r.periods_met),
  periodsMissed: Number(r.periods_missed),
  closedBy: r.closed_by === null ? null : String(r.closed_by),
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
});

/**
 * Inside the caller's transaction: lock and return up to `limit` open deadlines whose fire time is
 * at or before `asOf` (default the database's now), earliest first. Rows another transaction holds
 * are skipped: they are being fired. The locks last until the caller commits what it fired.
 */
export async function claimDueDeadlines(tx: Db, limit: number, asOf?: Date): Promise<DueDeadline[]> {
  const at: SQL = asOf ? sql`${asOf.toISOString()}::timestamptz` : sql`now()`;
  const result = await tx.execute(sql`
    select d.*, m.type as started_type, m.sender as started_sender
    from deadlines d join messages m on m.id = d.started_by
    where d.state in ('open', 'warned') and d.fire_at <= ${at}
    order by d.fire_at
    limit ${limit}
    for update of d skip locked`);
  return resultRows<Record<string, any>>(result).map((r) => ({ ...toRow(r), startedType: r.started_type, startedSender: r.started_sender }));
}

export interface DeadlineFired {
  id: string;
  event: 'warned' | 'missed';
  /** the state after: warned, missed, or open again (an `every` deadline's next period) */
  state: DeadlineState;
  dueAt: Date;
  warnAt: Date | null;
  fireAt: Date;
  /** what the audit entry adds: the alert's message id, or why it could not be sent */
  audit: Record<string, unknown>;
}

/** Inside the claiming transaction: move fired deadlines on, each with its audit entry. */
export async function recordFired(tx: Db, fired: readonly DeadlineFired[], actor: string): Promise<void> {
  if (fired.length === 0) return;
  const input = JSON.stringify(
    fired.map((f) => ({
      id: f.id,
      event: f.event,
      state: f.state,
      due_at: f.dueAt.toISOString(),
      warn_at: f.warnAt?.toISOString() ?? null,
      fire_at: f.fireAt.toISOString(),
      audit: f.audit,
    })),
  );
  await tx.execute(sql`
    with v as (select * from jsonb_to_recordset(${input}::jsonb) as x(id uuid, event text, state text, due_at timestamptz, warn_at timestamptz,
      fire_at timestamptz, audit jsonb)),
    u as (
      update deadlines d set state = v.state, due_at = v.due_at, warn_at = v.warn_at, fire_at = v.fire_at, updated_at = now(),
        periods_missed = d.periods_missed + case when v.event = 'missed' then 1 else 0 end
      from v where d.id = v.id
      returning d.id, d.agreement, d.expectation, d.case_ref, d.started_by, v.event, v.audit, v.due_at as next_due),
    a as (${auditInsert({
      actor: sql`${actor}::text`,
      action: sql`'deadline.' || u.event`,
      subject: sql`u.id::text`,
      data: sql`jsonb_build_object('agreement', u.agreement, 'expectation', u.expectation, 'messageId', u.started_by, 'caseReference', u.case_ref) || u.audit`,
      from: sql`from u`,
    })})
    select count(*) from u`);
}

export interface DeadlineFilter {
  state?: DeadlineState;
  caseRef?: string;
  /**
   * need to know: only deadlines this institution is concerned by — it is told of them (notify),
   * it sent the message that started them, or it received that message. Undefined: all (operators).
   */
  visibleTo?: string;
  /** cursor: the last id of the previous page (ids are time-ordered, newest first) */
  before?: string;
  limit: number;
}

/** Deadlines by state and case, newest first. */
export async function listDeadlines(db: Db, f: DeadlineFilter): Promise<DeadlineRow[]> {
  const where: SQL[] = [sql`true`];
  if (f.state) where.push(sql`d.state = ${f.state}`);
  if (f.caseRef !== undefined) where.push(sql`d.case_ref = ${f.caseRef}`);
  if (f.before !== undefined) where.push(sql`d.id < ${f.before}::uuid`);
  if (f.visibleTo !== undefined) {
    const who = f.visibleTo;
    where.push(sql`(d.notify ? ${who} or exists (select 1 from messages m where m.id = d.started_by and m.sender = ${who})
      or exists (select 1 from deliveries x where x.message_id = d.started_by and x.recipient = ${who}))`);
  }
  const result = await db.execute(sql`select d.* from deadlines d where ${sql.join(where, sql` and `)} order by d.id desc limit ${f.limit}`);
  return resultRows<Record<string, any>>(result).map(toRow);
}

/**
 * Open and warned deadlines, for the metrics: read through the partial index of open deadlines, so
 * a scrape does not scan the deadlines closed long ago.
 */
export async function deadlineCounts(db: Db): Promise<{ open: number; warned: number }> {
  const result = await db.execute(sql`select state, count(*)::int as n from deadlines where state in ('open', 'warned') group by state`);
  const out = { open: 0, warned: 0 };
  for (const r of resultRows<{ state: 'open' | 'warned'; n: number }>(result)) out[r.state] = Number(r.n);
  return out;
}
