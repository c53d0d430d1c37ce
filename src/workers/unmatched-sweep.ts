/**
 * Payouts no statement settled (issue 23): the sweep records the payout instructions delivered to
 * banks (as a statement's arrival does), then, once `days` have passed since a payout's requested
 * execution date and it is still open, it becomes `unmatched` — for a person to chase with the
 * bank — with one audit entry per sweep naming the payouts. Runs in the worker role on a timer of
 * its own; each sweep is one transaction, so the state change and its audit entry commit together.
 * Matching is never decided here: a statement that comes later still settles an unmatched payout.
 */
import type { Logger } from 'pino';
import { appendAudit } from '../audit/writer.js';
import type { Db, PayloadVault } from '../store/index.js';
import { markUnmatched, recordDeliveredPayouts } from '../store/reconciliation.js';

/** how often the worker looks: payouts go unmatched by the day, so hourly is plenty */
export const UNMATCHED_SWEEP_MS = 3_600_000;

/** One sweep: returns the payouts it marked. */
export async function sweepUnmatched(db: Db, days: number, now = new Date(), vault?: PayloadVault): Promise<Array<{ bank: string; endToEndId: string }>> {
  return db.transaction(async (tx) => {
    // a payout whose bank never sent a statement is recorded here, so it too ends unmatched
    await recordDeliveredPayouts(tx, undefined, undefined, vault);
    const marked = await markUnmatched(tx, days, now);
    if (marked.length > 0) await appendAudit(tx, [{ actor: 'worker', action: 'payouts.unmatched', subject: null, data: { days, payouts: marked.slice(0, 1000), count: marked.length } }]);
    return marked;
  });
}

/** Starts the timer; returns what stops it. */
export function startUnmatchedSweep(db: Db, days: number, log: Logger, intervalMs = UNMATCHED_SWEEP_MS, vault?: PayloadVault): () => void {
  const tick = () =>
    sweepUnmatched(db, days, new Date(), vault)
      .then((m) => {
        if (m.length > 0) log.warn({ count: m.length, days }, 'payouts no statement settled are now unmatched');
      })
      .catch((err) => log.error({ err: (err as Error).message }, 'the unmatched-payout sweep failed; the next one retries'));
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
