/**
 * The composition root: builds a hub from its configuration — contracts, database, dispatcher,
 * workers, sweeper, HTTP server — in either mode and any role, and takes it down in order.
 * Only the CLI, tests and benchmarks import this file.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { createLogger } from './log.js';
import { createMetrics, type Metrics } from './metrics.js';
import { openDatabase, countOpenByState, dueBacklog, recordCertificates, DatabaseReplayGuard, waitingByRecipient, type Database } from './store/index.js';
import { FlowControl } from './intake/flow-control.js';
import { FailoverDispatcher, InProcessDispatcher, type Dispatcher } from './queue/index.js';
import { HttpTransport } from './adapters/index.js';
import { createDeliveryHandler, type OutboundSigner } from './workers/delivery.js';
import { Sweeper } from './workers/sweeper.js';
import { RecipientGate } from './workers/recipient-gate.js';
import { RedisRateLimit } from './workers/shared-rate-limit.js';
import { createApp, createOperationsApp, isLoopbackHost, unsignedAuthenticator, type Authenticator, type RouteRegistrar } from './api/index.js';
import { signatureAuthenticator } from './api/signature-auth.js';
import { defaultPublicUrls } from './api/public-url.js';
import { ConfigError } from './errors.js';
import { checkReceipt, deliverySigner } from './workers/delivery-signing.js';
import {
  CertificateKeyResolver, ensureHubCertificate, LayeredReplayGuard, FileCertificateStore, hasCa, initCa, loadCa, MemoryReplayGuard, RedisReplayGuard, type ReplayGuard,
  HUB_INSTITUTION_ID,
} from './trust/index.js';
import { loadContracts } from './routing/index.js';
import type { Contracts } from './routing/types.js';
import { appendAudit, countUnsealed, type AuditRecord } from './audit/log.js';
import { AuditSealer } from './audit/sealer.js';
import { VERSION } from './version.js';

/**
 * The Redis channel on which operators ask every process of one hub to reload its contracts. Redis
 * pub/sub ignores the database index and the hub's key prefix, so the channel names the hub the way
 * its queue does — key prefix, queue name and database index — and one hub's reload never reloads
 * another hub on the same Redis (issue 19.6).
 */
export function reloadChannel(opts: { prefix?: string; queueName: string; redisUrl: string }): string {
  const db = Number(new URL(opts.redisUrl).pathname.slice(1) || 0);
  return `${opts.prefix ?? 'wasla'}:${opts.queueName}:db${Number.isInteger(db) ? db : 0}:contracts:reload`;
}

export interface HubOptions {
  config: Config;
  log?: Logger;
  /** replaces the default authenticator (tests, and the signature layer) */
  authenticate?: Authenticator;
  /** signs outbound deliveries */
  sign?: OutboundSigner;
  /** BullMQ key prefix (tests isolate themselves with it) */
  queuePrefix?: string;
  extraRoutes?: RouteRegistrar[];
  /** environment for `${VAR}` and WASLA_ENDPOINT_* in the contract set (default process.env) */
  contractsEnv?: Record<string, string | undefined>;
}

export interface Hub {
  config: Config;
  log: Logger;
  database: Database;
  dispatcher: Dispatcher;
  metrics: Metrics;
  workerId: string;
  /** base URL when the api role runs */
  url?: string;
  /** where /healthz, /readyz and /metrics are served apart from the API: a worker-only process (WASLA_WORKER_PORT), or WASLA_METRICS_PORT */
  operationsUrl?: string;
  contracts(): Contracts;
  /** load the contract set again; on a fault the old one stays in force and the error is thrown */
  reloadContracts(actor: string): Promise<Contracts>;
  sweeper?: Sweeper;
  stop(): Promise<void>;
}

