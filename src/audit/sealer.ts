/**
 * Runs `sealAll` on an interval in every hub process; the advisory lock makes one of them do the
 * work at a time, so any process can die without the chain stalling.
 *
 * The interval backs off while there is nothing to seal: after each empty pass the wait doubles,
 * from `intervalMs` up to `idleMaxMs`, and the first pass that seals something brings it back. A
 * pass costs each process five round trips to the database; at 200 ms that was half of what an
 * idle hub spent (about 1.5 % of a core per process and as much again in PostgreSQL).
 *
 * With the hub's key (issue 26), each seal is signed as it is made; seals someone left unsigned
 * (a process without the key) are signed at the first pass and then once a minute, not at every
 * pass: looking for them is a statement of its own.
 */
import type { Logger } from 'pino';
import type { Db } from '../store/db.js';
import { sealAll } from './log.js';
import { sealStatementSigner, signPendingSeals, type SealSigner } from './seal-signing.js';

/** how often a signing sealer looks for seals left unsigned */
export const LEFTOVER_SIGNING_MS = 60_000;

export interface SealerOptions {
  /** the wait between passes while there is work (default 200 ms) */
  intervalMs?: number;
  /** the longest wait after passes that found nothing (default 1000 ms) */
  idleMaxMs?: number;
  /** one pass: seal up to `rounds` batches, return how many entries (default `sealAll`; tests replace it) */
  seal?: (db: Db, rounds: number) => Promise<number>;
  /** the hub's key (issue 26: seal-signing.ts); absent when this process has none */
  signer?: SealSigner;
  /** signs seals left unsigned (default `signPendingSeals` with `signer`; tests replace it) */
  signLeftovers?: (db: Db) => Promise<number>;
}

export class AuditSealer {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private readonly intervalMs: number;
  private readonly idleMaxMs: number;
  private readonly seal: (db: Db, rounds: number) => Promise<number>;
  private readonly signLeftovers?: (db: Db) => Promise<number>;
  private leftoversAt = Number.NEGATIVE_INFINITY;
  private waitMs: number;

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    opts: SealerOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? 200;
    this.idleMaxMs = Math.max(this.intervalMs, opts.idleMaxMs ?? 1000);
    const sign = opts.signer && sealStatementSigner(opts.signer);
    this.seal = opts.seal ?? ((db: Db, rounds: number) => sealAll(db, rounds, { sign }));
    const signer = opts.signer;
    this.signLeftovers = opts.signLeftovers ?? (signer && ((db: Db) => signPendingSeals(db, signer)));
    this.waitMs = this.intervalMs;
  }

  start(): void {
    const loop = () => {
      if (this.stopped) return;
      this.running = this.pass()
        .then((sealed) => {
          this.waitMs = sealed > 0 ? this.intervalMs : Math.min(this.idleMaxMs, this.waitMs * 2);
        })
        .catch((err) => this.log.warn({ err: (err as Error).message }, 'audit sealing failed; will try again'))
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) {
            this.timer = setTimeout(loop, this.waitMs);
            this.timer.unref();
          }
        });
    };
    loop();
  }

  private async pass(): Promise<number> {
    const sealed = await this.seal(this.db, 20);
    if (this.signLeftovers && Date.now() - this.leftoversAt >= LEFTOVER_SIGNING_MS) {
      this.leftoversAt = Date.now();
      await this.signLeftovers(this.db);
    }
    return sealed;
  }

  /** stop, after sealing what was committed so far */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await this.seal(this.db, 100).catch((err) => this.log.warn({ err: (err as Error).message }, 'final audit sealing failed; the next process seals'));
  }
}
