/**
 * The database schema (drizzle, PostgreSQL dialect). PostgreSQL is the source of truth for
 * delivery state (invariant 2); one migrations folder serves the server and PGlite.
 */
import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, customType, index, integer, json, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

export const DELIVERY_STATES = ['pending', 'in_flight', 'delivered', 'retrying', 'dead'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });
/** PostgreSQL's 64-bit transaction id, which drizzle has no column type for; read as text */
const xid8 = customType<{ data: string; driverData: string }>({ dataType: () => 'xid8' });

export const messages = pgTable(
  'messages',
  {
    id: uuid('id').primaryKey(),
    sender: text('sender').notNull(),
    type: text('type').notNull(),
    version: text('version').notNull(),
    classification: text('classification').notNull(),
    subject: text('subject'),
    caseRef: text('case_ref'),
    correlationId: text('correlation_id'),
    causationId: text('causation_id'),
    /**
     * the envelope as the hub stores and forwards it: hub-assigned id, verified source. `json`, not
     * `jsonb`: the data keeps the sender's field order and spelling byte for byte.
     */
    envelope: json('envelope').notNull(),
    /** the routing decision: each recipient and the agreement and grant that entitled it */
    routing: jsonb('routing').notNull(),
    receivedAt: ts('received_at').notNull(),
    /**
     * issue 22: the document exactly as received, when the sender sent another format than the
     * JSON envelope (an XML document): evidence of what was signed, beside the canonical envelope
     * the hub made of it. Null for JSON, whose envelope column is the sender's own.
     */
    receivedBody: bytea('received_body'),
    /** the Content-Type it came with (its dataschema parameter included) */
    receivedMediaType: text('received_media_type'),
    /**
     * issue 26: a confidential payload at rest (store/payload-store.ts). The whole envelope and the
     * received document, encrypted under a data key of their own; `envelope` then keeps only the
     * non-confidential attributes and `received_body` is null. Null for a payload stored in clear.
     */
    payloadCiphertext: bytea('payload_ciphertext'),
    /** the data key, wrapped by the key-encryption key `payload_kek_id`: rewritten by a rotation */
    payloadKey: bytea('payload_key'),
    /** the id of the key-encryption key that wraps `payload_key` (to find what to rewrap) */
    payloadKekId: text('payload_kek_id'),
    /**
     * issue 26.7: when retention purged the payload (envelope `data`, `received_body`); the row, the
     * envelope's attributes, deliveries, attempts, evidence of origin and audit entries stay
     */
    purgedAt: ts('purged_at'),
  },
  (t) => [
    index('messages_sender_received_idx').on(t.sender, t.receivedAt),
    index('messages_type_received_idx').on(t.type, t.receivedAt),
    // only encrypted rows: the rewrap job and `payload-keys status` count and walk them by KEK id
    index('messages_payload_kek_idx').on(t.payloadKekId, t.id).where(sql`payload_kek_id is not null`),
    // issue 26: juvenile and gbv messages still in clear (stored before 0016), for the backfill that seals them; empty once it is done
    index('messages_unsealed_confidential_idx').on(t.id).where(sql`payload_ciphertext is null and purged_at is null and classification in ('juvenile', 'gbv')`),
    // issue 29: retention walks only what it has not purged yet, in the order it purges; built
    // CONCURRENTLY after the migrations (store/online-indexes.ts), so the hub upgrades live
    index('messages_unpurged_type_received_idx').on(t.type, t.receivedAt, t.id).where(sql`purged_at is null`),
  ],
);

