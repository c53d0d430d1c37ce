/**
 * The inbox bell (issue 22): how a long-polling `GET /v1/inbox` learns, within milliseconds, that a
 * delivery for its institution was committed, instead of asking PostgreSQL over and over. It is
 * only a hint, like a job: the inbox still reads PostgreSQL, and polls it on its own (a fallback)
 * should a ring be lost. In embedded mode the bell is in process; in server mode a ring is also
 * published on a Redis channel that every api process subscribes to, so the process that committed
 * the message wakes the one holding the institution's long poll.
 *
 * The dispatcher in front of the queue (`ringingDispatcher`) turns the jobs of a pulling
 * recipient into rings: no worker ever sees them, and nothing is POSTed to that recipient.
 */
import type { Redis } from 'ioredis';
import type { DeliveryHandler, Dispatcher, DispatchJob } from './dispatcher.js';

export interface InboxBell {
  /** deliveries for these recipients were committed (or returned to the inbox) */
  ring(recipients: readonly string[]): void;
  /** resolves at the next ring for `recipient`, after `ms` at the latest, or when `signal` aborts */
  wait(recipient: string, ms: number, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/** The bell of one process. */
export class LocalBell implements InboxBell {
  private readonly waiters = new Map<string, Set<() => void>>();

  ring(recipients: readonly string[]): void {
    for (const r of new Set(recipients)) {
      const set = this.waiters.get(r);
      if (!set) continue;
      this.waiters.delete(r);
      for (const wake of set) wake();
    }
  }

  wait(recipient: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted || ms <= 0) return resolve();
      let set = this.waiters.get(recipient);
      if (!set) this.waiters.set(recipient, (set = new Set()));
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        const s = this.waiters.get(recipient);
        s?.delete(done);
        if (s?.size === 0) this.waiters.delete(recipient);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** how many long polls wait (tests, metrics) */
  waiting(): number {
    let n = 0;
    for (const s of this.waiters.values()) n += s.size;
    return n;
  }

  async close(): Promise<void> {
    this.ring([...this.waiters.keys()]);
  }
}

/** A recipient id as a ring carries it: bounded, so that nothing odd on the channel costs much. */
const MAX_RING_BYTES = 64 * 1024;

/**
 * The bell shared by the processes of a server-mode hub: a ring wakes this process at once and is
 * published on `channel`; `subscriber` (a connection of its own, as Redis requires) hears the
 * other processes' rings. A Redis outage loses rings, not deliveries: the inbox's fallback poll
 * finds them.
 */
export class RedisBell implements InboxBell {
  private readonly local = new LocalBell();

  private constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly channel: string,
  ) {}

  static async start(publisher: Redis, subscriber: Redis, channel: string): Promise<RedisBell> {
    const bell = new RedisBell(publisher, subscriber, channel);
    subscriber.on('message', (ch: string, text: string) => {
      if (ch !== channel || text.length > MAX_RING_BYTES) return;
      bell.local.ring(text.split('\n').filter(Boolean));
    });
    await subscriber.subscribe(channel);
    return bell;
  }

  ring(recipients: readonly string[]): void {
    if (recipients.length === 0) return;
    this.local.ring(recipients);
    this.publisher.publish(this.channel, [...new Set(recipients)].join('\n')).catch(() => {});
  }

  wait(recipient: string, ms: number, signal?: AbortSignal): Promise<void> {
    return this.local.wait(recipient, ms, signal);
  }

  async close(): Promise<void> {
    await this.local.close();
    this.subscriber.disconnect();
  }
}

/**
 * A dispatcher whose jobs for pulling recipients (`pulls(recipient)`) ring the bell instead of
 * going to the queue; every other job goes to `inner` unchanged.
 */
export function ringingDispatcher(inner: Dispatcher, bell: InboxBell, pulls: (recipient: string) => boolean): Dispatcher {
  return {
    kind: inner.kind,
    async dispatch(jobs: DispatchJob[]) {
      const rest: DispatchJob[] = [];
      const rung: string[] = [];
      for (const j of jobs) {
        if (j.recipient !== undefined && pulls(j.recipient)) rung.push(j.recipient);
        else rest.push(j);
      }
      if (rung.length) bell.ring(rung);
      if (rest.length) await inner.dispatch(rest);
    },
    start: (handler: DeliveryHandler, concurrency: number) => inner.start(handler, concurrency),
    close: (graceMs?: number) => inner.close(graceMs),
    depth: () => inner.depth(),
    ping: () => inner.ping(),
    ...(inner.degraded && { degraded: () => inner.degraded!() }),
  };
}
