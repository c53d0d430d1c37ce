/**
 * Committing an accepted message (invariant 1): message, one delivery row per recipient,
 * the idempotency record, the audit entries and the message's case-index rows (issue 24), in ONE
 * transaction. The caller answers 202 only after this resolves.
 */
import { and, eq, sql } from 'drizzle-orm';
import { executePrepared, resultRows, type Db } from './db.js';
import { type deliveries, idempotencyKeys, type messages } from './schema.js';
import { auditInsert, type AuditRecord } from '../audit/writer.js';
import { type DeadlineChanges, deadlineAnswerRows, deadlineOpenRows } from './deadlines.js';
import { assertSealed } from './payload-store.js';

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

export interface CommitInput {
  message: NewMessage;
  deliveries: NewDelivery[];
  idempotency?: IdempotencyInput;
  response: unknown;
  audit: AuditRecord[];
  /** the message's case-index rows (queries/index-keys.ts indexRows: personal values already keyed) */
  index?: CaseIndexRow[];
  /** deadlines the message opens and answers (issue 25), committed in the same statement */
  deadlines?: DeadlineChanges;
  /** the evidence of origin of a signed request (record/origin.ts), stored with the message */
  origin?: { institution: string; certificate: string };
}

/** A row of the case index as intake writes it; the message's type and classification are added from the message. */
export interface CaseIndexRow {
  kind: string;
  /** '' when the payload names no issuer */
  issuer: string;
  value: string;
}

/**
 * Commits messages — each with its deliveries, idempotency record, audit entries and case-index rows — in ONE SQL
 * statement: a statement is atomic on its own (no BEGIN/COMMIT), and the data-modifying CTEs all
 * commit or none do, so one WAL flush serves the whole batch (group commit). A message whose
 * Idempotency-Key is already taken — by a committed request, or by a concurrent one, whose row this
 * statement waits for — stores nothing and comes back as 'taken' (invariant 4). Foreign keys are
 * checked at the end of the statement, when every row is in place. If the statement fails, no
 * message of the batch is stored.
 */
