/**
 * Delivery state transitions. PostgreSQL holds the truth (invariant 2); every transition is one
 * conditional UPDATE so that two workers can never both hold an attempt on one delivery
 * (the claim is atomic) and a worker whose lease has lapsed cannot overwrite a newer state.
 */
import { randomUUID } from 'node:crypto';
import { and, asc, eq, inArray, lt, lte, sql } from 'drizzle-orm';
import type { Db } from './db.js';
import { attempts, deliveries, type DeliveryState } from './schema.js';

export type DeliveryRow = typeof deliveries.$inferSelect;
export type AttemptRow = typeof attempts.$inferSelect;

export interface Claim {
  delivery: DeliveryRow;
  leaseToken: string;
}

export interface ClaimWithMessage extends Claim {
  message: { type: string; version: string; envelope: unknown };
}

const row = (r: Record<string, any>): DeliveryRow => ({
  id: r.id, messageId: r.message_id, recipient: r.recipient, agreement: r.agreement, grant: r.grant_id, major: r.major,
  fields: r.fields, retry: r.retry, acceptUnsignedReceipt: r.accept_unsigned_receipt, rateLimit: r.rate_limit,
  scheduleOffset: r.schedule_offset, state: r.state, attempts: r.attempts, nextAttemptAt: r.next_attempt_at,
  leaseToken: r.lease_token, leaseUntil: r.lease_until, lastError: r.last_error, deliveredAt: r.delivered_at,
  createdAt: r.created_at, updatedAt: r.updated_at,
});

/**
 * claimDelivery and the message it delivers, in one round trip: the worker's hot path.
 */
export async function claimWithMessage(db: Db, id: string, leaseMs: number, earlyMs = 1000): Promise<ClaimWithMessage | undefined> {
  const leaseToken = randomUUID();
  const result = await db.execute(sql`
    with c as (
      update deliveries set state = 'in_flight', attempts = attempts + 1, lease_token = ${leaseToken},
        lease_until = now() + ${leaseMs} * interval '1 millisecond', updated_at = now()
      where id = ${id} and state in ('pending', 'retrying') and next_attempt_at <= now() + ${earlyMs} * interval '1 millisecond'
      returning *
    )
    select c.*, m.type as m_type, m.version as m_version, m.envelope as m_envelope
    from c join messages m on m.id = c.message_id`);
  const r = ((result as any).rows ?? result)[0] as Record<string, any> | undefined;
  if (!r) return undefined;
  const envelope = typeof r.m_envelope === 'string' ? JSON.parse(r.m_envelope) : r.m_envelope;
  return { delivery: row(r), leaseToken, message: { type: r.m_type, version: r.m_version, envelope } };
}

/**
 * Take the next attempt of a delivery, if it is due (allowing `earlyMs` of scheduler clock skew).
 * Returns undefined when it is not due, already held, or terminal.
 */
export async function claimDelivery(db: Db, id: string, leaseMs: number, earlyMs = 1000): Promise<Claim | undefined> {
  const leaseToken = randomUUID();
  const [row] = await db
    .update(deliveries)
    .set({
      state: 'in_flight',
      attempts: sql`${deliveries.attempts} + 1`,
      leaseToken,
      leaseUntil: sql`now() + ${leaseMs} * interval '1 millisecond'`,
      updatedAt: sql`now()`,
    })
    .where(and(
      eq(deliveries.id, id),
      inArray(deliveries.state, ['pending', 'retrying']),
      lte(deliveries.nextAttemptAt, sql`now() + ${earlyMs} * interval '1 millisecond'`),
    ))
    .returning();
  return row ? { delivery: row, leaseToken } : undefined;
}

export interface AttemptOutcome {
  outcome: 'delivered' | 'retry' | 'dead';
  startedAt: Date;
  durationMs: number;
  statusCode?: number;
  error?: string;
  receipt?: unknown;
  /** for retry: delay before the next attempt */
  retryInMs?: number;
  worker: string;
}

/**
 * Record an attempt and move the delivery on — the state change, the attempt row and its audit
 * entry — in one statement (atomic, one round trip). Returns the resulting state, or undefined when
 * the lease was lost and nothing but the attempt itself was recorded.
 */