export const deliveries = pgTable(
  'deliveries',
  {
    id: uuid('id').primaryKey(),
    messageId: uuid('message_id')
      .notNull()
      .references(() => messages.id),
    recipient: text('recipient').notNull(),
    agreement: text('agreement').notNull(),
    grant: text('grant_id').notNull(),
    major: integer('major').notNull(),
    fields: jsonb('fields').notNull(),
    retry: jsonb('retry').notNull(),
    acceptUnsignedReceipt: boolean('accept_unsigned_receipt').notNull().default(false),
    /** the grant's per-recipient rate limit, if any */
    rateLimit: jsonb('rate_limit'),
    /** attempts made before the last replay: the retry schedule restarts from here */
    scheduleOffset: integer('schedule_offset').notNull().default(0),
    /**
     * when the delivery is given up (issue 20): set by its first claim (and the first after a replay)
     * to the longest its retry schedule can take — every delay at its longest with jitter, plus an
     * attempt timeout for each attempt. Null before that, and always under store and forward.
     */
    givesUpAt: ts('gives_up_at'),
    state: text('state').$type<DeliveryState>().notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ts('next_attempt_at'),
    /** who holds the attempt now and until when; a stale holder cannot record over a newer one */
    leaseToken: uuid('lease_token'),
    leaseUntil: ts('lease_until'),
    lastError: text('last_error'),
    deliveredAt: ts('delivered_at'),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    // invariant 3: one (message, recipient) pair has exactly one delivery row
    uniqueIndex('deliveries_message_recipient_uq').on(t.messageId, t.recipient),
    index('deliveries_due_idx').on(t.nextAttemptAt).where(sql`state in ('pending', 'retrying')`),
    index('deliveries_lease_idx').on(t.leaseUntil).where(sql`state = 'in_flight'`),
    // next_attempt_at too: flow control counts each recipient's due deliveries, up to a cap, without
    // reading other recipients' or those due later (a paused recipient's deferred deliveries). No
    // extra index write: an update that changes next_attempt_at (indexed in deliveries_due_idx) is
    // never HOT, so it wrote this index already
    index('deliveries_state_recipient_idx').on(t.state, t.recipient, t.nextAttemptAt),
  ],
);

export const attempts = pgTable(
  'attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    deliveryId: uuid('delivery_id')
      .notNull()
      .references(() => deliveries.id),
    number: integer('number').notNull(),
    startedAt: ts('started_at').notNull(),
    durationMs: integer('duration_ms').notNull(),
    statusCode: integer('status_code'),
    /** delivered | retry | dead */
    outcome: text('outcome').notNull(),
    error: text('error'),
    receipt: jsonb('receipt'),
    worker: text('worker').notNull(),
  },
  (t) => [index('attempts_delivery_idx').on(t.deliveryId, t.number)],
);

/** Idempotent intake (invariant 4): same sender + key + body answers the same, stores nothing new. */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    sender: text('sender').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    messageId: uuid('message_id')
      .notNull()
      .references(() => messages.id),
    response: jsonb('response').notNull(),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.sender, t.key] }), index('idempotency_created_idx').on(t.createdAt)],
);

/**
 * Hash-chained audit log (invariant 7). Writers append an entry in the same transaction as the
 * change it records; `tx` is that transaction's id. A single sealer then chains the committed
 * entries in (tx, id) order and writes one `audit_seals` row for each batch — the entries
 * themselves are never updated. Sealing apart from writing keeps the chain's serial step off every
 * intake and attempt transaction.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /**
     * the appending transaction (`pg_current_xact_id()`): once every transaction below a number has
     * ended, no entry below it can still appear, so the sealer takes entries in this order up to
     * there and never skips one whose transaction commits late
     */
    tx: xid8('tx').notNull().default(sql`pg_current_xact_id()`),
    at: ts('at').notNull(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    subject: text('subject'),
    data: jsonb('data').notNull(),
    /**
     * Legacy: entries sealed before migration 0005 carry their chain link here (their `tx` is 0);
     * the chain continues from the last of them into `audit_seals`. Null for every later entry.
     */
    seq: bigint('seq', { mode: 'number' }),
    prevHash: text('prev_hash'),
    hash: text('hash'),
  },
  (t) => [uniqueIndex('audit_log_seq_uq').on(t.seq).where(sql`seq is not null`), index('audit_log_tx_id_idx').on(t.tx, t.id), index('audit_log_action_idx').on(t.action)],
);

