/**
 * Replay guard: remembers signatures that were accepted, so the same signed request cannot be
 * played twice within the window in which it would otherwise verify (DESIGN invariant 5;
 * RFC 9421 §7.2.2 leaves replay protection to the application).
 *
 * Guarantees of every implementation: `seen(hash, ttl)` is atomic — of two concurrent calls with
 * the same hash exactly one returns false — and records the hash for at least `ttl` seconds.
 * This file holds the interface and the in-process implementation; replay-guard-redis.ts holds
 * the shared one that several api processes must use.
 */

export interface ReplayGuard {
  /** true if `signatureHash` was already recorded; otherwise records it for `ttlSeconds` and returns false */
  seen(signatureHash: string, ttlSeconds: number): Promise<boolean>;
}

export interface MemoryReplayGuardOptions {
  /** most hashes kept (default 100 000); beyond it the oldest entries are dropped */
  maxEntries?: number;
  /** clock in ms, for tests */
  now?: () => number;
}

/**
 * One process only. Bounded: when full it forgets the oldest entry, which could let a replay of
 * that entry through, so size maxEntries above (requests per second x window). JavaScript runs
 * `seen` to completion without interleaving, which makes check-and-record atomic here.
 */
export class MemoryReplayGuard implements ReplayGuard {
  private readonly entries = new Map<string, number>();
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(opts: MemoryReplayGuardOptions = {}) {
    this.maxEntries = opts.maxEntries ?? 100_000;
    if (!(this.maxEntries >= 1)) throw new RangeError('maxEntries must be at least 1');
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  async seen(signatureHash: string, ttlSeconds: number): Promise<boolean> {
    const now = this.now();
    const expiresAt = this.entries.get(signatureHash);
    if (expiresAt !== undefined && expiresAt > now) return true;
    if (expiresAt !== undefined) this.entries.delete(signatureHash);
    this.evict(now);
    this.entries.set(signatureHash, now + Math.max(1, ttlSeconds) * 1000);
    return false;
  }

  private evict(now: number): void {
    // Map iterates in insertion order: drop expired entries from the front, then the oldest if full
    for (const [k, exp] of this.entries) {
      if (exp > now && this.entries.size < this.maxEntries) break;
      this.entries.delete(k);
    }
  }
}

/**
 * The shared guard with a local one in front: every signature is recorded in this process too, so a
 * replay to the same process is caught without a round trip, and while the shared store (Redis) is
 * unreachable intake goes on with the local guard alone rather than refusing every request — a
 * replay sent to another api process during the outage is the accepted risk, and idempotency keys
 * still stop a repeated message. `onDegraded` is told so the operator sees it.
 */
export class LayeredReplayGuard implements ReplayGuard {
  constructor(
    private readonly local: ReplayGuard,
    private readonly shared: ReplayGuard,
    private readonly onDegraded: (err: unknown) => void = () => {},
  ) {}

  async seen(signatureHash: string, ttlSeconds: number): Promise<boolean> {
    if (await this.local.seen(signatureHash, ttlSeconds)) return true;
    try {
      return await this.shared.seen(signatureHash, ttlSeconds);
    } catch (err) {
      this.onDegraded(err);
      return false;
    }
  }
}
