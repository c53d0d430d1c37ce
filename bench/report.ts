/**
 * The bench's report: the whole result as JSON (bench/results/<ISO date-time>.json, git-ignored),
 * a Markdown table of hub against ceiling (bench/results/latest.md), and the one summary line the
 * run ends with.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScenarioResult } from './scenario.js';
import type { ProfileSummary } from './profile-summary.js';
import { UNSIGNED_FEDERATION_ALG } from './trust-setup.js';
import type { PreloadResult } from './preload.js';
import { RSS_WARMUP_SHARE } from './rss-trend.js';

export interface Report {
  startedAt: string;
  finishedAt: string;
  /** which hub was measured: the working tree at a commit, or an exported ref */
  hubSource: string;
  machine: { cpus: number; cpuModel: string; node: string; loadavgAtStart: number[] };
  options: Record<string, unknown>;
  hubConfig: Record<string, unknown>;
  postgres: Record<string, string>;
  /** --preload: the history the database held before measuring, and what loading it cost */
  preload?: PreloadResult;
  trust: { alg: string; hubChecksSignatures: string; receiversVerify: boolean; receiptsSigned: boolean };
  hub: ScenarioResult;
  ceiling?: ScenarioResult;
  /** --ceiling-audit: the ceiling with the hub's audit-chain pattern added */
  ceilingAudit?: ScenarioResult;
  profiles?: ProfileSummary[];
  /** processes under test that exited before the bench stopped them */
  crashes: string[];
  targets: Array<{ target: string; met: boolean; value: string }>;
}

const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const ratio = (a: number, b: number | undefined, d = 2) => (b === undefined || !Number.isFinite(a / b) ? '' : (a / b).toFixed(d));

export function targets(h: ScenarioResult, c: ScenarioResult | undefined, fanout: number, durationS: number): Report['targets'] {
  return [
    { target: 'fan-out 2, measured phase of 60 s', met: fanout === 2 && h.measuredS >= 59, value: `fan-out ${fanout}, ${f(h.measuredS)} s` },
    { target: '>= 1000 accepted messages/s', met: h.acceptedPerS >= 1000, value: f(h.acceptedPerS, 0) },
    { target: 'every message delivered', met: h.delivered >= h.expected && h.failed === 0, value: `${h.delivered}/${h.expected}, ${h.failed} refused or failed` },
    { target: 'intake p99 <= 50 ms', met: h.intakeMs.p99 <= 50, value: `${f(h.intakeMs.p99)} ms` },
    { target: '>= 50% of the ceiling', met: c !== undefined && h.acceptedPerS >= 0.5 * c.acceptedPerS, value: c ? `${f((100 * h.acceptedPerS) / c.acceptedPerS, 0)}%` : 'no ceiling run' },
  ].map((t) => ({ ...t, met: t.met && durationS > 0 }));
}

function preloadLine(p: PreloadResult | undefined): string {
  if (!p) return 'History: none (an empty database).';
  const how = p.reused
    ? `copied in ${f(p.copyS ?? 0)} s from the kept database ${p.keptAs}`
    : `loaded in ${f(p.loadS, 0)} s (${f(p.rowsPerS, 0)} rows/s, sealing ${f(p.sealS, 0)} s) + vacuum ${f(p.vacuumS, 0)} s${p.keptAs ? `, kept as ${p.keptAs}` : ''}`;
  return (
    `History: ${p.messages} messages preloaded — ${p.deliveries} deliveries, ${p.attempts} attempts, ${p.idempotencyKeys} idempotency keys, ` +
    `${p.auditEntries} audit entries in ${p.seals} seals, ${p.certificates} certificates; ${f(p.databaseBytes / 2 ** 20, 0)} MiB; ${how}.`
  );
}