export async function recordAttempt(db: Db, claim: Claim, o: AttemptOutcome): Promise<DeliveryState | undefined> {
  const d = claim.delivery;
  const next: DeliveryState = o.outcome === 'delivered' ? 'delivered' : o.outcome === 'dead' ? 'dead' : 'retrying';
  // Our lease, or — for a success — any non-terminal state: a receipt for an attempt whose lease
  // lapsed still proves delivery, and "delivered" is written once only.
  const cond = next === 'delivered'
    ? sql`(lease_token = ${claim.leaseToken} or state in ('pending', 'retrying'))`
    : sql`lease_token = ${claim.leaseToken}`;
  const audit = JSON.stringify({
    messageId: d.messageId, recipient: d.recipient, attempt: d.attempts, outcome: o.outcome, status: o.statusCode ?? null, error: o.error ?? null,
  });
  const result = await db.execute(sql`
    with u as (
      update deliveries set state = ${next}, lease_token = null, lease_until = null, updated_at = now(),
        last_error = ${o.outcome === 'delivered' ? null : o.error ?? `HTTP ${o.statusCode}`},
        next_attempt_at = ${next === 'retrying' ? sql`now() + ${o.retryInMs ?? 0} * interval '1 millisecond'` : sql`null`},
        delivered_at = ${next === 'delivered' ? sql`now()` : sql`null`}
      where id = ${d.id} and ${cond}
      returning state),
    t as (insert into attempts (delivery_id, number, started_at, duration_ms, status_code, outcome, error, receipt, worker)
      select ${d.id}::uuid, ${d.attempts}, ${o.startedAt}, ${Math.round(o.durationMs)}, ${o.statusCode ?? null},
        case when exists (select 1 from u) then ${o.outcome} else ${`${o.outcome} (lease lost)`} end,
        ${o.error ?? null}, ${o.receipt === undefined ? null : JSON.stringify(o.receipt)}::jsonb, ${o.worker}),
    a as (insert into audit_log (at, actor, action, subject, data)
      select date_trunc('milliseconds', now()), ${`worker:${o.worker}`}, 'delivery.attempt', ${d.id}, ${audit}::jsonb || jsonb_build_object('leaseLost', not exists (select 1 from u)))
    select state from u`);
  const row = ((result as any).rows ?? result)[0] as { state: DeliveryState } | undefined;
  return row?.state;
}

/**
 * Give a claimed delivery back without an attempt (the recipient gate said "not now"): the attempt
 * count is restored and the delivery is due again after `delayMs`.
 */
export async function deferDelivery(db: Db, claim: Claim, delayMs: number, reason: string): Promise<boolean> {
  const rows = await db
    .update(deliveries)
    .set({
      state: 'retrying',
      attempts: sql`${deliveries.attempts} - 1`,
      leaseToken: null,
      leaseUntil: null,
      nextAttemptAt: sql`now() + ${Math.max(0, Math.round(delayMs))} * interval '1 millisecond'`,
      lastError: reason,
      updatedAt: sql`now()`,
    })
    .where(and(eq(deliveries.id, claim.delivery.id), eq(deliveries.leaseToken, claim.leaseToken)))
    .returning({ id: deliveries.id });
  return rows.length > 0;
}

/** Return deliveries whose lease lapsed (worker killed mid-attempt) to due. */
export async function releaseExpiredLeases(db: Db): Promise<string[]> {
  const rows = await db
    .update(deliveries)
    .set({ state: 'retrying', leaseToken: null, leaseUntil: null, nextAttemptAt: sql`now()`, lastError: 'lease expired: the attempt did not report back', updatedAt: sql`now()` })
    .where(and(eq(deliveries.state, 'in_flight'), lt(deliveries.leaseUntil, sql`now()`)))
    .returning({ id: deliveries.id });
  return rows.map((r) => r.id);
}

export interface DueDelivery {
  id: string;
  attempts: number;
  recipient: string;
  /** how long past due, in ms */
  overdueMs: number;
}

/** Deliveries due at least `graceMs` ago: the ones a lost or never-made job should have taken. */
export async function findDue(db: Db, graceMs: number, limit: number): Promise<DueDelivery[]> {
  return db
    .select({
      id: deliveries.id, attempts: deliveries.attempts, recipient: deliveries.recipient,
      overdueMs: sql<number>`(extract(epoch from now() - ${deliveries.nextAttemptAt}) * 1000)::int`,
    })
    .from(deliveries)
    .where(and(inArray(deliveries.state, ['pending', 'retrying']), lte(deliveries.nextAttemptAt, sql`now() - ${graceMs} * interval '1 millisecond'`)))
    .orderBy(asc(deliveries.nextAttemptAt))
    .limit(limit);
}

export async function countByState(db: Db): Promise<Record<DeliveryState, number>> {
  const rows = await db.select({ state: deliveries.state, n: sql<number>`count(*)::int` }).from(deliveries).groupBy(deliveries.state);
  const out = { pending: 0, in_flight: 0, delivered: 0, retrying: 0, dead: 0 } as Record<DeliveryState, number>;
  for (const r of rows) out[r.state] = Number(r.n);
  return out;
}
