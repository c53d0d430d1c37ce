/**
 * An experiment, off unless BENCH_AUDIT=1: the hub's former way of appending to its hash-chained
 * audit log, before src/audit/log.ts sealed apart from the writers — transaction-scoped advisory
 * lock, read the head, insert the next entry with SHA-256 over the previous hash and the entry —
 * added to the ceiling's intake transaction and to its worker's "delivered" update (then a
 * transaction too). It isolates what that pattern costs on this machine: the lock is held until
 * COMMIT, so every appender in every process queues behind one WAL flush at a time.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';

const LOCK = 72_617_099; // not the hub's key: the experiment must not block a hub

export async function createAuditTable(pool: pg.Pool): Promise<void> {
  await pool.query(`create table if not exists ceiling_audit (
    seq bigint primary key, at timestamptz not null, actor text not null, action text not null, subject text,
    data jsonb not null, prev_hash text not null, hash text not null)`);
}

export async function appendChained(client: pg.PoolClient, actor: string, action: string, subject: string, data: object): Promise<void> {
  await client.query('select pg_advisory_xact_lock($1)', [LOCK]);
  const {
    rows: [last],
  } = await client.query<{ seq: string; hash: string }>('select seq, hash from ceiling_audit order by seq desc limit 1');
  const seq = last ? Number(last.seq) + 1 : 1;
  const prev = last?.hash ?? '0'.repeat(64);
  const at = new Date();
  const body = JSON.stringify({ seq, at: at.toISOString(), actor, action, subject, data });
  const hash = createHash('sha256').update(prev).update('\n').update(body).digest('hex');
  await client.query('insert into ceiling_audit (seq, at, actor, action, subject, data, prev_hash, hash) values ($1, $2, $3, $4, $5, $6, $7, $8)', [
    seq,
    at,
    actor,
    action,
    subject,
    JSON.stringify(data),
    prev,
    hash,
  ]);
}
