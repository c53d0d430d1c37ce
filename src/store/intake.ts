/**
 * Committing an accepted message (invariant 1): message, one delivery row per recipient,
 * the idempotency record and the audit entries, in ONE transaction. The caller answers 202 only
 * after this resolves.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from './db.js';
import { deliveries, idempotencyKeys, messages } from './schema.js';
import type { AuditRecord } from '../audit/log.js';

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

/**
 * One SQL statement, so one round trip and no BEGIN/COMMIT: a statement is atomic on its own, and
 * the data-modifying CTEs all commit or none do. With an Idempotency-Key the key is inserted first
 * and everything else only if it was new; a concurrent request with the same key waits on the
 * first one's row, then finds the conflict and stores nothing (invariant 4). Foreign keys are checked
 * at the end of the statement, when every row is in place.
 */
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
  const m = input.message;
  const at = new Date();
  const deliveryRows = JSON.stringify(input.deliveries.map((d) => ({
    id: d.id, message_id: d.messageId, recipient: d.recipient, agreement: d.agreement, grant_id: d.grant, major: d.major,
    fields: d.fields, retry: d.retry, accept_unsigned_receipt: d.acceptUnsignedReceipt ?? false, rate_limit: d.rateLimit ?? null,
    state: d.state, next_attempt_at: d.nextAttemptAt, created_at: d.createdAt, updated_at: d.updatedAt,
  })));
  const auditRows = JSON.stringify(input.audit.map((r) => ({ at, actor: r.actor, action: r.action, subject: r.subject ?? null, data: r.data ?? {} })));
  const key = input.idempotency;
  const gate = key
    ? sql`k as (insert into idempotency_keys (sender, key, request_hash, message_id, response, created_at)
        values (${key.sender}, ${key.key}, ${key.requestHash}, ${m.id}, ${JSON.stringify(input.response)}::jsonb, ${m.receivedAt})
        on conflict do nothing returning 1),`
    : sql``;
  const onlyIfNew = key ? sql`where exists (select 1 from k)` : sql``;
  const result = await db.execute(sql`
    with ${gate}
    m as (insert into messages (id, sender, type, version, classification, subject, case_ref, correlation_id, causation_id, envelope, routing, received_at)
      select ${m.id}::uuid, ${m.sender}, ${m.type}, ${m.version}, ${m.classification}, ${m.subject ?? null}, ${m.caseRef ?? null},
        ${m.correlationId ?? null}, ${m.causationId ?? null}, ${JSON.stringify(m.envelope)}::json, ${JSON.stringify(m.routing)}::jsonb, ${m.receivedAt}
      ${onlyIfNew}
      returning id),
    d as (insert into deliveries (id, message_id, recipient, agreement, grant_id, major, fields, retry, accept_unsigned_receipt, rate_limit, state, next_attempt_at, created_at, updated_at)
      select x.* from jsonb_to_recordset(${deliveryRows}::jsonb) as x(id uuid, message_id uuid, recipient text, agreement text, grant_id text, major int,
        fields jsonb, retry jsonb, accept_unsigned_receipt boolean, rate_limit jsonb, state text, next_attempt_at timestamptz, created_at timestamptz, updated_at timestamptz)
      where exists (select 1 from m)),
    a as (insert into audit_log (at, actor, action, subject, data)
      select x.at, x.actor, x.action, x.subject, x.data from jsonb_to_recordset(${auditRows}::jsonb) as x(at timestamptz, actor text, action text, subject text, data jsonb)
      where exists (select 1 from m))
    select count(*)::int as n from m`);
  const n = Number(((result as any).rows ?? result)[0].n);
  if (n === 0) throw new IdempotencyRace();
}

/** Forget idempotency keys older than the retention (they are kept at least that long). */
export async function purgeIdempotencyKeys(db: Db, olderThanMs: number): Promise<number> {
  const rows = await db.delete(idempotencyKeys).where(sql`${idempotencyKeys.createdAt} < now() - ${olderThanMs} * interval '1 millisecond'`).returning({ key: idempotencyKeys.key });
  return rows.length;
}
