/** Latency summaries: percentiles (nearest rank) over a list of samples in milliseconds. */

export interface Summary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function summarize(samples: ArrayLike<number>): Summary {
  const n = samples.length;
  if (n === 0) return { count: 0, min: NaN, mean: NaN, p50: NaN, p95: NaN, p99: NaN, max: NaN };
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))];
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  return { count: n, min: sorted[0], mean: sum / n, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[n - 1] };
}

/** a wall-clock timestamp in ms with sub-ms resolution, comparable across processes on one machine */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}
