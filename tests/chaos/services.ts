/**
 * PostgreSQL and Redis as the run sees them. By default both are the run's own: a PostgreSQL
 * cluster and a redis-server started in a temp directory on free ports (tests/helpers/
 * private-services.ts), restarted and flushed freely, and removed at the end, so a run never
 * touches the machine's servers or anyone's data on them. Only with `--postgres URL` (and
 * `--pg-cluster VERSION/NAME` to restart it) and `--redis URL` does it use servers that exist
 * already, as earlier versions did on 127.0.0.1: then it creates and drops its own database,
 * deletes its own queue keys, restarts the named cluster, and flushes everything only when
 * asked to (`--flush all`); it never starts a server of its own there.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { Redis } from 'ioredis';
import { redisAnswers, startPrivatePostgres, startPrivateRedis, type PrivatePostgres, type PrivateRedis } from '../helpers/private-services.js';
import { say } from './log.js';

const run = promisify(execFile);

/** BullMQ's key prefix as the hub sets it */
export const QUEUE_PREFIX = 'wasla';

export type FlushMode = 'queue' | 'all' | 'partial';

export interface Services {
  /** one line for the log: where PostgreSQL and Redis are */
  describe: string;
  redisUrl: string;
  /** can the run restart PostgreSQL */
  canRestartPg: boolean;
  databaseUrl(name: string): string;
  createDatabase(name: string): Promise<void>;
  dropDatabase(name: string): Promise<void>;
  restartPg(): Promise<void>;
  /** both answer, started again if the run took them down; never throws */
  ensureUp(): Promise<void>;
  /** stop and delete what the run started (nothing for servers it was given) */
  close(): Promise<void>;
}

export interface ServiceOptions {
  /** an existing PostgreSQL server's admin URL, instead of a private cluster */
  postgres?: string;
  /** with `postgres`: the cluster pg_ctlcluster restarts, as VERSION/NAME */
  pgCluster?: string;
  /** an existing Redis, instead of a private one */
  redis?: string;
  /** private cluster: its first transaction id (to cross a power of ten during the run) */
  nextXid?: bigint;
  /** private servers: their temp directories go here */
  parent: string;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  c.on('error', () => {});
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => {});
  }
}

