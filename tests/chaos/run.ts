/**
 * `npm run chaos [-- --messages N] [--quick] [--flush queue|all|partial] [--no-pg-restart] [--deadline S] [--hub-ref REF] [--keep]
 *   [--kills N] [--flushes N] [--pg-restarts N] [--recipients N] [--down N] [--down-mode error|hang] [--xid-start N]
 *   [--postgres URL [--pg-cluster VERSION/NAME]] [--redis URL]`
 *
 * Two api and two worker processes of the hub on a PostgreSQL and a Redis of the run's own (or,
 * only when named with --postgres and --redis, servers that exist), three or more flaky receivers,
 * a load generator that retries with the same Idempotency-Key, and a schedule of faults (SIGKILL of
 * api and worker processes, Redis flushes, PostgreSQL restarts). Then, with every fault stopped and
 * every process up, it waits for the hub to drain and checks the delivery invariants. It ends with
 * exactly one line on stdout:
 *   chaos: acknowledged=<n> delivered=<n> lost=<n> applied_twice=<n> non_terminal=<n> duplicate_arrivals=<rate> drain_s=<s>
 * and exits non-zero when any check fails. Everything is bounded by a global deadline that kills
 * every child. Progress, evidence and the fault log go to stderr.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { prepareContracts, messageBody, recipients as recipientsOf, RECIPIENTS, SENDER } from './contracts.js';
import { startReceivers, type Receivers } from './receivers.js';
import { HubProcess, hubEnv, logPath, type Crash } from './processes.js';
import { generateLoad, type LoadResult } from './loadgen.js';
import { ensureRunning, runFaults, schedule, type FaultLogEntry } from './faults.js';
import { flushRedis, queueEvidence, startServices, type FlushMode, type Services } from './services.js';
import { freePort } from '../helpers/private-services.js';
import { deliveryEvidence, verify, type Verdict } from './verify.js';
import { say } from './log.js';
import { hubSource } from './hub-source.js';
import { createPki } from './pki.js';
import { senderKey } from './sign.js';

const REPO = process.cwd();
const ATTEMPT_TIMEOUT_MS = 2000;
const LEASE_MS = 6000;

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string' },
    quick: { type: 'boolean', default: false },
    flush: { type: 'string', default: 'queue' },
    'no-pg-restart': { type: 'boolean', default: false },
    deadline: { type: 'string' },
    keep: { type: 'boolean', default: false },
    'hub-ref': { type: 'string' },
    kills: { type: 'string' },
    flushes: { type: 'string' },
    'pg-restarts': { type: 'string' },
    recipients: { type: 'string' },
    down: { type: 'string' },
    'down-mode': { type: 'string', default: 'error' },
    'xid-start': { type: 'string' },
    postgres: { type: 'string' },
    'pg-cluster': { type: 'string' },
    redis: { type: 'string' },
  },
});
/** a count option: undefined when not given */
function count(name: string, max: number): number | undefined {
  const v = args[name as keyof typeof args];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new Error(`--${name}: an integer from 0 to ${max}`);
  return n;
}
const quick = args.quick!;
const messages = Number(args.messages ?? (quick ? 300 : 5000));
if (!Number.isInteger(messages) || messages < 1 || messages > 1_000_000) throw new Error('--messages: a positive integer');
const flushMode = args.flush as FlushMode;
if (!['queue', 'all', 'partial'].includes(flushMode)) throw new Error("--flush: queue (this run's keys, atomically), all (FLUSHALL) or partial (SCAN + DEL while the hub runs)");
const kills = count('kills', 1000);
const flushes = count('flushes', 1000);
const pgRestarts = count('pg-restarts', 100);
const allRecipients = recipientsOf(count('recipients', 100) ?? RECIPIENTS.length);
const downCount = count('down', allRecipients.length - 1) ?? 0;
/** recipients down for good: the last ones */
const downRecipients = allRecipients.slice(allRecipients.length - downCount);
const downMode = args['down-mode'] as 'error' | 'hang';
if (!['error', 'hang'].includes(downMode)) throw new Error('--down-mode: error (500 to everything) or hang (never answers)');
if (args['pg-cluster'] && !args.postgres) throw new Error('--pg-cluster names the cluster of the server given with --postgres');
/** a private cluster starts just below a power of ten, so every run crosses one (issue 20.1) */
const xidStart = BigInt(args['xid-start'] ?? '999000');
// more faults than the default schedule take longer: a gap each, plus the drain
const faultCount = (kills ?? 0) + (flushes ?? 0) + (pgRestarts ?? 0);
const deadlineS = Number(args.deadline ?? Math.max(quick ? 240 : 900, 180 + faultCount * (quick ? 4 : 6)));
const startedAt = Date.now();
const deadline = startedAt + deadlineS * 1000;
/** load and faults stop this long before the deadline, leaving time to drain and verify */
const reserveMs = Math.min(60_000, (deadlineS * 1000) / 4);
// After a worker is killed, a job it had taken but not yet claimed stays in BullMQ's active list
// until its lock (60 s) lapses and a stalled check returns it: the drain must outlast that.
const drainLimitMs = quick ? 120_000 : 300_000;

