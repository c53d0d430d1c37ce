/**
 * The composition root: builds a hub from its parts, in order — configuration, shared resources,
 * the worker role, the pull inbox, the api role, contract reload — and stops them in the reverse order. Each part
 * lives in src/compose/ and registers its own stop as it starts, so a failed start stops what had
 * started, and shutdown is written once. Only the CLI, tests, the demo and the benchmarks import
 * this file.
 */
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Metrics } from './metrics.js';
import type { Database } from './store/index.js';
import type { Dispatcher } from './queue/index.js';
import type { Authenticator, RouteRegistrar } from './api/index.js';
import type { Contracts } from './routing/types.js';
import type { OutboundSigner } from './workers/delivery.js';
import type { Sweeper } from './workers/sweeper.js';
import { configure } from './compose/configuration.js';
import { Lifecycle } from './compose/lifecycle.js';
import { openResources } from './compose/resources.js';
import { startWorkerRole } from './compose/worker-role.js';
import { startApiRole } from './compose/api-role.js';
import { startContractReload } from './compose/reload.js';
import { startInbox } from './compose/inbox.js';

export { reloadChannel } from './compose/reload.js';

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
  /** reload the contracts on SIGHUP (`wasla start`; never in tests, which run many hubs in one process) */
  reloadOnSighup?: boolean;
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
  const c = configure(opts);
  const life = new Lifecycle();
  return life.start(async () => {
    const res = await openResources(c, life);
    const worker = c.runsWorker ? await startWorkerRole(c, res, life, { sign: opts.sign }) : undefined;
    // the pull inbox (issue 22) is served by the api role
    const inbox = c.runsApi ? await startInbox(c, res, life, { sign: opts.sign }) : undefined;
    // the API asks the contract reload, which starts after it (it must not reload before the API serves)
    let reloadContracts: ((actor: string) => Promise<Contracts>) | undefined;
    const reloadOnRequest = (actor: string) => {
      if (!reloadContracts) throw new Error('the contract reload has not started yet');
      return reloadContracts(actor);
    };
    const api = c.runsApi ? await startApiRole(c, res, life, { authenticate: opts.authenticate, extraRoutes: opts.extraRoutes, inbox, reloadContracts: reloadOnRequest }) : undefined;
    const contracts = await startContractReload(c, res, life, { reloadOnSighup: opts.reloadOnSighup });
    reloadContracts = contracts.reload;
    return {
      config: c.cfg,
      log: c.log,
      database: res.database,
      dispatcher: res.dispatcher,
      metrics: res.metrics,
      workerId: c.workerId,
      url: api?.url,
      operationsUrl: api?.operationsUrl ?? worker?.operationsUrl,
      sweeper: worker?.sweeper,
      contracts: c.contracts,
      reloadContracts: contracts.reload,
      async stop() {
        res.operations.stopAccepting(); // /readyz says 503 from now on
        await life.stop(c.log);
        c.log.info('stopped');
      },
    };
  }, c.log);
}
