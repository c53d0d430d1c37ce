/**
 * The BullMQ dispatcher (server mode). Job ids derive from (delivery id, attempt), so a job cannot
 * be queued twice; completed jobs are removed so the sweeper can queue the same attempt again
 * after Redis lost it. A job the sweeper sends again (`swept`) whose id Redis still holds, but in
 * none of its lists — a partial loss — is removed and queued anew at once (issue 20), instead of
 * being taken for a duplicate. Redis must run with `maxmemory-policy noeviction`.
 */
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { jobId, type DeliveryHandler, type Dispatcher, type DispatchJob, type HandlerContext } from './dispatcher.js';
import { UUID_RE } from '../ids.js';
import { Semaphore } from '../semaphore.js';

/** fresh deliveries carried by one queue job */
const FRESH_PER_JOB = 64;

/**
 * The ids (ARGV[2..]) whose job hash exists (under the prefix ARGV[1]) while the job is in none of
 * the lists and sets a job waits, runs or is held in: BullMQ would take a new job under such an id
 * for a duplicate, and the delivery would wait for the sweeper's stuck-job fallback. KEYS: wait,
 * paused, active, delayed, prioritized, waiting-children. The lists are read once, and only when
 * some id is in none of the sets.
 */
const ORPHANS = `
local candidates = {}
for i = 2, #ARGV do
  local id = ARGV[i]
  if redis.call('EXISTS', ARGV[1] .. id) == 1 and not redis.call('ZSCORE', KEYS[4], id)
    and not redis.call('ZSCORE', KEYS[5], id) and not redis.call('ZSCORE', KEYS[6], id) then
    candidates[#candidates + 1] = id
  end
end
if #candidates == 0 then return {} end
local listed = {}
for k = 1, 3 do
  for _, id in ipairs(redis.call('LRANGE', KEYS[k], 0, -1)) do listed[id] = true end
end
local out = {}
for _, id in ipairs(candidates) do
  if not listed[id] then out[#out + 1] = id end
end
return out`;

export interface BullMqOptions {
  redisUrl: string;
  queueName: string;
  /** key prefix, so tests and several hubs can share one Redis */
  prefix?: string;
  /** how long jobs are gathered before they go to Redis together (default 2 ms; see `dispatch`) */
  gatherMs?: number;
}

export class BullMqDispatcher implements Dispatcher {
  readonly kind = 'bullmq' as const;
  private readonly producer: Redis;
  private readonly queue: Queue;
  private worker?: Worker;
  private workerConn?: Redis;
  private pending: Array<{ jobs: DispatchJob[]; resolve: () => void; reject: (err: unknown) => void }> = [];
  private pendingCount = 0;
  private flushTimer?: NodeJS.Timeout;
  /** deliveries started from grouped jobs or parked ones, whose queue job has already completed */
  private readonly running = new Set<Promise<void>>();
  private closing = false;

  constructor(private readonly opts: BullMqOptions) {
    // Fail fast while Redis is away (one retry per command, and ready() below refuses to queue
    // commands for long): intake must not wait on it, the sweeper re-dispatches.
    this.producer = new Redis(opts.redisUrl, { maxRetriesPerRequest: 1 });
    this.producer.on('error', () => {});
    this.queue = new Queue(opts.queueName, {
      connection: this.producer,
      prefix: opts.prefix ?? 'wasla',
      skipWaitingForReady: true,
      defaultJobOptions: { removeOnComplete: true, removeOnFail: true, attempts: 1 },
    });
    this.queue.on('error', () => {});
  }

  /** whether Redis answers now (the producer connection is ready) */
  reachable(): boolean {
    return this.producer.status === 'ready';
  }