const runId = new Date().toISOString().replace(/\D/g, '').slice(0, 14) + '_' + process.pid;
const dbName = `wasla_chaos_${runId}`;
const queueName = `chaos-${runId}`;
const workDir = mkdtempSync(join(tmpdir(), 'wasla-chaos-'));

const procs = new Map<string, HubProcess>();
const crashes: Crash[] = [];
let receivers: Receivers | undefined;
let pool: pg.Pool | undefined;
let dbCreated = false;
let services: Services | undefined;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function stateCounts(): Promise<Record<string, number>> {
  const r = await pool!.query<{ state: string; n: number }>('select state, count(*)::int as n from deliveries group by state');
  return Object.fromEntries(r.rows.map((x) => [x.state, x.n]));
}

/** the state of a delivery now, in PostgreSQL and in Redis */
async function evidence(id: string): Promise<string[]> {
  const row = await pool!
    .query<{ state: string; attempts: number; next_attempt_at: Date | null; lease_until: Date | null; last_error: string | null }>(
      'select state, attempts, next_attempt_at, lease_until, last_error from deliveries where id = $1',
      [id],
    )
    .catch(() => undefined);
  const r = row?.rows[0];
  return [
    `  now ${new Date().toISOString()}: ${r ? `state=${r.state} attempts=${r.attempts} next_attempt_at=${r.next_attempt_at?.toISOString()} lease_until=${r.lease_until?.toISOString()} last_error=${r.last_error}` : 'no row'}`,
    ...(await deliveryEvidence(pool!, id).catch(() => [])),
    ...(await queueEvidence(services!.redisUrl, queueName, id)),
  ];
}

/** wait until every delivery is delivered or dead; returns seconds taken, or undefined on timeout */
async function drain(limitMs: number): Promise<number | undefined> {
  const t0 = Date.now();
  let lastSaid = 0;
  let lastOpen = -1;
  let sameSince = Date.now();
  let snapshots = 0;
  // bounded by limitMs and the global deadline
  while (Date.now() - t0 < limitMs && Date.now() < deadline) {
    const c = await stateCounts().catch(() => undefined);
    if (c) {
      const open = (c.pending ?? 0) + (c.in_flight ?? 0) + (c.retrying ?? 0);
      if (Date.now() - lastSaid > 5000) {
        say(`drain: ${JSON.stringify(c)}`);
        lastSaid = Date.now();
      }
      if (open === 0) return (Date.now() - t0) / 1000;
      if (open !== lastOpen) {
        lastOpen = open;
        sameSince = Date.now();
      } else if (Date.now() - sameSince > 10_000 && snapshots < 3) {
        // no progress for 10 s with every process up: show where the stragglers are
        snapshots += 1;
        sameSince = Date.now();
        const stuck = await pool!.query<{ id: string }>(`select id from deliveries where state in ('pending', 'retrying', 'in_flight') order by next_attempt_at limit 3`).catch(() => undefined);
        say(`drain: no progress for 10 s (${open} open); the oldest:`);
        for (const { id } of stuck?.rows ?? []) {
          say(` delivery ${id}`);
          for (const l of await evidence(id)) say(l);
        }
      }
    }
    await ensureRunning(procs).catch(() => {});
    await sleep(500);
  }
  return undefined;
}

async function currentXid(): Promise<bigint | undefined> {
  const r = await pool?.query<{ x: string }>('select pg_current_xact_id()::text as x').catch(() => undefined);
  return r ? BigInt(r.rows[0].x) : undefined;
}