async function answers(url: string): Promise<boolean> {
  return admin(url, (c) => c.query('select 1')).then(
    () => true,
    () => false,
  );
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

export async function startServices(o: ServiceOptions): Promise<Services> {
  let ownPg: PrivatePostgres | undefined;
  let ownRedis: PrivateRedis | undefined;
  try {
    if (!o.postgres) ownPg = await startPrivatePostgres({ parent: o.parent, nextXid: o.nextXid });
    if (!o.redis) ownRedis = await startPrivateRedis({ parent: o.parent });
  } catch (err) {
    await ownPg?.remove();
    throw err;
  }
  const adminUrl = ownPg ? ownPg.url() : o.postgres!;
  const redisUrl = ownRedis ? ownRedis.url : o.redis!;
  if (!ownRedis && !(await redisAnswers(redisUrl))) throw new Error(`--redis ${redisUrl} does not answer (the run starts no server there)`);
  const cluster = o.pgCluster?.split('/');
  if (cluster && cluster.length !== 2) throw new Error('--pg-cluster: VERSION/NAME, as pg_lsclusters lists it (e.g. 15/main)');
  const ctl = (action: string) => run('pg_ctlcluster', ['--skip-systemctl-redirect', cluster![0], cluster![1], action], { timeout: 60_000 });

  return {
    describe:
      `PostgreSQL ${ownPg ? `of its own on port ${ownPg.port} (${ownPg.dir})` : `${adminUrl} (given${cluster ? `, cluster ${o.pgCluster}` : ', no restarts'})`}, ` +
      `Redis ${ownRedis ? `of its own on port ${ownRedis.port}` : `${redisUrl} (given)`}`,
    redisUrl,
    canRestartPg: !!ownPg || !!cluster,
    databaseUrl: (name) => withDatabase(adminUrl, name),
    createDatabase: (name) => admin(adminUrl, (c) => c.query(`create database ${name}`)).then(() => {}),
    dropDatabase: (name) => admin(adminUrl, (c) => c.query(`drop database if exists ${name} with (force)`)).then(() => {}),
    async restartPg() {
      if (ownPg) await ownPg.restart();
      else if (cluster) await ctl('restart');
      else throw new Error('PostgreSQL restarts need a private cluster or --pg-cluster');
      if (!(await waitFor(() => answers(adminUrl), 30_000))) throw new Error('PostgreSQL did not come back after the restart');
    },
    async ensureUp() {
      if (!(await answers(adminUrl))) {
        say('PostgreSQL does not answer: starting it');
        if (ownPg) await ownPg.ensureRunning().catch((e: Error) => say(`private PostgreSQL: ${e.message}`));
        else if (cluster) await ctl('start').catch((e: Error) => say(`pg_ctlcluster start: ${e.message}`));
        if (!(await waitFor(() => answers(adminUrl), 30_000))) say('PostgreSQL still does not answer');
      }
      if (ownRedis) await ownRedis.ensureRunning().catch((e: Error) => say(`private Redis: ${e.message}`));
      else if (!(await redisAnswers(redisUrl))) say(`Redis at ${redisUrl} does not answer (the run starts no server there)`);
    },
    async close() {
      await ownPg?.remove().catch((e: Error) => say(`removing the private PostgreSQL: ${e.message}`));
      await ownRedis?.remove().catch((e: Error) => say(`removing the private Redis: ${e.message}`));
    },
  };
}

const DELETE_MATCHING = `
local n = 0
local keys = redis.call('KEYS', ARGV[1])
for i = 1, #keys, 500 do
  n = n + redis.call('DEL', unpack(keys, i, math.min(i + 499, #keys)))
end
return n`;

/**
 * Lose Redis state. `queue`: this run's BullMQ keys, atomically (one Lua script), as if Redis had
 * lost everything this hub keeps there; `all`: FLUSHALL; `partial`: this run's keys by SCAN + DEL
 * in batches while the hub keeps writing, so some keys of one job survive and others do not.
 * Returns the keys deleted (-1 for FLUSHALL).
 */
export async function flushRedis(redisUrl: string, queueName: string, mode: FlushMode): Promise<number> {
  const r = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  r.on('error', () => {});
  const match = `${QUEUE_PREFIX}:${queueName}:*`;
  try {
    if (mode === 'all') {
      await r.flushall();
      return -1;
    }
    if (mode === 'queue') return Number(await r.eval(DELETE_MATCHING, 0, match));
    let cursor = '0';
    let deleted = 0;
    // bounded: a queue has far fewer than 1000 * 100 keys
    for (let i = 0; i < 1000; i++) {
      const [next, keys] = await r.scan(cursor, 'MATCH', match, 'COUNT', 100);
      cursor = next;
      if (keys.length) deleted += await r.del(...keys);
      if (cursor === '0') break;
    }
    return deleted;
  } finally {
    r.disconnect();
  }
}

/** What Redis holds about a delivery's jobs: each key, its fields, and which lists name it. */
export async function queueEvidence(redisUrl: string, queueName: string, deliveryId: string): Promise<string[]> {
  const r = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  r.on('error', () => {});
  const q = `${QUEUE_PREFIX}:${queueName}`;
  const out: string[] = [];
  try {
    const keys = (await r.keys(`${q}:${deliveryId}*`)).sort();
    if (!keys.length) out.push(`  redis: no key for ${deliveryId}* under ${q}`);
    for (const key of keys) {
      const type = await r.type(key);
      let fields = '';
      if (type === 'hash') {
        const h = await r.hgetall(key);
        // the failure's query parameters sit at the end of a long message: keep its tail
        if (h.failedReason) h.failedReason = `…${h.failedReason.slice(-160)}`;
        delete h.stacktrace;
        fields = JSON.stringify(h).slice(0, 600);
      }
      out.push(`  redis: ${key} (${type}) ${fields}`);
    }
    const ids = [...new Set(keys.map((k) => k.slice(q.length + 1).split(':')[0]))];
    for (const id of ids) {
      const where: string[] = [];
      for (const z of ['delayed', 'prioritized', 'completed', 'failed']) if ((await r.zscore(`${q}:${z}`, id)) !== null) where.push(z);
      for (const l of ['wait', 'active', 'paused']) if ((await r.lpos(`${q}:${l}`, id)) !== null) where.push(l);
      out.push(`  redis: job ${id} is in: ${where.length ? where.join(', ') : "no list (an orphan: the sweeper's re-dispatch with this id is a no-op)"}`);
    }
  } catch (err) {
    out.push(`  redis: ${(err as Error).message}`);
  } finally {
    r.disconnect();
  }
  return out;
}
