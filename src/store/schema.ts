/**
 * The database schema (drizzle, PostgreSQL dialect). PostgreSQL is the source of truth for
 * delivery state (invariant 2); one migrations folder serves the server and PGlite.
 */
import { sql } from 'drizzle-orm';
import {
  bigint, bigserial, boolean, index, integer, json, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid,
} from 'drizzle-orm/pg-core';

export const DELIVERY_STATES = ['pending', 'in_flight', 'delivered', 'retrying', 'dead'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const messages = pgTable('messages', {
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
}, (t) => [
  index('messages_sender_received_idx').on(t.sender, t.receivedAt),
  index('messages_type_received_idx').on(t.type, t.receivedAt),
]);

export const deliveries = pgTable('deliveries', {
  id: uuid('id').primaryKey(),
  messageId: uuid('message_id').notNull().references(() => messages.id),
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
}, (t) => [
  // invariant 3: one (message, recipient) pair has exactly one delivery row
  uniqueIndex('deliveries_message_recipient_uq').on(t.messageId, t.recipient),
  index('deliveries_due_idx').on(t.nextAttemptAt).where(sql`state in ('pending', 'retrying')`),
  index('deliveries_lease_idx').on(t.leaseUntil).where(sql`state = 'in_flight'`),
  index('deliveries_state_recipient_idx').on(t.state, t.recipient),
]);

export const attempts = pgTable('attempts', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  deliveryId: uuid('delivery_id').notNull().references(() => deliveries.id),
  number: integer('number').notNull(),
  startedAt: ts('started_at').notNull(),
  durationMs: integer('duration_ms').notNull(),
  statusCode: integer('status_code'),
  /** delivered | retry | dead */
  outcome: text('outcome').notNull(),
  error: text('error'),
  receipt: jsonb('receipt'),
  worker: text('worker').notNull(),
}, (t) => [index('attempts_delivery_idx').on(t.deliveryId, t.number)]);

/** Idempotent intake (invariant 4): same sender + key + body answers the same, stores nothing new. */
export const idempotencyKeys = pgTable('idempotency_keys', {
  sender: text('sender').notNull(),
  key: text('key').notNull(),
  requestHash: text('request_hash').notNull(),
  messageId: uuid('message_id').notNull().references(() => messages.id),
  response: jsonb('response').notNull(),
  createdAt: ts('created_at').notNull(),
}, (t) => [primaryKey({ columns: [t.sender, t.key] }), index('idempotency_created_idx').on(t.createdAt)]);

/**
 * Hash-chained audit log (invariant 7). Writers append an entry in the same transaction as the
 * change it records (`id` orders appends); a single sealer then gives each entry its place in the
 * chain: a gap-free `seq` and hash = H(prev_hash, entry). Sealing apart from writing keeps the
 * chain's serial step off every intake and attempt transaction.
 */
export const auditLog = pgTable('audit_log', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  /** null until sealed */
  seq: bigint('seq', { mode: 'number' }),
  at: ts('at').notNull(),
  actor: text('actor').notNull(),
  action: text('action').notNull(),
  subject: text('subject'),
  data: jsonb('data').notNull(),
  prevHash: text('prev_hash'),
  hash: text('hash'),
}, (t) => [
  // partial: an entry waits unsealed with seq null, and a null in this index would be one more
  // entry to write on append and to skip on every scan
  uniqueIndex('audit_log_seq_uq').on(t.seq).where(sql`seq is not null`),
  index('audit_log_unsealed_idx').on(t.id).where(sql`seq is null`),
  index('audit_log_action_idx').on(t.action),
]);

/** Institution and hub certificates issued by the federation CA (issue 3). */
export const certificates = pgTable('certificates', {
  serial: text('serial').primaryKey(),
  institutionId: text('institution_id').notNull(),
  pem: text('pem').notNull(),
  fingerprint: text('fingerprint').notNull(),
  notBefore: ts('not_before').notNull(),
  notAfter: ts('not_after').notNull(),
  revokedAt: ts('revoked_at'),
  createdAt: ts('created_at').notNull(),
}, (t) => [index('certificates_institution_idx').on(t.institutionId)]);
