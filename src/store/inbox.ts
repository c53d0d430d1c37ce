/**
 * The pull inbox's statements (issue 22). A pulling institution's deliveries are ordinary delivery
 * rows — PostgreSQL holds their state as for push (invariant 2) — that no worker claims: the
 * institution leases them itself. Guarantees:
 * - a lease is a claim: one conditional UPDATE (rows another lease holds are skipped, never taken
 *   twice), the attempt count goes up by one and the delivery is in flight with a lease token and
 *   a lease time; its end is recorded as an attempt like a push's (the receipt: store/deliveries.ts
 *   recordAttempts; a lapsed lease: releaseExpiredLeases, `abandoned`);
 * - a delivery is given up, without a further attempt, once its retry schedule's time has run out
 *   (from the first time the sweeper or a lease saw it), unless its agreement says store and
 *   forward: `delivery.expired` on the audit log, written in the same statement.
 */
import { sql } from 'drizzle-orm';
import { auditInsert } from '../audit/writer.js';
import { resultRows, type Db } from './db.js';
import { CLAIM_MESSAGE_COLUMNS, claimRow, type ClaimWithMessage, type DeliveryRow } from './deliveries.js';

const recipientsJson = (recipients: readonly string[]) => JSON.stringify(recipients);

/**
 * Lease up to `limit` deliveries due for `recipient`, oldest due first, each with its message.
 * `attemptTimeoutMs` is the attempt timeout the deadline is computed with (wasla_gives_up_at).
 */
export async function leaseInbox(db: Db, recipient: string, limit: number, leaseMs: number, attemptTimeoutMs: number): Promise<ClaimWithMessage[]> {
  const result = await db.execute(sql`
    with pick as (
      select id from deliveries
      where state in ('pending', 'retrying') and recipient = ${recipient} and next_attempt_at <= now()
        and (gives_up_at is null or gives_up_at > now())
      order by next_attempt_at, id
      limit ${limit}
      for update skip locked),
    c as (
      update deliveries d set state = 'in_flight', attempts = d.attempts + 1, lease_token = gen_random_uuid(),
        lease_until = now() + ${leaseMs} * interval '1 millisecond', updated_at = now(),
        gives_up_at = coalesce(d.gives_up_at, wasla_gives_up_at(d.retry, ${attemptTimeoutMs}))
      from pick where d.id = pick.id
      returning d.*)
    select c.*, ${CLAIM_MESSAGE_COLUMNS}
    from c join messages m on m.id = c.message_id
    order by c.next_attempt_at, c.id`);
  return resultRows<Record<string, any>>(result).map(claimRow);
}

/** A delivery as the receipt route needs it: whose it is, its state and the lease it is under. */
export async function inboxDelivery(db: Db, id: string): Promise<ClaimWithMessage | undefined> {
  const result = await db.execute(sql`
    select d.*, ${CLAIM_MESSAGE_COLUMNS}
    from deliveries d join messages m on m.id = d.message_id where d.id = ${id}`);
  const r = resultRows<Record<string, any>>(result)[0];
  return r ? claimRow(r) : undefined;
}

/** what a pulled delivery given up ends with */
export const INBOX_EXPIRED = 'not acknowledged from the inbox before its retry schedule ran out';

/**
 * For these (pulling) recipients: start the clock of every waiting delivery that has none (its
 * deadline: the longest its retry schedule can take, from now), then end dead every one whose
 * deadline has passed, on the audit log as `delivery.expired`. Returns the ids ended.
 */
export async function expireInbox(db: Db, recipients: readonly string[], attemptTimeoutMs: number, actor = 'sweeper'): Promise<string[]> {
  if (recipients.length === 0) return [];
  const rs = recipientsJson(recipients);
  await db.execute(sql`
    update deliveries set gives_up_at = wasla_gives_up_at(retry, ${attemptTimeoutMs})
    where state in ('pending', 'retrying') and recipient in (select jsonb_array_elements_text(${rs}::jsonb))
      and gives_up_at is null and not (retry @> '{"storeAndForward": true}')`);
  const result = await db.execute(sql`
    with u as (
      update deliveries set state = 'dead', lease_token = null, lease_until = null, next_attempt_at = null, updated_at = now(),
        last_error = ${INBOX_EXPIRED} || ' (its time ran out at ' || to_char(gives_up_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || ')'
      where state in ('pending', 'retrying') and recipient in (select jsonb_array_elements_text(${rs}::jsonb)) and gives_up_at <= now()
      returning id, message_id, recipient, attempts, last_error),
    a as (${auditInsert({
      actor: sql`${actor}::text`,
      action: 'delivery.expired',
      subject: sql`u.id::text`,
      data: sql`jsonb_build_object('messageId', u.message_id, 'recipient', u.recipient, 'attempts', u.attempts, 'reason', u.last_error)`,
      from: sql`from u`,
    })})
    select id from u`);
  return resultRows<{ id: string }>(result).map((r) => String(r.id));
}

export type { DeliveryRow };
