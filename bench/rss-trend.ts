/**
 * Is a process's memory flat under steady load (issue 29, item 5)? The bench samples each
 * process's resident set once a second during the measured phase; this fits a least-squares line
 * through the samples after a warm-up share of the phase (caches fill, JIT settles, pools reach
 * their size) and gives its slope in MiB a minute. A leak shows as a slope that does not fall as
 * the run lengthens; a flat process stays within noise of 0.
 */

export interface RssSample {
  /** ms since the measured phase started */
  t: number;
  mib: number;
}

export interface RssTrend {
  /** samples in the fit (after the warm-up share) */
  samples: number;
  /** RSS at the first and last sample of the fit, MiB */
  fromMiB: number;
  toMiB: number;
  /** least-squares slope over the fit, MiB per minute; null with fewer than 10 samples */
  slopeMiBPerMin: number | null;
}

/** the share of the measured phase left out of the fit as warm-up */
export const RSS_WARMUP_SHARE = 0.2;

export function rssTrend(all: readonly RssSample[], warmupShare = RSS_WARMUP_SHARE): RssTrend | undefined {
  if (all.length === 0) return undefined;
  const end = all[all.length - 1].t;
  const xs = all.filter((s) => s.t >= end * warmupShare);
  const n = xs.length;
  if (n === 0) return undefined;
  let slope: number | null = null;
  if (n >= 10) {
    const mt = xs.reduce((a, s) => a + s.t, 0) / n;
    const mm = xs.reduce((a, s) => a + s.mib, 0) / n;
    let num = 0;
    let den = 0;
    for (const s of xs) {
      num += (s.t - mt) * (s.mib - mm);
      den += (s.t - mt) ** 2;
    }
    slope = den === 0 ? 0 : (num / den) * 60_000;
  }
  return { samples: n, fromMiB: xs[0].mib, toMiB: xs[n - 1].mib, slopeMiBPerMin: slope };
}
