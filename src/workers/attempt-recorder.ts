/**
 * Recording attempts, grouped and resilient. Attempts that finish together share one record
 * statement (store/deliveries.ts recordAttempts: group commit; the worker lets each wait up to
 * WASLA_RECORD_GATHER_MS for others, see batcher.ts `gathering`). If that statement fails, each
 * attempt of the batch is recorded on its own, so that one attempt that cannot be stored never
 * leaves the others in flight until their leases lapse — and their recipients receive them again
 * (issue 19: 59 arrivals for 30 deliveries). An attempt that still cannot be recorded is logged as
 * an error, then recorded once more without what it carried from the recipient (receipt, error
 * text), so that its delivery still moves on; if even that fails (the database is gone) the promise
 * rejects, and the sweeper records the attempt as abandoned once its lease lapses.
 */
import type { Logger } from 'pino';
import { Batcher, gathering, type BatcherOptions } from '../batcher.js';
import { recordAttempts, type AttemptOutcome, type Claim, type Db, type DeliveryState } from '../store/index.js';
import { boundedText } from '../untrusted.js';

export type RecordAttempt = (claim: Claim, outcome: AttemptOutcome) => Promise<DeliveryState | undefined>;

interface Item {
  claim: Claim;
  outcome: AttemptOutcome;
}

type Result = { state: DeliveryState | undefined } | { error: unknown };

export interface RecorderOptions {
  batch?: BatcherOptions;
  /** the record statement (default: recordAttempts over `db`) */
  record?: (db: Db, items: Item[]) => Promise<Array<DeliveryState | undefined>>;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export function attemptRecorder(db: Db, log: Logger, o: RecorderOptions = {}): RecordAttempt {
  const record = o.record ?? recordAttempts;

  async function alone(item: Item, batchError: unknown, grouped: boolean): Promise<Result> {
    let err = batchError;
    if (grouped) {
      try {
        return { state: (await record(db, [item]))[0] };
      } catch (e) {
        err = e;
      }
    }
    const d = item.claim.delivery;
    log.error(
      { err: message(err), messageId: d.messageId, deliveryId: d.id, recipient: d.recipient, attempt: d.attempts, outcome: item.outcome.outcome },
      'could not record a delivery attempt; recording it without what the recipient sent',
    );
    const bare: AttemptOutcome = {
      ...item.outcome,
      receipt: undefined,
      error: `the attempt's record was refused by the database (${boundedText(message(err), 300)}); what the recipient sent is not kept`,
    };
    try {
      return { state: (await record(db, [{ claim: item.claim, outcome: bare }]))[0] };
    } catch (error) {
      return { error };
    }
  }

  const batcher = new Batcher<Item, Result>(async (items) => {
    try {
      return (await record(db, items)).map((state) => ({ state }));
    } catch (err) {
      if (items.length > 1) log.warn({ err: message(err), attempts: items.length }, 'a grouped attempt record failed; recording its attempts one by one');
      return Promise.all(items.map((item) => alone(item, err, items.length > 1)));
    }
  }, o.batch ?? gathering(0, 64));

  return async (claim, outcome) => {
    const r = await batcher.submit({ claim, outcome });
    if ('error' in r) throw r.error;
    return r.state;
  };
}
