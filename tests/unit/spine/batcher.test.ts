import { describe, expect, it } from 'vitest';
import { Batcher } from '../../../src/batcher.js';

describe('batcher (group commit)', () => {
  it('serves calls that arrive together with one run, each getting its own output', async () => {
    const runs: number[][] = [];
    const b = new Batcher<number, number>(async (xs) => {
      runs.push(xs);
      return xs.map((x) => x * 10);
    }, { maxItems: 100, maxWaitMs: 5 });
    const out = await Promise.all([1, 2, 3].map((x) => b.submit(x)));
    expect(out).toEqual([10, 20, 30]);
    expect(runs).toEqual([[1, 2, 3]]);
  });

  it('never puts more than maxItems in one run', async () => {
    const sizes: number[] = [];
    const b = new Batcher<number, number>(async (xs) => {
      sizes.push(xs.length);
      return xs;
    }, { maxItems: 4, maxWaitMs: 5 });
    await Promise.all(Array.from({ length: 10 }, (_, i) => b.submit(i)));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(4);
    expect(sizes.reduce((a, c) => a + c, 0)).toBe(10);
  });

  it('gives every caller of a failed run the error', async () => {
    const b = new Batcher<number, number>(async () => {
      throw new Error('db down');
    }, { maxItems: 10, maxWaitMs: 1 });
    const results = await Promise.allSettled([b.submit(1), b.submit(2)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});
