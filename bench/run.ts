/**
 * `npm run bench`: the hub against its ceiling on this machine's PostgreSQL and Redis.
 * Starts the receivers, the hub (api + worker, or embedded) and then the ceiling as real processes,
 * drives each with the same load generator and options, writes bench/results/<ISO>.json and
 * latest.md, and ends with one `bench: ...` line; exits 1 when a delivery is missing.
 * Everything it starts it stops; the database it creates it drops; it deletes only its own Redis
 * keys; every phase is bounded in count and time, and a watchdog bounds the whole run.
 * Options: bench/README.md or `npm run bench -- --help`. `npm run bench -- queries` runs the case-query
 * scenario instead (bench/queries.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseOptions } from './options.js';
import { Child } from './ipc.js';
import { RECIPIENTS, SENDER, writeBenchContracts } from './contracts.js';
import { setupTrust } from './trust-setup.js';
import { createDatabase, databaseUrl, deleteQueueKeys, dropDatabase, pgSettings, REDIS_URL } from './services.js';
import { hubConfig, startCeilingSystem, startHubSystem, type System } from './system.js';
import { runScenario, type ScenarioInput } from './scenario.js';
import { wallMs } from './stats.js';
import { probeSignatureCheck } from './probe.js';
import { hubSource } from './hub-source.js';
import { killAll } from './processes.js';
import { formatSummary, mainThreadProfile, type ProfileSummary } from './profile-summary.js';
import { markdown, summaryLine, targets, writeReport, type Report } from './report.js';
import { preparePreload, type PreloadResult } from './preload.js';

// issue 23: `--scenario reconcile` runs the reconciliation scenario alone (bench/reconcile-statement.ts)
const scenarioAt = process.argv.indexOf('--scenario');
// issue 26.7: `--scenario retention`, intake beside a purge (bench/retention.ts)
if (scenarioAt >= 0 && process.argv[scenarioAt + 1] === 'retention') {
  const { runRetentionBench } = await import('./retention.js');
  await runRetentionBench();
  process.exit(0);
}
if (scenarioAt >= 0) {
  const name = process.argv[scenarioAt + 1];
  if (name !== 'reconcile') throw new Error(`--scenario: the scenarios are: reconcile (got ${JSON.stringify(name)})`);
  const at = process.argv.indexOf('--payouts');
  const payouts = at >= 0 ? Number(process.argv[at + 1]) : 10_000;
  if (!Number.isInteger(payouts) || payouts < 5 || payouts > 100_000) throw new Error('--payouts: expected 5..100000');
  const { runReconcileScenario } = await import('./reconcile-statement.js');
  const out = await runReconcileScenario({ payouts, embedded: process.argv.includes('--embedded'), log: (l) => process.stderr.write(`[bench] ${l}\n`) });
  process.stdout.write(`bench: ${out.replace(/\n/g, '\nbench: ')}\n`);
  process.exit(0);
}

// scenarios selectable by name: `npm run bench -- queries …` (bench/queries.ts) runs on its own
if (process.argv[2] === 'queries') {
  const { main: queries } = await import('./queries.js');
  process.exit(await queries(process.argv.slice(3)));
}

// issue 25: a scenario of its own, selected by name: the deadline clock with many open deadlines
if (process.argv.includes('--scenario')) {
  const which = process.argv[process.argv.indexOf('--scenario') + 1];
  if (which !== 'deadlines') throw new Error(`--scenario: unknown "${which}" (known: deadlines)`);
  const { runDeadlinesBench } = await import('./deadlines.js');
  await runDeadlinesBench();
  process.exit(0);
}

const opts = parseOptions(process.argv.slice(2));
const repo = fileURLToPath(new URL('..', import.meta.url));
const startedAt = new Date().toISOString();
const runId = String(Date.now());
const database = `wasla_bench_${runId}`;
const queue = `bench-${runId}`;
const CEILING_PREFIX = 'wasla-bench-ceiling';
const tmp = mkdtempSync(join(tmpdir(), 'wasla-bench-'));
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

let receivers: Child | undefined;
const systems: System[] = [];
let dbCreated = false;
let failed = false;
const crashes: string[] = [];
const onUnexpectedExit = (p: { name: string; pid: number; logFile: string }, code: number | null, signal: string | null) => {
  const what = `${p.name} (pid ${p.pid}) exited during the run: code ${code}, signal ${signal}; log ${p.logFile}`;
  crashes.push(what);
  log(what);
};

async function cleanup(): Promise<void> {
  killAll(); // anything still running after its orderly stop
  for (const s of systems) await s.stop().catch(() => {});
  await receivers?.stop().catch(() => {});
  if (dbCreated) await dropDatabase(database).catch((e) => log(`could not drop ${database}: ${(e as Error).message}`));
  const n = await Promise.all([deleteQueueKeys('wasla', queue), deleteQueueKeys(CEILING_PREFIX, queue), deleteQueueKeys(CEILING_PREFIX, `${queue}-audit`)]).catch(() => [0, 0, 0]);
  log(`cleaned up: ${dbCreated ? `database ${database} dropped, ` : ''}${n.reduce((a, b) => a + b, 0)} Redis keys of queue ${queue} deleted`);
  if (failed) log(`logs kept in ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
}

// a watchdog over the whole run: start, warm-up, its drain, the measured phase, the drain, stop
const perScenarioS = 60 + opts.warmupS + 10 + opts.durationS + opts.drainTimeoutS + 40;
// a preload's budget: setup, then a generous 500 messages/s (it loads ~3 000/s here)
const preloadS = opts.preload > 0 ? 120 + opts.preload / 500 : 0;
const budgetS = 30 + preloadS + perScenarioS * (1 + (opts.ceiling ? 1 : 0) + (opts.ceiling && opts.ceilingAudit ? 1 : 0));
const watchdog = setTimeout(() => {
  log(`watchdog: the run exceeded ${budgetS} s; stopping everything`);
  failed = true;
  void cleanup().finally(() => process.exit(2));
}, budgetS * 1000);
watchdog.unref();
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    log(`${sig}: stopping everything`);
    failed = true;
    void cleanup().finally(() => process.exit(130));
  });
}
process.on('exit', killAll);

async function main(): Promise<number> {
  const fanout = opts.fanout;
  log(
    `run ${runId}: ${opts.smoke ? 'smoke, ' : ''}${opts.embedded ? 'embedded' : 'server'} mode, fan-out ${fanout}, ${opts.rate ? `${opts.rate}/s open loop` : `closed loop ×${opts.concurrency}`}, ` +
      `${opts.durationS} s (≤ ${opts.messages} messages), alg ${opts.alg}; watchdog ${budgetS} s; temp ${tmp}`,
  );
  const loadavgAtStart = loadavg();
  if (loadavgAtStart[0] > 0.5 * cpus().length) log(`the machine is busy (load average ${loadavgAtStart[0].toFixed(2)} on ${cpus().length} cores): figures will be lower than on a quiet machine`);
  const trust = setupTrust(tmp, opts.alg, SENDER, RECIPIENTS.slice(0, fanout));
  const verify = opts.verifyDeliveries === 'on' || (opts.verifyDeliveries === 'auto' && trust.hubCertPem !== undefined);
  if (verify && !trust.hubCertPem) throw new Error('--verify-deliveries on: this hub has no certificate to verify with (its trust layer has no PKI directory yet)');

  receivers = Child.fork('./receivers.ts', 'receivers');
  const receiverUrls = await receivers.call<string[]>('start', { count: fanout, hubCertPem: trust.hubCertPem, caCertPem: trust.caCertPem, keys: trust.recipients });
  const source = hubSource(repo, tmp, opts.hubRef);
  log(`hub from ${source.describe}`);
  const contractsDir = writeBenchContracts(join(source.dir, 'contracts'), tmp, fanout);
  let preload: PreloadResult | undefined;
  if (!opts.embedded || opts.ceiling) {
    const preloadOptions = { messages: opts.preload, fanout, payloadBytes: opts.payloadBytes, repo: source.dir, log };
    if (opts.preload > 0 && opts.keepPreload) {
      dbCreated = true; // created from the kept history, dropped at the end like any run's
      preload = await preparePreload(database, true, preloadOptions);
    } else {
      await createDatabase(database);
      dbCreated = true;
      if (opts.preload > 0) preload = await preparePreload(database, false, preloadOptions);
    }
  }

  const hubStart = {
    repo: source.dir,
    tmp,
    embedded: opts.embedded,
    databaseUrl: databaseUrl(database),
    database,
    redisUrl: REDIS_URL,
    queue,
    contractsDir,
    pkiDir: trust.pkiDir,
    allowUnsigned: opts.alg === 'none',
    receiverUrls,
    profileDir: opts.profileDir,
    onUnexpectedExit,
  };
  const cfg = hubConfig(hubStart);
  const scenario = (name: string, system: System): ScenarioInput => ({
    name,
    system,
    receivers: receivers!,
    receiverMode: system.kind === 'hub' ? { verify, signReceipts: trust.recipients.length > 0 } : { verify: false, signReceipts: false },
    load: {
      concurrency: opts.concurrency,
      rate: opts.rate,
      payloadBytes: opts.payloadBytes,
      encryptShare: opts.encryptShare,
      tag: runId,
      signer: { alg: opts.alg, sender: SENDER, keyPem: trust.sender?.keyPem, keyid: trust.sender?.serial },
    },
    fanout,
    messages: opts.messages,
    durationS: opts.durationS,
    warmupS: opts.warmupS,
    drainTimeoutS: opts.drainTimeoutS,
    progress: log,
  });

  const roles = opts.embedded ? ['all'] : ['api', 'worker'];
  // a profile directory may hold an earlier run's profiles: start each role's from empty
  if (opts.profileDir) for (const r of roles) rmSync(join(opts.profileDir, `hub-${r}`), { recursive: true, force: true });
  log(`starting the hub (${opts.embedded ? 'embedded' : 'api + worker'})`);
  const hub = await startHubSystem(hubStart);
  systems.push(hub);
  const hubChecksSignatures = await probeSignatureCheck(hub.url);
  log(`hub at ${hub.url}; checks signatures: ${hubChecksSignatures}; receivers verify deliveries: ${verify ? 'on' : 'off'}`);
  const hubResult = await runScenario(scenario('hub', hub));
  await hub.stop();
  const hubExitedAt = wallMs();
  systems.splice(systems.indexOf(hub), 1);

  let profiles: ProfileSummary[] | undefined;
  if (opts.profileDir) {
    // only the measured phase and its drain: a profile ends when its process exits
    const w = hubResult.window;
    const window = { fromEndUs: (hubExitedAt - w.startedAt) * 1000, toEndUs: (hubExitedAt - w.drainedAt) * 1000 };
    profiles = roles.map((r) => mainThreadProfile(join(opts.profileDir!, `hub-${r}`), 25, window)).filter((p) => p !== undefined);
    for (const p of profiles) process.stdout.write(formatSummary(p) + '\n\n');
  }

  const runCeiling = async (audit: boolean) => {
    log(`starting the ceiling${audit ? ' with the audit-chain experiment' : ''} (api + worker)`);
    const ceiling = await startCeilingSystem({
      repo,
      tmp,
      databaseUrl: databaseUrl(database),
      database,
      redisUrl: REDIS_URL,
      queue: audit ? `${queue}-audit` : queue,
      prefix: CEILING_PREFIX,
      receiverUrls,
      poolSize: cfg.dbPoolSize,
      workerConcurrency: cfg.workerConcurrency,
      audit,
      onUnexpectedExit,
    });
    systems.push(ceiling);
    const result = await runScenario(scenario(audit ? 'ceiling+audit' : 'ceiling', ceiling));
    await ceiling.stop();
    systems.splice(systems.indexOf(ceiling), 1);
    return result;
  };
  const ceilingResult = opts.ceiling ? await runCeiling(false) : undefined;
  const ceilingAudit = opts.ceiling && opts.ceilingAudit ? await runCeiling(true) : undefined;

  const report: Report = {
    startedAt,
    finishedAt: new Date().toISOString(),
    hubSource: source.describe,
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '?', node: process.version, loadavgAtStart },
    options: { ...opts },
    hubConfig: {
      mode: cfg.mode,
      workerConcurrency: cfg.workerConcurrency,
      recipientConcurrency: cfg.recipientConcurrency,
      dbPoolSize: cfg.dbPoolSize,
      sweepIntervalMs: cfg.sweepIntervalMs,
      maxBodyBytes: cfg.maxBodyBytes,
    },
    postgres: await pgSettings(),
    preload,
    trust: { alg: opts.alg, hubChecksSignatures, receiversVerify: verify, receiptsSigned: trust.recipients.length > 0 },
    hub: hubResult,
    ceiling: ceilingResult,
    ceilingAudit,
    profiles,
    crashes,
    targets: targets(hubResult, ceilingResult, fanout, opts.durationS),
  };
  const file = writeReport(resolve(repo, opts.outDir), report);
  process.stdout.write(markdown(report) + '\n');
  log(`report: ${file} and ${join(opts.outDir, 'latest.md')}`);
  const complete = (r: typeof hubResult | undefined) => r === undefined || (r.accepted > 0 && r.delivered >= r.expected);
  const ok = complete(hubResult) && complete(ceilingResult) && complete(ceilingAudit) && crashes.length === 0;
  failed = !ok; // keep the logs
  await cleanup();
  process.stdout.write(summaryLine(report) + '\n');
  return ok ? 0 : 1;
}

main().then(
  (code) => {
    clearTimeout(watchdog);
    process.exitCode = code;
  },
  async (err) => {
    failed = true;
    log(`failed: ${(err as Error).stack ?? err}`);
    await cleanup();
    process.exitCode = 1;
  },
);
