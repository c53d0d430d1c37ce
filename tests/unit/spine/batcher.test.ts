import { afterEach, describe, expect, it, vi } from 'vitest';
import { Batcher, gathering } from '../../../src/batcher.js';

describe('batcher (group commit)', () => {
  it('serves calls that arrive together with one run, each getting its own output', async () => {
    const runs: number[][] = [];
    const b = new Batcher<number, number>(
      async (xs) => {
        runs.push(xs);
        return xs.map((x) => x * 10);
      },
      { maxItems: 100, maxWaitMs: 5 },
    );
    const out = await Promise.all([1, 2, 3].map((x) => b.submit(x)));
    expect(out).toEqual([10, 20, 30]);
    expect(runs).toEqual([[1, 2, 3]]);
  });

  it('never puts more than maxItems in one run', async () => {
    const sizes: number[] = [];
    const b = new Batcher<number, number>(
      async (xs) => {
        sizes.push(xs.length);
        return xs;
      },
      { maxItems: 4, maxWaitMs: 5 },
    );
    await Promise.all(Array.from({ length: 10 }, (_, i) => b.submit(i)));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(4);
    expect(sizes.reduce((a, c) => a + c, 0)).toBe(10);
  });

  it('gives every caller of a failed run the error', async () => {
    const b = new Batcher<number, number>(
      async () => {
        throw new Error('db down');
      },
      { maxItems: 10, maxWaitMs: 1 },
    );
    const results = await Promise.allSettled([b.submit(1), b.submit(2)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });

  describe('eager (eagerBelow)', () => {
    // setTimeout is faked and never advanced: a call that waited out maxWaitMs would never run
    afterEach(() => vi.useRealTimers());

    it('sends a call at once when no run is in progress, with the others of the same turn', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const runs: number[][] = [];
      const b = new Batcher<number, number>(
        async (xs) => {
          runs.push(xs);
          return xs;
        },
        { maxItems: 100, maxWaitMs: 60_000, eagerBelow: 1 },
      );
      expect(await Promise.all([b.submit(1), b.submit(2)])).toEqual([1, 2]);
      expect(await b.submit(3)).toBe(3);
      expect(runs).toEqual([[1, 2], [3]]);
    });

    it('gathers calls while a run is in progress and sends them together when it ends', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const runs: number[][] = [];
      let release!: () => void;
      const blocked = new Promise<void>((r) => (release = r));
      const b = new Batcher<number, number>(
        async (xs) => {
          runs.push(xs);
          if (runs.length === 1) await blocked;
          return xs.map((x) => x * 10);
        },
        { maxItems: 100, maxWaitMs: 60_000, eagerBelow: 1 },
      );
      const first = b.submit(1);
      await new Promise((r) => setImmediate(r));
      expect(runs).toEqual([[1]]);
      const later = [b.submit(2), b.submit(3), b.submit(4)];
      await new Promise((r) => setImmediate(r));
      expect(runs).toEqual([[1]]); // the run in progress holds the others back
      release();
      expect(await first).toBe(10);
      expect(await Promise.all(later)).toEqual([20, 30, 40]);
      expect(runs).toEqual([[1], [2, 3, 4]]);
    });

    it('without eagerBelow, a lone call waits for maxWaitMs', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      let ran = false;
      const b = new Batcher<number, number>(
        async (xs) => {
          ran = true;
          return xs;
        },
        { maxItems: 100, maxWaitMs: 5 },
      );
      const p = b.submit(1);
      await new Promise((r) => setImmediate(r));
      expect(ran).toBe(false);
      await vi.advanceTimersByTimeAsync(5);
      expect(await p).toBe(1);
    });
  });

  describe('gathering (issue 29)', () => {
    afterEach(() => vi.useRealTimers());

    it('with a window, calls that come apart within it share one run; with 0 a lone call goes at once', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const runs: number[][] = [];
      const run = async (xs: number[]) => {
        runs.push(xs);
        return xs;
      };
      const gathered = new Batcher<number, number>(run, gathering(20, 64));
      const a = gathered.submit(1);
      await vi.advanceTimersByTimeAsync(8);
      const b = gathered.submit(2);
      await vi.advanceTimersByTimeAsync(8);
      expect(runs).toEqual([]); // no run yet: 16 ms into a 20 ms window
      await vi.advanceTimersByTimeAsync(4);
      expect(await Promise.all([a, b])).toEqual([1, 2]);
      expect(runs).toEqual([[1, 2]]);

      runs.length = 0;
      const eager = new Batcher<number, number>(run, gathering(0, 64));
      expect(await eager.submit(3)).toBe(3); // timers never advanced
      expect(runs).toEqual([[3]]);
    });
  });
});
