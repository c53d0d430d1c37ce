/**
 * The background rewrap (issue 26): once a new key-encryption key is current, every pass moves a
 * bounded number of data keys from older keys under it (store/payload-store.ts rewrapPayloadKeys:
 * batches by message id, about 80 bytes written per message, the ciphertext untouched), until none
 * is left; a pass that moved any is on the audit log (`payload-keys.rewrapped`, actor `worker`).
 * A row that does not open (its key not configured, or damaged) is counted and passed over: it
 * never stops the others. Several workers may run it at once: a row is written only if its wrapped
 * key is still the one read.
 */
import type { Logger } from 'pino';
import { appendAudit } from '../audit/writer.js';
import { sealedIndexRows } from '../queries/index-keys.js';
import { rewrapPayloadKeys, sealClearPayloads, type Db, type PayloadVault } from '../store/index.js';

/** how often a worker looks for data keys under an old key */
export const REWRAP_INTERVAL_MS = 60_000;
/** data keys one pass moves at most: about 80 bytes each, in batches of 200 */
export const REWRAP_PER_PASS = 2000;

/** One pass; returns what it did. */
export async function rewrapPass(db: Db, vault: PayloadVault, actor: string, limit = REWRAP_PER_PASS) {
  const r = await rewrapPayloadKeys(db, vault, { limit, batch: 200 });
  if (r.rewrapped > 0 || r.failed > 0) {
    await appendAudit(db, [
      { actor, action: 'payload-keys.rewrapped', subject: null, data: { current: vault.keyring.current, rewrapped: r.rewrapped, failed: r.failed, failedIds: r.failedIds.slice(0, 20), more: r.more } },
    ]);
  }
  return r;
}

/** juvenile and gbv messages one pass seals at most when it finds them stored in clear */
export const SEAL_BACKFILL_PER_PASS = 1000;

/**
 * One pass of the backfill: juvenile and gbv messages stored in clear by a hub of an earlier
 * version (before migration 0016) are sealed as intake seals a new one, their plates keyed in the
 * case index; on the audit log (`payloads.sealed`) with the ids, so an auditor sees when each left
 * the clear. Nothing to do costs one read of an empty partial index.
 */
export async function sealBackfillPass(db: Db, vault: PayloadVault, indexSecret: Uint8Array, actor: string, limit = SEAL_BACKFILL_PER_PASS) {
  const r = await sealClearPayloads(db, vault, (rows) => sealedIndexRows(rows, indexSecret), { limit, batch: 100 });
  if (r.sealed.length > 0) {
    await appendAudit(db, [{ actor, action: 'payloads.sealed', subject: null, data: { current: vault.keyring.current, sealed: r.sealed.length, messageIds: r.sealed, more: r.more } }]);
  }
  return r;
}

/** Starts the timer; returns what stops it (after the pass in progress, so that it never meets a closed database). */
export function startPayloadRewrap(db: Db, vault: PayloadVault, indexSecret: Uint8Array, log: Logger, actor: string, intervalMs = REWRAP_INTERVAL_MS): () => Promise<void> {
  let running: Promise<void> | undefined;
  const tick = () => {
    if (running) return;
    running = rewrapPass(db, vault, actor)
      .then(async (r) => {
        if (r.rewrapped > 0) log.info({ rewrapped: r.rewrapped, more: r.more, current: vault.keyring.current }, 'payload data keys rewrapped under the current key');
        if (r.failed > 0) log.error({ failed: r.failed, messageIds: r.failedIds.slice(0, 20) }, 'payload data keys that do not open were left as they are');
        const b = await sealBackfillPass(db, vault, indexSecret, actor);
        if (b.sealed.length > 0) log.info({ sealed: b.sealed.length, more: b.more }, 'confidential payloads stored in clear by an earlier version sealed');
      })
      .catch((err) => log.error({ err: (err as Error).message }, 'the payload rewrap failed; the next pass retries'))
      .finally(() => {
        running = undefined;
      });
  };
  // the first pass one interval after start: a start is busy enough
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
