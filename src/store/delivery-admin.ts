/**
 * Listing deliveries (dead letters above all) and replaying them. A replay puts a dead delivery
 * back to due with its ids unchanged (a receiver that already applied it drops the repeat) and
 * restarts its retry schedule; each replay is written to the audit log in the same transaction.
 */
import { and, asc, desc, eq, gt, gte, inArray, lte, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from './db.js';
import { deliveries, messages, type DeliveryState } from './schema.js';
import { appendAudit } from '../audit/log.js';

export interface DeliveryFilter {
  state?: DeliveryState;
  recipient?: string;
  type?: string;
  /** created at or after */
  since?: Date;
  /** created at or before */
  until?: Date;
  /** only deliveries of messages this institution sent, or addressed to it */
  visibleTo?: string;
  /** only deliveries carried under one of these agreements ([] matches none) */
  agreements?: string[];
  /** keyset cursor: ids greater than this (UUIDv7 sorts by creation) */
  after?: string;
  limit?: number;
}

function where(f: DeliveryFilter): SQL | undefined {
  const c: Array<SQL | undefined> = [];
  if (f.state) c.push(eq(deliveries.state, f.state));
  if (f.recipient) c.push(eq(deliveries.recipient, f.recipient));
  if (f.type) c.push(eq(messages.type, f.type));
  if (f.since) c.push(gte(deliveries.createdAt, f.since));
  if (f.until) c.push(lte(deliveries.createdAt, f.until));
  if (f.after) c.push(gt(deliveries.id, f.after));
  if (f.visibleTo) c.push(or(eq(messages.sender, f.visibleTo), eq(deliveries.recipient, f.visibleTo)));
  if (f.agreements) c.push(f.agreements.length ? inArray(deliveries.agreement, f.agreements) : sql`false`);
  return c.length ? and(...c) : undefined;
}

export async function listDeliveries(db: Db, f: DeliveryFilter) {
  return db
    .select({
      id: deliveries.id, messageId: deliveries.messageId, type: messages.type, sender: messages.sender,
      recipient: deliveries.recipient, agreement: deliveries.agreement, grant: deliveries.grant, state: deliveries.state,
      attempts: deliveries.attempts, lastError: deliveries.lastError, nextAttemptAt: deliveries.nextAttemptAt,
      deliveredAt: deliveries.deliveredAt, createdAt: deliveries.createdAt, updatedAt: deliveries.updatedAt,
    })
    .from(deliveries)
    .innerJoin(messages, eq(messages.id, deliveries.messageId))
    .where(where(f))
    .orderBy(asc(deliveries.id))
    .limit(Math.min(f.limit ?? 100, 1000));
}

export interface ReplayResult {
  replayed: Array<{ id: string; attempts: number; recipient: string }>;
}

/** Replay dead deliveries matching the filter (or the given ids); only `dead` ones move. */
export async function replayDeliveries(db: Db, target: { ids?: string[]; filter?: DeliveryFilter }, actor: string, reason?: string): Promise<ReplayResult> {
  return db.transaction(async (tx) => {
    let ids = target.ids ?? [];
    if (target.filter) {
      const rows = await tx
        .select({ id: deliveries.id })
        .from(deliveries)
        .innerJoin(messages, eq(messages.id, deliveries.messageId))
        .where(where({ ...target.filter, state: 'dead' }))
        .orderBy(desc(deliveries.id))
        .limit(Math.min(target.filter.limit ?? 1000, 10_000));
      ids = rows.map((r) => r.id);
    }
    if (ids.length === 0) return { replayed: [] };
    const replayed = await tx
      .update(deliveries)
      .set({ state: 'retrying', nextAttemptAt: sql`now()`, scheduleOffset: sql`${deliveries.attempts}`, lastError: null, updatedAt: sql`now()` })
      .where(and(inArray(deliveries.id, ids), eq(deliveries.state, 'dead')))
      .returning({ id: deliveries.id, attempts: deliveries.attempts, messageId: deliveries.messageId, recipient: deliveries.recipient });
    await appendAudit(tx, replayed.map((r) => ({
      actor, action: 'delivery.replayed', subject: r.id,
      data: { messageId: r.messageId, recipient: r.recipient, attemptsBefore: r.attempts, reason: reason ?? null },
    })));
    return { replayed: replayed.map((r) => ({ id: r.id, attempts: r.attempts, recipient: r.recipient })) };
  });
}

export async function getDelivery(db: Db, id: string) {
  const [row] = await db
    .select({ id: deliveries.id, state: deliveries.state, recipient: deliveries.recipient, sender: messages.sender })
    .from(deliveries)
    .innerJoin(messages, eq(messages.id, deliveries.messageId))
    .where(eq(deliveries.id, id))
    .limit(1);
  return row;
}
