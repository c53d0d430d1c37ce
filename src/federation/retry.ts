/** How a delivery is retried and paced, as an agreement's grant sets it (defaults below). */

export interface RetryPolicy {
  /** delays in seconds before attempt 2, 3, ...; its length + 1 is the maximum number of attempts */
  schedule: number[];
  /** 0..1: each delay is multiplied by a random factor in [1 - jitter, 1 + jitter] */
  jitter: number;
  /**
   * Store and forward: the delivery is never given up for time or attempts; once the schedule is
   * used up it is retried at the schedule's last delay until the recipient takes it. Without it the
   * schedule is a bound in time too (see workers/retry-policy.ts).
   */
  storeAndForward?: boolean;
}

export interface RateLimit {
  perSecond: number;
  burst: number;
}

/** Delays before attempts 2..8: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h; the first attempt is immediate. */
export const DEFAULT_RETRY: RetryPolicy = Object.freeze({
  schedule: Object.freeze([5, 300, 1800, 7200, 18000, 36000, 36000]) as number[],
  jitter: 0.2,
});

/** no single wait is longer than a week (the longest step an agreement may write; timers and `int` columns hold it) */
export const MAX_DELAY_MS = 7 * 24 * 3600 * 1000;
