import { describe, expect, it } from 'vitest';
import { RecipientGate, type Reservation } from '../../../src/workers/recipient-gate.js';

function gate(now: { t: number }, over = {}) {
  return new RecipientGate({ maxInFlightPerRecipient: 2, failureThreshold: 3, openMs: 1000, maxOpenMs: 8000, now: () => now.t, ...over });
}

describe('recipient gate', () => {
  it('caps attempts in flight per recipient, without touching others', () => {
    const now = { t: 0 };
    const g = gate(now);
    const a = g.admit('slow');
    const b = g.admit('slow');
    expect(a.ok && b.ok).toBe(true);
    expect(g.admit('slow')).toMatchObject({ ok: false, reason: expect.stringContaining('concurrency') });
    expect(g.admit('other').ok).toBe(true);
    if (a.ok) a.release(true);
    expect(g.admit('slow').ok).toBe(true);
  });

  it('opens after consecutive failures, probes once when the pause ends, and closes on success', () => {
    const now = { t: 0 };
    const g = gate(now);
    for (let i = 0; i < 3; i++) {
      const a = g.admit('down');
      if (a.ok) a.release(false);
    }
    expect(g.status('down')).toBe('open');
    expect(g.recipients()).toEqual([{ recipient: 'down', inFlight: 0, parked: 0, status: 'open' }]);
    const refused = g.admit('down');
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.retryInMs).toBeGreaterThanOrEqual(1000);
    now.t = 1001;
    const probe = g.admit('down');
    expect(probe).toMatchObject({ ok: true, probe: true });
    expect(g.recipients()).toEqual([{ recipient: 'down', inFlight: 1, parked: 0, status: 'half-open' }]);
    expect(g.admit('down')).toMatchObject({ ok: false, reason: expect.stringContaining('half-open') });
    if (probe.ok) probe.release(true);
    expect(g.status('down')).toBe('closed');
    expect(g.admit('down').ok).toBe(true);
  });

  it('doubles the pause after a failed probe, up to the maximum', () => {
    const now = { t: 0 };
    const g = gate(now);
    for (let i = 0; i < 3; i++) {
      const a = g.admit('down');
      if (a.ok) a.release(false);
    }
    for (const pause of [2000, 4000, 8000, 8000]) {
      now.t += 100_000;
      const p = g.admit('down');
      expect(p.ok).toBe(true);
      if (p.ok) p.release(false);
      const r = g.admit('down');
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.retryInMs).toBeGreaterThanOrEqual(pause);
        expect(r.retryInMs).toBeLessThan(pause + 300);
      }
    }
  });

  it('applies the agreement rate limit as a token bucket', () => {
    const now = { t: 0 };
    const g = gate(now, { maxInFlightPerRecipient: 100 });
    const rl = { perSecond: 2, burst: 2 };
    const admitted = () => {
      const a = g.admit('bank', rl);
      if (a.ok) a.release(true);
      return a.ok;
    };
    expect([admitted(), admitted(), admitted()]).toEqual([true, true, false]);
    now.t += 500;
    expect(admitted()).toBe(true);
    expect(admitted()).toBe(false);
  });
});

describe('recipient gate: waiting for a slot', () => {
  it('lets a few handlers wait for a slot and says "busy" (requeue, not defer) beyond that', async () => {
    const g = new RecipientGate({ maxInFlightPerRecipient: 1, maxWaitersPerRecipient: 1, failureThreshold: 3, openMs: 1000, maxOpenMs: 8000 });
    const first = await g.enter('r');
    expect(first.ok).toBe(true);
    let second: unknown;
    const waiting = g.enter('r').then((a) => (second = a));
    const third = await g.enter('r');
    expect(third).toMatchObject({ ok: false, defer: false });
    expect(second).toBeUndefined();
    if (first.ok) first.release(true);
    await waiting;
    expect(second).toMatchObject({ ok: true });
  });

  it('says "defer" while the breaker is open, and returning a slot unused does not count as a failure', async () => {
    const now = { t: 0 };
    const g = new RecipientGate({ maxInFlightPerRecipient: 5, failureThreshold: 1, openMs: 1000, maxOpenMs: 8000, now: () => now.t });
    const a = g.admit('r');
    if (a.ok) a.release();
    expect(g.status('r')).toBe('closed');
    const b = g.admit('r');
    if (b.ok) b.release(false);
    expect(await g.enter('r')).toMatchObject({ ok: false, defer: true });
  });
});

