/**
 * Server mode's dispatcher: BullMQ while Redis answers, this process's own in-process queue while it
 * does not (issue 20). PostgreSQL holds every due delivery, so nothing needs Redis to be delivered:
 * while Redis is unreachable, jobs dispatched in a worker process (retries, deferrals, and what the
 * sweeper finds due) run in that process, and the sweeper takes due deliveries from PostgreSQL as
 * soon as they are due (`degraded()`), so intake goes on and deliveries keep arriving however long
 * the outage lasts. When Redis returns, new jobs go to BullMQ again; the jobs still waiting here run
 * here. Nothing is sent twice: a job is only a hint, and the claim in PostgreSQL lets one attempt
 * at a time through for a delivery, and none for a delivery no longer due.
 *
 * A process without the worker role (an api process) has no handler to run jobs with: while Redis
 * is away its dispatches fail at once, and the workers' sweepers find the deliveries in PostgreSQL.
 */
import type { Logger } from 'pino';
import type { DeliveryHandler, Dispatcher, DispatchJob } from './dispatcher.js';
import { BullMqDispatcher, type BullMqOptions } from './bullmq.js';
import { InProcessDispatcher } from './in-process.js';

export class FailoverDispatcher implements Dispatcher {
  readonly kind = 'bullmq' as const;
  readonly primary: BullMqDispatcher;
  private readonly local = new InProcessDispatcher();
  private running = false;
  private wasDegraded = false;

  constructor(
    opts: BullMqOptions,
    private readonly log?: Logger,
  ) {
    this.primary = new BullMqDispatcher(opts);
  }

  /** Redis unreachable while this process runs deliveries: they are scheduled here, from PostgreSQL. */
  degraded(): boolean {
    const now = this.running && !this.primary.reachable();
    if (now !== this.wasDegraded) {
      this.wasDegraded = now;
      if (now) this.log?.warn('Redis unreachable: delivering from PostgreSQL directly, in this process, until it returns');
      else this.log?.info('Redis reachable again: scheduling through BullMQ');
    }
    return now;
  }

  async dispatch(jobs: DispatchJob[]): Promise<void> {
    if (this.degraded()) return this.local.dispatch(jobs);
    try {
      await this.primary.dispatch(jobs);
    } catch (err) {
      // Redis went away between the check and the call: run them here (a worker), or say so
      if (!this.running) throw err;
      await this.local.dispatch(jobs);
    }
  }

  async start(handler: DeliveryHandler, concurrency: number): Promise<void> {
    await this.primary.start(handler, concurrency);
    // the same handler: one recipient gate, one claim path; its own slots, used only while Redis is away
    await this.local.start(handler, concurrency);
    this.running = true;
  }

  async close(graceMs?: number): Promise<void> {
    await Promise.all([this.primary.close(graceMs), this.local.close(graceMs)]);
  }

  async depth(): Promise<number> {
    const here = await this.local.depth();
    if (!this.primary.reachable()) return here;
    return (await this.primary.depth()) + here;
  }

  ping(): Promise<void> {
    return this.primary.ping();
  }
}