export async function commitMessages(db: Db, inputs: CommitInput[]): Promise<Array<'stored' | 'taken'>> {
  if (inputs.length === 0) return [];
  // issue 26: the caller seals (store/payload-store.ts sealMessage); a juvenile or gbv payload in clear is refused here, whoever the caller
  for (const i of inputs) assertSealed(i.message);
  const messageRows = JSON.stringify(
    inputs.map(({ message: m, idempotency: k, response }) => ({
      id: m.id,
      sender: m.sender,
      type: m.type,
      version: m.version,
      classification: m.classification,
      subject: m.subject ?? null,
      case_ref: m.caseRef ?? null,
      correlation_id: m.correlationId ?? null,
      causation_id: m.causationId ?? null,
      // as text, so that json keeps the sender's field order (jsonb would reorder)
      envelope: JSON.stringify(m.envelope),
      routing: m.routing,
      received_at: m.receivedAt,
      // issue 22: a non-JSON document as received, as base64 (bytea has no JSON form)
      received_body: m.receivedBody ? Buffer.from(m.receivedBody).toString('base64') : null,
      received_media_type: m.receivedMediaType ?? null,
      // issue 26: a sealed payload (the envelope above then holds only its clear attributes)
      payload_ciphertext: m.payloadCiphertext ? Buffer.from(m.payloadCiphertext).toString('base64') : null,
      payload_key: m.payloadKey ? Buffer.from(m.payloadKey).toString('base64') : null,
      payload_kek_id: m.payloadKekId ?? null,
      idem_key: k?.key ?? null,
      request_hash: k?.requestHash ?? null,
      response: k ? response : null,
    })),
  );
  const deliveryRows = JSON.stringify(
    inputs.flatMap((i) =>
      i.deliveries.map((d) => ({
        id: d.id,
        message_id: d.messageId,
        recipient: d.recipient,
        agreement: d.agreement,
        grant_id: d.grant,
        major: d.major,
        fields: d.fields,
        retry: d.retry,
        accept_unsigned_receipt: d.acceptUnsignedReceipt ?? false,
        rate_limit: d.rateLimit ?? null,
        state: d.state,
        next_attempt_at: d.nextAttemptAt,
        created_at: d.createdAt,
        updated_at: d.updatedAt,
      })),
    ),
  );
  const auditRows = JSON.stringify(
    inputs.flatMap((i) =>
      i.audit.map((r) => ({
        message_id: i.message.id,
        actor: r.actor,
        action: r.action,
        subject: r.subject ?? null,
        data: r.data ?? {},
      })),
    ),
  );
  const indexRows = JSON.stringify(inputs.flatMap((i) => (i.index ?? []).map((r) => ({ message_id: i.message.id, kind: r.kind, issuer: r.issuer, value: r.value }))));
  const openRows = JSON.stringify(inputs.flatMap((i) => deadlineOpenRows(i.message.id, i.message.sender, i.deadlines)));
  const answerRows = JSON.stringify(inputs.flatMap((i) => deadlineAnswerRows(i.message.id, i.message.sender, i.deadlines)));
  const originRows = JSON.stringify(inputs.flatMap((i) => (i.origin ? [{ message_id: i.message.id, institution: i.origin.institution, certificate: i.origin.certificate, evidence: i.origin }] : [])));
  const result = await executePrepared(
    db,
    'wasla_commit_messages',
    sql`
    with mi as (
      select * from jsonb_to_recordset(${messageRows}::jsonb) as x(id uuid, sender text, type text, version text, classification text,
        subject text, case_ref text, correlation_id text, causation_id text, envelope text, routing jsonb, received_at timestamptz,
        received_body text, received_media_type text, payload_ciphertext text, payload_key text, payload_kek_id text, idem_key text, request_hash text, response jsonb)),
    k as (
      insert into idempotency_keys (sender, key, request_hash, message_id, response, created_at)
      select sender, idem_key, request_hash, id, response, received_at from mi where idem_key is not null
      on conflict do nothing
      returning message_id),
    m as (
      insert into messages (id, sender, type, version, classification, subject, case_ref, correlation_id, causation_id, envelope, routing, received_at, received_body, received_media_type,
        payload_ciphertext, payload_key, payload_kek_id)
      select id, sender, type, version, classification, subject, case_ref, correlation_id, causation_id, envelope::json, routing, received_at, decode(received_body, 'base64'), received_media_type,
        decode(payload_ciphertext, 'base64'), decode(payload_key, 'base64'), payload_kek_id
      from mi where idem_key is null or id in (select message_id from k)
      returning id),
    d as (
      insert into deliveries (id, message_id, recipient, agreement, grant_id, major, fields, retry, accept_unsigned_receipt, rate_limit, state, next_attempt_at, created_at, updated_at)
      select x.* from jsonb_to_recordset(${deliveryRows}::jsonb) as x(id uuid, message_id uuid, recipient text, agreement text, grant_id text, major int,
        fields jsonb, retry jsonb, accept_unsigned_receipt boolean, rate_limit jsonb, state text, next_attempt_at timestamptz, created_at timestamptz, updated_at timestamptz)
      where x.message_id in (select id from m)),
    o as (
      insert into message_origins (message_id, institution, certificate, evidence)
      select x.* from jsonb_to_recordset(${originRows}::jsonb) as x(message_id uuid, institution text, certificate text, evidence jsonb)
      where x.message_id in (select id from m)),
    a as (${auditInsert({
      actor: sql`x.actor`,
      action: sql`x.action`,
      subject: sql`x.subject`,
      data: sql`x.data`,
      from: sql`from jsonb_to_recordset(${auditRows}::jsonb) as x(message_id uuid, actor text, action text, subject text, data jsonb)
        where x.message_id in (select id from m)`,
    })}),
    ix as (
      insert into case_index (kind, issuer, value, message_id, type, classification)
      select x.kind, x.issuer, x.value, x.message_id, mi.type, mi.classification
      from jsonb_to_recordset(${indexRows}::jsonb) as x(message_id uuid, kind text, issuer text, value text)
      join mi on mi.id = x.message_id
      where x.message_id in (select id from m)),
    -- issue 25: the deadlines this message opens, and those it meets or withdraws, with an audit
    -- entry each. Every CTE sees the snapshot the statement started with: a message never answers
    -- a deadline it opens itself. An answer waits for a clock firing the same row (its lock), then
    -- finds it missed and leaves it so: a deadline is met or missed, never both.
    dopen as (
      insert into deadlines (id, agreement, expectation, kind, correlation_key, case_ref, started_by, classification, notify, state, due_at, warn_at, fire_at, created_at, updated_at)
      select x.id, x.agreement, x.expectation, x.kind, x.correlation_key, x.case_ref, x.started_by, x.classification, x.notify, 'open',
        x.due_at, x.warn_at, coalesce(x.warn_at, x.due_at), now(), now()
      from jsonb_to_recordset(${openRows}::jsonb) as x(id uuid, agreement text, expectation text, kind text, correlation_key text, case_ref text,
        started_by uuid, classification text, notify jsonb, due_at timestamptz, warn_at timestamptz, actor text)
      where x.started_by in (select id from m)
      on conflict do nothing
      returning id, agreement, expectation, started_by, due_at, case_ref),
    dans as (
      update deadlines dl set
        state = case when x.action = 'withdrawn' then 'withdrawn' when x.next_due_at is not null then 'open' else 'met' end,
        due_at = coalesce(x.next_due_at, dl.due_at),
        warn_at = case when x.next_due_at is not null then x.next_warn_at else dl.warn_at end,
        fire_at = case when x.action = 'met' and x.next_due_at is not null then coalesce(x.next_warn_at, x.next_due_at) else dl.fire_at end,
        periods_met = dl.periods_met + case when x.action = 'met' then 1 else 0 end,
        closed_by = x.message_id, updated_at = now()
      from jsonb_to_recordset(${answerRows}::jsonb) as x(message_id uuid, agreement text, expectation text, correlation_key text, action text,
        next_due_at timestamptz, next_warn_at timestamptz, actor text)
      where dl.correlation_key = x.correlation_key and dl.agreement = x.agreement and dl.expectation = x.expectation
        and dl.state in ('open', 'warned') and x.message_id in (select id from m)
      returning dl.id, dl.agreement, dl.expectation, dl.case_ref, dl.due_at, x.message_id, x.action, x.actor),
    da as (${auditInsert({
      actor: sql`e.actor`,
      action: sql`e.action`,
      subject: sql`e.id::text`,
      data: sql`e.data`,
      from: sql`from (
        select o.id, x.actor, 'deadline.opened' as action, jsonb_build_object('agreement', o.agreement, 'expectation', o.expectation,
          'messageId', o.started_by, 'dueAt', o.due_at, 'caseReference', o.case_ref) as data
        from dopen o join jsonb_to_recordset(${openRows}::jsonb) as x(id uuid, actor text) on x.id = o.id
        union all
        select d.id, d.actor, 'deadline.' || d.action, jsonb_build_object('agreement', d.agreement, 'expectation', d.expectation,
          'messageId', d.message_id, 'dueAt', d.due_at, 'caseReference', d.case_ref)
        from dans d) e`,
    })})
    select id from m`,
  );
  const stored = new Set(resultRows<{ id: string }>(result).map((r) => String(r.id)));
  return inputs.map((i) => (stored.has(i.message.id) ? 'stored' : 'taken'));
}

/** One message (see commitMessages); throws IdempotencyRace when its key was taken. */
export async function commitMessage(db: Db, input: CommitInput): Promise<void> {
  const [r] = await commitMessages(db, [input]);
  if (r === 'taken') throw new IdempotencyRace();
}

/** Forget idempotency keys older than the retention (they are kept at least that long). */
export async function purgeIdempotencyKeys(db: Db, olderThanMs: number): Promise<number> {
  const rows = await db.delete(idempotencyKeys).where(sql`${idempotencyKeys.createdAt} < now() - ${olderThanMs} * interval '1 millisecond'`).returning({ key: idempotencyKeys.key });
  return rows.length;
}
