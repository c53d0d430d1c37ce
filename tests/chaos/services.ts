/**
 * PostgreSQL and Redis as the run sees them: its own database (created, dropped), a restart of the
 * PostgreSQL cluster, flushing Redis (only this run's queue keys, or everything), and making sure
 * both servers are up when the run ends, whatever happened.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import pg from 'pg';
import { Redis } from 'ioredis';
import { say } from './log.js';

const run = promisify(execFile);

export const PG_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = 'redis://127.0.0.1:6379';
/** BullMQ's key prefix as the hub sets it */
export const QUEUE_PREFIX = 'wasla';

export function databaseUrl(name: string): string {
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 5_000 });
  c.on('error', () => {});
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => {});
  }
}

export async function createDatabase(name: string): Promise<void> {
  await admin((c) => c.query(`create database ${name}`));
}

export async function dropDatabase(name: string): Promise<void> {
  await admin((c) => c.query(`drop database if exists ${name} with (force)`));
}

function cluster(): string[] {
  const version = readdirSync('/etc/postgresql').sort().at(-1);
  if (!version) throw new Error('no PostgreSQL cluster under /etc/postgresql');
  return ['--skip-systemctl-redirect', version, 'main'];
}

async function pgReady(): Promise<boolean> {
  try {
    await admin((c) => c.query('select 1'));
    return true;
  } catch {
    return false;
  }
}

/** wait until PostgreSQL answers, up to `timeoutMs` */
export async function waitForPg(timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await pgReady()) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

export async function restartPg(): Promise<void> {
  await run('pg_ctlcluster', [...cluster(), 'restart'], { timeout: 60_000 });
  if (!(await waitForPg(30_000))) throw new Error('PostgreSQL did not come back after the restart');
}

/** PostgreSQL and Redis running, started if need be; never throws */
export async function ensureServicesUp(): Promise<void> {
  if (!(await pgReady())) {
    say('PostgreSQL is down: starting it');
    await run('pg_ctlcluster', [...cluster(), 'start'], { timeout: 60_000 }).catch((e: Error) => say(`pg_ctlcluster start: ${e.message}`));
    if (!(await waitForPg(30_000))) say('PostgreSQL still does not answer');
  }
  const r = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => {});
  const up = await r.connect().then(() => r.ping()).then(() => true, () => false);
  r.disconnect();
  if (!up) {
    say('Redis is down: starting it');
    await run('redis-server', ['--daemonize', 'yes', '--bind', '127.0.0.1', '-::1', '--port', '6379', '--save', '', '--appendonly', 'no'], { timeout: 10_000 })
      .catch((e: Error) => say(`redis-server: ${e.message}`));
  }
}

export type FlushMode = 'queue' | 'all' | 'partial';

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
export async function flushRedis(queueName: string, mode: FlushMode): Promise<number> {
  const r = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
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
export async function queueEvidence(queueName: string, deliveryId: string): Promise<string[]> {
  const r = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
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
      out.push(`  redis: job ${id} is in: ${where.length ? where.join(', ') : 'no list (an orphan: the sweeper\'s re-dispatch with this id is a no-op)'}`);
    }
  } catch (err) {
    out.push(`  redis: ${(err as Error).message}`);
  } finally {
    r.disconnect();
  }
  return out;
}
