/**
 * Confidential payloads at rest (issue 26): the one owner of sealing a message before it is stored
 * and of opening it again. Every reader of `messages.envelope` or `messages.received_body` goes
 * through `openStored`; every writer of a message through `sealMessage`.
 *
 * Guarantees:
 * - a message whose classification needs a clearance (juvenile, gbv) — or, under the policy `all`,
 *   every message — is stored with its whole envelope and its received document encrypted
 *   (record/payload-crypto.ts); `envelope` then keeps only the attributes in SEALED_CLEAR_ATTRIBUTES
 *   (ids, type, time, schema, classification: what routing, queries by id and operators need
 *   without the payload) and `received_body` is null;
 * - the store refuses (commitMessages, assertSealed) to write a juvenile or gbv message in clear,
 *   whatever the caller did: fail closed;
 * - opening fails with a PayloadCryptoError naming only the message id and at most a key id;
 * - the rewrap walks encrypted rows in bounded batches by id, so one row that does not open is
 *   counted and passed over, never retried in a loop, and never blocks the others.
 */
import { sql } from 'drizzle-orm';
import { decryptPayload, encryptPayload, rewrapPayloadKey } from '../record/payload-crypto.js';
import { PayloadCryptoError } from '../record/errors.js';
import { mustEncrypt, type EncryptionPolicy, type PayloadKeyring } from '../record/payload-keys.js';
import { resultRows, type Db, type DbOrTx } from './db.js';

/** The keys and the policy a process stores and opens payloads with. */
export interface PayloadVault {
  keyring: PayloadKeyring;
  policy: EncryptionPolicy;
}

/** the classifications whose payload is never stored in clear, whatever the policy */
export const CONFIDENTIAL_CLASSIFICATIONS: readonly string[] = ['juvenile', 'gbv'];

/** the envelope attributes a sealed message keeps in clear: none is written by the sender about the case */
export const SEALED_CLEAR_ATTRIBUTES = ['specversion', 'id', 'source', 'type', 'dataschema', 'time', 'datacontenttype', 'classification', 'correlationid', 'causationid', 'sourceeventid'] as const;

/** A message row's columns that sealing and opening touch. */
export interface PayloadColumns {
  id: string;
  classification: string;
  envelope: unknown;
  receivedBody?: Buffer | Uint8Array | null;
  payloadCiphertext?: Buffer | Uint8Array | null;
  payloadKey?: Buffer | Uint8Array | null;
  payloadKekId?: string | null;
}

const isConfidential = (classification: string) => CONFIDENTIAL_CLASSIFICATIONS.includes(classification);

/** Whether this message is stored encrypted under `policy`. */
export function sealsUnder(policy: EncryptionPolicy, classification: string): boolean {
  return mustEncrypt(policy, [classification]);
}

/**
 * The message as it is to be stored: sealed when the policy says so (the same object otherwise).
 * Without a vault a confidential message is refused, never stored in clear.
 */
export function sealMessage<M extends PayloadColumns>(m: M, vault: PayloadVault | undefined): M {
  if (m.payloadCiphertext) return m;
  const policy = vault?.policy ?? 'classified';
  if (!sealsUnder(policy, m.classification)) return m;
  if (!vault) throw new PayloadCryptoError('payload-key-unknown', `message ${m.id} is ${m.classification}: it cannot be stored without payload keys`);
  const envelope = (typeof m.envelope === 'string' ? JSON.parse(m.envelope) : m.envelope) as Record<string, unknown>;
  // the envelope as text, so that the sender's field order survives the round trip (json column)
  const plain = JSON.stringify({ envelope, receivedBody: m.receivedBody ? Buffer.from(m.receivedBody).toString('base64') : null });
  const sealed = encryptPayload(Buffer.from(plain, 'utf8'), m.id, vault.keyring);
  const clear: Record<string, unknown> = {};
  for (const a of SEALED_CLEAR_ATTRIBUTES) if (envelope[a] !== undefined) clear[a] = envelope[a];
  return { ...m, envelope: clear, receivedBody: null, payloadCiphertext: sealed.ciphertext, payloadKey: sealed.wrappedKey, payloadKekId: sealed.kekId };
}

/** Throws unless a confidential message is sealed: the store's own last line (commitMessages). */
export function assertSealed(m: PayloadColumns): void {
  if (isConfidential(m.classification) && !(m.payloadCiphertext && m.payloadKey && m.payloadKekId)) {
    throw new PayloadCryptoError('payload-input-invalid', `message ${m.id} is ${m.classification}: refusing to store its payload in clear`);
  }
}

