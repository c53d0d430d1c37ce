/**
 * Listing deliveries (dead letters above all, and those still waiting) and replaying them. A replay
 * puts a dead delivery back to due with its ids unchanged (a receiver that already applied it drops
 * the repeat) and restarts its retry schedule, its deadline included; each replay is written to the
 * audit log in the same transaction. A replay the caller's check refuses (the recipient is no longer
 * entitled, issue 19) moves nothing, and is on the audit log too.
 */
import { and, asc, desc, eq, gt, gte, inArray, lte, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from './db.js';
import { deliveries, messages, type DeliveryState } from './schema.js';
import { appendAudit } from '../audit/writer.js';
import { PayloadCryptoError } from '../record/errors.js';
import { openStored, type PayloadVault } from './payload-store.js';

/** `waiting`: pending, in flight or retrying — neither delivered nor dead yet */
export type StateFilter = DeliveryState | 'waiting';
export const WAITING_STATES: readonly DeliveryState[] = ['pending', 'in_flight', 'retrying'];

export interface DeliveryFilter {
  state?: StateFilter;
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
  if (f.state === 'waiting') c.push(inArray(deliveries.state, [...WAITING_STATES]));
  else if (f.state) c.push(eq(deliveries.state, f.state));
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
      id: deliveries.id,
      messageId: deliveries.messageId,
      type: messages.type,
      sender: messages.sender,
      recipient: deliveries.recipient,
      agreement: deliveries.agreement,
      grant: deliveries.grant,
      state: deliveries.state,
      attempts: deliveries.attempts,
      lastError: deliveries.lastError,
      nextAttemptAt: deliveries.nextAttemptAt,
      givesUpAt: deliveries.givesUpAt,
      storeAndForward: sql<boolean>`coalesce(${deliveries.retry} @> '{"storeAndForward": true}'::jsonb, false)`,
      deliveredAt: deliveries.deliveredAt,
      createdAt: deliveries.createdAt,
      updatedAt: deliveries.updatedAt,
    })
    .from(deliveries)
    .innerJoin(messages, eq(messages.id, deliveries.messageId))
    .where(where(f))
    .orderBy(asc(deliveries.id))
    .limit(Math.min(f.limit ?? 100, 1000));
}

export interface ReplayResult {
  replayed: Array<{ id: string; attempts: number; recipient: string }>;
  /** dead deliveries the check refused, each with why; they stay dead */
  refused: Array<{ id: string; recipient: string; reason: string }>;
}

/** A dead delivery about to be replayed, with what a check of the recipient's entitlement needs. */
export interface ReplayCandidate {
  id: string;
  recipient: string;
  message: { sender: string; type: string; version: string; envelope: unknown };
}

/** May this delivery be replayed now: undefined when it may, else why not. */
export type ReplayCheck = (c: ReplayCandidate) => string | undefined;

/**
 * Replay dead deliveries matching the filter (or the given ids); only `dead` ones move, and only
 * those `check` lets through — the others are refused, on the audit log (`delivery.replay-refused`).
 */
export async function replayDeliveries(
  db: Db,
  target: { ids?: string[]; filter?: DeliveryFilter },
  actor: string,
  reason?: string,
  check: ReplayCheck = () => undefined,
  vault?: PayloadVault,
): Promise<ReplayResult> {
  return db.transaction(async (tx) => {
    const candidates = await tx
      .select({
        id: deliveries.id,
        recipient: deliveries.recipient,
        attempts: deliveries.attempts,
        messageId: deliveries.messageId,
        sender: messages.sender,
        type: messages.type,
        version: messages.version,
        envelope: messages.envelope,
        classification: messages.classification,
        payloadCiphertext: messages.payloadCiphertext,
        payloadKey: messages.payloadKey,
        purgedAt: messages.purgedAt,
      })
      .from(deliveries)
      .innerJoin(messages, eq(messages.id, deliveries.messageId))
      .where(target.filter ? where({ ...target.filter, state: 'dead' }) : and(inArray(deliveries.id, target.ids?.length ? target.ids : [NO_ID]), eq(deliveries.state, 'dead')))
      .orderBy(desc(deliveries.id))
      .limit(target.filter ? Math.min(target.filter.limit ?? 1000, 10_000) : 10_000)
      .for('update', { of: [deliveries, messages] });
    const allowed: string[] = [];
    const refused: ReplayResult['refused'] = [];
    for (const c of candidates) {
      // the message row is locked too: a purge (store/retention.ts) either went first and is seen, or waits
      if (c.purgedAt !== null) {
        refused.push({ id: c.id, recipient: c.recipient, reason: PURGED });
        continue;
      }
      // issue 26: the check may read the payload (conditions on data): a sealed one is opened for it
      let envelope: unknown;
      try {
        envelope = openStored({ ...c, id: c.messageId }, vault).envelope;
      } catch (e) {
        if (!(e instanceof PayloadCryptoError)) throw e;
        refused.push({ id: c.id, recipient: c.recipient, reason: `the payload does not open (${e.code})` });
        continue;
      }
      const why = check({ id: c.id, recipient: c.recipient, message: { sender: c.sender, type: c.type, version: c.version, envelope } });
      if (why === undefined) allowed.push(c.id);
      else refused.push({ id: c.id, recipient: c.recipient, reason: why });
    }
    const replayed =
      allowed.length === 0
        ? []
        : await tx
            .update(deliveries)
            .set({ state: 'retrying', nextAttemptAt: sql`now()`, scheduleOffset: sql`${deliveries.attempts}`, givesUpAt: null, lastError: null, updatedAt: sql`now()` })
            .where(and(inArray(deliveries.id, allowed), eq(deliveries.state, 'dead')))
            .returning({ id: deliveries.id, attempts: deliveries.attempts, messageId: deliveries.messageId, recipient: deliveries.recipient });
    const messageOf = new Map(candidates.map((c) => [c.id, c.messageId]));
    await appendAudit(tx, [
      ...replayed.map((r) => ({
        actor,
        action: 'delivery.replayed' as const,
        subject: r.id,
        data: { messageId: r.messageId, recipient: r.recipient, attemptsBefore: r.attempts, reason: reason ?? null },
      })),
      ...refused.map((r) => ({
        actor,
        action: 'delivery.replay-refused' as const,
        subject: r.id,
        data: { messageId: messageOf.get(r.id), recipient: r.recipient, refused: r.reason, reason: reason ?? null },
      })),
    ]);
    return { replayed: replayed.map((r) => ({ id: r.id, attempts: r.attempts, recipient: r.recipient })), refused };
  });
}

/** why a replay is refused when retention purged the message's payload: nothing is left to deliver */
export const PURGED = 'the payload of the message was purged by retention';

/** matches no delivery: `in ()` is not SQL */
const NO_ID = '00000000-0000-0000-0000-000000000000';

export async function getDelivery(db: Db, id: string) {
  const [row] = await db
    .select({ id: deliveries.id, state: deliveries.state, recipient: deliveries.recipient, sender: messages.sender, purgedAt: messages.purgedAt })
    .from(deliveries)
    .innerJoin(messages, eq(messages.id, deliveries.messageId))
    .where(eq(deliveries.id, id))
    .limit(1);
  return row;
}
