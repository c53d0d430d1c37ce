/**
 * The configuration part: the validated Config, the logger, this process's worker id, which roles
 * it runs, and the contract set in force. The contract set is loaded here, before anything is
 * opened, so that a faulty set stops the start with nothing to clean up; later loads replace it
 * only whole (see reload.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { createLogger } from '../log.js';
import { loadContracts } from '../routing/index.js';
import type { Contracts } from '../routing/types.js';

export interface Configuration {
  cfg: Config;
  log: Logger;
  /** names this process in attempt records and audit entries */
  workerId: string;
  runsApi: boolean;
  runsWorker: boolean;
  /** BullMQ and Redis key prefix (tests isolate themselves with it) */
  prefix: string;
  /** the contract set in force */
  contracts: () => Contracts;
  /** load the set again from its directory; throws on a fault, and replaces nothing */
  loadContracts: () => Contracts;
  /** put a loaded set in force */
  useContracts: (next: Contracts) => void;
}

export interface ConfigurationOptions {
  config: Config;
  log?: Logger;
  queuePrefix?: string;
  /** environment for `${VAR}` and WASLA_ENDPOINT_* in the contract set (default process.env) */
  contractsEnv?: Record<string, string | undefined>;
}

export function configure(o: ConfigurationOptions): Configuration {
  const cfg = o.config;
  const load = () => loadContracts(cfg.contractsDir, { env: o.contractsEnv ?? process.env });
  let contracts: Contracts = load();
  return {
    cfg,
    log: o.log ?? createLogger(cfg.logLevel),
    workerId: `${process.pid}-${randomUUID().slice(0, 8)}`,
    runsApi: cfg.role !== 'worker',
    runsWorker: cfg.role !== 'api',
    prefix: o.queuePrefix ?? 'wasla',
    contracts: () => contracts,
    loadContracts: load,
    useContracts: (next) => {
      contracts = next;
    },
  };
}

/** A logger function that says `what` at most once every 10 s (a dependency that stays away would flood the log). */
export function warnEvery10s(log: Logger, what: string): (err: unknown) => void {
  let warnedAt = 0;
  return (err) => {
    if (Date.now() - warnedAt < 10_000) return;
    warnedAt = Date.now();
    log.warn({ err: (err as Error).message }, what);
  };
}