describe('recipient gate: places in line', () => {
  const gate = (cap = 1, waiters = 1) => new RecipientGate({ maxInFlightPerRecipient: cap, maxWaitersPerRecipient: waiters, failureThreshold: 1, openMs: 1000, maxOpenMs: 8000 });

  it('bounds the line at cap + waiters, counting places not yet entered, and frees a cancelled place', () => {
    const g = gate(1, 1);
    const a = g.reserve('r');
    const b = g.reserve('r');
    expect(a.ok && b.ok).toBe(true);
    expect(g.reserve('r')).toMatchObject({ ok: false, defer: false });
    expect(g.reserve('other').ok).toBe(true);
    if (b.ok) b.reservation.cancel();
    expect(g.reserve('r').ok).toBe(true);
  });

  it('lets a place wait for the slot and enter when it is released', async () => {
    const g = gate(1, 2);
    const first = await g.enter('r');
    const place = g.reserve('r');
    if (!place.ok || !first.ok) throw new Error('expected places');
    let entered: unknown;
    const waiting = place.reservation.enter().then((a) => (entered = a));
    await new Promise((r) => setTimeout(r, 5));
    expect(entered).toBeUndefined();
    first.release(true);
    await waiting;
    expect(entered).toMatchObject({ ok: true });
  });

  it('wakes every waiter when the breaker opens, so none waits for a release that never comes', async () => {
    const g = gate(1, 3);
    const first = await g.enter('r');
    if (!first.ok) throw new Error('expected a slot');
    const places = [g.reserve('r'), g.reserve('r'), g.reserve('r')].map((p) => {
      if (!p.ok) throw new Error('expected a place');
      return p.reservation.enter();
    });
    first.release(false); // threshold 1: the breaker opens
    const results = await Promise.all(places);
    expect(results.every((a) => !a.ok && a.defer)).toBe(true);
  });
});

describe('recipient gate: parked jobs', () => {
  const gate = (o: Partial<{ cap: number; waiters: number; parked: number; failures: number; parkWaitMs: number; now: () => number }> = {}) =>
    new RecipientGate({
      maxInFlightPerRecipient: o.cap ?? 1,
      maxWaitersPerRecipient: o.waiters ?? 1,
      maxParkedPerRecipient: o.parked,
      parkWaitMs: o.parkWaitMs,
      failureThreshold: o.failures ?? 1,
      openMs: 1000,
      maxOpenMs: 8000,
      now: o.now,
    });
  const tick = () => new Promise((r) => setTimeout(r, 0));

  it('hands a parked job a place when one frees, in arrival order, and keeps newcomers behind it', async () => {
    const g = gate({ cap: 1, waiters: 0 });
    const first = g.reserve('r');
    if (!first.ok) throw new Error('expected a place');
    expect(g.reserve('r').ok).toBe(false);
    const woken: Array<[string, Reservation]> = [];
    expect(await g.park('r', (p) => woken.push(['a', p]))).toBe(true);
    expect(await g.park('r', (p) => woken.push(['b', p]))).toBe(true);
    expect(g.parkedFor('r')).toBe(2);
    await tick();
    expect(woken).toEqual([]);
    const slot = await first.reservation.enter();
    if (!slot.ok) throw new Error('expected the slot');
    // what the worker's metrics show of it
    expect(g.recipients()).toEqual([{ recipient: 'r', inFlight: 1, parked: 2, status: 'closed' }]);
    // the line is free again only when the slot is released
    await tick();
    expect(woken).toEqual([]);
    slot.release(true);
    await tick();
    expect(woken.map(([n]) => n)).toEqual(['a']);
    // while b is parked, a newcomer is busy even when a place frees, so b is not overtaken
    woken[0][1].cancel();
    expect(g.reserve('r').ok).toBe(false);
    await tick();
    expect(woken.map(([n]) => n)).toEqual(['a', 'b']);
    expect(g.parkedFor('r')).toBe(0);
    const b = await woken[1][1].enter();
    expect(b.ok).toBe(true);
  });

  it('with maxParked parked, lets a job for an answering recipient wait for room, and parks it when room is made', async () => {
    const g = gate({ cap: 1, waiters: 0, parked: 1, parkWaitMs: 5000 });
    const first = await g.enter('r');
    if (!first.ok) throw new Error('expected the slot');
    const woken: string[] = [];
    expect(await g.park('r', () => woken.push('a'))).toBe(true);
    let b: boolean | undefined;
    const waiting = g.park('r', () => woken.push('b')).then((v) => (b = v));
    await tick();
    expect(b).toBeUndefined(); // waiting for room, not refused
    expect(g.reserve('other').ok).toBe(true); // other recipients are not held up
    first.release(true); // a's turn: room for b
    await waiting;
    expect(b).toBe(true);
    expect(woken).toEqual(['a']);
    expect(g.parkedFor('r')).toBe(1);
  });

  it('sends a job back (false) when room is not made within parkWaitMs', async () => {
    const g = gate({ cap: 1, waiters: 0, parked: 1, parkWaitMs: 30 });
    expect(g.reserve('r').ok).toBe(true);
    expect(await g.park('r', () => {})).toBe(true);
    const t0 = Date.now();
    expect(await g.park('r', () => {})).toBe(false);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(25);
    expect(g.parkedFor('r')).toBe(1);
  });

  it('sends a job back at once when the parked are full and the recipient has not answered for a second', async () => {
    const now = { t: 0 };
    const g = gate({ cap: 1, waiters: 0, parked: 1, parkWaitMs: 60_000, now: () => now.t });
    expect(g.reserve('r').ok).toBe(true); // an attempt that hangs
    expect(await g.park('r', () => {})).toBe(true);
    now.t = 1500;
    expect(await g.park('r', () => {})).toBe(false);
  });

  it('hands every parked job a place when the breaker opens, and those places are deferred', async () => {
    const g = gate({ cap: 1, waiters: 0, parked: 8, failures: 1 });
    const first = await g.enter('r');
    if (!first.ok) throw new Error('expected the slot');
    const woken: Reservation[] = [];
    for (let i = 0; i < 5; i++) expect(await g.park('r', (p) => woken.push(p))).toBe(true);
    first.release(false); // the breaker opens
    await tick();
    expect(woken).toHaveLength(5);
    for (const p of woken) expect(await p.enter()).toMatchObject({ ok: false, defer: true });
  });
});

