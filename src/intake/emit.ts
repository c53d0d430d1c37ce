/**
 * The hub's own messages: alerts it raises (a deadline missed, a delivery that died), records it
 * derives (a payout reconciled against a bank statement). They take the same path as an
 * institution's message — validated against their schema version, routed by the agreements in
 * force (the hub, `ps.wasla.hub`, is their sender), committed with their deliveries and audit entry
 * in one statement — and inside the caller's transaction, so that what caused a message and the
 * message itself commit together or not at all.
 *
 * Guarantees:
 * - one refused message (no agreement routes it, its data breaks its schema) refuses only itself:
 *   the others commit, and the caller gets each refusal to log and count;
 * - a message emitted under a `key` is stored once per key, however often it is emitted (the
 *   hub's idempotency record, as for an institution's Idempotency-Key), so a caller that cannot
 *   tell whether an earlier try committed may emit again;
 * - deliveries are dispatched only after the caller's transaction commits (`dispatchEmitted`):
 *   before, a worker could find no row; if the dispatch is lost, the sweeper finds them.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { canonicalJson } from '../audit/canonical-json.js';
import { WaslaError } from '../errors.js';
import type { Classification } from '../federation/index.js';
import type { Dispatcher } from '../queue/index.js';
import { sealedIndexRows } from '../queries/index-keys.js';
import type { Contracts } from '../routing/types.js';
import { commitMessages, sealMessage, type Db, type NewDelivery, type PayloadVault } from '../store/index.js';
import { HUB_INSTITUTION_ID } from '../trust/pki-dir.js';
import { prepareMessage, type PreparedMessage } from './accept.js';
import type { IncomingEnvelope } from './envelope.js';

export interface HubMessage {
  type: string;
  /** the schema version, e.g. "1.0" */
  version: string;
  data: Record<string, unknown>;
  /** at least this class; the hub raises it as for any message (what it is about decides) */
  classification?: Classification;
  subject?: string;
  casereference?: string;
  correlationid?: string;
  /** the message (or statement, or delivery) this one follows from */
  causationid?: string;
  /** stores the message once per key: emitting it again answers `stored: false` */
  key?: string;
}

export type EmitOutcome =
  | { ok: true; stored: true; id: string; deliveries: NewDelivery[] }
  /** emitted before under the same key: nothing new was stored */
  | { ok: true; stored: false }
  | { ok: false; error: WaslaError };

/** what authenticated the hub's own messages, on their `message.accepted` entry */
export const HUB_CREDENTIAL = 'hub:self';

/**
 * Commit the hub's messages in `db`, which may be an open transaction. Each outcome is in the order
 * given. Errors other than a refusal (the database) are thrown: the caller's transaction fails.
 */
export async function emitHubMessages(db: Db, contracts: Contracts, messages: readonly HubMessage[], indexSecret: Uint8Array, vault?: PayloadVault): Promise<EmitOutcome[]> {
  const outcomes: EmitOutcome[] = new Array(messages.length);
  const prepared: Array<{ at: number; p: PreparedMessage }> = [];
  messages.forEach((m, at) => {
    const env: IncomingEnvelope = {
      type: m.type,
      version: m.version,
      classification: m.classification ?? 'public',
      data: m.data,
      time: new Date().toISOString(),
      ...(m.subject !== undefined && { subject: m.subject }),
      ...(m.casereference !== undefined && { casereference: m.casereference }),
      ...(m.correlationid !== undefined && { correlationid: m.correlationid }),
      ...(m.causationid !== undefined && { causationid: m.causationid }),
    };
    // the hash of what the hub said, as an institution's entry holds the hash of the bytes it sent
    const bodySha256 = createHash('sha256')
      .update(canonicalJson({ ...env, time: undefined }))
      .digest('hex');
    try {
      const p = prepareMessage(
        contracts,
        env,
        {
          sender: HUB_INSTITUTION_ID,
          credential: HUB_CREDENTIAL,
          bodySha256,
          idempotency: m.key !== undefined ? { sender: HUB_INSTITUTION_ID, key: m.key, requestHash: bodySha256 } : undefined,
        },
        indexSecret, // the hub's own messages are indexed like anyone's
      );
      // and sealed like anyone's (issue 26)
      p.commit.message = sealMessage(p.commit.message, vault);
      if (p.commit.message.payloadCiphertext) p.commit.index = sealedIndexRows(p.commit.index ?? [], indexSecret);
      prepared.push({ at, p });
    } catch (err) {
      if (!(err instanceof WaslaError)) throw err;
      outcomes[at] = { ok: false, error: err };
    }
  });
  if (prepared.length > 0) {
    const stored = await commitMessages(
      db,
      prepared.map((x) => x.p.commit),
    );
    prepared.forEach(({ at, p }, i) => {
      outcomes[at] = stored[i] === 'stored' ? { ok: true, stored: true, id: p.answer.id, deliveries: p.rows } : { ok: true, stored: false };
    });
  }
  return outcomes;
}

/** After the caller's transaction committed: schedule the deliveries of what was stored; refusals are logged. */
export function dispatchEmitted(dispatcher: Dispatcher, log: Logger, outcomes: readonly EmitOutcome[], what: string): void {
  const rows = outcomes.flatMap((o) => (o.ok && o.stored ? o.deliveries : []));
  for (const o of outcomes) {
    if (!o.ok) log.error({ code: o.error.code, err: o.error.message, what }, 'the hub could not send its own message');
  }
  if (rows.length === 0) return;
  dispatcher.dispatch(rows.map((r) => ({ deliveryId: r.id, attempt: 0, recipient: r.recipient, fresh: true }))).catch((err) => {
    log.warn({ err: (err as Error).message, what }, 'could not schedule deliveries now; the sweeper will');
  });
}