/**
 * One row per sealing pass: the entries after the previous seal's (tx, id) up to its own, in that
 * order, numbered on from `first_seq` without a gap; `hashes` holds each entry's chain hash
 * H(previous hash, entry) as 32 bytes, so a verifier names the first altered or missing entry.
 */
export const auditSeals = pgTable('audit_seals', {
  /** 1, 2, 3, ... */
  seal: bigint('seal', { mode: 'number' }).primaryKey(),
  firstSeq: bigint('first_seq', { mode: 'number' }).notNull(),
  /** the range sealed: entries with (tx, id) above `after` and up to `upto` */
  afterTx: xid8('after_tx').notNull(),
  afterId: bigint('after_id', { mode: 'number' }).notNull(),
  uptoTx: xid8('upto_tx').notNull(),
  uptoId: bigint('upto_id', { mode: 'number' }).notNull(),
  entryIds: bigint('entry_ids', { mode: 'number' }).array().notNull(),
  hashes: bytea('hashes').notNull(),
  /** the hash the first entry chains from (the previous seal's head), and the last entry's */
  prevHash: text('prev_hash').notNull(),
  headHash: text('head_hash').notNull(),
  sealedAt: ts('sealed_at').notNull().defaultNow(),
  /**
   * the hub's signature over the seal statement (issue 26; record/bundle.ts, `wasla-audit-seal/1`):
   * `{keyid, alg, value}`; null until the sealer has signed it, and for seals made before signing
   */
  signature: jsonb('signature'),
});

/** Institution and hub certificates issued by the federation CA (issue 3). */
export const certificates = pgTable(
  'certificates',
  {
    serial: text('serial').primaryKey(),
    institutionId: text('institution_id').notNull(),
    pem: text('pem').notNull(),
    fingerprint: text('fingerprint').notNull(),
    notBefore: ts('not_before').notNull(),
    notAfter: ts('not_after').notNull(),
    revokedAt: ts('revoked_at'),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [index('certificates_institution_idx').on(t.institutionId)],
);

/**
 * Request signatures the replay guard has accepted, in the database (issue 19.4): the embedded
 * hub's guard, so that a signed request captured before a restart is still refused after it.
 * Kept until `expires_at` (the signature's validity window), then purged.
 */
export const replaySignatures = pgTable(
  'replay_signatures',
  {
    /** signatureFingerprint: sha-256 hex of the signature bytes (ECDSA normalised to low-s) */
    hash: text('hash').primaryKey(),
    expiresAt: ts('expires_at').notNull(),
  },
  (t) => [index('replay_signatures_expires_idx').on(t.expiresAt)],
);

// issue 23: banks, statements and reconciliation

/**
 * The payouts the hub instructed a bank to make (alimony.payout-instruction delivered through the
 * iso20022 adapter), one row per EndToEndId at that bank, and what reconciliation made of each.
 * Amounts are exact decimal strings, never floats. Filled from the delivered instructions when the
 * bank's statement arrives; `state` moves only by reconciliation (and the unmatched sweep).
 */
export const bankPayouts = pgTable(
  'bank_payouts',
  {
    bank: text('bank').notNull(),
    endToEndId: text('end_to_end_id').notNull(),
    messageId: uuid('message_id').notNull(),
    sender: text('sender').notNull(),
    orderNumber: text('order_number'),
    instructionId: text('instruction_id'),
    caseRef: text('case_ref'),
    amount: text('amount').notNull(),
    currency: text('currency').notNull(),
    creditorIban: text('creditor_iban').notNull(),
    requestedExecutionDate: text('requested_execution_date').notNull(),
    /** open | paid | partially-paid | returned | rejected | unmatched */
    state: text('state').notNull().default('open'),
    settled: text('settled').notNull().default('0'),
    returnReason: text('return_reason'),
    /** the bank_statements row that last changed the state */
    lastStatement: uuid('last_statement'),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.bank, t.endToEndId] }), index('bank_payouts_state_idx').on(t.bank, t.state)],
);

