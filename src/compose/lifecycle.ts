/**
 * Starting and stopping the hub's parts. Each part is built started and registers how to stop it
 * the moment it runs; `Lifecycle` stops them in the reverse order, at shutdown and when a later part
 * fails to start, so that a failed start leaves nothing open behind it. Cleanup is written once,
 * beside what it cleans up.
 */
import type { Logger } from 'pino';

export type Stop = () => Promise<void> | void;

export class Lifecycle {
  private readonly stops: Array<{ name: string; stop: Stop }> = [];
  private stopping?: Promise<void>;

  /** Register how to stop something that now runs; it is stopped before anything registered earlier. */
  onStop(name: string, stop: Stop): void {
    this.stops.push({ name, stop });
  }

  /**
   * Build with `build`; if it throws, stop whatever it had started (the last first) and throw its
   * error — the cleanup's own failures are logged, never hide the cause.
   */
  async start<T>(build: () => Promise<T>, log: Logger): Promise<T> {
    try {
      return await build();
    } catch (err) {
      await this.stop(log);
      throw err;
    }
  }

  /** Stop every part, the last started first; one that fails is logged and the others still stop. Idempotent. */
  stop(log: Logger): Promise<void> {
    return (this.stopping ??= (async () => {
      for (const { name, stop } of this.stops.splice(0).reverse()) {
        try {
          await stop();
        } catch (err) {
          log.error({ part: name, err: (err as Error).message }, 'a part failed to stop');
        }
      }
    })());
  }
}

/** `fn` run once; later calls get the first call's promise. */
export function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}
