/**
 * When to try again, and when to give up. The schedule lists the delays before attempts 2, 3, …;
 * jitter spreads retries so that a recipient coming back is not hit by a wave, and a recipient's
 * Retry-After wins when it asks for longer.
 *
 * The schedule is a bound in time as well as in attempts (issue 20): a delivery is given up once
 * its attempts are used up, or once its deadline (`gives_up_at`) has passed — whatever the circuit
 * breaker or the rate limit did meanwhile, since a delivery they defer makes no attempt. The
 * deadline is set at its first claim to the longest the schedule can take when every attempt is
 * made on time: every delay at its longest (jitter included) plus an attempt timeout per attempt
 * (wasla_gives_up_at, migration 0008), so that a delivery retried as scheduled is never cut short
 * by it. No delay reaches past the deadline: the last chance is an attempt at the deadline. Unless
 * the agreement says `storeAndForward`: then there is no deadline, and once the schedule is used up
 * the delivery is retried at its last delay until the recipient takes it (visible meanwhile).
 * Every delay returned is a whole number of milliseconds in [0, MAX_DELAY_MS].
 */
import { DEFAULT_RETRY, MAX_DELAY_MS, type RetryPolicy } from '../federation/index.js';
/** store and forward: the shortest wait between attempts once the schedule is used up */
const MIN_FORWARD_MS = 1000;

/** delay in ms before the next attempt, or undefined when `attemptsMade` used the schedule up */
export function nextDelayMs(policy: RetryPolicy, attemptsMade: number, retryAfterMs?: number, random = Math.random): number | undefined {
  const base = policy.schedule[attemptsMade - 1];
  if (base === undefined) return undefined;
  const factor = 1 + policy.jitter * (2 * random() - 1);
  const ms = Math.max(0, Math.round(base * 1000 * factor));
  return Math.min(MAX_DELAY_MS, Math.round(retryAfterMs !== undefined ? Math.max(ms, retryAfterMs) : ms));
}

export type RetryDecision = { retry: true; inMs: number } | { retry: false; why: string };

export interface RetryContext {
  /** attempts made under this schedule (since the last replay), the failed one included */
  attemptsMade: number;
  /** when the delivery is given up; null or undefined: never (store and forward) */
  deadline?: Date | null;
  now?: number;
  retryAfterMs?: number;
  random?: () => number;
}

function ranOut(deadline: Date): string {
  return `its retry schedule's time ran out at ${deadline.toISOString()}`;
}

/** After a failed attempt: when to try again, or why not. */
export function afterFailure(policy: RetryPolicy, c: RetryContext): RetryDecision {
  const now = c.now ?? Date.now();
  const random = c.random ?? Math.random;
  if (c.deadline && now >= c.deadline.getTime()) return { retry: false, why: ranOut(c.deadline) };
  let delay = nextDelayMs(policy, c.attemptsMade, c.retryAfterMs, random);
  if (delay === undefined) {
    if (!policy.storeAndForward) return { retry: false, why: 'retries exhausted' };
    // store and forward: on at the schedule's last step, for as long as it takes
    const last = policy.schedule.at(-1) ?? DEFAULT_RETRY.schedule.at(-1)!;
    delay = Math.max(MIN_FORWARD_MS, nextDelayMs({ ...policy, schedule: [last] }, 1, c.retryAfterMs, random)!);
  }
  return { retry: true, inMs: clampToDeadline(delay, now, c.deadline) };
}

/**
 * The recipient cannot be tried now (breaker open, rate limit, its line full) and asks for
 * `delayMs`: when to look again — never past the deadline — or, once the deadline has passed, why
 * the delivery is given up.
 */
export function deferral(deadline: Date | null | undefined, delayMs: number, now = Date.now()): RetryDecision {
  if (deadline && now >= deadline.getTime()) return { retry: false, why: `${ranOut(deadline)} while the recipient could not be tried` };
  return { retry: true, inMs: clampToDeadline(Math.min(MAX_DELAY_MS, Math.max(0, Math.round(delayMs))), now, deadline) };
}

function clampToDeadline(delayMs: number, now: number, deadline: Date | null | undefined): number {
  return deadline ? Math.max(0, Math.min(delayMs, deadline.getTime() - now)) : delayMs;
}