/** Each camt.053 statement or camt.054 notification received, once per bank and statement identity. */
export const bankStatements = pgTable(
  'bank_statements',
  {
    id: uuid('id').primaryKey(),
    bank: text('bank').notNull(),
    /** statementIdentity(): account, statement id, sequence, creation time (not the message id) */
    identity: text('identity').notNull(),
    statementId: text('statement_id').notNull(),
    messageId: text('message_id').notNull(),
    kind: text('kind').notNull(),
    version: text('version').notNull(),
    account: text('account').notNull(),
    receivedAt: ts('received_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('bank_statements_identity_idx').on(t.bank, t.identity), index('bank_statements_received_idx').on(t.receivedAt)],
);

/** Every booking a bank reported, once per bank and entry identity (a camt.054 entry repeated in the camt.053 counts once). */
export const bankEntries = pgTable(
  'bank_entries',
  {
    bank: text('bank').notNull(),
    identity: text('identity').notNull(),
    statement: uuid('statement').notNull(),
    entryIndex: integer('entry_index').notNull(),
    amount: text('amount').notNull(),
    currency: text('currency').notNull(),
    creditDebit: text('credit_debit').notNull(),
    status: text('status').notNull(),
    reversal: boolean('reversal').notNull(),
    bookingDate: text('booking_date'),
    valueDate: text('value_date'),
    reference: text('reference'),
  },
  (t) => [primaryKey({ columns: [t.bank, t.identity] }), index('bank_entries_statement_idx').on(t.statement)],
);

/** What reconciling one statement concluded: totals declared and computed, balance checks, payouts, unmatched entries. */
export const bankReconciliations = pgTable(
  'bank_reconciliations',
  {
    statement: uuid('statement').primaryKey(),
    bank: text('bank').notNull(),
    /** the institutions whose accounts the statement is about (need to know) */
    holder: text('holder').notNull(),
    statementId: text('statement_id').notNull(),
    unmatched: integer('unmatched').notNull(),
    flagged: boolean('flagged').notNull(),
    result: jsonb('result').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('bank_reconciliations_created_idx').on(t.createdAt)],
);

/**
 * The case index (issue 24): one row per distinct key (kind, issuer, value) a message's schema
 * declares (`x-wasla-index`), written in the intake statement that stores the message. Values are in
 * normal form; national ids and names are HMAC-keyed with the hub's index secret, never in clear.
 * The message's type and effective classification are copied beside each key so that every lookup
 * filters on them in the index itself, without reading `messages`.
 */
export const caseIndex = pgTable(
  'case_index',
  {
    kind: text('kind').notNull(),
    /** '' when the payload names no issuer */
    issuer: text('issuer').notNull().default(''),
    value: text('value').notNull(),
    messageId: uuid('message_id')
      .notNull()
      .references(() => messages.id, { onDelete: 'cascade' }),
    type: text('type').notNull(),
    classification: text('classification').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.kind, t.value, t.issuer, t.messageId] }),
    // a caller's own records, in page order
    index('case_index_by_issuer').on(t.kind, t.issuer, t.value),
    // the keys of a message
    index('case_index_by_message').on(t.messageId),
  ],
);

// issue 25: deadlines
export const DEADLINE_STATES = ['open', 'warned', 'met', 'missed', 'withdrawn'] as const;
export type DeadlineState = (typeof DEADLINE_STATES)[number];

/**
 * Deadlines the hub watches (issue 25): opened by a message an agreement's expectation names, in
 * the statement that commits it; met or withdrawn in the statement that commits the answer; warned
 * and missed by the deadline clock (workers/deadline-clock.ts), which claims due rows with
 * FOR UPDATE SKIP LOCKED so each event fires once across any number of workers.
 */