/** the power of ten (1,000 or more) in (from, to], if any */
function crossedPowerOfTen(from: bigint, to: bigint): bigint | undefined {
  for (let p = 1000n; p <= to; p *= 10n) if (p > from) return p;
  return undefined;
}

let cleaning: Promise<void> | undefined;
/** once, whoever asks first: the deadline, a signal, or the end of the run */
function cleanup(): Promise<void> {
  return (cleaning ??= doCleanup());
}

async function doCleanup(): Promise<void> {
  await Promise.all([...procs.values()].map((p) => p.kill().catch(() => {})));
  for (const p of procs.values()) p.close();
  receivers?.kill();
  await pool?.end().catch(() => {});
  if (!services) {
    if (!args.keep) rmSync(workDir, { recursive: true, force: true });
    return;
  }
  if (args.keep) {
    // the private servers keep running, so that what is kept can be looked at
    say(`kept ${workDir}, database ${dbName} and Redis keys wasla:${queueName}:* on ${services.describe} (stop and drop them yourself)`);
    return;
  }
  await services.ensureUp();
  if (dbCreated) await services.dropDatabase(dbName).catch((e: Error) => say(`could not drop ${dbName}: ${e.message}`));
  await flushRedis(services.redisUrl, queueName, 'queue').catch(() => {});
  await services.close();
  rmSync(workDir, { recursive: true, force: true });
}

let lineWritten = false;
/** the one `chaos:` line on stdout, written once whatever happens */
function writeLine(text: string): void {
  if (lineWritten) return;
  lineWritten = true;
  process.stdout.write(text + '\n');
}

function line(v: Partial<Verdict>, drainS: number | undefined, acknowledged?: number): string {
  const f = (n: number | undefined) => (n === undefined ? '?' : String(n));
  return `chaos: acknowledged=${f(v.acknowledged ?? acknowledged)} delivered=${f(v.delivered)} lost=${f(v.lost)} applied_twice=${f(v.appliedTwice)} non_terminal=${f(v.nonTerminal)} duplicate_arrivals=${v.duplicateRate === undefined ? '?' : v.duplicateRate.toFixed(4)} drain_s=${drainS === undefined ? '?' : drainS.toFixed(1)}${downCount ? ` dead_down=${f(v.deadDown)}` : ''}`;
}

/** warnings and errors the hub logged, grouped by message, per process */
function logSummary(): string[] {
  const out: string[] = [];
  for (const f of readdirSync(workDir).filter((n) => n.endsWith('.log'))) {
    const counts = new Map<string, number>();
    for (const l of readFileSync(join(workDir, f), 'utf8').split('\n')) {
      // an uncaught error's first line, as Node prints it before the process dies
      if (/^(\w*Error|error): /.test(l)) counts.set(`uncaught: ${l.slice(0, 160)}`, (counts.get(`uncaught: ${l.slice(0, 160)}`) ?? 0) + 1);
      if (!l.startsWith('{')) continue;
      try {
        const j = JSON.parse(l) as { level?: number; msg?: string; err?: unknown };
        if ((j.level ?? 0) < 40) continue;
        const k = `level ${j.level}: ${j.msg}${j.err ? ` (${String(typeof j.err === 'string' ? j.err : ((j.err as { message?: string }).message ?? '')).slice(0, 120)})` : ''}`;
        counts.set(k, (counts.get(k) ?? 0) + 1);
      } catch {
        /* not a pino line */
      }
    }
    for (const [k, n] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, 8)) out.push(`${f}: ${n}× ${k}`);
  }
  return out;
}

function grepLogs(id: string, max = 5): string[] {
  const out: string[] = [];
  for (const f of readdirSync(workDir).filter((n) => n.endsWith('.log'))) {
    for (const l of readFileSync(join(workDir, f), 'utf8').split('\n')) if (l.includes(id) && out.length < max) out.push(`  ${f}: ${l.slice(0, 400)}`);
  }
  return out;
}

