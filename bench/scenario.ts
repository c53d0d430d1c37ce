/**
 * One scenario: a system under test (hub or ceiling) driven by a fresh load generator process —
 * warm-up, wait for the warm-up's deliveries, measured phase, wait for every delivery (bounded by
 * the drain timeout) — with the CPU of every process taken around the measured phase and their
 * peak memory at the end. Latencies are joined here: intake from the load generator, end to end
 * from each message's 202 (load generator clock) to its first arrival at a receiver.
 */
import { Child } from './ipc.js';
import type { LoadConfig, PhaseResult } from './loadgen.js';
import { cpuByPid, cpuDelta, peakRssMiB, rssMiB } from './proc-stats.js';
import { rssTrend, type RssSample, type RssTrend } from './rss-trend.js';
import { PgWaitSampler, type WaitShare } from './pg-waits.js';
import { backendPids, checkpoint, dbCounters, redisCommands, redisCpuMs, redisRssMiB, type DbCounters } from './services.js';
import { summarize, wallMs, type Summary } from './stats.js';
import { scrapeProcess, tailSpread, type EventLoopDelay, type GcTotals, type TailSpread } from './tail.js';
import type { System } from './system.js';

export interface ReceiverCounts {
  distinct: number;
  duplicates: number;
  signed: number;
  verified: number;
  refused: number;
  lastRefusal: string;
  receiptsSigned: number;
}

export interface ProcessFigures {
  cpuS: number;
  cpuMsPerMessage: number;
  peakRssMiB: number | null;
  /** resident set over the measured phase after its warm-up share (bench/rss-trend.ts) */
  rss?: RssTrend;
  /** event-loop delay over the measured phase, from the process's own metrics (bench/tail.ts) */
  eventLoop?: EventLoopDelay;
  /** its garbage collections during the measured phase */
  gc?: GcTotals;
}

export interface ScenarioResult {
  name: string;
  kind: System['kind'];
  mode: System['mode'];
  sent: number;
  accepted: number;
  failed: number;
  statuses: Record<string, number>;
  errors: Record<string, number>;
  firstFailure?: string;
  measuredS: number;
  /** wall-clock ms: start and end of the measured phase, and when the last delivery was awaited */
  window: { startedAt: number; endedAt: number; drainedAt: number };
  acceptedPerS: number;
  intakeMs: Summary;
  e2eMs: Summary;
  /** issue 26 (--encrypt-share): the same latencies for the encrypted messages and the plain ones of this one run */
  split?: { encrypted: { accepted: number; intakeMs: Summary; e2eMs: Summary }; plain: { accepted: number; intakeMs: Summary; e2eMs: Summary } };
  deliveriesPerS: number;
  /** what both intake and delivery kept up with: min(accepted/s, deliveries/s ÷ fan-out) */
  sustainedPerS: number;
  delivered: number;
  expected: number;
  duplicates: number;
  /** from the end of the load to the last delivery of a measured message */
  drainS: number;
  lateSends: number;
  bodyBytes: number;
  /** the system under test's own processes, per accepted message */
  cpuMsPerMessage: number;
  /** the same plus its PostgreSQL backends and Redis */
  cpuMsPerMessageWithServices: number;
  processes: Record<string, ProcessFigures>;
  /** PostgreSQL work per accepted message in the bench database (commits, rows), Redis commands (whole server) */
  perMessage?: Omit<DbCounters, 'autovacuum'> & { redisCommands: number };
  /** what the bench database's sessions were doing during the measured phase */
  pgWaits?: WaitShare[];
  /** how the requests above the intake p99 were spread over the measured phase (bench/tail.ts) */
  tail?: TailSpread;
  /** autovacuum's passes over the bench database's tables during the measured phase, e.g. `{"vacuum deliveries": 1}` */
  autovacuum?: Record<string, number>;
  receivers: ReceiverCounts;
  warmup: { accepted: number; delivered: boolean };
}

