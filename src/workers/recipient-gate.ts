/**
 * Protects recipients from the hub and the hub from a recipient: per recipient, a cap on attempts in
 * flight (so a hanging receiver can hold only a few of a worker's slots and never slows deliveries
 * to others), the agreement's rate limit (a token bucket), and a circuit breaker — after repeated
 * failures the recipient is paused, then probed by a single attempt before traffic resumes.
 *
 * A delivery takes a place in its recipient's line before the worker claims it (`reserve`), and
 * waits for a slot after the claim (`Reservation.enter`), so that a slot is held only for the
 * exchange with the recipient, not for the database round trip. The line is bounded: a recipient
 * holds at most cap + maxWaiters of a worker's deliveries; beyond that `reserve` says "busy". A busy
 * job may then be parked (`park`): it waits in memory, holding none of the worker's slots, and is
 * handed a place as soon as one frees — a recipient that gets most of the traffic keeps its line
 * full without sending jobs back through the queue, and a hanging one still holds only its line.
 * When maxParked are parked already, a job for a recipient that is answering waits for room (for
 * at most parkWaitMs, holding its worker slot: the worker then stops taking more jobs from the
 * queue than it can deliver, rather than cycle them through it); a job for a recipient that has
 * stopped answering, or that waited its time, goes back on the queue, nothing written. A paused
 * recipient's deliveries are deferred in the database, which is not an attempt. State is per
 * worker process, except the rate limit's bucket when a shared one is given (`sharedRate`: every
 * worker process then draws on one bucket per recipient; while it cannot be reached, each falls
 * back to its own).
 */
import type { RateLimit } from '../federation/index.js';
import type { SharedRateLimit } from './shared-rate-limit.js';

/** a recipient whose last attempt ended longer ago than this is not worth waiting for room for */
const ANSWERING_WITHIN_MS = 1000;

export interface GateOptions {
  maxInFlightPerRecipient: number;
  /** handlers allowed to wait for a slot of one recipient (default: the cap) */
  maxWaitersPerRecipient?: number;
  /** busy jobs parked in memory for one recipient (default: 4 × (cap + maxWaiters)) */
  maxParkedPerRecipient?: number;
  /** how long a job may wait for room to park, while its recipient keeps answering (default 1000) */
  parkWaitMs?: number;
  /** consecutive failures that open the breaker */
  failureThreshold: number;
  /** first pause; doubles on each failed probe up to maxOpenMs */
  openMs: number;
  maxOpenMs: number;
  now?: () => number;
  /** the rate limit's buckets, shared with the other worker processes (default: this process's own) */
  sharedRate?: SharedRateLimit;
  /** the shared buckets could not be reached: this attempt used the process's own */
  onSharedRateError?: (err: unknown) => void;
}

export type Admission =
  /** `release(true|false)` reports the attempt's health; `release()` returns the slot unused */
  | { ok: true; probe: boolean; release: (success?: boolean) => void }
  /** `defer`: paused (breaker, rate) — defer in the database; otherwise only busy — requeue the job */
  | { ok: false; retryInMs: number; reason: string; defer: boolean };

/** A place in a recipient's line (see `RecipientGate.reserve`). */
export interface Reservation {
  /** wait for a slot (the place is given up when this resolves) */
  enter(rateLimit?: RateLimit | null): Promise<Admission>;
  /** give the place up without entering (the claim found nothing to do) */
  cancel(): void;
}

interface RecipientState {
  inFlight: number;
  /** places taken in the line and not yet entered or cancelled */
  reserved: number;
  waiters: Array<() => void>;
  /** busy jobs waiting, without a worker slot, to be handed a place */
  parked: Array<(place: Reservation) => void>;
  /** jobs waiting for room among the parked */
  roomWaiters: Array<{ wake: (place: Reservation) => void; admitted: (parked: boolean) => void; timer: NodeJS.Timeout }>;
  unparkQueued: boolean;
  /** when an attempt last ended: a recipient that answers is worth waiting for */
  lastDoneAt: number;
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
  private readonly maxParked: number;

