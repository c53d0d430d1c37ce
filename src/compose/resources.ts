/**
 * The resources part: what both roles share, opened in an order whose reverse is a safe shutdown —
 * the federation PKI and the key resolver, the database, the audit sealer, the Redis client the
 * roles share beyond the queue, the dispatcher, metrics and the operations state. Each registers
 * its own stop with the lifecycle as soon as it is open.
 */
import { HUB_INSTITUTION_ID } from '../federation/index.js';
import type { Redis } from 'ioredis';
import { ConfigError } from '../errors.js';
import { createMetrics, type Metrics } from '../metrics.js';
import { openDatabase, recordCertificates, type Database, type Db } from '../store/index.js';
import { FailoverDispatcher, InProcessDispatcher, type Dispatcher } from '../queue/index.js';
import { CertificateKeyResolver, FileCertificateStore, hasCa, initCa, loadCa } from '../trust/index.js';
import { hubSignerFrom } from '../audit/seal-signing.js';
import { AuditSealer } from '../audit/sealer.js';
import { auditWriter, type AuditWriter } from '../audit/writer.js';
import type { Configuration } from './configuration.js';
import { createOperations, type Operations } from './operations.js';
import { once, type Lifecycle } from './lifecycle.js';
import { querySecrets, type QuerySecrets } from './query-secrets.js';
import { payloadVault } from './payload-vault.js';
import type { PayloadVault } from '../store/index.js';

export interface Resources {
  database: Database;
  db: Db;
  /** the federation CA certificate (PEM) */
  caCertPem: string;
  certStore: FileCertificateStore;
  resolver: CertificateKeyResolver;
  /** put certificates registered or revoked in the PKI directory since the last look on the audit log */
  syncCertificates: () => Promise<void>;
  /** append audit entries in a statement of their own (reads, operator actions) */
  audit: AuditWriter;
  /** server mode: Redis shared by this hub's processes beyond the queue (replay guard, rate limits) */
  sharedRedis?: Redis;
  dispatcher: Dispatcher;
  /** close the dispatcher — once: the worker role closes it first, to finish its attempts before its transport goes */
  closeDispatcher: () => Promise<void>;
  metrics: Metrics;
  operations: Operations;
  /** issue 24: keys the case index (intake) and signs query cursors (api) */
  secrets: QuerySecrets;
  /** issue 26: seals confidential payloads at intake and opens them for those entitled */
  vault: PayloadVault;
}

