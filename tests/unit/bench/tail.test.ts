/**
 * Where the intake's tail comes from (bench/tail.ts): the slow requests counted by the second they
 * were due in, and each hub process's event-loop delay read from the metrics the hub really serves.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { gcTotals, scrapeEventLoopDelay, tailSpread } from '../../../bench/tail.js';
import { createMetrics } from '../../../src/metrics.js';

/** `n` requests a second for `seconds`, answered `latency(i)` ms after they were due */
function phase(seconds: number, n: number, latency: (i: number, dueMs: number) => number) {
  const start = 1_000_000;
  const intake: number[] = [];
  const answered: number[] = [];
  for (let i = 0; i < seconds * n; i++) {
    const due = start + (i * 1000) / n;
    const l = latency(i, due - start);
    intake.push(l);
    answered.push(due + l);
  }
  return { intake, answered, start };
}

describe('tailSpread', () => {
  it('finds slow requests gathered in a few seconds, and names them', () => {
    // 60 s at 100/s, 10 ms each, except a stall at 42 s: 30 requests answered late
    const p = phase(60, 100, (_i, due) => (due >= 42_000 && due < 42_300 ? 150 : 10));
    const t = tailSpread(p.intake, p.answered, p.start, 20)!;
    expect(t).toMatchObject({ slow: 30, seconds: 60, worstShare: 1 });
    expect(t.worst).toEqual([{ atS: 42, slow: 30 }]);
  });

  it('gives about 5 % in the worst 5 % of the seconds when the slow requests are spread evenly', () => {
    // every 50th request slow, all through the phase
    const p = phase(100, 100, (i) => (i % 50 === 0 ? 100 : 10));
    const t = tailSpread(p.intake, p.answered, p.start, 20)!;
    expect(t.slow).toBe(200);
    expect(t.worstShare).toBeCloseTo(0.05, 2);
  });

  it('has nothing to say of no requests, and counts none above a threshold nobody reached', () => {
    expect(tailSpread([], [], 0, 10)).toBeUndefined();
    const p = phase(5, 10, () => 5);
    expect(tailSpread(p.intake, p.answered, p.start, 50)).toMatchObject({ slow: 0, worstShare: 0, worst: [] });
  });
});

describe('gcTotals', () => {
  it('sums the collections of every kind, their time, and those over 100 ms, from the histogram prom-client serves', () => {
    const text = [
      'wasla_nodejs_gc_duration_seconds_bucket{le="0.01",kind="minor"} 40',
      'wasla_nodejs_gc_duration_seconds_bucket{le="0.1",kind="minor"} 42',
      'wasla_nodejs_gc_duration_seconds_bucket{le="1",kind="minor"} 42',
      'wasla_nodejs_gc_duration_seconds_bucket{le="+Inf",kind="minor"} 42',
      'wasla_nodejs_gc_duration_seconds_sum{kind="minor"} 0.21',
      'wasla_nodejs_gc_duration_seconds_count{kind="minor"} 42',
      'wasla_nodejs_gc_duration_seconds_bucket{le="0.1",kind="major"} 2',
      'wasla_nodejs_gc_duration_seconds_bucket{le="1",kind="major"} 3',
      'wasla_nodejs_gc_duration_seconds_sum{kind="major"} 0.35',
      'wasla_nodejs_gc_duration_seconds_count{kind="major"} 3',
    ].join('\n');
    const g = gcTotals(text)!;
    expect(g.pauses).toBe(45);
    expect(g.seconds).toBeCloseTo(0.56, 9);
    expect(g.over100ms).toBe(1);
    expect(gcTotals('wasla_other 1\n')).toBeUndefined();
  });
});

describe('scrapeEventLoopDelay', () => {
  it("reads the event-loop delay from the hub's own /metrics, in ms, and nothing from a process without it", async () => {
    const metrics = createMetrics({ defaults: true });
    let fixed: string | undefined;
    const server = http.createServer(async (req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(fixed ?? (await metrics.registry.metrics()));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await scrapeEventLoopDelay(`${base}/metrics`);
      // block the event loop for 120 ms: the delay read next covers it
      await new Promise((r) => setTimeout(r, 50));
      const until = performance.now() + 120;
      while (performance.now() < until);
      await new Promise((r) => setTimeout(r, 50));
      const d = await scrapeEventLoopDelay(`${base}/metrics`);
      expect(d).toBeDefined();
      // the 120 ms block, less the 10 ms sampling interval prom-client counts in
      expect(d!.maxMs).toBeGreaterThanOrEqual(100);
      expect(d!.p50Ms).toBeLessThanOrEqual(d!.p99Ms);
      expect(d!.p99Ms).toBeLessThanOrEqual(d!.maxMs);
      expect(await scrapeEventLoopDelay(`${base}/nothing`)).toBeUndefined();
      // an idle loop reads its 10 ms sampling interval: that is no delay
      fixed = 'wasla_nodejs_eventloop_lag_p50_seconds 0.0102\nwasla_nodejs_eventloop_lag_p99_seconds 0.0125\nwasla_nodejs_eventloop_lag_max_seconds 0.0093\n';
      const idle = await scrapeEventLoopDelay(`${base}/metrics`);
      expect(idle!.p50Ms).toBeCloseTo(0.2, 6);
      expect(idle!.p99Ms).toBeCloseTo(2.5, 6);
      expect(idle!.maxMs).toBe(0);
    } finally {
      server.close();
    }
  });
});
