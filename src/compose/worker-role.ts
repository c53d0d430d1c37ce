/**
 * The worker role: the recipient gate, the delivery handler (signing with the hub key, checking
 * receipts), the operations listener of a worker-only process, the dispatcher's consumers and the
 * sweeper. At shutdown the sweeper stops, attempts in flight finish (their leases cover anything
 * cut short), and only then does the transport close.
 */
import { ConfigError } from '../errors.js';
import { HttpTransport } from '../adapters/index.js';
import { createOperationsApp } from '../api/index.js';
import { ensureHubCertificate } from '../trust/index.js';
import { createDeliveryHandler, type OutboundSigner } from '../workers/delivery.js';
import { checkReceipt, deliverySigner } from '../workers/delivery-signing.js';
import { databaseDeliveryStore } from '../workers/delivery-store.js';
import { RecipientGate } from '../workers/recipient-gate.js';
import { RedisRateLimit } from '../workers/shared-rate-limit.js';
import { DeadlineClock } from '../workers/deadline-clock.js';
import { Sweeper } from '../workers/sweeper.js';
import { purgeBatch } from '../services/index.js';
import { startUnmatchedSweep } from '../workers/unmatched-sweep.js';
import { startPayloadRewrap } from '../workers/payload-rewrap.js';
import { warnEvery10s, type Configuration } from './configuration.js';
import type { Lifecycle } from './lifecycle.js';
import { closeListener, listen } from './listen.js';
import type { Resources } from './resources.js';
import { pullingInstitutions } from './inbox.js';

/** who the audit log names for the sweeper's purges */
export const RETENTION_ACTOR = 'hub:retention';

export interface WorkerRole {
  sweeper: Sweeper;
  /** fires due deadlines (issue 25) */
  deadlineClock: DeadlineClock;
  /** a worker-only process's operations listener (WASLA_WORKER_PORT) */
  operationsUrl?: string;
}

export async function startWorkerRole(c: Configuration, res: Resources, life: Lifecycle, o: { sign?: OutboundSigner } = {}): Promise<WorkerRole> {
  const { cfg, log } = c;
  let hubKey: ReturnType<typeof ensureHubCertificate>;
  try {
    hubKey = ensureHubCertificate(cfg.pkiDir, cfg.hubKeyType);
  } catch (err) {
    throw new ConfigError('WASLA_PKI_DIR', `the worker needs the hub's signing key and certificate (hub.key.pem, hub.cert.pem) in ${cfg.pkiDir}: ${(err as Error).message}`);
  }

  const gate = new RecipientGate({
    maxInFlightPerRecipient: cfg.recipientConcurrency,
    // a hanging recipient holds at most twice its cap of the worker's slots; below that, jobs
    // wait here for a slot, and beyond it they are parked without one (see the gate)
    maxWaitersPerRecipient: cfg.recipientConcurrency,
    failureThreshold: cfg.breakerFailures,
    openMs: cfg.breakerOpenMs,
    maxOpenMs: 10 * cfg.breakerOpenMs,
    // one bucket per recipient for all the worker processes, as the agreement means it
    sharedRate: res.sharedRedis && new RedisRateLimit(res.sharedRedis, `${c.prefix}:${cfg.queueName}:rate:`),
    onSharedRateError: warnEvery10s(log, 'Redis unreachable: rate limits degraded to per worker process until it returns'),
  });
  res.operations.watchGate(gate);

  const transport = new HttpTransport();
  // registered before the consumers start, so it runs after they have finished (reverse order)
  life.onStop('delivery transport', async () => {
    await res.closeDispatcher();
    transport.close();
  });
  const handler = createDeliveryHandler({
    store: databaseDeliveryStore(res.db, log, { contracts: c.contracts, dispatcher: res.dispatcher, log, indexSecret: res.secrets.indexSecret, vault: res.vault }, res.vault, cfg.recordGatherMs),
    contracts: c.contracts,
    dispatcher: res.dispatcher,
    transport,
    metrics: res.metrics,
    log,
    workerId: c.workerId,
    leaseMs: cfg.leaseMs,
    attemptTimeoutMs: cfg.attemptTimeoutMs,
    sign: o.sign ?? deliverySigner({ keyPem: hubKey.keyPem, serial: hubKey.serial }),
    checkReceipt: (recipient, req, answer) => checkReceipt(res.resolver, recipient, req, answer),
    gate,
  });

  // A worker-only process's counters exist only in it, so it answers scrapes on a port of its own,
  // bound before it takes any job: a port already taken stops it with nothing begun.
  let operationsUrl: string | undefined;
  if (!c.runsApi && cfg.workerPort !== null) {
    const app = createOperationsApp({ mode: cfg.mode, ...res.operations, metrics: res.metrics, log, metricsToken: cfg.metricsToken });
    const ops = await listen(app.fetch, cfg.metricsHost, cfg.workerPort, cfg.httpKeepAliveMs).catch((err: Error) => {
      throw new ConfigError(
        'WASLA_WORKER_PORT',
        `cannot serve the worker's health and metrics on ${cfg.metricsHost}:${cfg.workerPort} (${err.message}); give each worker on one host its own port, 0 for any free one, or off`,
      );
    });
    life.onStop('worker operations listener', () => closeListener(ops, cfg.shutdownGraceMs));
    operationsUrl = ops.url;
  }

  await res.dispatcher.start(handler, cfg.workerConcurrency);
  const sweeper = new Sweeper({
    db: res.db,
    dispatcher: res.dispatcher,
    log,
    intervalMs: cfg.sweepIntervalMs,
    graceMs: cfg.sweepIntervalMs,
    idempotencyRetentionMs: cfg.idempotencyRetentionHours * 3_600_000,
    analyzeYoungTables: res.database.kind === 'postgres',
    // issue 22: pulled deliveries are never dispatched, and are given up by their schedule here
    pullRecipients: () => pullingInstitutions(c),
    attemptTimeoutMs: cfg.attemptTimeoutMs,
    // issue 26.7: retention, a small batch at a time, with the contract set in force
    ...(cfg.retentionBatch > 0 && {
      purgeRetention: async () => {
        const purged = await purgeBatch({ db: res.db, contracts: c.contracts }, { actor: RETENTION_ACTOR, limit: cfg.retentionBatch });
        return { purged: purged.length, full: purged.length === cfg.retentionBatch };
      },
    }),
  });
  sweeper.start();
  life.onStop('sweeper', () => sweeper.stop());
  // issue 23: payouts no statement settled become unmatched after the configured days
  const stopUnmatched = startUnmatchedSweep(res.db, cfg.reconcileUnmatchedDays, log, undefined, res.vault);
  life.onStop('unmatched-payout sweep', async () => stopUnmatched());
  // issue 26: data keys under an old key-encryption key move under the current one, and confidential
  // payloads an earlier version stored in clear are sealed, a pass a minute
  const stopRewrap = startPayloadRewrap(res.db, res.vault, res.secrets.indexSecret, log, `worker:${c.workerId}`, cfg.payloadRewrapIntervalMs);
  life.onStop('payload rewrap', stopRewrap);
  const deadlineClock = new DeadlineClock({
    db: res.db,
    contracts: c.contracts,
    dispatcher: res.dispatcher,
    log,
    indexSecret: res.secrets.indexSecret,
    vault: res.vault,
    intervalMs: cfg.deadlineIntervalMs,
    actor: `worker:${c.workerId}`,
    onFired: (n) => res.metrics.deadlinesFired(n),
  });
  deadlineClock.start();
  life.onStop('deadline clock', () => deadlineClock.stop());
  return { sweeper, deadlineClock, operationsUrl };
}
