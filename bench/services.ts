/**
 * The shared services the bench borrows: a fresh PostgreSQL database per run (created, then
 * dropped at the end), the run's own Redis keys (deleted at the end, nothing else), and the CPU
 * the two servers spend for the bench (PostgreSQL backends connected to the bench database, and
 * Redis's own counters — shared with anything else using that Redis).
 */
import pg from 'pg';
import { Redis } from 'ioredis';

export const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function databaseUrl(name: string): string {
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return u.href;
}

/** runs f on a connection to the server's admin database, closed after */
export async function admin<T>(f: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    return await f(c);
  } finally {
    await c.end();
  }
}

export function createDatabase(name: string): Promise<void> {
  return admin(async (c) => void (await c.query(`create database "${name}"`)));
}

export function dropDatabase(name: string): Promise<void> {
  return admin(async (c) => void (await c.query(`drop database if exists "${name}" with (force)`)));
}

/** flush dirty pages now, so one phase does not pay for the previous one's writes */
export function checkpoint(): Promise<void> {
  return admin(async (c) => void (await c.query('checkpoint')));
}

export function backendPids(database: string): Promise<number[]> {
  return admin(async (c) => (await c.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1', [database])).rows.map((r) => r.pid));
}

export interface DbCounters {
  commits: number;
  rollbacks: number;
  inserted: number;
  updated: number;
  fetched: number;
  seqRead: number;
  /** autovacuum's passes so far, per table: `vacuum <table>` and `analyze <table>` (where the tail may come from) */
  autovacuum: Record<string, number>;
}

/**
 * The bench database's activity counters (PostgreSQL flushes them within about a second), with the
 * rows its tables gave to sequential scans: a hot statement planned on an empty table shows there.
 */
export async function dbCounters(database: string): Promise<DbCounters> {
  const counters = await admin(async (c) => {
    const r = await c.query('select xact_commit, xact_rollback, tup_inserted, tup_updated, tup_fetched from pg_stat_database where datname = $1', [database]);
    const x = r.rows[0] ?? {};
    return {
      commits: Number(x.xact_commit ?? 0),
      rollbacks: Number(x.xact_rollback ?? 0),
      inserted: Number(x.tup_inserted ?? 0),
      updated: Number(x.tup_updated ?? 0),
      fetched: Number(x.tup_fetched ?? 0),
    };
  });
  // per-table counters are read in the database itself
  const c = new pg.Client({ connectionString: databaseUrl(database) });
  await c.connect();
  try {
    const r = await c.query<{ relname: string; seq_tup_read: string; autovacuum_count: string; autoanalyze_count: string }>(
      'select relname, seq_tup_read, autovacuum_count, autoanalyze_count from pg_stat_user_tables',
    );
    const autovacuum: Record<string, number> = {};
    let seqRead = 0;
    for (const t of r.rows) {
      seqRead += Number(t.seq_tup_read ?? 0);
      autovacuum[`vacuum ${t.relname}`] = Number(t.autovacuum_count);
      autovacuum[`analyze ${t.relname}`] = Number(t.autoanalyze_count);
    }
    return { ...counters, seqRead, autovacuum };
  } finally {
    await c.end();
  }
}

export async function pgSettings(): Promise<Record<string, string>> {
  return admin(async (c) => {
    const r = await c.query<{ name: string; setting: string }>(
      "select name, setting from pg_settings where name in ('synchronous_commit', 'fsync', 'wal_sync_method', 'shared_buffers', 'server_version', 'autovacuum')",
    );
    return Object.fromEntries(r.rows.map((x) => [x.name, x.setting]));
  });
}

async function withRedis<T>(f: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
  r.on('error', () => {});
  await r.connect();
  try {
    return await f(r);
  } finally {
    r.disconnect();
  }
}

/** Redis user+system CPU in ms (all clients, not only ours) */
export function redisCpuMs(): Promise<number> {
  return withRedis(async (r) => {
    const info = await r.info('cpu');
    const get = (k: string) => Number(new RegExp(`^${k}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
    return (get('used_cpu_sys') + get('used_cpu_user')) * 1000;
  });
}

/** Redis's resident set in MiB as it reports it (used_memory_rss; the whole server, not only our keys) */
export function redisRssMiB(): Promise<number> {
  return withRedis(async (r) => Number(/^used_memory_rss:(\d+)/m.exec(await r.info('memory'))?.[1] ?? 0) / 1048576);
}

/** commands Redis has processed (all clients, not only ours) */
export function redisCommands(): Promise<number> {
  return withRedis(async (r) => Number(/^total_commands_processed:(\d+)/m.exec(await r.info('stats'))?.[1] ?? 0));
}

/** deletes every key under `<prefix>:<queue>:` (and nothing else); returns how many */
export function deleteQueueKeys(prefix: string, queue: string): Promise<number> {
  return deleteRedisKeys(`${prefix}:${queue}:*`);
}

/** Deletes one run's Redis keys (queue, replay guard) by pattern, nothing else; bounded. */
export function deleteRedisKeys(pattern: string): Promise<number> {
  return withRedis(async (r) => {
    let cursor = '0';
    let n = 0;
    for (let i = 0; i < 100_000; i++) {
      const [next, keys] = await r.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      if (keys.length) n += await r.unlink(...keys);
      cursor = next;
      if (cursor === '0') break;
    }
    return n;
  });
}
