/**
 * Protects recipients from the hub and the hub from a recipient: per recipient, a cap on attempts in
 * flight (so a hanging receiver can hold only a few of a worker's slots and never slows deliveries
 * to others), the agreement's rate limit (a token bucket), and a circuit breaker — after repeated
 * failures the recipient is paused, then probed by a single attempt before traffic resumes.
 *
 * `enter` waits for a free slot when only a few others wait for that recipient (the normal case at
 * high throughput: no round trip through the database or Redis); beyond that it says "busy" and the
 * job is put back on the queue. A paused recipient's deliveries are deferred in the database, which
 * is not an attempt. State is per worker process.
 */
import type { RateLimit } from '../routing/types.js';

export interface GateOptions {
  maxInFlightPerRecipient: number;
  /** handlers allowed to wait for a slot of one recipient (default: the cap) */
  maxWaitersPerRecipient?: number;
  /** consecutive failures that open the breaker */
  failureThreshold: number;
  /** first pause; doubles on each failed probe up to maxOpenMs */
  openMs: number;
  maxOpenMs: number;
  now?: () => number;
}

export type Admission =
  /** `release(true|false)` reports the attempt's health; `release()` returns the slot unused */
  | { ok: true; probe: boolean; release: (success?: boolean) => void }
  /** `defer`: paused (breaker, rate) — defer in the database; otherwise only busy — requeue the job */
  | { ok: false; retryInMs: number; reason: string; defer: boolean };

interface RecipientState {
  inFlight: number;
  waiters: Array<() => void>;
  failures: number;
  openUntil: number;
  openFor: number;
  probing: boolean;
  tokens: number;
  refilledAt: number;
}

export class RecipientGate {
  private readonly states = new Map<string, RecipientState>();
  private readonly now: () => number;
  private readonly maxWaiters: number;

  constructor(private readonly o: GateOptions) {
    this.now = o.now ?? Date.now;
    this.maxWaiters = o.maxWaitersPerRecipient ?? o.maxInFlightPerRecipient;
  }

  private state(recipient: string): RecipientState {
    let s = this.states.get(recipient);
    if (!s) {
      s = { inFlight: 0, waiters: [], failures: 0, openUntil: 0, openFor: 0, probing: false, tokens: Number.NaN, refilledAt: this.now() };
      this.states.set(recipient, s);
    }
    return s;
  }

  /** breaker state for metrics and the status API */
  status(recipient: string): 'closed' | 'open' | 'half-open' {
    const s = this.states.get(recipient);
    if (!s || s.openFor === 0) return 'closed';
    return this.now() < s.openUntil ? 'open' : 'half-open';
  }

  /** Without waiting: admitted, or why not. */
  admit(recipient: string, rateLimit?: RateLimit | null): Admission {
    const s = this.state(recipient);
    const paused = this.paused(s);
    if (paused) return paused;
    if (s.inFlight >= this.o.maxInFlightPerRecipient) {
      return { ok: false, retryInMs: 100 + jitter(200), reason: 'recipient at its concurrency cap', defer: false };
    }
    return this.take(s, rateLimit);
  }

  /** Like admit, but waits for a slot when few others wait for this recipient. */
  async enter(recipient: string, rateLimit?: RateLimit | null): Promise<Admission> {
    const s = this.state(recipient);
    if (!this.paused(s) && s.inFlight >= this.o.maxInFlightPerRecipient && s.waiters.length < this.maxWaiters) {
      await new Promise<void>((resolve) => s.waiters.push(resolve));
    }
    return this.admit(recipient, rateLimit);
  }

  private paused(s: RecipientState): Admission | undefined {
    if (s.openFor === 0) return undefined;
    const now = this.now();
    if (now < s.openUntil) return { ok: false, retryInMs: s.openUntil - now + jitter(250), reason: 'circuit open: recipient paused after repeated failures', defer: true };
    if (s.probing) return { ok: false, retryInMs: 1000 + jitter(500), reason: 'circuit half-open: waiting for the probe', defer: true };
    return undefined;
  }

  private take(s: RecipientState, rateLimit?: RateLimit | null): Admission {
    const now = this.now();
    if (rateLimit) {
      if (Number.isNaN(s.tokens)) s.tokens = rateLimit.burst;
      s.tokens = Math.min(rateLimit.burst, s.tokens + ((now - s.refilledAt) / 1000) * rateLimit.perSecond);
      s.refilledAt = now;
      if (s.tokens < 1) {
        return { ok: false, retryInMs: Math.ceil(((1 - s.tokens) / rateLimit.perSecond) * 1000) + jitter(50), reason: 'recipient rate limit', defer: true };
      }
      s.tokens -= 1;
    }
    const probe = s.openFor > 0;
    s.inFlight += 1;
    if (probe) s.probing = true;
    let released = false;
    return {
      ok: true,
      probe,
      release: (success?: boolean) => {
        if (released) return;
        released = true;
        s.inFlight -= 1;
        if (probe) s.probing = false;
        s.waiters.shift()?.();
        if (success === undefined) return;
        if (success) {
          s.failures = 0;
          s.openFor = 0;
          s.openUntil = 0;
          return;
        }
        s.failures += 1;
        if (probe || s.failures >= this.o.failureThreshold) {
          s.openFor = s.openFor === 0 ? this.o.openMs : Math.min(this.o.maxOpenMs, s.openFor * 2);
          s.openUntil = this.now() + s.openFor;
        }
      },
    };
  }
}

function jitter(ms: number): number {
  return Math.floor(Math.random() * ms);
}