export interface ScenarioInput {
  name: string;
  system: System;
  receivers: Child;
  /** receivers verify the hub's signature on deliveries, and sign their receipts */
  receiverMode: { verify: boolean; signReceipts: boolean };
  load: Omit<LoadConfig, 'baseUrl'>;
  fanout: number;
  messages: number;
  durationS: number;
  warmupS: number;
  drainTimeoutS: number;
  progress: (line: string) => void;
}

async function waitForDeliveries(receivers: Child, expected: number, timeoutMs: number, tick: (c: ReceiverCounts, waitedMs: number) => void): Promise<ReceiverCounts> {
  const start = performance.now();
  let lastTick = start;
  for (;;) {
    const c = await receivers.call<ReceiverCounts>('counts');
    const now = performance.now();
    if (c.distinct >= expected || now - start >= timeoutMs) return c;
    if (now - lastTick >= 1000) {
      lastTick = now;
      tick(c, now - start);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function runScenario(s: ScenarioInput): Promise<ScenarioResult> {
  const { system, receivers } = s;
  await receivers.call('reset', s.receiverMode);
  const loadgen = Child.fork('./loadgen.ts', `${s.name} load generator`);
  try {
    await loadgen.call('configure', { ...s.load, baseUrl: system.url });
    let lastCounts: ReceiverCounts | undefined;
    loadgen.on('progress', (p: { phase: string; elapsedMs: number; sent: number; accepted: number; failed: number; inflight: number }) => {
      receivers.call<ReceiverCounts>('counts', {}, 2000).then(
        (c) => {
          const delta = lastCounts ? c.distinct - lastCounts.distinct : c.distinct;
          lastCounts = c;
          s.progress(
            `${s.name} ${p.phase} ${(p.elapsedMs / 1000).toFixed(0)}s: accepted ${p.accepted} (${(p.accepted / (p.elapsedMs / 1000)).toFixed(0)}/s), failed ${p.failed}, in flight ${p.inflight}, delivered ${c.distinct} (+${delta}/s)`,
          );
        },
        () => {},
      );
    });

    // warm-up, then let its deliveries arrive so the measured phase starts from a quiet system
    let warm: PhaseResult | undefined;
    let warmDelivered = true;
    if (s.warmupS > 0) {
      warm = await loadgen.call<PhaseResult>('run', { phase: 'warm-up', messages: s.messages, durationMs: s.warmupS * 1000 }, s.warmupS * 1000 + 60_000);
      const c = await waitForDeliveries(receivers, warm.deliveriesExpected, Math.min(s.drainTimeoutS, 10) * 1000, (c) =>
        s.progress(`${s.name} warm-up drain: delivered ${c.distinct}/${warm!.deliveriesExpected}`),
      );
      warmDelivered = c.distinct >= warm.deliveriesExpected;
    }
    if (system.database) await checkpoint();

    const pids = () => [...system.procs.map((p) => p.pid), loadgen.pid, receivers.pid];
    const pgPids = async () => (system.database ? await backendPids(system.database) : []);
    const cpu0 = cpuByPid(pids());
    const pg0 = cpuByPid(await pgPids());
    const redis0 = system.mode === 'server' ? await redisCpuMs() : 0;
    const db0 = system.database ? await new Promise((r) => setTimeout(r, 1100)).then(() => dbCounters(system.database!)) : undefined;
    const cmd0 = system.mode === 'server' ? await redisCommands() : 0;

    const waits = system.database ? new PgWaitSampler(system.database) : undefined;
    await waits?.start();
    // a scrape resets each hub process's event-loop histogram: what the next one reads is the phase's
    const metrics = Object.entries(system.metricsUrls ?? {});
    const gc0 = new Map((await Promise.all(metrics.map(async ([name, url]) => [name, (await scrapeProcess(url)).gc] as const))).filter(([, g]) => g));
    // sampled every second too, so a process that dies keeps the CPU it had used
    const lastSeen = new Map(cpu0);
    // and each process's resident set, to tell steady memory from a leak (issue 29, item 5)
    const rssSeries = new Map<string, RssSample[]>();
    const rssAt = (name: string, t: number, mib: number | undefined) => {
      if (mib === undefined) return;
      if (!rssSeries.has(name)) rssSeries.set(name, []);
      rssSeries.get(name)!.push({ t, mib });
    };
    const named = (): Array<[string, number]> => [...system.procs.map((p): [string, number] => [p.name, p.pid]), ['load generator', loadgen.pid], ['receivers', receivers.pid]];
    const measuredFrom = wallMs();
    const sampler = setInterval(() => {
      for (const [pid, ms] of cpuByPid(pids())) lastSeen.set(pid, ms);
      const t = wallMs() - measuredFrom;
      for (const [name, pid] of named()) rssAt(name, t, rssMiB(pid));
      if (system.mode === 'server')
        void redisRssMiB().then(
          (mib) => rssAt('redis (whole server)', t, mib),
          () => {},
        );
      if (system.database)
        void pgPids().then(
          (ps) => rssAt('postgres backends', t, ps.length ? ps.reduce((a, pid) => a + (rssMiB(pid) ?? 0), 0) : undefined),
          () => {},
        );
    }, 1000).unref();
    const m = await loadgen.call<PhaseResult>('run', { phase: 'measured', messages: s.messages, durationMs: s.durationS * 1000 }, s.durationS * 1000 + 60_000);
    const pgWaits = await waits?.stop();
    const eventLoop = new Map<string, EventLoopDelay>();
    const gcDuring = new Map<string, GcTotals>();
    for (const [name, url] of metrics) {
      const r = await scrapeProcess(url);
      if (r.eventLoop) eventLoop.set(name, r.eventLoop);
      const before = gc0.get(name);
      if (r.gc && before) gcDuring.set(name, { pauses: r.gc.pauses - before.pauses, seconds: r.gc.seconds - before.seconds, over100ms: r.gc.over100ms - before.over100ms });
    }
    const expectedTotal = (warm?.deliveriesExpected ?? 0) + m.deliveriesExpected;
    const counts = await waitForDeliveries(receivers, expectedTotal, s.drainTimeoutS * 1000, (c, waited) =>
      s.progress(`${s.name} drain ${(waited / 1000).toFixed(0)}s: delivered ${c.distinct}/${expectedTotal}`),
    );

    const drainedAt = wallMs();
    clearInterval(sampler);
    const cpu1 = new Map([...lastSeen, ...cpuByPid(pids())]);
    const pg1 = cpuByPid(await pgPids());
    const redis1 = system.mode === 'server' ? await redisCpuMs() : 0;
    const cmd1 = system.mode === 'server' ? await redisCommands() : 0;
    // PostgreSQL publishes its counters within a second or so
    const db1 = system.database ? await new Promise((r) => setTimeout(r, 1100)).then(() => dbCounters(system.database!)) : undefined;
    const arrivals = await receivers.call<{ messageIds: string[]; times: Float64Array }>('arrivals', {}, 60_000);

    // end to end: each measured message's 202 to each of its deliveries' first arrival
    const acceptedAt = new Map<string, number>();
    m.ids.forEach((id, i) => acceptedAt.set(id, m.acceptedAt[i]));
    const sealedIds = new Set(m.ids.filter((_, i) => m.sealed[i] === 1));
    const e2eBy: { encrypted: number[]; plain: number[] } = { encrypted: [], plain: [] };
    const e2e: number[] = [];
    let inWindow = 0;
    let lastArrival = m.endedAt;
    for (let i = 0; i < arrivals.messageIds.length; i++) {
      const t = arrivals.times[i];
      if (t >= m.startedAt && t <= m.endedAt) inWindow++;
      const a = acceptedAt.get(arrivals.messageIds[i]);
      if (a === undefined) continue;
      e2e.push(t - a);
      e2eBy[sealedIds.has(arrivals.messageIds[i]) ? 'encrypted' : 'plain'].push(t - a);
      if (t > lastArrival) lastArrival = t;
    }

    const accepted = Math.max(1, m.accepted);
    const processes: Record<string, ProcessFigures> = {};
    const fig = (name: string, ms: number, pid?: number) => {
      const rss = pid === undefined ? undefined : peakRssMiB(pid);
      // the trend covers the measured phase only, not the drain after it
      const trend = rssTrend((rssSeries.get(name) ?? []).filter((x) => x.t <= m.elapsedMs));
      const loop = eventLoop.get(name);
      const gc = gcDuring.get(name);
      processes[name] = {
        cpuS: ms / 1000,
        cpuMsPerMessage: ms / accepted,
        peakRssMiB: rss === undefined ? null : rss,
        ...(trend && { rss: trend }),
        ...(loop && { eventLoop: loop }),
        ...(gc && { gc }),
      };
    };
    const one = (pid: number) => (cpu1.get(pid) ?? 0) - (cpu0.get(pid) ?? 0);
    let own = 0;
    for (const p of system.procs) {
      own += one(p.pid);
      fig(p.name, one(p.pid), p.pid);
    }
    const pgMs = cpuDelta(pg0, pg1);
    const redisMs = redis1 - redis0;
    if (system.database) fig('postgres backends', pgMs);
    if (system.mode === 'server') fig('redis (whole server)', redisMs);
    fig('load generator', one(loadgen.pid), loadgen.pid);
    fig('receivers', one(receivers.pid), receivers.pid);

    const perMessage =
      db0 && db1
        ? {
            commits: (db1.commits - db0.commits) / accepted,
            rollbacks: (db1.rollbacks - db0.rollbacks) / accepted,
            inserted: (db1.inserted - db0.inserted) / accepted,
            updated: (db1.updated - db0.updated) / accepted,
            fetched: (db1.fetched - db0.fetched) / accepted,
            seqRead: (db1.seqRead - db0.seqRead) / accepted,
            redisCommands: (cmd1 - cmd0) / accepted,
          }
        : undefined;
    const measuredS = m.elapsedMs / 1000;
    const intakeMs = summarize(m.intakeMs);
    return {
      name: s.name,
      kind: system.kind,
      mode: system.mode,
      sent: m.sent,
      accepted: m.accepted,
      failed: m.failed,
      statuses: m.statuses,
      errors: m.errors,
      firstFailure: m.firstFailure,
      measuredS,
      window: { startedAt: m.startedAt, endedAt: m.endedAt, drainedAt },
      acceptedPerS: m.accepted / measuredS,
      intakeMs,
      e2eMs: summarize(e2e),
      ...(sealedIds.size > 0 && {
        split: {
          encrypted: { accepted: sealedIds.size, intakeMs: summarize(m.intakeMs.filter((_, i) => m.sealed[i] === 1)), e2eMs: summarize(e2eBy.encrypted) },
          plain: { accepted: m.ids.length - sealedIds.size, intakeMs: summarize(m.intakeMs.filter((_, i) => m.sealed[i] !== 1)), e2eMs: summarize(e2eBy.plain) },
        },
      }),
      deliveriesPerS: inWindow / ((m.endedAt - m.startedAt) / 1000),
      sustainedPerS: Math.min(m.accepted / measuredS, inWindow / ((m.endedAt - m.startedAt) / 1000) / s.fanout),
      delivered: e2e.length,
      expected: m.deliveriesExpected,
      duplicates: counts.duplicates,
      drainS: Math.max(0, (lastArrival - m.endedAt) / 1000),
      lateSends: m.lateSends,
      bodyBytes: m.bodyBytes,
      cpuMsPerMessage: own / accepted,
      cpuMsPerMessageWithServices: (own + pgMs + redisMs) / accepted,
      processes,
      perMessage,
      pgWaits,
      tail: tailSpread(m.intakeMs, m.acceptedAt, m.startedAt, intakeMs.p99),
      ...(db0 && db1 && { autovacuum: Object.fromEntries(Object.entries(db1.autovacuum).flatMap(([k, n]) => (n > (db0.autovacuum[k] ?? 0) ? [[k, n - (db0.autovacuum[k] ?? 0)]] : []))) }),
      receivers: counts,
      warmup: { accepted: warm?.accepted ?? 0, delivered: warmDelivered },
    };
  } finally {
    await loadgen.stop();
  }
}
