/**
 * A counting semaphore: at most `permits` holders at once; `acquire` waits (first come, first
 * served) for a permit, `release` hands it to the next waiter.
 */
export class Semaphore {
  private readonly waiters: Array<() => void> = [];
  private available: number;

  constructor(permits: number) {
    if (!Number.isInteger(permits) || permits < 1) throw new RangeError('a semaphore needs at least one permit');
    this.available = permits;
  }

  acquire(): Promise<void> {
    if (this.available > 0) {
      this.available -= 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /**
   * Take a permit now, even when none is free: the count goes below zero and later `acquire`s wait
   * until enough are released. For work that must not queue behind the current holders (they may
   * be waiting for it) and is bounded by something of its own.
   */
  take(): void {
    this.available -= 1;
  }

  release(): void {
    if (this.available < 0) {
      this.available += 1;
      return;
    }
    const next = this.waiters.shift();
    if (next) next();
    else this.available += 1;
  }

  /** permits free right now */
  get free(): number {
    return this.available;
  }
}