export const deadlines = pgTable(
  'deadlines',
  {
    id: uuid('id').primaryKey(),
    agreement: text('agreement').notNull(),
    expectation: text('expectation').notNull(),
    /** within | by | every */
    kind: text('kind').notNull(),
    /** what the answer must carry to meet it: the case reference, correlation id or field value */
    correlationKey: text('correlation_key').notNull(),
    caseRef: text('case_ref'),
    /** the message that started the clock: the causation of every alert */
    startedBy: uuid('started_by')
      .notNull()
      .references(() => messages.id),
    /** the starting message's class, which its alerts inherit */
    classification: text('classification').notNull(),
    /** the institutions told */
    notify: jsonb('notify').notNull(),
    state: text('state').$type<DeadlineState>().notNull(),
    dueAt: ts('due_at').notNull(),
    warnAt: ts('warn_at'),
    /** when the clock must next look: the warning time until warned, then the due time */
    fireAt: ts('fire_at').notNull(),
    /** periods met (an `every` deadline) */
    periodsMet: integer('periods_met').notNull().default(0),
    /** periods missed (an `every` deadline stays open after a miss) */
    periodsMissed: integer('periods_missed').notNull().default(0),
    /** the message that met or withdrew it last */
    closedBy: uuid('closed_by'),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    // one deadline per (message, expectation): a message committed once opens it once
    uniqueIndex('deadlines_started_uq').on(t.startedBy, t.agreement, t.expectation),
    // the clock reads only what is due: cost in proportion to what is due, not to what is open
    index('deadlines_fire_idx').on(t.fireAt).where(sql`state in ('open', 'warned')`),
    // an answer finds its deadlines by key
    index('deadlines_key_idx').on(t.correlationKey, t.agreement, t.expectation).where(sql`state in ('open', 'warned')`),
    index('deadlines_case_idx').on(t.caseRef),
  ],
);

/**
 * Evidence of origin (issue 26; record/origin.ts): what the hub keeps of an institution's signed
 * request — the covered header fields, Signature-Input and Signature, the target URI, the body's
 * hash — so that anyone can prove later, offline, that this institution sent this message. One row
 * per message received with a signature; written in the statement that commits the message.
 */
export const messageOrigins = pgTable('message_origins', {
  messageId: uuid('message_id')
    .primaryKey()
    .references(() => messages.id, { onDelete: 'cascade' }),
  /** the institution whose certificate signed, and that certificate's serial (lowercase hex) */
  institution: text('institution').notNull(),
  certificate: text('certificate').notNull(),
  /** the OriginEvidence document (format wasla-origin/1) */
  evidence: jsonb('evidence').notNull(),
});

/**
 * Legal holds (issue 26.7): while a hold on a case is in force (`lifted_at` null), retention purges
 * no payload of a message of that case. A lifted hold stays as the record of who held what, when
 * and why. `case_value` is the reference in the case index's normal form (queries/index-keys.ts).
 */
export const legalHolds = pgTable(
  'legal_holds',
  {
    id: uuid('id').primaryKey(),
    /** the institution that issued the case reference (a court, the prosecution) */
    issuer: text('issuer').notNull(),
    /** the case reference as the admin gave it */
    caseRef: text('case_ref').notNull(),
    caseValue: text('case_value').notNull(),
    reason: text('reason').notNull(),
    placedBy: text('placed_by').notNull(),
    placedAt: ts('placed_at').notNull(),
    liftedBy: text('lifted_by'),
    liftedAt: ts('lifted_at'),
    liftReason: text('lift_reason'),
  },
  // one hold in force per case: placing it twice is answered with the one in force
  (t) => [uniqueIndex('legal_holds_active_uq').on(t.issuer, t.caseValue).where(sql`lifted_at is null`)],
);