export function markdown(r: Report): string {
  const h = r.hub;
  const c = r.ceiling;
  const row = (name: string, hv: number, cv: number | undefined, d = 1, unit = '') => `| ${name} | ${f(hv, d)}${unit} | ${cv === undefined ? '' : f(cv, d) + unit} | ${ratio(hv, cv)} |`;
  const lines = [
    `# Wasla bench — ${r.startedAt}`,
    '',
    `Machine: ${r.machine.cpus} × ${r.machine.cpuModel}, Node ${r.machine.node}, load average at start ${r.machine.loadavgAtStart.map((x) => x.toFixed(2)).join(' ')}. ` +
      `Hub: ${r.hubSource}. PostgreSQL ${r.postgres.server_version ?? '?'}, synchronous_commit=${r.postgres.synchronous_commit}, fsync=${r.postgres.fsync}, autovacuum=${r.postgres.autovacuum ?? '?'}${r.postgres.autovacuum === 'off' ? ' (nothing vacuums or analyzes the tables during the run: a production server runs it)' : ''}.`,
    ...(r.machine.loadavgAtStart[0] > 0.5 * r.machine.cpus
      ? [
          '',
          `**The machine was busy when the run started** (load average ${r.machine.loadavgAtStart[0].toFixed(2)} on ${r.machine.cpus} cores): other work shared the cores, so every figure is lower than on a quiet machine.`,
        ]
      : []),
    '',
    `Load: ${r.options.rate ? `open loop at ${r.options.rate} msg/s (at most ${r.options.concurrency} in flight)` : `closed loop, ${r.options.concurrency} in flight`}; ` +
      `${r.options.durationS} s measured after ${r.options.warmupS} s warm-up (at most ${r.options.messages} messages); body ${h.bodyBytes} bytes; fan-out ${r.options.fanout}; ` +
      `hub ${h.mode} mode (worker concurrency ${r.hubConfig.workerConcurrency}, recipient concurrency ${r.hubConfig.recipientConcurrency}, pool ${r.hubConfig.dbPoolSize}).`,
    preloadLine(r.preload),
    `Trust: ${r.trust.alg === 'none' ? `intake unsigned (Wasla-Sender), deliveries and receipts signed with ${UNSIGNED_FEDERATION_ALG}` : `intake, deliveries and receipts signed with ${r.trust.alg}`}; hub checks signatures: ${r.trust.hubChecksSignatures}; receivers verify the hub's signatures: ${r.trust.receiversVerify ? 'on' : 'off'} ` +
      `(${h.receivers.verified} verified, ${h.receivers.signed} signed deliveries seen); receivers sign receipts: ${r.trust.receiptsSigned ? 'yes' : 'no'}.`,
    '',
    '| figure | hub | ceiling | hub / ceiling |',
    '|---|---:|---:|---:|',
    row('accepted messages/s', h.acceptedPerS, c?.acceptedPerS, 0),
    row('intake latency p50 (ms)', h.intakeMs.p50, c?.intakeMs.p50, 2),
    row('intake latency p95 (ms)', h.intakeMs.p95, c?.intakeMs.p95, 2),
    row('intake latency p99 (ms)', h.intakeMs.p99, c?.intakeMs.p99, 2),
    row('end-to-end latency p50 (ms)', h.e2eMs.p50, c?.e2eMs.p50, 1),
    row('end-to-end latency p99 (ms)', h.e2eMs.p99, c?.e2eMs.p99, 1),
    row('deliveries/s (during the load)', h.deliveriesPerS, c?.deliveriesPerS, 0),
    row('sustained messages/s: min(accepted, deliveries ÷ fan-out)', h.sustainedPerS, c?.sustainedPerS, 0),
    `| delivered / expected | ${h.delivered}/${h.expected} | ${c ? `${c.delivered}/${c.expected}` : ''} | |`,
    `| refused or failed requests | ${h.failed} | ${c?.failed ?? ''} | |`,
    row('drain after the load (s)', h.drainS, c?.drainS, 1),
    row('CPU ms per message (its own processes)', h.cpuMsPerMessage, c?.cpuMsPerMessage, 2),
    row('CPU ms per message (+ PostgreSQL, Redis)', h.cpuMsPerMessageWithServices, c?.cpuMsPerMessageWithServices, 2),
    ...(h.perMessage
      ? [
          row('PostgreSQL commits per message', h.perMessage.commits, c?.perMessage?.commits, 2),
          row('rows inserted per message', h.perMessage.inserted, c?.perMessage?.inserted, 2),
          row('rows updated per message', h.perMessage.updated, c?.perMessage?.updated, 2),
          row('rows read by sequential scans per message', h.perMessage.seqRead, c?.perMessage?.seqRead, 1),
          // a planner that walks an index it should only touch shows here first (the flow-control read did: 1,800 a message)
          row('rows fetched by index scans per message', h.perMessage.fetched, c?.perMessage?.fetched, 1),
          row('Redis commands per message (whole server)', h.perMessage.redisCommands, c?.perMessage?.redisCommands, 1),
        ]
      : []),
    '',
    '| process | hub: CPU s | ms/msg | peak RSS MiB | ceiling: CPU s | ms/msg | peak RSS MiB |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  const names = [...Object.keys(h.processes), ...(c ? Object.keys(c.processes).filter((n) => !(n in h.processes)) : [])];
  for (const n of names) {
    const a = h.processes[n];
    const b = c?.processes[n];
    const cells = (p: typeof a | undefined) => (p ? [f(p.cpuS), f(p.cpuMsPerMessage, 3), p.peakRssMiB === null ? '' : f(p.peakRssMiB, 0)] : ['', '', '']);
    lines.push(`| ${n} | ${[...cells(a), ...cells(b)].join(' | ')} |`);
  }
  // memory under steady load (issue 29, item 5): flat after warm-up, or a slope to look into
  const trends = Object.entries(h.processes).filter(([, p]) => p.rss);
  if (trends.length) {
    lines.push(
      '',
      `| process (hub run, resident set sampled each second, first ${f(100 * RSS_WARMUP_SHARE, 0)}% of the phase left out) | RSS MiB at start | at end | slope MiB/min |`,
      '|---|---:|---:|---:|',
    );
    for (const [n, p] of trends) lines.push(`| ${n} | ${f(p.rss!.fromMiB, 0)} | ${f(p.rss!.toMiB, 0)} | ${p.rss!.slopeMiBPerMin === null ? '' : f(p.rss!.slopeMiBPerMin, 2)} |`);
  }
  // where the intake's tail comes from (issue 29, item 3; bench/tail.ts)
  const loops = Object.entries(h.processes).filter(([, p]) => p.eventLoop);
  if (loops.length) {
    lines.push('', '| process (hub run, measured phase) | event-loop delay p50 ms | p99 ms | max ms | GC pauses | GC s | GC pauses over 100 ms |', '|---|---:|---:|---:|---:|---:|---:|');
    for (const [n, p] of loops) {
      const g = p.gc ? [String(p.gc.pauses), f(p.gc.seconds, 2), String(p.gc.over100ms)] : ['', '', ''];
      lines.push(`| ${n} | ${f(p.eventLoop!.p50Ms, 1)} | ${f(p.eventLoop!.p99Ms, 1)} | ${f(p.eventLoop!.maxMs, 1)} | ${g.join(' | ')} |`);
    }
  }
  if (h.tail && h.tail.slow > 0) {
    const t = h.tail;
    lines.push(
      '',
      `Intake tail (hub run): ${t.slow} requests above the p99 of ${f(t.aboveMs, 1)} ms; ${f(100 * t.worstShare, 0)}% of them were due in the worst 5% of the ${t.seconds} seconds (${f(100 * 0.05, 0)}% if spread evenly): ${t.worst.map((w) => `${w.slow} at ${w.atS} s`).join(', ')}.`,
    );
  }
  if (h.autovacuum) {
    const passes = Object.entries(h.autovacuum);
    lines.push('', `Autovacuum during the hub's measured phase and drain: ${passes.length ? passes.map(([k, n]) => `${k} ${n}×`).join(', ') : 'none'}.`);
  }
  // issue 26: encrypted and plain messages of the same run, side by side
  if (h.split) {
    const { encrypted: en, plain: pl } = h.split;
    lines.push(
      '',
      '| hub, one run (--encrypt-share) | encrypted (gbv) | plain | encrypted / plain |',
      '|---|---:|---:|---:|',
      `| accepted messages | ${en.accepted} | ${pl.accepted} | |`,
      `| intake latency p50 (ms) | ${f(en.intakeMs.p50, 2)} | ${f(pl.intakeMs.p50, 2)} | ${ratio(en.intakeMs.p50, pl.intakeMs.p50)} |`,
      `| intake latency p99 (ms) | ${f(en.intakeMs.p99, 2)} | ${f(pl.intakeMs.p99, 2)} | ${ratio(en.intakeMs.p99, pl.intakeMs.p99)} |`,
      `| end-to-end latency p50 (ms) | ${f(en.e2eMs.p50, 1)} | ${f(pl.e2eMs.p50, 1)} | ${ratio(en.e2eMs.p50, pl.e2eMs.p50)} |`,
      `| end-to-end latency p99 (ms) | ${f(en.e2eMs.p99, 1)} | ${f(pl.e2eMs.p99, 1)} | ${ratio(en.e2eMs.p99, pl.e2eMs.p99)} |`,
    );
  }
  const waitRows = (x: ScenarioResult | undefined) => x?.pgWaits ?? [];
  if (waitRows(h).length || waitRows(c).length) {
    lines.push('', '| PostgreSQL sessions, sampled twice a second (state wait-event) | hub: share | avg sessions | ceiling: share | avg sessions |', '|---|---:|---:|---:|---:|');
    const whats = [...new Set([...waitRows(h), ...waitRows(c)].map((w) => w.what))];
    for (const w of whats) {
      const a = waitRows(h).find((x) => x.what === w);
      const b = waitRows(c).find((x) => x.what === w);
      const cells = (x: typeof a) => (x ? [`${f(100 * x.share, 0)}%`, f(x.avgSessions, 2)] : ['', '']);
      lines.push(`| ${w} | ${[...cells(a), ...cells(b)].join(' | ')} |`);
    }
  }
  const e = r.ceilingAudit;
  if (e && c) {
    lines.push(
      '',
      "Experiment (`--ceiling-audit`): the ceiling with the hub's audit-chain append (advisory lock, read head, insert) in its intake transaction and its delivered update.",
      '',
      '| figure | ceiling | ceiling + audit chain | ratio |',
      '|---|---:|---:|---:|',
      ...(
        [
          ['accepted messages/s', 'acceptedPerS', 0],
          ['deliveries/s (during the load)', 'deliveriesPerS', 0],
        ] as const
      ).map(([name, k, d]) => `| ${name} | ${f(c[k], d)} | ${f(e[k], d)} | ${ratio(e[k], c[k])} |`),
      `| intake latency p99 (ms) | ${f(c.intakeMs.p99, 2)} | ${f(e.intakeMs.p99, 2)} | ${ratio(e.intakeMs.p99, c.intakeMs.p99)} |`,
      `| end-to-end latency p99 (ms) | ${f(c.e2eMs.p99)} | ${f(e.e2eMs.p99)} | ${ratio(e.e2eMs.p99, c.e2eMs.p99)} |`,
      `| delivered / expected | ${c.delivered}/${c.expected} | ${e.delivered}/${e.expected} | |`,
      `| top PostgreSQL wait | ${c.pgWaits?.[0]?.what ?? ''} | ${e.pgWaits?.[0] ? `${e.pgWaits[0].what} (${f(100 * e.pgWaits[0].share, 0)}%)` : ''} | |`,
    );
  }
  lines.push('', '| target (DESIGN issue) | met | value |', '|---|---|---|', ...r.targets.map((t) => `| ${t.target} | ${t.met ? 'yes' : 'no'} | ${t.value} |`));
  for (const c of r.crashes) lines.push('', `**A process under test exited during the run:** ${c}`);
  if (h.firstFailure) lines.push('', `First hub failure: \`${h.firstFailure.replace(/`/g, "'")}\``);
  if (r.profiles?.length) {
    for (const p of r.profiles) {
      lines.push(
        '',
        `## Profile ${p.file.split('/').slice(-2).join('/')} — busy ${f(p.busyMs / 1000)} s of ${f(p.wallMs / 1000)} s (GC ${f(p.gcMs / 1000)} s)`,
        '',
        '| self % | ms | package / src folder (native time charged to its caller) |',
        '|---:|---:|---|',
        ...(p.packagesCharged ?? []).slice(0, 12).map((x) => `| ${f(x.pct)} | ${f(x.selfMs, 0)} | ${x.name} |`),
        '',
        '| self % | ms | function |',
        '|---:|---:|---|',
        ...p.functions.slice(0, 20).map((x) => `| ${f(x.pct)} | ${f(x.selfMs, 0)} | \`${x.name}\` |`),
      );
    }
  }
  return lines.join('\n') + '\n';
}