  /** wait briefly for the producer connection; with no offline queue, commands need it ready */
  private async ready(timeoutMs = 2000): Promise<void> {
    if (this.producer.status === 'ready') return;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => {
        this.producer.off('ready', onReady);
        reject(new Error(`Redis not ready (${this.producer.status})`));
      }, timeoutMs);
      const onReady = () => {
        clearTimeout(t);
        resolve();
      };
      this.producer.once('ready', onReady);
    });
  }

  /**
   * Jobs dispatched within `gatherMs` go to Redis in one addBulk, and the fresh ones among them in
   * one queue job (FRESH_PER_JOB): one round trip for many messages, and one wake-up of a worker,
   * which then claims, sends and records them together. Under load any short window gathers many;
   * below it (issue 29) only a longer one does — at 200 messages a second, 20 ms instead of 2 took
   * the Redis commands from 40–51 to 13 a message (docs/benchmark.md), for 7 to 15 ms more from
   * intake to delivery. The promise settles when its batch has.
   */
  dispatch(jobs: DispatchJob[]): Promise<void> {
    if (jobs.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ jobs, resolve, reject });
      this.pendingCount += jobs.length;
      if (this.pendingCount >= 500) void this.flush();
      else this.flushTimer ??= setTimeout(() => void this.flush(), this.opts.gatherMs ?? 2);
    });
  }

  private async flush(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const batch = this.pending;
    this.pending = [];
    this.pendingCount = 0;
    if (batch.length === 0) return;
    try {
      await this.ready();
      const all = batch.flatMap((b) => b.jobs);
      await this.dropOrphans(all.filter((j) => j.swept));
      const fresh = all.filter((j) => j.fresh && !j.delayMs);
      const rest = all.filter((j) => !(j.fresh && !j.delayMs));
      // Fresh deliveries travel FRESH_PER_JOB to a queue job: a BullMQ job costs ~10 Redis
      // commands and ~0.3 ms of worker CPU, more than the rest of a delivery's scheduling.
      const groups: Array<Parameters<Queue['addBulk']>[0][number]> = [];
      for (let i = 0; i < fresh.length; i += FRESH_PER_JOB) {
        const part = fresh.slice(i, i + FRESH_PER_JOB);
        groups.push({
          name: 'deliver-many',
          data: { jobs: part.map((j) => ({ deliveryId: j.deliveryId, recipient: j.recipient })) },
          opts: { jobId: `m-${jobId(part[0])}-n${part.length}` },
        });
      }
      await this.queue.addBulk([
        ...groups,
        ...rest.map((j) => ({
          name: 'deliver',
          data: { deliveryId: j.deliveryId, attempt: j.attempt, recipient: j.recipient },
          opts: { jobId: jobId(j), delay: Math.max(0, Math.round(j.delayMs ?? 0)) },
        })),
      ]);
      for (const b of batch) b.resolve();
    } catch (err) {
      for (const b of batch) b.reject(err);
    }
  }

  /** Remove the jobs Redis holds under these jobs' ids in none of its lists, so that they can be queued again. */
  private async dropOrphans(jobs: DispatchJob[]): Promise<void> {
    if (jobs.length === 0) return;
    const keys = ['wait', 'paused', 'active', 'delayed', 'prioritized', 'waiting-children'].map((k) => this.queue.toKey(k));
    const orphans = (await this.producer.eval(ORPHANS, keys.length, ...keys, this.queue.toKey(''), ...jobs.map(jobId))) as string[];
    for (const id of orphans) await this.queue.remove(id).catch(() => 0);
  }

  async start(handler: DeliveryHandler, concurrency: number): Promise<void> {
    // A Worker's connection blocks on BRPOPLPUSH-style commands and must retry forever.
    this.workerConn = new Redis(this.opts.redisUrl, { maxRetriesPerRequest: null });
    this.workerConn.on('error', () => {});
    // One budget of `concurrency` deliveries for single jobs and the items of grouped ones alike.
    const slots = new Semaphore(concurrency);
    const track = (p: Promise<void>) => {
      const started: Promise<void> = p.then(() => void this.running.delete(started));
      this.running.add(started);
    };
    const ctx: HandlerContext = {
      later: (task) => {
        if (this.closing) return false;
        // A parked delivery handed a place runs now, even over the budget: the handlers holding
        // the slots may be waiting for it to move (the recipient's line bounds how many do this).
        slots.take();
        track(guarded(task));
        return true;
      },
    };
    const guarded = async (task: () => Promise<void>) => {
      try {
        await task();
      } catch {
        // the handler logs its own failures; the sweeper retries
      } finally {
        slots.release();
      }
    };
    const run = (job: DispatchJob) => guarded(() => handler(job, ctx));
    this.worker = new Worker(
      this.opts.queueName,
      async (job) => {
        if (job.name === 'deliver-many') {
          // A grouped job is done once each of its deliveries has a slot and has started, so that a
          // recipient holding its slots for an attempt timeout holds no queue job. Should this
          // process die before an item claims its delivery, the delivery is still due in PostgreSQL
          // and the sweeper dispatches it after its grace period; a claimed one has its lease.
          const items = Array.isArray(job.data?.jobs) ? (job.data.jobs as Array<{ deliveryId?: unknown; recipient?: unknown }>) : [];
          for (const item of items) {
            if (typeof item.deliveryId !== 'string' || !UUID_RE.test(item.deliveryId)) continue;
            await slots.acquire();
            track(run({ deliveryId: item.deliveryId, attempt: 0, recipient: typeof item.recipient === 'string' ? item.recipient : undefined }));
          }
          return;
        }
        // A job whose data Redis lost (a partial loss) still names its delivery in its id.
        const fromId = typeof job.id === 'string' ? job.id.slice(0, 36) : '';
        const deliveryId = typeof job.data?.deliveryId === 'string' ? job.data.deliveryId : fromId;
        if (!UUID_RE.test(deliveryId)) return; // not ours to act on; the sweeper covers PostgreSQL
        await slots.acquire();
        await run({ deliveryId, attempt: Number(job.data?.attempt ?? 0), recipient: job.data?.recipient });
      },
      {
        connection: this.workerConn,
        prefix: this.opts.prefix ?? 'wasla',
        concurrency,
        // The lock is renewed while a worker lives; a killed worker's job is found stalled within
        // seconds (not a minute), and the delivery row's own lease covers the attempt itself.
        lockDuration: 15_000,
        stalledInterval: 5_000,
      },
    );
    this.worker.on('error', () => {});
  }

  async close(graceMs = 10_000): Promise<void> {
    this.closing = true;
    await this.flush().catch(() => {});
    const within = (p: Promise<unknown>, ms: number) => Promise.race([p.catch(() => {}), new Promise((r) => setTimeout(r, ms).unref())]);
    if (this.worker) {
      const w = this.worker;
      // close() waits for running jobs; past the grace, force it (leases cover the rest). A worker
      // whose connection is still coming back from a Redis outage may never finish closing, even
      // forced: it gets a second, and then its connection is cut below.
      await within(w.close(), graceMs);
      await within(w.close(true), 1000);
    }
    // items of grouped jobs still running
    if (this.running.size > 0) await within(Promise.allSettled([...this.running]), graceMs);
    await within(this.queue.close(), 1000);
    // BullMQ never closes connections it was handed
    this.producer.disconnect();
    this.workerConn?.disconnect();
  }

  async depth(): Promise<number> {
    await this.ready();
    const c = await this.queue.getJobCounts('waiting', 'delayed', 'prioritized');
    return (c.waiting ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0);
  }

  async ping(): Promise<void> {
    await this.ready();
    await this.producer.ping();
  }
}
