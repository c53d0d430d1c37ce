/**
 * Delivery state transitions. PostgreSQL holds the truth (invariant 2); every transition is one
 * conditional UPDATE so that two workers can never both hold an attempt on one delivery
 * (the claim is atomic) and a worker whose lease has lapsed cannot overwrite a newer state.
 * Every attempt started is on the record (attempt row and audit entry, written with the state
 * change): reported by its worker, or — its lease lapsed — as abandoned by the sweeper. What a
 * recipient answered is untrusted: each text is bounded and made storable here, and each number
 * clamped to its column, so that no answer can make the statement fail (see untrusted.ts).
 */
import { randomUUID } from 'node:crypto';
import { and, asc, eq, inArray, lte, notInArray, sql, type SQL } from 'drizzle-orm';
import { executePrepared, resultRows, type Db } from './db.js';
import { type attempts, deliveries, type DeliveryState } from './schema.js';
import { boundedJson, boundedText, clampInt, INT32_MAX } from '../untrusted.js';
import { auditInsert, type AuditAction } from '../audit/writer.js';
import { openStored, type PayloadVault } from './payload-store.js';
import { PayloadCryptoError } from '../record/errors.js';

export type DeliveryRow = typeof deliveries.$inferSelect;
export type AttemptRow = typeof attempts.$inferSelect;

export interface Claim {
  delivery: DeliveryRow;
  leaseToken: string;
}

export interface ClaimWithMessage extends Claim {
  /**
   * `envelope` as stored: for a sealed message (issue 26) only its clear attributes until
   * `openClaim` has opened `sealed` — the delivery store and the inbox do, before anything reads it
   */
  message: { sender: string; type: string; version: string; envelope: unknown; sealed?: { ciphertext: Buffer; key: Buffer } };
}