describe('recipient gate: a rate limit shared with other worker processes', () => {
  const rl = { perSecond: 2, burst: 1 };
  /** a shared bucket that answers from a script of waits (0: taken), or fails */
  function shared(waits: Array<number | Error>) {
    const calls: string[] = [];
    return {
      calls,
      take: async (recipient: string) => {
        calls.push(recipient);
        const w = waits.shift() ?? 0;
        if (w instanceof Error) throw w;
        return w;
      },
    };
  }

  it('draws on the shared bucket, not its own: admitted as often as the shared bucket allows', async () => {
    const sharedRate = shared([0, 0, 0]);
    const g = gate({ t: 0 }, { sharedRate });
    const results = [];
    for (let i = 0; i < 3; i++) {
      const a = await g.enter('bank', rl);
      results.push(a.ok);
      if (a.ok) a.release(true);
    }
    // burst 1: its own bucket would have refused the second and the third
    expect(results).toEqual([true, true, true]);
    expect(sharedRate.calls).toEqual(['bank', 'bank', 'bank']);
  });

  it('defers when the shared bucket refuses, for at least its wait, and gives the slot back unused', async () => {
    const g = gate({ t: 0 }, { sharedRate: shared([700]) });
    const refused = await g.enter('bank', rl);
    expect(refused).toMatchObject({ ok: false, defer: true, reason: 'recipient rate limit' });
    expect(!refused.ok && refused.retryInMs).toBeGreaterThanOrEqual(700);
    expect(g.recipients()).toEqual([{ recipient: 'bank', inFlight: 0, parked: 0, status: 'closed' }]);
    // the slot is free again, and a refusal by rate says nothing about the recipient's health
    const next = await g.enter('bank', rl);
    expect(next.ok).toBe(true);
    expect(g.status('bank')).toBe('closed');
  });

  it('asks the shared bucket only for deliveries under a rate limit', async () => {
    const sharedRate = shared([]);
    const g = gate({ t: 0 }, { sharedRate });
    const a = await g.enter('court');
    expect(a.ok).toBe(true);
    expect(sharedRate.calls).toEqual([]);
  });

  it('falls back to its own bucket while the shared one cannot be reached, and says so', async () => {
    const errors: unknown[] = [];
    const g = gate({ t: 0 }, { sharedRate: shared([new Error('Redis away'), new Error('Redis away')]), onSharedRateError: (e: unknown) => errors.push(e) });
    const first = await g.enter('bank', rl);
    expect(first.ok).toBe(true);
    if (first.ok) first.release(true);
    // its own bucket (burst 1) is spent: refused, deferred
    expect(await g.enter('bank', rl)).toMatchObject({ ok: false, defer: true, reason: 'recipient rate limit' });
    expect(errors).toHaveLength(2);
  });
});
