/**
 * The database port: one drizzle PgDatabase over either the PostgreSQL server (node-postgres pool)
 * or PGlite (embedded). Everything above this file runs the same queries on both.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { SQL } from 'drizzle-orm';
import * as schema from './schema.js';
import type { Db } from './db-types.js';
import { lockDataDir } from './data-dir-lock.js';
import { buildOnlineIndexes } from './online-indexes.js';
import { poolTransaction } from './pg-transaction.js';

export type { Db, DbOrTx } from './db-types.js';

export interface Database {
  kind: 'postgres' | 'pglite';
  db: Db;
  ping(): Promise<void>;
  /** apply pending migrations; safe when several processes start at once */
  migrate(): Promise<void>;
  close(): Promise<void>;
}

/** the rows of a raw `db.execute` result: node-postgres wraps them in `{ rows }`, PGlite too, drizzle's types do not say so */
export const resultRows = <T>(result: unknown): T[] => ((result as any).rows ?? result) as T[];

const MIGRATIONS = join(fileURLToPath(new URL('.', import.meta.url)), 'migrations');
const MIGRATION_LOCK = 72_617_001; // advisory lock key: one migrator at a time across processes
const ONLINE_INDEX_LOCK = 72_617_002; // one builder of online indexes at a time; the others go on without waiting
/** how long a concurrent index build waits for a lock before giving up until the next start */
const ONLINE_INDEX_LOCK_TIMEOUT_MS = 10_000;

export interface OpenOptions {
  databaseUrl?: string;
  dataDir?: string;
  poolSize?: number;
  /** run pending migrations (default true) */
  migrate?: boolean;
  /** a concurrent index build (store/online-indexes.ts) that failed or gave up; the next start tries again */
  onOnlineIndexError?: (err: Error) => void;
  /**
   * how long that build waits for a lock on its table (another process's DDL, a long LOCK TABLE)
   * before it gives up until the next start, in ms (default 10 000); intake never waits for it
   */
  onlineIndexLockTimeoutMs?: number;
  /**
   * PostgreSQL server: end a session that sits idle inside a transaction this long, in ms (default
   * 60 000). The hub's transactions never wait on anything but the database; one left open (a
   * process frozen or cut off mid-transaction, which TCP may take hours to notice) would hold its
   * row locks and hold back audit sealing, which waits for every earlier transaction to end.
   */
  idleInTransactionTimeoutMs?: number;
}

const IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000;

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  const database = opts.databaseUrl
    ? await openPostgres(opts.databaseUrl, opts.poolSize ?? 10, opts.idleInTransactionTimeoutMs ?? IDLE_IN_TRANSACTION_TIMEOUT_MS, {
        onError: opts.onOnlineIndexError,
        lockTimeoutMs: opts.onlineIndexLockTimeoutMs ?? ONLINE_INDEX_LOCK_TIMEOUT_MS,
      })
    : await openPglite(opts.dataDir!);
  if (opts.migrate !== false) await database.migrate();
  return database;
}

