/**
 * When to try again. The schedule lists the delays before attempts 2, 3, …; when it runs out the
 * delivery is dead. Jitter spreads retries so that a recipient coming back is not hit by a wave.
 * A recipient's Retry-After wins when it asks for longer.
 */
import type { RetryPolicy } from '../routing/types.js';

export const DEFAULT_RETRY: RetryPolicy = { schedule: [5, 300, 1800, 7200, 18000, 36000, 36000], jitter: 0.2 };

/** delay in ms before the next attempt, or undefined when `attemptsMade` used the schedule up */
export function nextDelayMs(policy: RetryPolicy, attemptsMade: number, retryAfterMs?: number, random = Math.random): number | undefined {
  const base = policy.schedule[attemptsMade - 1];
  if (base === undefined) return undefined;
  const factor = 1 + policy.jitter * (2 * random() - 1);
  const ms = Math.max(0, Math.round(base * 1000 * factor));
  return retryAfterMs !== undefined ? Math.max(ms, retryAfterMs) : ms;
}
