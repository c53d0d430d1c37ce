/**
 * Where the intake's latency tail comes from (issue 29, item 3): two readings taken around the
 * measured phase.
 *
 * - **Event-loop delay of each hub process**, from its own /metrics (prom-client's
 *   `nodejs_eventloop_lag_*`, which reads `perf_hooks.monitorEventLoopDelay` and resets it at
 *   every scrape): scraped once when the phase starts, to reset it, and once when it ends. A p99
 *   near the intake's says the process itself was busy (CPU, a long synchronous step); a small one
 *   says the requests waited elsewhere (PostgreSQL, Redis, the other processes on the cores).
 * - **How the slow requests are spread over the phase**: the requests above the phase's intake
 *   p99, counted by the second they were due in. Spread evenly, they are queueing under steady
 *   load; gathered in a few seconds, something stalled then (a periodic task, a checkpoint, a
 *   collection), and the seconds named say when, to set beside the hub's and PostgreSQL's logs.
 */

export interface EventLoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

const LAG = /^wasla_nodejs_eventloop_lag_(p50|p99|max)_seconds(?:\{[^}]*\})? ([0-9.eE+-]+)$/gm;

/**
 * prom-client samples the loop every 10 ms (its default `eventLoopMonitoringPrecision`, which the
 * hub keeps) and records the whole interval between samples, so an idle process reads about 10 ms:
 * the delay is what lies beyond it.
 */
export const SAMPLING_MS = 10;

/** garbage collections so far (prom-client's `nodejs_gc_duration_seconds`, cumulative): how many, how long in all, how many over 100 ms */
export interface GcTotals {
  pauses: number;
  seconds: number;
  over100ms: number;
}

const GC_LINE = /^wasla_nodejs_gc_duration_seconds_(count|sum|bucket)\{([^}]*)\} ([0-9.eE+-]+)$/gm;

export function gcTotals(text: string): GcTotals | undefined {
  let pauses = 0;
  let seconds = 0;
  let upTo100ms = 0;
  let seen = false;
  for (const m of text.matchAll(GC_LINE)) {
    seen = true;
    const v = Number(m[3]);
    if (m[1] === 'count') pauses += v;
    else if (m[1] === 'sum') seconds += v;
    else if (/(?:^|,)le="0\.1"/.test(m[2])) upTo100ms += v;
  }
  return seen ? { pauses, seconds, over100ms: pauses - upTo100ms } : undefined;
}

export interface ProcessReading {
  /** since the previous scrape (it resets the histogram) */
  eventLoop?: EventLoopDelay;
  /** cumulative since the process started */
  gc?: GcTotals;
}

/** what a hub process's /metrics says of its event loop and its garbage collector; {} when it serves none */
export async function scrapeProcess(metricsUrl: string): Promise<ProcessReading> {
  const res = await fetch(metricsUrl, { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
  if (!res?.ok) return {};
  const text = await res.text();
  const eventLoop = eventLoopDelay(text);
  const gc = gcTotals(text);
  return { ...(eventLoop && { eventLoop }), ...(gc && { gc }) };
}

/** the event-loop delay since the previous scrape, or undefined when the process serves no such metrics */
export async function scrapeEventLoopDelay(metricsUrl: string): Promise<EventLoopDelay | undefined> {
  return (await scrapeProcess(metricsUrl)).eventLoop;
}

function eventLoopDelay(text: string): EventLoopDelay | undefined {
  const v: Record<string, number> = {};
  for (const m of text.matchAll(LAG)) v[m[1]] = Math.max(0, Number(m[2]) * 1000 - SAMPLING_MS);
  if (v.p50 === undefined || v.p99 === undefined || v.max === undefined) return undefined;
  return { p50Ms: v.p50, p99Ms: v.p99, maxMs: v.max };
}

export interface TailSpread {
  /** the threshold: the phase's intake p99, ms */
  aboveMs: number;
  /** requests above it */
  slow: number;
  /** seconds of the phase */
  seconds: number;
  /** the share of the slow requests due in the worst 5 % of the seconds (5 % when spread evenly) */
  worstShare: number;
  /** the worst seconds: offset from the phase's start, and how many slow requests were due then */
  worst: Array<{ atS: number; slow: number }>;
}

/**
 * `intakeMs[i]` is request i's latency from when it was due to its answer at `answeredAt[i]`
 * (wall-clock ms); the phase started at `startedAt`.
 */
export function tailSpread(intakeMs: ArrayLike<number>, answeredAt: ArrayLike<number>, startedAt: number, aboveMs: number): TailSpread | undefined {
  if (intakeMs.length === 0) return undefined;
  const perSecond = new Map<number, number>();
  let last = 0;
  let slow = 0;
  for (let i = 0; i < intakeMs.length; i++) {
    const s = Math.max(0, Math.floor((answeredAt[i] - intakeMs[i] - startedAt) / 1000));
    last = Math.max(last, s);
    if (intakeMs[i] <= aboveMs) continue;
    slow++;
    perSecond.set(s, (perSecond.get(s) ?? 0) + 1);
  }
  const seconds = last + 1;
  const ranked = [...perSecond.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  const top = Math.max(1, Math.round(seconds * 0.05));
  const inTop = ranked.slice(0, top).reduce((a, [, n]) => a + n, 0);
  return {
    aboveMs,
    slow,
    seconds,
    worstShare: slow === 0 ? 0 : inTop / slow,
    worst: ranked.slice(0, 3).map(([atS, n]) => ({ atS, slow: n })),
  };
}