const row = (r: Record<string, any>): DeliveryRow => ({
  id: r.id,
  messageId: r.message_id,
  recipient: r.recipient,
  agreement: r.agreement,
  grant: r.grant_id,
  major: r.major,
  fields: r.fields,
  retry: r.retry,
  acceptUnsignedReceipt: r.accept_unsigned_receipt,
  rateLimit: r.rate_limit,
  scheduleOffset: r.schedule_offset,
  givesUpAt: r.gives_up_at === null || r.gives_up_at === undefined ? null : new Date(r.gives_up_at),
  state: r.state,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  leaseToken: r.lease_token,
  leaseUntil: r.lease_until,
  lastError: r.last_error,
  deliveredAt: r.delivered_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/**
 * Claim deliveries — each only if it is due (allowing `earlyMs` of scheduler clock skew) and not
 * held — together with the message each delivers, in one statement for the whole batch: the
 * worker's hot path groups concurrent claims so that one commit serves many. A delivery named
 * twice is claimed once; the caller whose lease token came back holds it. A delivery's first claim
 * (and the first after a replay) sets when it is given up: the longest its retry schedule can take
 * with attempts that time out after `attemptTimeoutMs` (wasla_gives_up_at, migration 0008).
 */
export async function claimMany(db: Db, ids: string[], leaseMs: number, attemptTimeoutMs = 10_000, earlyMs = 1000): Promise<Array<ClaimWithMessage | undefined>> {
  if (ids.length === 0) return [];
  const tokens = ids.map(() => randomUUID());
  // id -> token; a delivery named twice keeps the last token, and only that caller holds it
  const input = JSON.stringify(Object.fromEntries(ids.map((id, i) => [id, tokens[i]])));
  const result = await executePrepared(db, 'wasla_claim_deliveries', claimStatement(input, leaseMs, earlyMs, attemptTimeoutMs));
  const rows = resultRows<Record<string, any>>(result);
  const byToken = new Map(rows.map((r) => [String(r.lease_token), r]));
  return tokens.map((t) => {
    const r = byToken.get(t);
    return r ? claimRow(r) : undefined;
  });
}

/** A claimed delivery row joined with its message (m_sender, m_type, m_version, m_envelope) as a claim. */
export function claimRow(r: Record<string, any>): ClaimWithMessage {
  const envelope = typeof r.m_envelope === 'string' ? JSON.parse(r.m_envelope) : r.m_envelope;
  const sealed = r.m_payload_ciphertext ? { ciphertext: Buffer.from(r.m_payload_ciphertext), key: Buffer.from(r.m_payload_key) } : undefined;
  return {
    delivery: row(r),
    leaseToken: r.lease_token === null ? '' : String(r.lease_token),
    message: { sender: r.m_sender, type: r.m_type, version: r.m_version, envelope, ...(sealed && { sealed }) },
  };
}

/** how long a delivery whose payload does not open waits before it is tried again (a key may be added meanwhile) */
export const UNOPENED_RETRY_MS = 5 * 60_000;

/**
 * Each claim with its payload opened (issue 26). One that does not open — its key not configured
 * here, or the row damaged — is handed back for later without an attempt (`onFail` is told, with an
 * error that names ids only): it never fails the other claims of its batch.
 */
export async function openClaims(
  db: Db,
  vault: PayloadVault | undefined,
  claims: Array<ClaimWithMessage | undefined>,
  onFail: (claim: ClaimWithMessage, err: PayloadCryptoError) => void,
): Promise<Array<ClaimWithMessage | undefined>> {
  return Promise.all(
    claims.map(async (c) => {
      if (!c) return c;
      try {
        return openClaim(c, vault);
      } catch (e) {
        if (!(e instanceof PayloadCryptoError)) throw e;
        onFail(c, e);
        await deferDelivery(db, c, UNOPENED_RETRY_MS, `the payload does not open (${e.code})`).catch(() => {});
        return undefined;
      }
    }),
  );
}

/** the message columns a claim selects beside the delivery row */
export const CLAIM_MESSAGE_COLUMNS = sql.raw(
  'm.sender as m_sender, m.type as m_type, m.version as m_version, m.envelope as m_envelope, m.payload_ciphertext as m_payload_ciphertext, m.payload_key as m_payload_key',
);

/**
 * The claim with its message's envelope opened (issue 26): the same claim when it was stored in
 * clear. Throws PayloadCryptoError (ids only) when it does not open; nothing else reads `sealed`.
 */
export function openClaim(claim: ClaimWithMessage, vault: PayloadVault | undefined): ClaimWithMessage {
  const s = claim.message.sealed;
  if (!s) return claim;
  const { envelope } = openStored({ id: claim.delivery.messageId, classification: '', envelope: claim.message.envelope, payloadCiphertext: s.ciphertext, payloadKey: s.key }, vault);
  const { sealed: _, ...message } = claim.message;
  return { ...claim, message: { ...message, envelope } };
}

/**
 * The claim statement for `claimMany` (exported for the plan test); `input` is the JSON object
 * delivery id -> lease token. The rows are found by primary key alone; whether each is due is
 * tested per row (`(...) is true` is not an index condition). Left to the planner, that test
 * chose the due index or a bitmap AND with the state index, visiting every due delivery of every
 * recipient (~2 ms a claim with a backlog of 4k, against 0.3 ms). With only the primary key
 * usable, the statement can also be prepared: its generic plan is the same.
 */
export function claimStatement(input: string, leaseMs: number, earlyMs: number, attemptTimeoutMs = 10_000): SQL {
  return sql`
    with c as (
      update deliveries d set state = 'in_flight', attempts = d.attempts + 1, lease_token = (${input}::jsonb ->> d.id::text)::uuid,
        lease_until = now() + ${leaseMs} * interval '1 millisecond', updated_at = now(),
        gives_up_at = coalesce(d.gives_up_at, wasla_gives_up_at(d.retry, ${attemptTimeoutMs}))
      where d.id = any(array(select jsonb_object_keys(${input}::jsonb)::uuid))
        and (d.state in ('pending', 'retrying') and d.next_attempt_at <= now() + ${earlyMs} * interval '1 millisecond') is true
      returning d.*
    )
    select c.*, ${CLAIM_MESSAGE_COLUMNS}
    from c join messages m on m.id = c.message_id`;
}

/** One delivery's claim (see claimMany). */
export async function claimWithMessage(db: Db, id: string, leaseMs: number, attemptTimeoutMs = 10_000): Promise<ClaimWithMessage | undefined> {
  return (await claimMany(db, [id], leaseMs, attemptTimeoutMs))[0];
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

/** an attempt's error (and the delivery's last error) is cut to this many characters */
export const MAX_ERROR_CHARS = 2000;
const RECEIPT_BOUNDS = { maxString: 4096, maxDepth: 8, maxNodes: 200 };

/** One attempt as the record statement takes it: every text bounded and storable, every number in its column's range. */
function attemptInput(claim: Claim, o: AttemptOutcome) {
  const d = claim.delivery;
  const next: DeliveryState = o.outcome === 'delivered' ? 'delivered' : o.outcome === 'dead' ? 'dead' : 'retrying';
  const status = o.statusCode === undefined || o.statusCode === null ? null : clampInt(o.statusCode, 0, 999);
  const error = o.error === undefined || o.error === null ? null : boundedText(o.error, MAX_ERROR_CHARS);
  const worker = boundedText(o.worker, 200);
  return {
    id: d.id,
    token: claim.leaseToken,
    next,
    retry_ms: clampInt(o.retryInMs ?? 0, 0, INT32_MAX),
    last_error: o.outcome === 'delivered' ? null : (error ?? `HTTP ${status}`),
    number: clampInt(d.attempts, 0, INT32_MAX),
    started_at: o.startedAt,
    duration_ms: clampInt(o.durationMs, 0, INT32_MAX),
    status_code: status,
    outcome: o.outcome,
    error,
    receipt: o.receipt === undefined ? null : boundedJson(o.receipt, RECEIPT_BOUNDS),
    worker,
    audit: { messageId: d.messageId, recipient: d.recipient, attempt: d.attempts, outcome: o.outcome, status, error },
  };
}

/**
 * Record attempts and move their deliveries on — state change, attempt row and audit entry for each
 * — in one statement for the whole batch (atomic, one commit). Each result is the delivery's new
 * state, or undefined when its lease was lost and only the attempt itself was recorded. A success
 * is written over a lapsed lease too (the receipt proves delivery), and "delivered" only once.
 * What the recipient answered cannot make the statement fail (see attemptInput); should it fail
 * for another reason, the caller records the batch's attempts one by one (workers/attempt-recorder.ts).
 */
export async function recordAttempts(db: Db, items: Array<{ claim: Claim; outcome: AttemptOutcome }>): Promise<Array<DeliveryState | undefined>> {
  if (items.length === 0) return [];
  const input = JSON.stringify(items.map(({ claim, outcome }) => attemptInput(claim, outcome)));
  const result = await executePrepared(
    db,
    'wasla_record_attempts',
    sql`
    with v as (
      select * from jsonb_to_recordset(${input}::jsonb) as x(id uuid, token uuid, next text, retry_ms int, last_error text, number int,
        started_at timestamptz, duration_ms int, status_code int, outcome text, error text, receipt jsonb, worker text, audit jsonb)),
    u as (
      update deliveries d set state = v.next, lease_token = null, lease_until = null, updated_at = now(), last_error = v.last_error,
        -- never past the deadline, wherever the worker's clock stood (least() passes over a null)
        next_attempt_at = case when v.next = 'retrying' then least(now() + v.retry_ms * interval '1 millisecond', d.gives_up_at) else null end,
        delivered_at = case when v.next = 'delivered' then now() else null end
      from v
      where d.id = any(array(select id from v)) and d.id = v.id and (d.lease_token = v.token or (v.next = 'delivered' and d.state in ('pending', 'retrying')))
      returning d.id, d.state),
    t as (
      insert into attempts (delivery_id, number, started_at, duration_ms, status_code, outcome, error, receipt, worker)
      select v.id, v.number, v.started_at, v.duration_ms, v.status_code,
        case when exists (select 1 from u where u.id = v.id) then v.outcome else v.outcome || ' (lease lost)' end,
        v.error, case when v.receipt = 'null'::jsonb then null else v.receipt end, v.worker
      from v),
    a as (${auditInsert({
      actor: sql`'worker:' || v.worker`,
      action: 'delivery.attempt',
      subject: sql`v.id::text`,
      data: sql`v.audit || jsonb_build_object('leaseLost', not exists (select 1 from u where u.id = v.id))`,
      from: sql`from v`,
    })})
    select id, state from u`,
  );
  const rows = resultRows<{ id: string; state: DeliveryState }>(result);
  const states = new Map(rows.map((r) => [String(r.id), r.state]));
  return items.map(({ claim }) => states.get(claim.delivery.id));
}

/** One attempt's record (see recordAttempts). */
export async function recordAttempt(db: Db, claim: Claim, o: AttemptOutcome): Promise<DeliveryState | undefined> {
  return (await recordAttempts(db, [{ claim, outcome: o }]))[0];
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
      nextAttemptAt: sql`least(now() + ${clampInt(delayMs, 0, INT32_MAX)} * interval '1 millisecond', ${deliveries.givesUpAt})`,
      lastError: boundedText(reason, MAX_ERROR_CHARS),
      updatedAt: sql`now()`,
    })
    .where(and(eq(deliveries.id, claim.delivery.id), eq(deliveries.leaseToken, claim.leaseToken)))
    .returning({ id: deliveries.id });
  return rows.length > 0;
}

/**
 * End a claimed delivery without an attempt — nothing was sent: it is dead with `reason`, its
 * attempt count given back, and the audit entry `action` written in the same statement. False
 * when the lease was lost meanwhile (then nothing is written).
 */
export async function endUnattempted(db: Db, claim: Claim, reason: string, action: AuditAction, actor: string): Promise<boolean> {
  const why = boundedText(reason, MAX_ERROR_CHARS);
  const result = await db.execute(sql`
    with u as (
      update deliveries set state = 'dead', attempts = attempts - 1, lease_token = null, lease_until = null, next_attempt_at = null,
        last_error = ${why}, updated_at = now()
      where id = ${claim.delivery.id} and lease_token = ${claim.leaseToken}
      returning id, message_id, recipient, attempts),
    a as (${auditInsert({
      actor: sql`${actor}::text`,
      action,
      subject: sql`u.id::text`,
      data: sql`jsonb_build_object('messageId', u.message_id, 'recipient', u.recipient, 'attempts', u.attempts, 'reason', ${why}::text)`,
      from: sql`from u`,
    })})
    select id from u`);
  return resultRows(result).length > 0;
}

/** what an abandoned attempt's record says */
export const LEASE_LAPSED = 'lease lapsed: the attempt did not report back';

/**
 * Return deliveries whose lease lapsed (a worker killed or stalled mid-attempt) to due, and put the
 * attempt each had started on the record — an attempt row with outcome `abandoned` and its audit
 * entry — in the same statement, so that the attempts a delivery counts are the attempts it has
 * rows for. Rows another sweeper is returning at the same moment are skipped, not recorded twice.
 */
export async function releaseExpiredLeases(db: Db, actor = 'sweeper'): Promise<string[]> {
  const result = await db.execute(sql`
    with lapsed as (
      select id, message_id, recipient, attempts, updated_at as claimed_at from deliveries
      where state = 'in_flight' and lease_until < now()
      for update skip locked),
    u as (
      update deliveries d set state = 'retrying', lease_token = null, lease_until = null, next_attempt_at = now(),
        last_error = ${LEASE_LAPSED}, updated_at = now()
      from lapsed where d.id = lapsed.id
      returning d.id),
    t as (
      insert into attempts (delivery_id, number, started_at, duration_ms, status_code, outcome, error, receipt, worker)
      select l.id, l.attempts, l.claimed_at, least(${INT32_MAX}, greatest(0, extract(epoch from now() - l.claimed_at) * 1000))::int,
        null, 'abandoned', ${LEASE_LAPSED}, null, ${actor}
      from lapsed l),
    a as (${auditInsert({
      actor: sql`${actor}::text`,
      action: 'delivery.attempt',
      subject: sql`l.id::text`,
      data: sql`jsonb_build_object('messageId', l.message_id, 'recipient', l.recipient, 'attempt', l.attempts, 'outcome', 'abandoned',
        'status', null, 'error', ${LEASE_LAPSED}::text, 'leaseLost', true)`,
      from: sql`from lapsed l`,
    })})
    select id from u`);
  return resultRows<{ id: string }>(result).map((r) => String(r.id));
}

export interface DueDelivery {
  id: string;
  attempts: number;
  recipient: string;
  /** how long past due, in ms */
  overdueMs: number;
}

/**
 * Deliveries due at least `graceMs` ago: the ones a lost or never-made job should have taken. The
 * deliveries of `exclude` (institutions that pull theirs from the inbox, issue 22) wait for their
 * recipient, not for a job, and are left out.
 */
export async function findDue(db: Db, graceMs: number, limit: number, exclude: readonly string[] = []): Promise<DueDelivery[]> {
  return db
    .select({
      id: deliveries.id,
      attempts: deliveries.attempts,
      recipient: deliveries.recipient,
      overdueMs: sql<number>`(extract(epoch from now() - ${deliveries.nextAttemptAt}) * 1000)::int`,
    })
    .from(deliveries)
    .where(
      and(
        inArray(deliveries.state, ['pending', 'retrying']),
        lte(deliveries.nextAttemptAt, sql`now() - ${graceMs} * interval '1 millisecond'`),
        exclude.length ? notInArray(deliveries.recipient, [...exclude]) : undefined,
      ),
    )
    .orderBy(asc(deliveries.nextAttemptAt))
    .limit(limit);
}

export interface WaitingDeliveries {
  recipient: string;
  /** pending, in flight or retrying */
  waiting: number;
  /** the oldest of them: when it was created */
  oldestCreatedAt: Date;
}

/**
 * Per recipient, the deliveries not yet delivered nor dead, and the age of the oldest: what lets
 * operators see a recipient whose deliveries wait (store and forward, a breaker open) however long.
 * It reads the open deliveries only, through the (state, recipient) index and their rows.
 */
export async function waitingByRecipient(db: Db): Promise<WaitingDeliveries[]> {
  const rows = await db
    .select({ recipient: deliveries.recipient, waiting: sql<number>`count(*)::int`, oldest: sql<unknown>`min(${deliveries.createdAt})` })
    .from(deliveries)
    .where(inArray(deliveries.state, ['pending', 'in_flight', 'retrying']))
    .groupBy(deliveries.recipient);
  return rows.map((r) => ({ recipient: r.recipient, waiting: Number(r.waiting), oldestCreatedAt: new Date(r.oldest as string | Date) }));
}

/** the states a delivery can still leave (dead ones by an operator's replay) */
const OPEN_STATES = ['pending', 'in_flight', 'retrying', 'dead'] as const;
export type OpenState = (typeof OPEN_STATES)[number];

/**
 * Deliveries per state, except the delivered: those are nearly every row, and counting them read
 * the whole (state, recipient) index at every metrics scrape (60 ms a million rows here, without
 * bound as the table grows). The open ones are few in a healthy hub — bounded by the backlog flow
 * control allows, by the worker slots and by the dead not yet replayed — and are counted through
 * that index alone.
 */
export async function countOpenByState(db: Db): Promise<Record<OpenState, number>> {
  const rows = await db
    .select({ state: deliveries.state, n: sql<number>`count(*)::int` })
    .from(deliveries)
    .where(inArray(deliveries.state, [...OPEN_STATES]))
    .groupBy(deliveries.state);
  const out = Object.fromEntries(OPEN_STATES.map((s) => [s, 0])) as Record<OpenState, number>;
  for (const r of rows) out[r.state as OpenState] = Number(r.n);
  return out;
}

/**
 * Deliveries due and untaken for each of these recipients: the backlog intake's flow control
 * watches. Each recipient's count stops at `cap`, so a read costs at most `cap` index entries a
 * recipient and state, and one recipient's huge backlog neither makes the read slow nor hides
 * another's (a cap over all recipients together did both). A recipient with nothing due is left
 * out. The statement is the function wasla_due_backlog (migration 0007), which pins its plan to
 * deliveries_state_recipient_idx: left to the planner on a live table, whose pages are not
 * all-visible, the count walked the partial index of due deliveries over all recipients, ~20 ms
 * a read under load and 100,000 rows fetched a second, more than all the hub's other statements.
 */
export async function dueBacklog(db: Db, recipients: readonly string[], cap: number): Promise<Map<string, number>> {
  if (recipients.length === 0) return new Map();
  const result = await db.execute(sql`select recipient, n from wasla_due_backlog(${JSON.stringify(recipients)}::jsonb, ${cap})`);
  const rows = resultRows<{ recipient: string; n: number }>(result);
  return new Map(rows.filter((r) => Number(r.n) > 0).map((r) => [r.recipient, Number(r.n)]));
}
