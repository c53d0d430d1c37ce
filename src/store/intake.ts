/**
 * Committing an accepted message (invariant 1): message, one delivery row per recipient,
 * the idempotency record and the audit entries, in ONE transaction. The caller answers 202 only
 * after this resolves.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from './db.js';
import { deliveries, idempotencyKeys, messages } from './schema.js';
import { appendAudit, type AuditRecord } from '../audit/log.js';

export type NewMessage = typeof messages.$inferInsert;
export type NewDelivery = typeof deliveries.$inferInsert;

export interface IdempotencyInput {
  sender: string;
  key: string;
  requestHash: string;
}

export interface StoredAnswer {
  messageId: string;
  requestHash: string;
  response: unknown;
}

/** Raised inside the transaction when another request committed the same key first. */
export class IdempotencyRace extends Error {
  constructor() {
    super('idempotency key taken concurrently');
  }
}

export async function findIdempotent(db: Db, sender: string, key: string): Promise<StoredAnswer | undefined> {
  const [row] = await db
    .select({ messageId: idempotencyKeys.messageId, requestHash: idempotencyKeys.requestHash, response: idempotencyKeys.response })
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.sender, sender), eq(idempotencyKeys.key, key)))
    .limit(1);
  return row;
}

export async function commitMessage(
  db: Db,
  input: {
    message: NewMessage;
    deliveries: NewDelivery[];
    idempotency?: IdempotencyInput;
    response: unknown;
    audit: AuditRecord[];
  },
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.insert(messages).values(input.message);
    if (input.deliveries.length > 0) await tx.insert(deliveries).values(input.deliveries);
    if (input.idempotency) {
      // A concurrent request with the same key blocks here until the first commits; then
      // DO NOTHING returns no row and this one rolls back, storing nothing (invariant 4).
      const taken = await tx
        .insert(idempotencyKeys)
        .values({ ...input.idempotency, messageId: input.message.id, response: input.response as object, createdAt: input.message.receivedAt })
        .onConflictDoNothing()
        .returning({ key: idempotencyKeys.key });
      if (taken.length === 0) throw new IdempotencyRace();
    }
    await appendAudit(tx, input.audit);
  });
}

/** Forget idempotency keys older than the retention (they are kept at least that long). */
export async function purgeIdempotencyKeys(db: Db, olderThanMs: number): Promise<number> {
  const rows = await db.delete(idempotencyKeys).where(sql`${idempotencyKeys.createdAt} < now() - ${olderThanMs} * interval '1 millisecond'`).returning({ key: idempotencyKeys.key });
  return rows.length;
}
