/**
 * Runs `sealAudit` on an interval in every hub process; the advisory lock makes one of them do the
 * work at a time, so any process can die without the chain stalling.
 */
import type { Logger } from 'pino';
import type { Db } from '../store/db.js';
import { sealAll } from './log.js';

export class AuditSealer {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(private readonly db: Db, private readonly log: Logger, private readonly intervalMs = 200) {}

  start(): void {
    const loop = () => {
      if (this.stopped) return;
      this.running = sealAll(this.db, 20).then(() => undefined)
        .catch((err) => this.log.warn({ err: (err as Error).message }, 'audit sealing failed; will try again'))
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) {
            this.timer = setTimeout(loop, this.intervalMs);
            this.timer.unref();
          }
        });
    };
    loop();
  }

  /** stop, after sealing what was committed so far */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await sealAll(this.db, 100).catch((err) => this.log.warn({ err: (err as Error).message }, 'final audit sealing failed; the next process seals'));
  }
}