  constructor(private readonly o: GateOptions) {
    this.now = o.now ?? Date.now;
    this.maxWaiters = o.maxWaitersPerRecipient ?? o.maxInFlightPerRecipient;
    this.maxParked = o.maxParkedPerRecipient ?? 4 * (o.maxInFlightPerRecipient + this.maxWaiters);
  }

  private state(recipient: string): RecipientState {
    let s = this.states.get(recipient);
    if (!s) {
      s = {
        inFlight: 0,
        reserved: 0,
        waiters: [],
        parked: [],
        roomWaiters: [],
        unparkQueued: false,
        lastDoneAt: this.now(),
        failures: 0,
        openUntil: 0,
        openFor: 0,
        probing: false,
        tokens: Number.NaN,
        refilledAt: this.now(),
      };
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
    return this.take(recipient, s, rateLimit);
  }

  /**
   * A place in the recipient's line, or "busy" (requeue: nothing written) when the line is full.
   * A paused recipient still gets a place: its delivery is to be claimed and deferred in the
   * database, so that sweeps do not keep finding it due.
   */
  reserve(recipient: string): { ok: true; reservation: Reservation } | Extract<Admission, { ok: false }> {
    const s = this.state(recipient);
    if (!this.paused(s) && (s.parked.length > 0 || !this.placeFree(s))) {
      return { ok: false, retryInMs: 100 + jitter(200), reason: 'recipient at its concurrency cap', defer: false };
    }
    return { ok: true, reservation: this.place(recipient, s) };
  }

  /**
   * Park a job that `reserve` found busy: `wake` is called with a place in the line as soon as one
   * frees (or the recipient is paused), in arrival order. Resolves true once parked; false — then
   * requeue — when maxParked are parked and the recipient has not answered for a second, or no room
   * was made within parkWaitMs.
   */
  park(recipient: string, wake: (place: Reservation) => void): Promise<boolean> {
    const s = this.state(recipient);
    if (s.parked.length < this.maxParked) {
      s.parked.push(wake);
      this.queueUnpark(recipient, s);
      return Promise.resolve(true);
    }
    if (this.now() - s.lastDoneAt > ANSWERING_WITHIN_MS) return Promise.resolve(false);
    return new Promise<boolean>((admitted) => {
      const waiter = {
        wake,
        admitted,
        timer: setTimeout(() => {
          s.roomWaiters.splice(s.roomWaiters.indexOf(waiter), 1);
          admitted(false);
        }, this.o.parkWaitMs ?? 1000),
      };
      waiter.timer.unref?.();
      s.roomWaiters.push(waiter);
    });
  }

  /** jobs parked for a recipient (tests and diagnostics) */
  parkedFor(recipient: string): number {
    return this.states.get(recipient)?.parked.length ?? 0;
  }

  /** each recipient this worker has met: attempts in flight, jobs parked, breaker state (for metrics) */
  recipients(): Array<{ recipient: string; inFlight: number; parked: number; status: 'closed' | 'open' | 'half-open' }> {
    return [...this.states].map(([recipient, s]) => ({ recipient, inFlight: s.inFlight, parked: s.parked.length, status: this.status(recipient) }));
  }

  private placeFree(s: RecipientState): boolean {
    return s.inFlight + s.reserved < this.o.maxInFlightPerRecipient + this.maxWaiters;
  }

  /** Hand freed places to parked jobs, once the current turn of the event loop has settled. */
  private queueUnpark(recipient: string, s: RecipientState): void {
    if (s.unparkQueued || s.parked.length === 0) return;
    s.unparkQueued = true;
    queueMicrotask(() => {
      s.unparkQueued = false;
      const woken: Array<[(place: Reservation) => void, Reservation]> = [];
      for (;;) {
        while (s.roomWaiters.length > 0 && s.parked.length < this.maxParked) {
          const w = s.roomWaiters.shift()!;
          clearTimeout(w.timer);
          s.parked.push(w.wake);
          w.admitted(true);
        }
        if (s.parked.length === 0 || !(this.paused(s) || this.placeFree(s))) break;
        woken.push([s.parked.shift()!, this.place(recipient, s)]);
      }
      for (const [wake, place] of woken) wake(place);
    });
  }

  private place(recipient: string, s: RecipientState): Reservation {
    s.reserved += 1;
    let done = false;
    const leave = () => {
      if (done) return false;
      done = true;
      s.reserved -= 1;
      this.queueUnpark(recipient, s);
      return true;
    };
    return {
      enter: async (rateLimit) => {
        if (done) throw new Error('reservation already used');
        // Woken waiters and newcomers race for a freed slot; a waiter that loses keeps its place
        // at the head of the line.
        let woken = false;
        while (!this.paused(s) && s.inFlight >= this.o.maxInFlightPerRecipient) {
          await new Promise<void>((resolve) => (woken ? s.waiters.unshift(resolve) : s.waiters.push(resolve)));
          woken = true;
        }
        leave();
        const shared = rateLimit && this.o.sharedRate ? rateLimit : undefined;
        const admission = this.admit(recipient, shared ? null : rateLimit);
        // Not taking the slot (paused, rate): pass the wake-up on, or the next waiter would wait
        // for a release that never comes.
        if (!admission.ok) s.waiters.shift()?.();
        if (!admission.ok || !shared) return admission;
        // the shared bucket is asked with the slot held, so that no other delivery takes the slot
        // meanwhile; refused, the slot goes back unused (and wakes the next waiter)
        const refused = await this.takeShared(recipient, s, shared);
        if (!refused) return admission;
        admission.release();
        return refused;
      },
      cancel: () => void leave(),
    };
  }

  /** Take a place and wait for a slot: admitted, or why not. */
  async enter(recipient: string, rateLimit?: RateLimit | null): Promise<Admission> {
    const r = this.reserve(recipient);
    return r.ok ? r.reservation.enter(rateLimit) : r;
  }

  private paused(s: RecipientState): Admission | undefined {
    if (s.openFor === 0) return undefined;
    const now = this.now();
    if (now < s.openUntil) return { ok: false, retryInMs: s.openUntil - now + jitter(250), reason: 'circuit open: recipient paused after repeated failures', defer: true };
    if (s.probing) return { ok: false, retryInMs: 1000 + jitter(500), reason: 'circuit half-open: waiting for the probe', defer: true };
    return undefined;
  }

  /** a token of this process's own bucket for the recipient, or the refusal */
  private localToken(s: RecipientState, rateLimit: RateLimit): Extract<Admission, { ok: false }> | undefined {
    const now = this.now();
    if (Number.isNaN(s.tokens)) s.tokens = rateLimit.burst;
    s.tokens = Math.min(rateLimit.burst, s.tokens + ((now - s.refilledAt) / 1000) * rateLimit.perSecond);
    s.refilledAt = now;
    if (s.tokens < 1) return rateRefusal(Math.ceil(((1 - s.tokens) / rateLimit.perSecond) * 1000));
    s.tokens -= 1;
    return undefined;
  }

  /** a token of the shared bucket, or the refusal; this process's own bucket while it is unreachable */
  private async takeShared(recipient: string, s: RecipientState, rateLimit: RateLimit): Promise<Extract<Admission, { ok: false }> | undefined> {
    let waitMs: number;
    try {
      waitMs = await this.o.sharedRate!.take(recipient, rateLimit);
    } catch (err) {
      this.o.onSharedRateError?.(err);
      return this.localToken(s, rateLimit);
    }
    return waitMs > 0 ? rateRefusal(waitMs) : undefined;
  }

  private take(recipient: string, s: RecipientState, rateLimit?: RateLimit | null): Admission {
    if (rateLimit) {
      const refused = this.localToken(s, rateLimit);
      if (refused) return refused;
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
        s.lastDoneAt = this.now();
        if (probe) s.probing = false;
        s.waiters.shift()?.();
        // a place is free, or the breaker is about to open: parked jobs may go on (after this turn)
        this.queueUnpark(recipient, s);
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

function rateRefusal(waitMs: number): Extract<Admission, { ok: false }> {
  return { ok: false, retryInMs: waitMs + jitter(50), reason: 'recipient rate limit', defer: true };
}

function jitter(ms: number): number {
  return Math.floor(Math.random() * ms);
}