/** Whether a stored row holds its payload encrypted. */
export function isSealed(r: Pick<PayloadColumns, 'payloadCiphertext'>): boolean {
  return r.payloadCiphertext !== null && r.payloadCiphertext !== undefined;
}

/**
 * The envelope and received document of a stored message: as stored when in clear, decrypted when
 * sealed. Throws PayloadCryptoError (ids only) when a sealed one does not open.
 */
export function openStored(r: PayloadColumns, vault: PayloadVault | undefined): { envelope: unknown; receivedBody: Buffer | null } {
  const stored = typeof r.envelope === 'string' ? JSON.parse(r.envelope) : r.envelope;
  if (!isSealed(r)) return { envelope: stored, receivedBody: r.receivedBody ? Buffer.from(r.receivedBody) : null };
  if (!vault || !r.payloadKey) throw new PayloadCryptoError('payload-key-unknown', `message ${r.id} is stored encrypted and this process holds no payload keys`);
  const plain = decryptPayload({ wrappedKey: r.payloadKey, ciphertext: r.payloadCiphertext! }, r.id, vault.keyring);
  try {
    const { envelope, receivedBody } = JSON.parse(plain.toString('utf8')) as { envelope: unknown; receivedBody: string | null };
    return { envelope, receivedBody: receivedBody ? Buffer.from(receivedBody, 'base64') : null };
  } finally {
    plain.fill(0);
  }
}

/** The payload columns of a raw row selected with the `m_` prefix (claims, inbox). */
export function prefixedPayload(r: Record<string, any>, prefix = 'm_'): Pick<PayloadColumns, 'payloadCiphertext' | 'payloadKey' | 'payloadKekId'> {
  return { payloadCiphertext: r[`${prefix}payload_ciphertext`] ?? null, payloadKey: r[`${prefix}payload_key`] ?? null, payloadKekId: r[`${prefix}payload_kek_id`] ?? null };
}

/** how many encrypted messages each KEK wraps the data keys of */
export async function payloadKeyCounts(db: DbOrTx): Promise<Array<{ kekId: string; messages: number }>> {
  const rows = resultRows<{ kek: string; n: string | number }>(
    await db.execute(sql`select payload_kek_id as kek, count(*) as n from messages where payload_kek_id is not null group by payload_kek_id order by payload_kek_id`),
  );
  return rows.map((r) => ({ kekId: String(r.kek), messages: Number(r.n) }));
}

export interface RewrapResult {
  /** data keys moved under the current KEK */
  rewrapped: number;
  /** rows that did not open (unknown key, damaged): left as they were, ids in `failedIds` (at most 100) */
  failed: number;
  failedIds: string[];
  /** whether rows not under the current KEK may remain beyond this run's limit */
  more: boolean;
}

/**
 * Moves up to `limit` data keys wrapped by the other configured KEKs under the current one, `batch`
 * rows per statement, walking each old KEK's rows by message id (the partial index on
 * (payload_kek_id, id): no scan of what is already current). A row is updated only if its wrapped
 * key is still the one read (a concurrent rewrap by another process wins). Rows under a KEK id this
 * process does not hold cannot be moved: `payloadKeyCounts` shows them.
 */
export async function rewrapPayloadKeys(db: DbOrTx, vault: PayloadVault, opts: { limit?: number; batch?: number } = {}): Promise<RewrapResult> {
  const limit = opts.limit ?? 10_000;
  const batch = Math.max(1, Math.min(opts.batch ?? 200, limit));
  const current = vault.keyring.current;
  const out: RewrapResult = { rewrapped: 0, failed: 0, failedIds: [], more: false };
  let seen = 0;
  for (const old of vault.keyring.ids().filter((id) => id !== current)) {
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      if (seen >= limit) {
        out.more = true;
        return out;
      }
      const take = Math.min(batch, limit - seen);
      const rows = resultRows<{ id: string; payload_key: Buffer }>(
        await db.execute(sql`select id, payload_key from messages
          where payload_kek_id = ${old} and id > ${after}::uuid order by id limit ${take}`),
      );
      seen += rows.length;
      if (rows.length > 0) {
        after = String(rows[rows.length - 1].id);
        await rewrapRows(db, vault, rows, out);
      }
      if (rows.length < take) break;
    }
  }
  return out;
}

