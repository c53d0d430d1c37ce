/**
 * Protects recipients from the hub and the hub from a recipient: per recipient, a cap on attempts in
 * flight (so a hanging receiver can hold only a few of a worker's slots and never slows deliveries
 * to others), the agreement's rate limit (a token bucket), and a circuit breaker — after repeated
 * failures the recipient is paused, then probed by a single attempt before traffic resumes.
 * A refused admission is a deferral, not an attempt: the delivery is rescheduled unchanged.
 * State is per worker process; with several workers the cap and the rate apply per process.
 */
import type { RateLimit } from '../routing/types.js';

export interface GateOptions {
  maxInFlightPerRecipient: number;
  /** consecutive failures that open the breaker */
  failureThreshold: number;
  /** first pause; doubles on each failed probe up to maxOpenMs */
  openMs: number;
  maxOpenMs: number;
  now?: () => number;
}

export type Admission =
  | { ok: true; probe: boolean; release: (success: boolean) => void }
  | { ok: false; retryInMs: number; reason: string };

interface RecipientState {
  inFlight: number;
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

  constructor(private readonly o: GateOptions) {
    this.now = o.now ?? Date.now;
  }

  private state(recipient: string): RecipientState {
    let s = this.states.get(recipient);
    if (!s) {
      s = { inFlight: 0, failures: 0, openUntil: 0, openFor: 0, probing: false, tokens: Number.NaN, refilledAt: this.now() };
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

  admit(recipient: string, rateLimit?: RateLimit | null): Admission {
    const s = this.state(recipient);
    const now = this.now();
    let probe = false;
    if (s.openFor > 0) {
      if (now < s.openUntil) return { ok: false, retryInMs: s.openUntil - now + jitter(250), reason: 'circuit open: recipient paused after repeated failures' };
      if (s.probing) return { ok: false, retryInMs: 1000 + jitter(500), reason: 'circuit half-open: waiting for the probe' };
      probe = true;
    }
    if (s.inFlight >= this.o.maxInFlightPerRecipient) {
      return { ok: false, retryInMs: 200 + jitter(300), reason: 'recipient at its concurrency cap' };
    }
    if (rateLimit) {
      if (Number.isNaN(s.tokens)) s.tokens = rateLimit.burst;
      s.tokens = Math.min(rateLimit.burst, s.tokens + ((now - s.refilledAt) / 1000) * rateLimit.perSecond);
      s.refilledAt = now;
      if (s.tokens < 1) {
        return { ok: false, retryInMs: Math.ceil(((1 - s.tokens) / rateLimit.perSecond) * 1000) + jitter(50), reason: 'recipient rate limit' };
      }
      s.tokens -= 1;
    }
    s.inFlight += 1;
    if (probe) s.probing = true;
    let released = false;
    return {
      ok: true,
      probe,
      release: (success: boolean) => {
        if (released) return;
        released = true;
        s.inFlight -= 1;
        if (probe) s.probing = false;
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