async function main(): Promise<number> {
  services = await startServices({
    // not under workDir: under root the cluster runs as postgres, who must be able to reach its directory
    postgres: args.postgres,
    pgCluster: args['pg-cluster'],
    redis: args.redis,
    parent: tmpdir(),
    nextXid: args.postgres || xidStart === 0n ? undefined : xidStart,
  });
  say(`run ${runId}: ${messages} messages${quick ? ' (quick)' : ''}; database ${dbName}, queue ${queueName}, files in ${workDir}`);
  say(`services: ${services.describe}`);
  const hub = hubSource(REPO, join(workDir, 'hub'), args['hub-ref']);
  say(`hub under test: ${hub.describe}`);
  const contractsDir = join(workDir, 'contracts');
  prepareContracts(hub.dir, contractsDir, allRecipients);
  const pki = createPki(join(workDir, 'pki'), [SENDER, ...allRecipients]);
  await services.createDatabase(dbName);
  dbCreated = true;
  pool = new pg.Pool({ connectionString: services.databaseUrl(dbName), max: 2, connectionTimeoutMillis: 5_000 });
  pool.on('error', () => {});
  const xidAtStart = await currentXid();

  receivers = await startReceivers({
    names: allRecipients,
    fail: 0.2,
    hang: 0.05,
    hangMs: ATTEMPT_TIMEOUT_MS + 1500,
    trust: { caCertPem: pki.caCertPem, hubCertPem: pki.hubCertPem, keys: pki.keys },
    ...(downCount ? { down: { names: downRecipients, mode: downMode } } : {}),
  });
  if (downCount) say(`down for good (${downMode}): ${downRecipients.join(', ')}`);
  const base = {
    databaseUrl: services.databaseUrl(dbName),
    redisUrl: services.redisUrl,
    queueName,
    contractsDir,
    pkiDir: pki.dir,
    endpoints: receivers.urls,
    attemptTimeoutMs: ATTEMPT_TIMEOUT_MS,
    leaseMs: LEASE_MS,
  };
  const ports = [await freePort(), await freePort()];
  procs.set('api-1', new HubProcess('api-1', 'api', hub.dir, hubEnv(base, ports[0]), logPath(workDir, 'api-1'), crashes));
  procs.set('api-2', new HubProcess('api-2', 'api', hub.dir, hubEnv(base, ports[1]), logPath(workDir, 'api-2'), crashes));
  procs.set('worker-1', new HubProcess('worker-1', 'worker', hub.dir, hubEnv(base), logPath(workDir, 'worker-1'), crashes));
  procs.set('worker-2', new HubProcess('worker-2', 'worker', hub.dir, hubEnv(base), logPath(workDir, 'worker-2'), crashes));
  await Promise.all([...procs.values()].map((p) => p.start(60_000)));
  say(`hub up: api on ports ${ports.join(', ')}, two workers; receivers ${JSON.stringify(receivers.urls)}`);

  const pgRestart = !args['no-pg-restart'] && services.canRestartPg;
  if (!args['no-pg-restart'] && !services.canRestartPg) say('no PostgreSQL restarts: the server given with --postgres has no --pg-cluster to restart');
  const faults = schedule({ quick, pgRestart, kills, flushes, pgRestarts });
  say(
    `fault schedule: ${faults.length} faults (${faults.filter((f) => f.kind === 'kill').length} kills, ${faults.filter((f) => f.kind === 'flush-redis').length} Redis flushes, ${faults.filter((f) => f.kind === 'restart-pg').length} PostgreSQL restarts)`,
  );
  const windowMs = quick ? 30_000 : 120_000;
  let loadDone = false;
  const loadP: Promise<LoadResult> = generateLoad({
    apis: ports.map((p) => `http://127.0.0.1:${p}`),
    sender: senderKey(SENDER, pki.keys[SENDER].keyPem, pki.keys[SENDER].serial),
    messages,
    windowMs,
    maxInFlight: 48,
    retryForMs: 90_000,
    requestTimeoutMs: 10_000,
    key: (i) => `chaos-${runId}-${i}`,
    body: (i) => messageBody(runId, i),
    deadline: deadline - reserveMs,
  }).finally(() => {
    loadDone = true;
  });
  const faultLog: FaultLogEntry[] = await runFaults(
    faults,
    procs,
    {
      services,
      flush: flushMode,
      queueName,
      gapMs: quick ? 2500 : 4000,
      downMs: 1000,
    },
    () => false,
    deadline - reserveMs,
  );
  say(`faults done (${faultLog.length}); waiting for the load generator`);
  const load = await loadP;
  say(`load done: ${load.acknowledged.size} of ${messages} acknowledged in ${(load.ms / 1000).toFixed(1)} s (load finished ${loadDone ? 'before' : 'after'} the faults)`);

  await ensureRunning(procs);
  say('all faults stopped, every process up: draining');
  const drainS = await drain(Math.min(drainLimitMs, deadline - Date.now() - 20_000));
  if (drainS === undefined) say('drain timed out');
  const reports = await receivers.report();
  const v = await verify(pool, SENDER, allRecipients, load, reports, downRecipients);
  const audit = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'audit', 'verify'], {
    cwd: hub.dir,
    env: hubEnv(base),
    timeout: 60_000,
  }).then(
    (r) => ({ ok: true, out: r.stdout.trim() }),
    (e: { stdout?: string; message: string }) => ({ ok: false, out: (e.stdout ?? e.message).trim() }),
  );

  for (const f of faultLog) say(`fault log: ${f.at} ${f.fault} (${f.ms} ms)${f.error ? ` FAILED: ${f.error}` : ''}`);
  for (const d of v.details) say(d);
  say(`audit: ${audit.out}`);
  const xidAtEnd = await currentXid();
  if (xidAtStart !== undefined && xidAtEnd !== undefined) {
    const crossed = crossedPowerOfTen(xidAtStart, xidAtEnd);
    say(`transaction ids: ${xidAtStart} to ${xidAtEnd}${crossed ? `, across ${crossed.toLocaleString('en')}` : ''}`);
  }
  const hubCrashes = crashes.filter((c) => c.code !== 0);
  for (const c of crashes) say(`${c.code === 0 ? 'STOPPED FROM OUTSIDE (graceful exit 0, not our SIGKILL)' : 'CRASH'}: ${c.name} pid ${c.pid} at ${c.at} (code ${c.code}, signal ${c.signal})`);
  for (const l of logSummary()) say(`hub log: ${l}`);
  const problems = [...v.problems];
  if (!audit.ok) problems.push(`audit verify failed: ${audit.out}`);
  if (hubCrashes.length) problems.push(`${hubCrashes.length} hub process exit(s) we did not cause, with a non-zero code (crashes)`);
  if (drainS === undefined) problems.push(`the hub did not drain within ${(drainLimitMs / 1000).toFixed(0)} s`);
  for (const p of problems) say(`PROBLEM: ${p}`);
  const ids = [...new Set(problems.join('\n').match(/delivery [0-9a-f-]{36}/g) ?? [])].slice(0, 5).map((s) => s.slice(9));
  for (const id of ids) {
    say(`evidence for delivery ${id}:`);
    for (const l of await evidence(id)) say(l);
    for (const l of grepLogs(id)) say(l);
  }

  const ok =
    problems.length === 0 &&
    v.lost === 0 &&
    v.appliedTwice === 0 &&
    v.nonTerminal === 0 &&
    v.dead === 0 &&
    v.delivered === v.acknowledged &&
    v.acknowledged === messages &&
    v.deadDown === messages * downCount;
  say(`${ok ? 'PASS' : 'FAIL'} in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  writeLine(line(v, drainS));
  return ok ? 0 : 1;
}

let finished = false;
let deadlinePassed = false;
const hardStop = setTimeout(() => {
  if (finished) return;
  deadlinePassed = true;
  say(`GLOBAL DEADLINE of ${deadlineS} s passed: killing every child`);
  writeLine(line({}, undefined));
  const bail = setTimeout(() => process.exit(2), 30_000);
  bail.unref();
  cleanup().finally(() => process.exit(2));
}, deadline - Date.now());
hardStop.unref();

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    say(`${sig}: cleaning up`);
    writeLine(line({}, undefined));
    setTimeout(() => process.exit(130), 30_000).unref();
    cleanup().finally(() => process.exit(130));
  });
}

main()
  .catch((err: unknown) => {
    say(`run failed: ${(err as Error).stack ?? String(err)}`);
    writeLine(line({}, undefined));
    return 1;
  })
  .then(async (code) => {
    // past the deadline, the deadline's own path cleans up and exits 2
    if (deadlinePassed) return;
    finished = true;
    clearTimeout(hardStop);
    await cleanup().catch((e: Error) => say(`cleanup: ${e.message}`));
    say(args.keep ? 'cleaned up: children killed' : 'cleaned up: children killed, database dropped, queue keys removed, temp dir removed');
    process.exit(code);
  });