export async function startHub(opts: HubOptions): Promise<Hub> {
  const cfg = opts.config;
  const log = opts.log ?? createLogger(cfg.logLevel);
  const workerId = `${process.pid}-${randomUUID().slice(0, 8)}`;
  const loadSet = () => loadContracts(cfg.contractsDir, { env: opts.contractsEnv ?? process.env });
  let contracts: Contracts = loadSet();
  const current = () => contracts;

  // Trust (invariant 5). An embedded hub creates its federation CA on first start, so that
  // `npm start` works on a fresh machine; a server-mode hub needs `wasla ca init` or `ca import`.
  if (!hasCa(cfg.pkiDir)) {
    if (cfg.mode !== 'embedded') throw new ConfigError('WASLA_PKI_DIR', `no federation CA in ${cfg.pkiDir}: run \`wasla ca init\` (or \`wasla ca import <cert>\`) first`);
    initCa(cfg.pkiDir, { hubKeyType: cfg.hubKeyType });
    log.warn({ pkiDir: cfg.pkiDir }, 'created a new federation CA and hub certificate (embedded first start); enroll institutions with `wasla institution enroll <id>`');
  }
  const ca = loadCa(cfg.pkiDir);
  const certStore = new FileCertificateStore(cfg.pkiDir);

  const database = await openDatabase({ databaseUrl: cfg.databaseUrl, dataDir: cfg.dataDir, poolSize: cfg.dbPoolSize });
  const db = database.db;
  const audit = (r: AuditRecord) => db.transaction((tx) => appendAudit(tx, [r]));
  // certificates registered or revoked in the PKI directory since we last looked go on the record
  const syncCertificates = async () => {
    const n = await recordCertificates(db, await certStore.list());
    if (n) log.info({ entries: n }, 'certificate changes written to the audit log');
  };
  await syncCertificates();
  // records are re-read every second, so a revocation made by the CLI holds within a second in
  // every process; `wasla cert revoke` also asks running hubs to drop their caches at once. A
  // certificate enrolled while the hub runs goes on the audit log before its first use (issue 19.6)
  const resolver = new CertificateKeyResolver({
    store: certStore, caCertPems: [ca.certPem], recordTtlMs: 1000,
    onRecord: async (record) => {
      const n = await recordCertificates(db, [record]);
      if (n) log.info({ serial: record.serial, institution: record.institutionId, entries: n }, 'certificate written to the audit log before its first use');
    },
  });
  const sealer = new AuditSealer(db, log);
  sealer.start();
  // server mode: BullMQ, and this process's own queue fed from PostgreSQL while Redis is away
  const dispatcher: Dispatcher = cfg.mode === 'server'
    ? new FailoverDispatcher({ redisUrl: cfg.redisUrl!, queueName: cfg.queueName, prefix: opts.queuePrefix }, log)
    : new InProcessDispatcher();
  const metrics = createMetrics({ defaults: true });
  const runsApi = cfg.role !== 'worker';
  const runsWorker = cfg.role !== 'api';

  // Redis shared by this hub's processes beyond the queue: the replay guard (api) and the
  // recipients' rate-limit buckets (worker). No offline queue: while Redis is away a call fails at
  // once, and each degrades to what this process knows on its own.
  let sharedRedis: import('ioredis').Redis | undefined;
  if (cfg.mode === 'server') {
    const { Redis } = await import('ioredis');
    sharedRedis = new Redis(cfg.redisUrl!, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    sharedRedis.on('error', () => {});
    const r = sharedRedis;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 2000); // start anyway: both degrade until Redis is there
      r.once('ready', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }
  const warnEvery10s = (what: string) => {
    let warnedAt = 0;
    return (err: unknown) => {
      if (Date.now() - warnedAt < 10_000) return;
      warnedAt = Date.now();
      log.warn({ err: (err as Error).message }, what);
    };
  };

  const gate = runsWorker ? new RecipientGate({
    maxInFlightPerRecipient: cfg.recipientConcurrency,
    // a hanging recipient holds at most twice its cap of the worker's slots; below that, jobs
    // wait here for a slot, and beyond it they are parked without one (see the gate)
    maxWaitersPerRecipient: cfg.recipientConcurrency,
    failureThreshold: cfg.breakerFailures,
    openMs: cfg.breakerOpenMs,
    maxOpenMs: 10 * cfg.breakerOpenMs,
    // one bucket per recipient for all the worker processes, as the agreement means it
    sharedRate: sharedRedis && new RedisRateLimit(sharedRedis, `${opts.queuePrefix ?? 'wasla'}:${cfg.queueName}:rate:`),
    onSharedRateError: warnEvery10s('Redis unreachable: rate limits degraded to per worker process until it returns'),
  }) : undefined;
  // readiness and the gauges sampled at scrape time, the same in every process that serves them
  const checks: Record<string, () => Promise<void>> = cfg.mode === 'server'
    ? { database: () => database.ping(), redis: () => dispatcher.ping() }
    : { database: () => database.ping() };
  const sample = async () => {
    const counts = await countOpenByState(db);
    for (const [state, n] of Object.entries(counts)) metrics.deliveriesByState.set({ state }, n);
    metrics.queueDepth.set(await dispatcher.depth().catch(() => NaN));
    metrics.auditUnsealed.set(await countUnsealed(db));
    metrics.waitingByRecipient.reset();
    metrics.oldestWaitingSeconds.reset();
    const now = Date.now();
    for (const w of await waitingByRecipient(db)) {
      metrics.waitingByRecipient.set({ recipient: w.recipient }, w.waiting);
      metrics.oldestWaitingSeconds.set({ recipient: w.recipient }, Math.max(0, (now - w.oldestCreatedAt.getTime()) / 1000));
    }
    if (gate) {
      for (const g of [metrics.recipientInFlight, metrics.recipientParked, metrics.recipientPaused]) g.reset();
      for (const r of gate.recipients()) {
        metrics.recipientInFlight.set({ recipient: r.recipient }, r.inFlight);
        metrics.recipientParked.set({ recipient: r.recipient }, r.parked);
        metrics.recipientPaused.set({ recipient: r.recipient }, r.status === 'open' ? 1 : r.status === 'half-open' ? 0.5 : 0);
      }
    }
  };
  let accepting = true;

  let transport: HttpTransport | undefined;
  let sweeper: Sweeper | undefined;
  // a worker-only process: its counters exist only in it, so it answers scrapes on a port of its own
  // (bound before it takes any job, so that a port already taken stops it with nothing begun)
  let operationsServer: ServerType | undefined;
  let operationsUrl: string | undefined;
  if (runsWorker) {
    transport = new HttpTransport();
    let hubKey: ReturnType<typeof ensureHubCertificate>;
    try {
      hubKey = ensureHubCertificate(cfg.pkiDir, cfg.hubKeyType);
    } catch (err) {
      throw new ConfigError('WASLA_PKI_DIR', `the worker needs the hub's signing key and certificate (hub.key.pem, hub.cert.pem) in ${cfg.pkiDir}: ${(err as Error).message}`);
    }
    const handler = createDeliveryHandler({
      db, contracts: current, dispatcher, transport, metrics, log, workerId,
      leaseMs: cfg.leaseMs, attemptTimeoutMs: cfg.attemptTimeoutMs,
      sign: opts.sign ?? deliverySigner({ keyPem: hubKey.keyPem, serial: hubKey.serial }),
      checkReceipt: (recipient, req, res) => checkReceipt(resolver, recipient, req, res),
      gate: gate!,
    });
    if (!runsApi && cfg.workerPort !== null) {
      const app = createOperationsApp({ mode: cfg.mode, checks, accepting: () => accepting, metrics, sample, log, metricsToken: cfg.metricsToken });
      try {
        ({ server: operationsServer, url: operationsUrl } = await listen(app.fetch, cfg.metricsHost, cfg.workerPort));
      } catch (err) {
        // nothing has been taken from the queue yet: close what is open and say why
        await sealer.stop();
        await dispatcher.close(0);
        sharedRedis?.disconnect();
        await database.close();
        throw new ConfigError('WASLA_WORKER_PORT', `cannot serve the worker's health and metrics on ${cfg.metricsHost}:${cfg.workerPort} (${(err as Error).message}); give each worker on one host its own port, 0 for any free one, or off`);
      }
    }
    await dispatcher.start(handler, cfg.workerConcurrency);
    sweeper = new Sweeper({ db, dispatcher, log, intervalMs: cfg.sweepIntervalMs, graceMs: cfg.sweepIntervalMs, idempotencyRetentionMs: cfg.idempotencyRetentionHours * 3_600_000,
      analyzeYoungTables: database.kind === 'postgres' });
    sweeper.start();
  }

  let server: ServerType | undefined;
  let url: string | undefined;
  let flow: FlowControl | undefined;
  // what request signatures must cover (issue 19.10): WASLA_PUBLIC_URL, else known once listening
  let publicUrls: readonly string[] = cfg.publicUrls;
  if (runsApi) {
    let replayGuard: ReplayGuard;
    if (sharedRedis) {
      // shared by every api process: a signature seen by one is refused by all
      replayGuard = new LayeredReplayGuard(
        new MemoryReplayGuard({ maxEntries: 1_000_000 }),
        new RedisReplayGuard(sharedRedis, { prefix: `${opts.queuePrefix ?? 'wasla'}:replay:` }),
        warnEvery10s('Redis unreachable: replay guard degraded to this process until it returns'),
      );
    } else {
      // embedded: the database keeps what memory forgets at a restart (issue 19.4); memory in
      // front answers a replay to this process without a statement
      replayGuard = new LayeredReplayGuard(
        new MemoryReplayGuard({ maxEntries: 1_000_000 }),
        new DatabaseReplayGuard(db, { onPurgeError: warnEvery10s('could not purge expired replay signatures; will try again') }),
        warnEvery10s('the database replay guard failed: replay guard degraded to this process'),
      );
    }
    if (cfg.intakeBacklogLimit > 0) {
      flow = new FlowControl({
        limit: cfg.intakeBacklogLimit, holdMs: cfg.intakeHoldMs, log, onHeld: () => metrics.intakeHeld.inc(),
        // one over the limit says "behind"; below it, the count is exact
        count: () => dueBacklog(db, [...current().institutions.keys()], cfg.intakeBacklogLimit + 1),
      });
      flow.start();
    }
    const authenticate: Authenticator = opts.authenticate ?? (cfg.insecureAllowUnsigned
      ? unsignedAuthenticator(current, 'unsigned-insecure')
      : signatureAuthenticator({
        resolver, replayGuard, contracts: current, maxAgeSeconds: cfg.signatureMaxAgeSeconds, clockSkewSeconds: cfg.signatureSkewSeconds,
        publicUrls: () => publicUrls,
      }));
    const { app } = createApp({
      version: VERSION,
      mode: cfg.mode,
      maxBodyBytes: cfg.maxBodyBytes,
      db,
      contracts: current,
      intake: { db, contracts: current, dispatcher, log, flow },
      metrics,
      log,
      authenticate,
      audit,
      checks,
      sample,
      accepting: () => accepting,
      metricsToken: cfg.metricsToken,
      trust: () => ({ caCertPem: ca.certPem, hubCertPems: certStore.listForInstitution(HUB_INSTITUTION_ID).then((rs) => rs.filter((r) => !r.revokedAt).map((r) => r.pem)) }),
    }, opts.extraRoutes, { metrics: cfg.metricsPort === null });
    if (cfg.metricsPort !== null) {
      // health and metrics on a listener of their own (WASLA_METRICS_HOST:WASLA_METRICS_PORT), bound
      // before the API so that a port already taken stops the start with nothing served
      const ops = createOperationsApp({ mode: cfg.mode, checks, accepting: () => accepting, metrics, sample, log, metricsToken: cfg.metricsToken });
      try {
        ({ server: operationsServer, url: operationsUrl } = await listen(ops.fetch, cfg.metricsHost, cfg.metricsPort));
      } catch (err) {
        flow?.stop();
        await sweeper?.stop();
        await dispatcher.close(0);
        await sealer.stop();
        sharedRedis?.disconnect();
        await database.close();
        throw new ConfigError('WASLA_METRICS_PORT', `cannot serve health and metrics on ${cfg.metricsHost}:${cfg.metricsPort} (${(err as Error).message})`);
      }
    }
    ({ server, url } = await listen(app.fetch, cfg.host, cfg.port));
    if (publicUrls.length === 0) publicUrls = defaultPublicUrls(url, isLoopbackHost(cfg.host));
    if (cfg.insecureAllowUnsigned) {
      log.warn({ variable: 'WASLA_INSECURE_ALLOW_UNSIGNED', loopback: isLoopbackHost(cfg.host) }, 'UNSIGNED INTAKE IS ON: anyone who can reach this port can send as any institution');
    }
  }

  // Server mode: `wasla contracts reload` publishes on this channel; every api and worker
  // process reloads (an embedded hub gets SIGHUP instead).
  let reloadSub: import('ioredis').Redis | undefined;
  if (cfg.mode === 'server') {
    const { Redis } = await import('ioredis');
    reloadSub = new Redis(cfg.redisUrl!, { maxRetriesPerRequest: null });
    reloadSub.on('error', () => {});
    const channel = reloadChannel({ prefix: opts.queuePrefix, queueName: cfg.queueName, redisUrl: cfg.redisUrl! });
    await reloadSub.subscribe(channel).catch((err) => log.warn({ err: (err as Error).message }, 'cannot subscribe to contract reloads'));
    reloadSub.on('message', (ch, actor) => {
      if (ch !== channel) return;
      hub.reloadContracts(actor || 'operator').catch((err) => log.error({ err: (err as Error).message }, 'contracts reload refused; the previous set stays in force'));
    });
  }

  let stopping: Promise<void> | undefined;
  const hub: Hub = {
    config: cfg,
    log,
    database,
    dispatcher,
    metrics,
    workerId,
    url,
    operationsUrl,
    sweeper,
    contracts: current,
    async reloadContracts(actor: string) {
      const next = loadSet();
      // a reload is also how operators make every process drop cached certificates (revocation)
      resolver.clear();
      await syncCertificates();
      contracts = next;
      await audit({ actor, action: 'contracts.reloaded', subject: cfg.contractsDir, data: { institutions: next.institutions.size, types: next.catalogue.list().length } });
      log.info({ actor }, 'contracts reloaded');
      return next;
    },
    stop() {
      return (stopping ??= (async () => {
        accepting = false;
        flow?.stop(); // held requests go on to be stored (or refused) now
        // 1. stop taking requests; let requests in progress finish
        for (const s of [server, operationsServer]) {
          if (!s) continue;
          await new Promise<void>((resolve) => {
            s.close(() => resolve());
            (s as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
            setTimeout(() => {
              (s as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
              resolve();
            }, cfg.shutdownGraceMs).unref();
          });
        }
        // 2. finish in-flight attempts (their leases cover anything cut short)
        await sweeper?.stop();
        await dispatcher.close(cfg.shutdownGraceMs);
        transport?.close();
        // 3. seal what was written, close connections
        await sealer.stop();
        reloadSub?.disconnect();
        sharedRedis?.disconnect();
        await database.close();
        log.info('stopped');
      })());
    },
  };
  return hub;
}

/** Serves `fetch` on host:port (0: a free port); resolves with the server and its base URL once listening. */
async function listen(fetch: (req: Request) => Response | Promise<Response>, hostname: string, port: number): Promise<{ server: ServerType; url: string }> {
  let server!: ServerType;
  const bound = await new Promise<number>((resolve, reject) => {
    server = serve({ fetch, hostname, port }, (info: AddressInfo) => resolve(info.port));
    server.once('error', reject);
  });
  const host = hostname.includes(':') ? `[${hostname}]` : hostname;
  return { server, url: `http://${host}:${bound}` };
}
