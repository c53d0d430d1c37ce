import { afterEach, describe, expect, it, vi } from 'vitest';
import pino from 'pino';
import { FlowControl } from '../../../src/intake/flow-control.js';
import { BacklogError } from '../../../src/errors.js';

const log = pino({ level: 'silent' });

function flow(counts: Map<string, number>, holdMs = 200) {
  const f = new FlowControl({ limit: 10, holdMs, pollMs: 10, count: async () => new Map(counts), log });
  f.start();
  return f;
}

describe('intake flow control', () => {
  it('holds only messages routed to a recipient over the limit', async () => {
    const f = flow(new Map([['slow', 11], ['fine', 10]]));
    await new Promise((r) => setTimeout(r, 30));
    await expect(f.admit(['fine', 'other'])).resolves.toBeUndefined();
    expect(f.held).toBe(0);
    await expect(f.admit(['fine', 'slow'])).rejects.toBeInstanceOf(BacklogError);
    expect(f.held).toBe(1);
    expect(f.refused).toBe(1);
    f.stop();
  });

  it('holds nothing while it cannot read the backlog', async () => {
    const f = new FlowControl({ limit: 0, holdMs: 50, pollMs: 10, count: async () => { throw new Error('database away'); }, log });
    f.start();
    await new Promise((r) => setTimeout(r, 30));
    await expect(f.admit(['any'])).resolves.toBeUndefined();
    f.stop();
  });

  it('lets held messages go on when it stops (the hub shutting down)', async () => {
    const f = flow(new Map([['slow', 50]]), 10_000);
    await new Promise((r) => setTimeout(r, 30));
    const held = f.admit(['slow']);
    f.stop();
    await expect(held).resolves.toBeUndefined();
  });

  describe('polling', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    /** a flow control whose count() records the (fake) time of each poll */
    function timed(counts: Map<string, number>) {
      vi.useFakeTimers();
      const start = Date.now();
      const polls: number[] = [];
      const f = new FlowControl({
        limit: 10, holdMs: 10_000, pollMs: 10, idlePollMs: 80, log,
        count: async () => {
          polls.push(Date.now() - start);
          return new Map(counts);
        },
      });
      f.start();
      return { f, polls };
    }

    it('looks less often while idle: the wait doubles up to idlePollMs', async () => {
      const { f, polls } = timed(new Map());
      await vi.advanceTimersByTimeAsync(300);
      f.stop();
      expect(polls).toEqual([0, 20, 60, 140, 220, 300]);
    });

    it('polls at once when a message finds counts older than pollMs, and never more often than pollMs', async () => {
      const { f, polls } = timed(new Map());
      await vi.advanceTimersByTimeAsync(150); // polls at 0, 20, 60, 140; the next is due at 220
      await f.admit(['anyone']);
      await vi.advanceTimersByTimeAsync(1); // the poll it asked for
      expect(polls).toEqual([0, 20, 60, 140, 150]);
      for (let t = 0; t < 3; t++) {
        await vi.advanceTimersByTimeAsync(10);
        await f.admit(['anyone']);
      }
      await vi.advanceTimersByTimeAsync(10);
      f.stop();
      // messages at 161, 171 and 181: the one at 171 found counts 11 ms old and polled; those at 161
      // and 181 found them fresh (polled at 160 and at 181, each on schedule)
      expect(polls.slice(4)).toEqual([150, 160, 171, 181]);
      expect(polls.slice(1).every((t, k) => t - polls[k] >= 10)).toBe(true);
    });

    it('keeps polling every pollMs while a recipient is behind, messages or not', async () => {
      const { f, polls } = timed(new Map([['slow', 11]]));
      await vi.advanceTimersByTimeAsync(50);
      f.stop();
      expect(polls).toEqual([0, 10, 20, 30, 40, 50]);
    });
  });
});
