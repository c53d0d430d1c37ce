/**
 * The sweeper closes the gap between "committed" and "scheduled": it returns deliveries whose lease
 * lapsed (a worker died mid-attempt) to due, recording the abandoned attempt, and re-dispatches
 * every due delivery that no job took within a grace period — after a Redis flush, a crash between
 * commit and enqueue, or a restart of the embedded hub. Job ids dedupe, so sweeping what is already
 * queued costs nothing; a job Redis lost from every list is replaced at once (`swept`).
 *
 * While the dispatcher is degraded (Redis unreachable, see queue/failover.ts) the sweeper is how
 * deliveries are scheduled: it looks five times as often (at least every second) and takes each
 * delivery as soon as it is due, for this process's worker to run.
 */
import type { Logger } from 'pino';
import { analyzeIfYoung, expireInbox, findDue, purgeIdempotencyKeys, releaseExpiredLeases, type Db } from '../store/index.js';
import type { Dispatcher } from '../queue/index.js';

const STUCK_MS = 300_000;

/** how often the sweeper looks while the dispatcher is degraded: five times as often, at least every second */
export function degradedInterval(intervalMs: number): number {
  return Math.max(50, Math.min(1000, Math.round(intervalMs / 5)));
}

export interface SweeperOptions {
  db: Db;
  dispatcher: Dispatcher;
  log: Logger;
  intervalMs: number;
  /** how long past due a delivery must be before the sweeper takes it */
  graceMs: number;
  batch?: number;
  /** idempotency keys are kept at least this long, then purged */
  idempotencyRetentionMs: number;
  /** analyze `deliveries` while it is young (PostgreSQL server; see store/young-tables.ts) */
  analyzeYoungTables?: boolean;
  /**
   * the institutions that pull their deliveries (issue 22): theirs are never dispatched to a
   * worker, and are given up here once their retry schedule's time has run out
   */
  pullRecipients?: () => readonly string[];
  /** the attempt timeout a pulled delivery's deadline is computed with (default 10 s) */
  attemptTimeoutMs?: number;
  /**
   * issue 26.7: purge one batch of payloads past their retention period, answering how many it
   * purged. Called once a minute, and on every pass while batches come back full, so a backlog is
   * worked off in small transactions between the sweeper's other work, never in one long one.
   */
  purgeRetention?: () => Promise<{ purged: number; full: boolean }>;
}

export class Sweeper {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private lastPurge = 0;
  private lastRetention = 0;
  private retentionBehind = false;

  constructor(private readonly o: SweeperOptions) {}

  start(): void {
    // retention waits a minute after start: a hub coming back first catches up on its deliveries
    this.lastRetention = Date.now();
    const loop = () => {
      if (this.stopped) return;
      this.running = this.sweep()
        .then(() => undefined)
        .catch((err) => this.o.log.warn({ err: (err as Error).message }, 'sweep failed; will try again'))
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) {
            this.timer = setTimeout(loop, this.degraded() ? degradedInterval(this.o.intervalMs) : this.o.intervalMs);
            this.timer.unref();
          }
        });
    };
    loop();
  }

  private degraded(): boolean {
    return this.o.dispatcher.degraded?.() ?? false;
  }

  /** one pass; returns how many deliveries it dispatched */
  async sweep(): Promise<number> {
    const released = await releaseExpiredLeases(this.o.db);
    if (released.length) this.o.log.warn({ count: released.length }, 'returned deliveries with lapsed leases to due, their attempts recorded as abandoned');
    // One batch a pass: rows stay due until a worker claims them, so a second query now would
    // only find the same ones. Degraded, no job will take them: every due one is this pass's.
    const pulling = this.o.pullRecipients?.() ?? [];
    if (pulling.length) {
      const expired = await expireInbox(this.o.db, pulling, this.o.attemptTimeoutMs ?? 10_000);
      if (expired.length) this.o.log.warn({ count: expired.length }, 'gave up deliveries left in the inbox past their retry schedule');
    }
    const due = await findDue(this.o.db, this.degraded() ? 0 : this.o.graceMs, this.o.batch ?? 1000, pulling);
    // A delivery long overdue may sit behind a job Redis still holds under its plain id (a killed
    // worker's locked job, a job whose data was lost): re-dispatch it under an id that changes
    // every STUCK_MS, so at most one extra job a delivery per period, and never a blocked one.
    const epoch = Math.floor(Date.now() / STUCK_MS);
    if (due.length) {
      await this.o.dispatcher.dispatch(
        due.map((d) => ({
          deliveryId: d.id,
          attempt: d.attempts,
          recipient: d.recipient,
          swept: true,
          ...(Number(d.overdueMs) > STUCK_MS && { tag: `s${epoch}` }),
        })),
      );
    }
    const total = due.length;
    if (total) this.o.log.info({ count: total }, 'sweeper dispatched due deliveries');
    if (Date.now() - this.lastPurge > 60_000) {
      this.lastPurge = Date.now();
      const purged = await purgeIdempotencyKeys(this.o.db, this.o.idempotencyRetentionMs);
      if (purged) this.o.log.info({ count: purged }, 'purged expired idempotency keys');
    }
    if (this.o.purgeRetention && (this.retentionBehind || Date.now() - this.lastRetention > 60_000)) {
      this.lastRetention = Date.now();
      const r = await this.o.purgeRetention();
      this.retentionBehind = r.full;
      if (r.purged) this.o.log.info({ count: r.purged }, 'purged payloads past their retention period');
    }
    if (this.o.analyzeYoungTables && (await analyzeIfYoung(this.o.db))) this.o.log.debug('analyzed the young deliveries table');
    return total;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