export async function openResources(c: Configuration, life: Lifecycle): Promise<Resources> {
  const { cfg, log } = c;

  // Trust (invariant 5). An embedded hub creates its federation CA on first start, so that
  // `npm start` works on a fresh machine; a server-mode hub needs `wasla ca init` or `ca import`.
  if (!hasCa(cfg.pkiDir)) {
    if (cfg.mode !== 'embedded') throw new ConfigError('WASLA_PKI_DIR', `no federation CA in ${cfg.pkiDir}: run \`wasla ca init\` (or \`wasla ca import <cert>\`) first`);
    initCa(cfg.pkiDir, { hubKeyType: cfg.hubKeyType });
    log.warn({ pkiDir: cfg.pkiDir }, 'created a new federation CA and hub certificate (embedded first start); enroll institutions with `wasla institution enroll <id>`');
  }
  const ca = loadCa(cfg.pkiDir);
  const secrets = querySecrets(cfg, log);
  const vault = payloadVault(cfg, log);
  const certStore = new FileCertificateStore(cfg.pkiDir);

  const database = await openDatabase({
    databaseUrl: cfg.databaseUrl,
    dataDir: cfg.dataDir,
    poolSize: cfg.dbPoolSize,
    onOnlineIndexError: (err) => log.warn({ err: err.message }, 'an index built after the migrations is not ready (store/online-indexes.ts); the next start builds it again'),
  });
  life.onStop('database', () => database.close());
  const db = database.db;

  const syncCertificates = async () => {
    const n = await recordCertificates(db, await certStore.list());
    if (n) log.info({ entries: n }, 'certificate changes written to the audit log');
  };
  await syncCertificates();
  // records are re-read every second, so a revocation made by the CLI holds within a second in
  // every process; `wasla cert revoke` also asks running hubs to drop their caches at once. A
  // certificate enrolled while the hub runs goes on the audit log before its first use (issue 19.6)
  const resolver = new CertificateKeyResolver({
    store: certStore,
    caCertPems: [ca.certPem],
    recordTtlMs: 1000,
    onRecord: async (record) => {
      const n = await recordCertificates(db, [record]);
      if (n) log.info({ serial: record.serial, institution: record.institutionId, entries: n }, 'certificate written to the audit log before its first use');
    },
  });

  // sealed last at shutdown, after the final attempts are recorded
  // each seal signed with the hub key (issue 26), by every process that holds it
  const hubSigner = hubSignerFrom(cfg.pkiDir, HUB_INSTITUTION_ID);
  if (!hubSigner) log.warn({ pkiDir: cfg.pkiDir }, 'no hub key in the PKI directory: this process seals the audit log without signing the seals');
  const sealer = new AuditSealer(db, log, { signer: hubSigner });
  sealer.start();
  life.onStop('audit sealer', () => sealer.stop());

  const sharedRedis = cfg.mode === 'server' ? await connectShared(cfg.redisUrl!) : undefined;
  if (sharedRedis) life.onStop('shared redis', () => sharedRedis.disconnect());

  // server mode: BullMQ, and this process's own queue fed from PostgreSQL while Redis is away
  const dispatcher = createDispatcher(cfg, c.prefix, log);
  const closeDispatcher = once(() => dispatcher.close(cfg.shutdownGraceMs));
  life.onStop('dispatcher', closeDispatcher);

  const metrics = createMetrics({ defaults: true });
  return {
    database,
    db,
    caCertPem: ca.certPem,
    certStore,
    resolver,
    syncCertificates,
    audit: auditWriter(db),
    sharedRedis,
    dispatcher,
    closeDispatcher,
    metrics,
    operations: createOperations({ mode: cfg.mode, database, dispatcher, metrics }),
    secrets,
    vault,
  };
}

/**
 * The dispatcher a process of this configuration uses: in server mode BullMQ behind the failover
 * to this process's own queue, gathering for WASLA_DISPATCH_GATHER_MS (issue 29); embedded, the
 * in-process queue. Apart so that a test can check the configured window reaches it.
 */
export function createDispatcher(cfg: Configuration['cfg'], prefix: string, log?: Configuration['log']): Dispatcher {
  if (cfg.mode !== 'server') return new InProcessDispatcher();
  return new FailoverDispatcher({ redisUrl: cfg.redisUrl!, queueName: cfg.queueName, prefix, gatherMs: cfg.dispatchGatherMs }, log);
}

/**
 * A connection of its own for SUBSCRIBE (Redis allows nothing else on it): commands wait while it
 * reconnects, and ioredis subscribes it again to its channels once it is back. Errors are expected
 * while Redis is away and are not news: a listener misses only what is published meanwhile (inbox
 * rings, whose long polls fall back to polling; reload requests, which the operator sends again).
 */
export async function openSubscriber(url: string): Promise<Redis> {
  const { Redis } = await import('ioredis');
  const r = new Redis(url, { maxRetriesPerRequest: null });
  r.on('error', () => {});
  return r;
}

/**
 * The Redis client for the replay guard (api) and the recipients' rate-limit buckets (worker). No
 * offline queue: while Redis is away a call fails at once, and each degrades to what this process
 * knows on its own. The start waits at most 2 s for it: both degrade until Redis is there.
 */
async function connectShared(url: string): Promise<Redis> {
  const { Redis } = await import('ioredis');
  const r = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  r.on('error', () => {});
  await new Promise<void>((resolve) => {
    const t = setTimeout(resolve, 2000);
    r.once('ready', () => {
      clearTimeout(t);
      resolve();
    });
  });
  return r;
}
