/**
 * The embedded dispatcher: timers in this process, a bounded number of handlers at once.
 * Nothing here is durable, and nothing needs to be: on start the sweeper finds every due delivery
 * in PostgreSQL (PGlite) and dispatches it again.
 */
import { jobId, type DeliveryHandler, type Dispatcher, type DispatchJob, type HandlerContext } from './dispatcher.js';

export class InProcessDispatcher implements Dispatcher {
  readonly kind = 'in-process' as const;
  private handler?: DeliveryHandler;
  private concurrency = 1;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly ready: DispatchJob[] = [];
  private readonly ctx: HandlerContext = {
    // A parked delivery handed a place runs now, even over the concurrency: the handlers running
    // may be waiting for it to move (the recipient's line bounds how many do this).
    later: (task) => {
      if (this.closed) return false;
      this.run(task, undefined);
      return true;
    },
  };
  private readonly queued = new Set<string>();
  private running = 0;
  private closed = false;
  private idle?: () => void;

  async dispatch(jobs: DispatchJob[]): Promise<void> {
    if (this.closed) return;
    for (const job of jobs) {
      const id = jobId(job);
      if (this.queued.has(id)) continue;
      this.queued.add(id);
      const delay = Math.max(0, job.delayMs ?? 0);
      if (delay === 0) this.enqueue(job);
      else {
        const t = setTimeout(() => {
          this.timers.delete(id);
          this.enqueue(job);
        }, delay);
        t.unref();
        this.timers.set(id, t);
      }
    }
  }

  async start(handler: DeliveryHandler, concurrency: number): Promise<void> {
    this.handler = handler;
    this.concurrency = concurrency;
    this.pump();
  }

  private enqueue(job: DispatchJob): void {
    this.ready.push(job);
    this.pump();
  }

  private pump(): void {
    while (!this.closed && this.handler && this.running < this.concurrency && this.ready.length > 0) {
      const job = this.ready.shift()!;
      const handler = this.handler;
      this.run(() => handler(job, this.ctx), job);
    }
  }

  private run(task: () => Promise<void>, job: DispatchJob | undefined): void {
    this.running += 1;
    task()
      .catch(() => {}) // the handler logs its own failures; the sweeper retries
      .finally(() => {
        if (job) this.queued.delete(jobId(job));
        this.running -= 1;
        if (this.running === 0 && this.idle) this.idle();
        this.pump();
      });
  }

  async close(graceMs = 10_000): Promise<void> {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.ready.length = 0;
    if (this.running > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, graceMs);
        this.idle = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  async depth(): Promise<number> {
    return this.ready.length + this.timers.size;
  }

  async ping(): Promise<void> {}
}
