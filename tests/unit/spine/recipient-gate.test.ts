import { describe, expect, it } from 'vitest';
import { RecipientGate } from '../../../src/workers/recipient-gate.js';

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
    const refused = g.admit('down');
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.retryInMs).toBeGreaterThanOrEqual(1000);
    now.t = 1001;
    const probe = g.admit('down');
    expect(probe).toMatchObject({ ok: true, probe: true });
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
    const admitted = () => { const a = g.admit('bank', rl); if (a.ok) a.release(true); return a.ok; };
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
