/**
 * The ceiling pipeline's settings, from the environment the bench gives its two processes, and
 * its two tables (in the bench database, beside the hub's): the same message row and one delivery
 * row per recipient that the hub commits, without the audit log or the idempotency record.
 */
import type pg from 'pg';

export interface CeilingConfig {
  databaseUrl: string;
  redisUrl: string;
  queue: string;
  prefix: string;
  recipients: Array<{ id: string; url: string }>;
  poolSize: number;
  workerConcurrency: number;
  /** the audit-chain experiment (audit-chain.ts) */
  audit: boolean;
}

export function ceilingConfig(env = process.env): CeilingConfig {
  const need = (k: string) => {
    const v = env[k];
    if (!v) throw new Error(`${k} is not set (the ceiling is started by bench/run.ts)`);
    return v;
  };
  return {
    databaseUrl: need('BENCH_DATABASE_URL'),
    redisUrl: need('BENCH_REDIS_URL'),
    queue: need('BENCH_QUEUE'),
    prefix: need('BENCH_PREFIX'),
    recipients: JSON.parse(need('BENCH_RECIPIENTS')) as CeilingConfig['recipients'],
    poolSize: Number(env.BENCH_POOL_SIZE ?? 10),
    workerConcurrency: Number(env.BENCH_WORKER_CONCURRENCY ?? 16),
    audit: env.BENCH_AUDIT === '1',
  };
}

export async function createTables(pool: pg.Pool): Promise<void> {
  await pool.query(`
    create table if not exists ceiling_messages (
      id uuid primary key, sender text not null, type text not null, envelope jsonb not null,
      received_at timestamptz not null);
    create table if not exists ceiling_deliveries (
      id uuid primary key, message_id uuid not null references ceiling_messages(id), recipient text not null,
      url text not null, state text not null, attempts integer not null default 0,
      next_attempt_at timestamptz, delivered_at timestamptz, created_at timestamptz not null, updated_at timestamptz not null,
      unique (message_id, recipient));`);
}