async function openPostgres(url: string, max: number, idleInTransactionTimeoutMs: number, onlineIndexes: { onError?: (err: Error) => void; lockTimeoutMs: number }): Promise<Database> {
  const pg = (await import('pg')).default;
  const { drizzle } = await import('drizzle-orm/node-postgres');
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    idle_in_transaction_session_timeout: idleInTransactionTimeoutMs,
    // see below: no JIT, and a lost connection that does not crash the process
    onConnect: async (client) => {
      client.on('error', () => {});
      await client.query('set jit = off').catch(() => {});
    },
  });
  // An idle client that loses its server (PostgreSQL restart) emits 'error' on the pool; without
  // a listener that would crash the process. The next query gets a fresh connection.
  pool.on('error', () => {});
  // A connection lost while checked out (inside a transaction, between its statements) emits
  // 'error' on its client, which the pool does not cover while it is borrowed: without this, a
  // PostgreSQL restart would crash the process. The query in progress fails and is answered 503.
  //
  // And no JIT (issue 29): the hub's statements are short, but on tables of millions of rows the
  // planner's estimates pass jit_above_cost, and compiling then costs far more than it saves —
  // the retention batch took 323 ms of which 319 compiling, at a million messages. Set on each new
  // connection, before the pool hands it out (pg-pool's `onConnect`, awaited: a query queued
  // beside the caller's first one is deprecated and goes in pg 9), so the operator's URL options
  // still apply.
  const db = drizzle(pool, { schema }) as unknown as Db;
  // transactions that give their connection back even when BEGIN fails (see pg-transaction.ts)
  db.transaction = poolTransaction(pool);
  return {
    kind: 'postgres',
    db,
    async ping() {
      await pool.query('select 1');
    },
    async migrate() {
      const { migrate } = await import('drizzle-orm/node-postgres/migrator');
      // Serialise migrators across processes with a session advisory lock, and migrate on the
      // same connection so that a pool of one cannot deadlock.
      const client = await pool.connect();
      try {
        await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
        try {
          await migrate(drizzle(client, { schema }), { migrationsFolder: MIGRATIONS });
        } finally {
          await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
        }
        // Not under the migration lock: a concurrent build waits for every transaction of the
        // database that began before it, among them another process's statement waiting for that
        // lock (a deadlock). One process builds; the others do not wait for it.
        const [lock] = (await client.query('select pg_try_advisory_lock($1) as ok', [ONLINE_INDEX_LOCK])).rows;
        if (lock.ok) {
          try {
            await client.query(`set lock_timeout = ${Math.max(1, Math.floor(onlineIndexes.lockTimeoutMs))}`);
            await buildOnlineIndexes((text, params) => client.query(text, params), true);
          } catch (err) {
            onlineIndexes.onError?.(err as Error);
          } finally {
            await client.query('reset lock_timeout').catch(() => {});
            await client.query('select pg_advisory_unlock($1)', [ONLINE_INDEX_LOCK]).catch(() => {});
          }
        }
      } finally {
        client.release();
      }
    },
    async close() {
      await pool.end();
    },
  };
}

async function openPglite(dataDir: string): Promise<Database> {
  const release = lockDataDir(dataDir);
  try {
    const { PGlite } = await import('@electric-sql/pglite');
    const { drizzle } = await import('drizzle-orm/pglite');
    const client = await PGlite.create(join(dataDir, 'pgdata'));
    const db = drizzle(client, { schema }) as unknown as Db;
    return {
      kind: 'pglite',
      db,
      async ping() {
        await client.query('select 1');
      },
      async migrate() {
        const { migrate } = await import('drizzle-orm/pglite/migrator');
        await migrate(db as never, { migrationsFolder: MIGRATIONS });
        await buildOnlineIndexes((text, params) => client.query(text, params) as Promise<{ rows: Array<Record<string, unknown>> }>, false);
      },
      async close() {
        try {
          await client.close();
        } finally {
          release();
        }
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}

/**
 * Runs a statement of the hot path as a named prepared statement: node-postgres parses and plans
 * it once per connection instead of at every call (planning the big data-modifying CTEs cost about
 * a fifth of their time; at low load, with batches of one, that is paid per message). `name` must
 * always come with the same SQL text; every varying value is a parameter. PGlite runs it as an
 * ordinary statement. Returns what `db.execute` returns.
 */
export function executePrepared(db: Db, name: string, query: SQL): Promise<unknown> {
  // drizzle's own execute path (db.execute), with the statement name it has no public option for
  const internals = db as unknown as {
    dialect: { sqlToQuery(q: SQL): unknown };
    session: { prepareQuery(q: unknown, fields: undefined, name: string, arrayMode: boolean): { execute(): Promise<unknown> } };
  };
  return internals.session.prepareQuery(internals.dialect.sqlToQuery(query), undefined, name, false).execute();
}
