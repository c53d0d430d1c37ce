/**
 * The two systems the bench loads, started as real processes and stopped again:
 * - the hub: `wasla start --role api` and `--role worker` on PostgreSQL and Redis, or one
 *   `wasla start` in embedded mode (PGlite in a temporary WASLA_DATA_DIR, in-process dispatcher);
 * - the ceiling: bench/ceiling/api.ts and worker.ts on the same PostgreSQL and Redis.
 * Both get the same receivers, pool size and worker concurrency.
 */
import { join } from 'node:path';
import { loadConfig, type Config } from '../src/config.js';
import { startServer, stopServer, type ServerProc, type StartOptions } from './processes.js';
import { endpointEnv, RECIPIENTS } from './contracts.js';

export interface System {
  kind: 'hub' | 'ceiling';
  mode: 'server' | 'embedded';
  url: string;
  procs: ServerProc[];
  /** the pg database its processes connect to (server mode) */
  database?: string;
  /** each process's Prometheus metrics, by process name (the hub's; bench/tail.ts reads its event-loop delay) */
  metricsUrls?: Record<string, string>;
  stop(): Promise<void>;
}

export interface HubStart {
  repo: string;
  tmp: string;
  embedded: boolean;
  databaseUrl: string;
  database: string;
  redisUrl: string;
  queue: string;
  contractsDir: string;
  pkiDir?: string;
  /** unsigned intake (the hub refuses it otherwise, once it checks signatures) */
  allowUnsigned: boolean;
  receiverUrls: string[];
  profileDir?: string;
  onUnexpectedExit: StartOptions['onUnexpectedExit'];
}

const READY = /wasla \S+ mode, role (\S+): (?:listening on (http:\/\/\S+)|no API; health and metrics on (\S+)|no HTTP listener)/;

/** the hub's environment: the caller's WASLA_* tuning variables, then what the bench controls */
export function hubEnv(h: HubStart): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['DATABASE_URL', 'REDIS_URL', 'WASLA_ROLE', 'WASLA_PORT', 'WASLA_HOST', 'WASLA_DATA_DIR', 'WASLA_PKI_DIR']) delete env[k];
  Object.assign(env, {
    WASLA_HOST: '127.0.0.1',
    WASLA_PORT: '0',
    WASLA_LOG_LEVEL: 'warn',
    WASLA_CONTRACTS_DIR: h.contractsDir,
    WASLA_QUEUE_NAME: h.queue,
    WASLA_DATA_DIR: join(h.tmp, 'hub-data'),
    WASLA_INSECURE_ALLOW_UNSIGNED: h.allowUnsigned ? 'true' : 'false',
    WASLA_WORKER_PORT: '0',
    ...(h.pkiDir ? { WASLA_PKI_DIR: h.pkiDir } : {}),
    ...endpointEnv(h.receiverUrls),
    ...(h.embedded ? {} : { DATABASE_URL: h.databaseUrl, REDIS_URL: h.redisUrl }),
  });
  return env;
}

/** the configuration the hub processes will run with (for the report, and to size the ceiling) */
export function hubConfig(h: HubStart): Config {
  return loadConfig(hubEnv(h), h.embedded ? {} : { role: 'api' });
}

export async function startHubSystem(h: HubStart): Promise<System> {
  const env = hubEnv(h);
  const roles = h.embedded ? ['all'] : ['api', 'worker'];
  const started = await Promise.all(
    roles.map((role) =>
      startServer({
        name: `hub-${role}`,
        // one file per thread (tsx's loader hooks run in a thread of their own): a directory per role
        nodeFlags: h.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(h.profileDir, `hub-${role}`)}`] : [],
        args: ['src/cli/main.ts', 'start', '--role', role],
        env,
        cwd: h.repo,
        logDir: h.tmp,
        ready: READY,
        timeoutMs: 60_000,
        onUnexpectedExit: h.onUnexpectedExit,
      }),
    ),
  );
  const api = started.find((s) => s.match[2]);
  if (!api) throw new Error('no hub process reported an HTTP listener');
  const procs = started.map((s) => s.proc);
  // the api serves /metrics on its API port (the bench sets no WASLA_METRICS_PORT), a worker on its own listener
  const metricsUrls = Object.fromEntries(started.flatMap((s) => ((s.match[2] ?? s.match[3]) ? [[s.proc.name, `${s.match[2] ?? s.match[3]}/metrics`]] : [])));
  return {
    kind: 'hub',
    mode: h.embedded ? 'embedded' : 'server',
    url: api.match[2],
    procs,
    database: h.embedded ? undefined : h.database,
    metricsUrls,
    async stop() {
      await Promise.all(procs.map((p) => stopServer(p)));
    },
  };
}

export interface CeilingStart {
  repo: string;
  tmp: string;
  databaseUrl: string;
  database: string;
  redisUrl: string;
  queue: string;
  prefix: string;
  receiverUrls: string[];
  poolSize: number;
  workerConcurrency: number;
  /** the audit-chain experiment (bench/ceiling/audit-chain.ts) */
  audit: boolean;
  onUnexpectedExit: StartOptions['onUnexpectedExit'];
}

export async function startCeilingSystem(c: CeilingStart): Promise<System> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BENCH_DATABASE_URL: c.databaseUrl,
    BENCH_REDIS_URL: c.redisUrl,
    BENCH_QUEUE: c.queue,
    BENCH_PREFIX: c.prefix,
    BENCH_RECIPIENTS: JSON.stringify(c.receiverUrls.map((url, i) => ({ id: RECIPIENTS[i], url }))),
    BENCH_POOL_SIZE: String(c.poolSize),
    BENCH_WORKER_CONCURRENCY: String(c.workerConcurrency),
    BENCH_AUDIT: c.audit ? '1' : '0',
  };
  // the api creates the tables; the worker starts after it
  const suffix = c.audit ? '-audit' : '';
  const api = await startServer({
    name: `ceiling${suffix}-api`,
    args: ['bench/ceiling/api.ts'],
    env,
    cwd: c.repo,
    logDir: c.tmp,
    ready: /ceiling api listening on (http:\/\/\S+)/,
    onUnexpectedExit: c.onUnexpectedExit,
  });
  let worker: Awaited<ReturnType<typeof startServer>>;
  try {
    worker = await startServer({
      name: `ceiling${suffix}-worker`,
      args: ['bench/ceiling/worker.ts'],
      env,
      cwd: c.repo,
      logDir: c.tmp,
      ready: /ceiling worker ready/,
      onUnexpectedExit: c.onUnexpectedExit,
    });
  } catch (err) {
    await stopServer(api.proc);
    throw err;
  }
  const procs = [api.proc, worker.proc];
  return {
    kind: 'ceiling',
    mode: 'server',
    url: api.match[1],
    procs,
    database: c.database,
    async stop() {
      await Promise.all(procs.map((p) => stopServer(p)));
    },
  };
}
