/**
 * The bench's memory trend (bench/rss-trend.ts): a steady process fits a slope near 0, a leaking
 * one its rate, and the warm-up share (where caches fill) is left out of the fit.
 */
import { describe, expect, it } from 'vitest';
import { rssTrend } from '../../../bench/rss-trend.js';

const series = (seconds: number, mib: (t: number) => number) => Array.from({ length: seconds }, (_, i) => ({ t: i * 1000, mib: mib(i * 1000) }));

describe('rssTrend', () => {
  it('finds a leak of 2 MiB a minute, and 0 for a flat process', () => {
    expect(rssTrend(series(600, (t) => 200 + (2 * t) / 60_000))!.slopeMiBPerMin).toBeCloseTo(2, 6);
    expect(rssTrend(series(600, () => 150))!.slopeMiBPerMin).toBe(0);
  });

  it('leaves the warm-up out: a process that grows for the first 20% and then holds is flat', () => {
    const t = rssTrend(series(600, (t) => (t < 110_000 ? 100 + t / 1000 : 210)))!;
    expect(t.slopeMiBPerMin).toBe(0);
    expect([t.fromMiB, t.toMiB]).toEqual([210, 210]);
    expect(t.samples).toBe(480);
  });

  it('gives no slope from fewer than 10 samples, and nothing from none', () => {
    expect(rssTrend(series(5, () => 1))!.slopeMiBPerMin).toBeNull();
    expect(rssTrend([])).toBeUndefined();
  });
});