export function summaryLine(r: Report): string {
  const h = r.hub;
  const c = r.ceiling;
  return (
    `bench: accepted_per_s=${f(h.acceptedPerS, 0)} intake_p99_ms=${f(h.intakeMs.p99, 2)} e2e_p99_ms=${f(h.e2eMs.p99, 1)} ` +
    `delivered=${h.delivered}/${h.expected} preload=${r.preload?.messages ?? 0} ` +
    (h.split
      ? `encrypted_intake_p50_ms=${f(h.split.encrypted.intakeMs.p50, 2)} plain_intake_p50_ms=${f(h.split.plain.intakeMs.p50, 2)} encrypted_e2e_p50_ms=${f(h.split.encrypted.e2eMs.p50, 1)} plain_e2e_p50_ms=${f(h.split.plain.e2eMs.p50, 1)} `
      : '') +
    `ceiling_per_s=${c ? f(c.acceptedPerS, 0) : 'n/a'} ratio=${c ? ratio(h.acceptedPerS, c.acceptedPerS) : 'n/a'}`
  );
}

/** writes <ISO>.json and latest.md under `dir`; returns the JSON path */
export function writeReport(dir: string, r: Report): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${r.startedAt.replace(/:/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(r, null, 2) + '\n');
  writeFileSync(join(dir, 'latest.md'), markdown(r));
  return file;
}
