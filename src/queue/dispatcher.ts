/**
 * The dispatcher port: it only schedules. Delivery state lives in PostgreSQL (invariant 2); a job
 * is a hint "look at delivery X now", so a lost job costs a sweep interval, never a delivery, and a
 * duplicate job costs one failed claim. Two implementations pass one conformance suite:
 * BullMQ on Redis (server mode) and an in-process timer queue (embedded mode).
 */

export interface DispatchJob {
  deliveryId: string;
  /** attempts made so far; with the delivery id it names the job, so one attempt is queued once */
  attempt: number;
  delayMs?: number;
  /** distinguishes a re-dispatch of the same attempt (a deferral) from the job now running */
  tag?: string;
  /** lets the worker wait for the recipient's slot before it touches the database */
  recipient?: string;
  /**
   * Just committed at intake (attempt 0, due now): the dispatcher may carry it in one queue job
   * with other fresh deliveries. Retries and sweeps are never fresh, so their per-attempt job ids
   * keep deduplicating them.
   */
  fresh?: boolean;
  /**
   * Sent again by the sweeper: the delivery is due and no job took it within the grace period. A
   * dispatcher that holds a job under this id in none of its lists (a partial loss) replaces it.
   */
  swept?: boolean;
}

/** What a dispatcher offers the handler it runs. */
export interface HandlerContext {
  /**
   * Run `task` in this process once one of the worker's slots is free, outside the queue — for a
   * job the handler parked in memory rather than send back through the queue. Nothing durable is
   * lost if this process dies first: the delivery is still due in PostgreSQL and the sweeper
   * dispatches it. False when the dispatcher is closing: the task will not run.
   */
  later(task: () => Promise<void>): boolean;
}

export type DeliveryHandler = (job: DispatchJob, ctx?: HandlerContext) => Promise<void>;

export interface Dispatcher {
  readonly kind: 'bullmq' | 'in-process';
  dispatch(jobs: DispatchJob[]): Promise<void>;
  /** start consuming jobs with the handler (worker role) */
  start(handler: DeliveryHandler, concurrency: number): Promise<void>;
  /** stop taking jobs, wait up to graceMs for running handlers, then release connections */
  close(graceMs?: number): Promise<void>;
  /** jobs waiting or delayed (for metrics) */
  depth(): Promise<number>;
  ping(): Promise<void>;
  /**
   * True while the dispatcher cannot schedule through its store (Redis unreachable) and runs what
   * it is given in this process: the sweeper then takes due deliveries from PostgreSQL as soon as
   * they are due, and often (see workers/sweeper.ts). Absent: never.
   */
  degraded?(): boolean;
}

export function jobId(job: DispatchJob): string {
  // BullMQ refuses ':' in custom ids
  return `${job.deliveryId}-a${job.attempt}${job.tag ? `-${job.tag}` : ''}`;
}
