/**
 * Group commit: calls that arrive within `maxWaitMs` of each other (or until `maxItems` are waiting)
 * are served by one call of `run` with all their inputs, so that under load one statement and one
 * WAL flush serve many callers; alone, a call waits at most `maxWaitMs`. `run` returns one output
 * per input, in order; if it throws, every caller of that batch gets the error.
 *
 * With `eagerBelow: n`, a call that finds fewer than n runs in progress does not wait out
 * `maxWaitMs`: it goes with whatever else arrived in the same turn of the event loop. Waiting only
 * pays when a run is in progress — that is when callers pile up — so an idle hub answers without
 * the wait, and a busy one still batches as before (a finished run also sends what gathered meanwhile).
 */
export interface BatcherOptions {
  maxItems: number;
  maxWaitMs: number;
  /** runs in progress below which a call is sent in the same turn of the event loop (default 0: always wait) */
  eagerBelow?: number;
}

/**
 * Options for a batcher in front of a statement whose callers can afford to wait `gatherMs` (issue
 * 29): below saturation a call rarely finds another to share its statement with, and each statement
 * alone wakes the database and this process once more — on a 2-core machine at 200 messages a
 * second that waking cost more CPU than the work. With `gatherMs` > 0 every call waits up to that
 * long for company; with 0 a call goes at once when no statement is running (`eagerBelow: 1`).
 */
export function gathering(gatherMs: number, maxItems: number): BatcherOptions {
  return gatherMs > 0 ? { maxItems, maxWaitMs: gatherMs } : { maxItems, maxWaitMs: 2, eagerBelow: 1 };
}

export class Batcher<I, O> {
  private queue: Array<{ input: I; resolve: (o: O) => void; reject: (e: unknown) => void }> = [];
  private timer?: NodeJS.Timeout;
  private immediate?: NodeJS.Immediate;
  private running = 0;

  constructor(
    private readonly run: (inputs: I[]) => Promise<O[]>,
    private readonly o: BatcherOptions,
  ) {}

  submit(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (this.queue.length >= this.o.maxItems) this.flush();
      else if (this.running < (this.o.eagerBelow ?? 0)) this.immediate ??= setImmediate(() => this.flush());
      else this.timer ??= setTimeout(() => this.flush(), this.o.maxWaitMs);
    });
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    const batch = this.queue.splice(0, this.o.maxItems);
    if (this.queue.length > 0) this.timer = setTimeout(() => this.flush(), 0);
    if (batch.length === 0) return;
    this.running++;
    this.run(batch.map((b) => b.input))
      .then(
        (outputs) => batch.forEach((b, i) => b.resolve(outputs[i])),
        (err) => batch.forEach((b) => b.reject(err)),
      )
      .finally(() => {
        this.running--;
        // what gathered while this run was in progress goes now, if eager callers may go at all
        if (this.queue.length > 0 && this.running < (this.o.eagerBelow ?? 0)) this.immediate ??= setImmediate(() => this.flush());
      });
  }
}