async function rewrapRows(db: DbOrTx, vault: PayloadVault, rows: Array<{ id: string; payload_key: Buffer }>, out: RewrapResult): Promise<void> {
  const updates: Array<{ id: string; old: string; key: string; kek: string }> = [];
  for (const r of rows) {
    const id = String(r.id);
    try {
      const w = rewrapPayloadKey(Buffer.from(r.payload_key), id, vault.keyring);
      if (w.changed) updates.push({ id, old: Buffer.from(r.payload_key).toString('base64'), key: w.wrappedKey.toString('base64'), kek: w.kekId });
    } catch (e) {
      if (!(e instanceof PayloadCryptoError)) throw e;
      out.failed++;
      if (out.failedIds.length < 100) out.failedIds.push(id);
    }
  }
  if (updates.length === 0) return;
  const result = await db.execute(sql`
    update messages m set payload_key = decode(x.key, 'base64'), payload_kek_id = x.kek
    from jsonb_to_recordset(${JSON.stringify(updates)}::jsonb) as x(id uuid, old text, key text, kek text)
    where m.id = x.id and m.payload_key = decode(x.old, 'base64')
    returning m.id`);
  out.rewrapped += resultRows(result).length;
}

export interface SealBackfillResult {
  /** the ids of the confidential messages found stored in clear and sealed now */
  sealed: string[];
  /** whether more may remain beyond this run's limit */
  more: boolean;
}

/**
 * Seals up to `limit` juvenile and gbv messages that are stored in clear — written before payloads
 * were encrypted at rest (migration 0016), by a hub of an earlier version — as intake seals a new
 * one: the whole envelope and the received document under a fresh data key, the envelope reduced to
 * SEALED_CLEAR_ATTRIBUTES, and the index rows of SEALED_KEYED_KINDS (plates) keyed with `keyRows`.
 * One transaction a batch; rows are locked FOR UPDATE SKIP LOCKED, so two workers seal different
 * messages, and the partial index `messages_unsealed_confidential_idx` finds them without reading
 * what is sealed already (it is empty once the backfill is done: intake never adds to it). The
 * policy `all` is not applied backwards: public messages stored in clear stay so.
 */
export async function sealClearPayloads(
  db: Db,
  vault: PayloadVault,
  keyRows: <R extends { kind: string; value: string }>(rows: readonly R[]) => R[],
  opts: { limit?: number; batch?: number } = {},
): Promise<SealBackfillResult> {
  const limit = opts.limit ?? 10_000;
  const batch = Math.max(1, Math.min(opts.batch ?? 100, limit));
  const out: SealBackfillResult = { sealed: [], more: false };
  while (out.sealed.length < limit) {
    const take = Math.min(batch, limit - out.sealed.length);
    const ids = await db.transaction(async (tx) => {
      const rows = resultRows<{ id: string; classification: string; envelope: unknown; received_body: Buffer | null }>(
        await tx.execute(sql`select id, classification, envelope, received_body from messages
          where payload_ciphertext is null and purged_at is null and classification in ('juvenile', 'gbv')
          order by id limit ${take} for update skip locked`),
      );
      if (rows.length === 0) return [];
      const updates = rows.map((r) => {
        const s: PayloadColumns = sealMessage<PayloadColumns>({ id: String(r.id), classification: r.classification, envelope: r.envelope, receivedBody: r.received_body }, vault);
        return { id: s.id, envelope: JSON.stringify(s.envelope), ct: Buffer.from(s.payloadCiphertext!).toString('base64'), key: Buffer.from(s.payloadKey!).toString('base64'), kek: s.payloadKekId };
      });
      await tx.execute(sql`
        update messages m set envelope = x.envelope::json, received_body = null,
          payload_ciphertext = decode(x.ct, 'base64'), payload_key = decode(x.key, 'base64'), payload_kek_id = x.kek
        from jsonb_to_recordset(${JSON.stringify(updates)}::jsonb) as x(id uuid, envelope text, ct text, key text, kek text)
        where m.id = x.id and m.payload_ciphertext is null`);
      const indexed = resultRows<{ message_id: string; kind: string; issuer: string; value: string }>(
        await tx.execute(sql`select message_id, kind, issuer, value from case_index
          where message_id = any(array(select (jsonb_array_elements_text(${JSON.stringify(updates.map((u) => u.id))}::jsonb))::uuid))`),
      );
      const rekeyed = keyRows(indexed)
        .map((r, i) => ({ id: String(r.message_id), kind: r.kind, issuer: r.issuer, old: indexed[i].value, value: r.value }))
        .filter((r) => r.value !== r.old);
      if (rekeyed.length > 0)
        await tx.execute(sql`
          update case_index c set value = x.value
          from jsonb_to_recordset(${JSON.stringify(rekeyed)}::jsonb) as x(id uuid, kind text, issuer text, old text, value text)
          where c.message_id = x.id and c.kind = x.kind and c.issuer = x.issuer and c.value = x.old`);
      return updates.map((u) => u.id);
    });
    out.sealed.push(...ids);
    if (ids.length < take) return out;
  }
  out.more = true;
  return out;
}
