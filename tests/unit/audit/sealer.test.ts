import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import pino from 'pino';
import { AuditSealer, LEFTOVER_SIGNING_MS } from '../../../src/audit/sealer.js';
import type { Db } from '../../../src/store/db.js';

describe('the audit sealer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** runs a sealer whose passes seal `script[i]` entries; returns the (fake) time of each pass */
  async function passTimes(script: number[], opts: { intervalMs: number; idleMaxMs: number }, runForMs: number) {
    const times: number[] = [];
    const start = Date.now();
    let i = 0;
    const sealer = new AuditSealer({} as Db, pino({ level: 'silent' }), {
      ...opts,
      seal: async () => {
        times.push(Date.now() - start);
        return script[i++] ?? 0;
      },
    });
    sealer.start();
    await vi.advanceTimersByTimeAsync(runForMs);
    await sealer.stop();
    return times;
  }

  it('waits longer after each pass that found nothing, up to idleMaxMs, and goes back to the interval once it seals', async () => {
    // passes: 0 0 0 0 0 (backing off) 3 (work) 0 ...
    const times = await passTimes([0, 0, 0, 0, 0, 3, 0, 0], { intervalMs: 100, idleMaxMs: 500 }, 2450);
    const gaps = times.slice(1).map((t, k) => t - times[k]);
    // 0 at start; then 200, 400, 500 (capped), 500, then the pass that sealed: 100 after it; then backing off again
    expect(gaps.slice(0, 7)).toEqual([200, 400, 500, 500, 500, 100, 200]);
  });

  it('keeps the interval while every pass has work, and seals once more when stopped', async () => {
    const times = await passTimes([5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5], { intervalMs: 100, idleMaxMs: 1000 }, 450);
    // passes at 0, 100, 200, 300, 400, then the final one in stop()
    expect(times).toEqual([0, 100, 200, 300, 400, 450]);
  });

  it('keeps going after a failed pass', async () => {
    let calls = 0;
    const warn = vi.fn();
    const sealer = new AuditSealer({} as Db, { warn } as unknown as pino.Logger, {
      intervalMs: 100,
      idleMaxMs: 100,
      seal: async () => {
        calls++;
        if (calls === 1) throw new Error('connection refused');
        return 0;
      },
    });
    sealer.start();
    await vi.advanceTimersByTimeAsync(250);
    await sealer.stop();
    expect(warn).toHaveBeenCalledWith({ err: 'connection refused' }, 'audit sealing failed; will try again');
    expect(calls).toBeGreaterThanOrEqual(3);
  });

  it('signs seals left unsigned at its first pass, then once a minute, not at every pass', async () => {
    const leftovers: number[] = [];
    const start = Date.now();
    const sealer = new AuditSealer({} as Db, pino({ level: 'silent' }), {
      intervalMs: 200,
      idleMaxMs: 1000,
      seal: async () => 1,
      signLeftovers: async () => {
        leftovers.push(Date.now() - start);
        return 0;
      },
    });
    sealer.start();
    await vi.advanceTimersByTimeAsync(LEFTOVER_SIGNING_MS * 2 + 500);
    await sealer.stop();
    // some 600 passes in those two minutes; leftovers signed at 0, then at the first pass a minute on
    expect(leftovers).toEqual([0, LEFTOVER_SIGNING_MS, LEFTOVER_SIGNING_MS * 2]);
  });
});
