/**
 * Indexes built after the migrations (store/online-indexes.ts, issue 29) on the PostgreSQL server:
 * a migrated database has them, valid; they are built CONCURRENTLY, so writes to the table go on
 * meanwhile; one left invalid by an interrupted build is dropped and built again; a second pass
 * builds nothing. And the hub's connections run without JIT compilation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/store/index.js';
import { buildOnlineIndexes, ONLINE_INDEXES } from '../../src/store/online-indexes.js';
import { createTestDatabase, type TestDatabase } from '../helpers/services.js';

describe('online indexes (PostgreSQL server)', () => {
  let tdb: TestDatabase;
  let database: Database;
  let client: pg.Client;
  beforeAll(async () => {
    tdb = await createTestDatabase();
    database = await openDatabase({ databaseUrl: tdb.url, poolSize: 2 });
    client = new pg.Client({ connectionString: tdb.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await database?.close();
    await tdb?.drop();
  });

  const state = async (name: string) => (await client.query('select i.indisvalid as valid from pg_class c join pg_index i on i.indexrelid = c.oid where c.relname = $1', [name])).rows[0];

  it('a migrated database has every online index, valid', async () => {
    expect(ONLINE_INDEXES.length).toBeGreaterThan(0);
    for (const ix of ONLINE_INDEXES) expect(await state(ix.name), ix.name).toEqual({ valid: true });
  });

  it('builds what is missing CONCURRENTLY, rebuilds one left invalid, and leaves valid ones alone', async () => {
    const statements: string[] = [];
    const run = (text: string, params?: unknown[]) => {
      statements.push(text.replace(/\s+/g, ' ').trim());
      return client.query(text, params);
    };
    expect(await buildOnlineIndexes(run, true)).toEqual([]);
    expect(statements.filter((s) => !s.startsWith('select'))).toEqual([]);

    // what an interrupted CREATE INDEX CONCURRENTLY leaves: the index, marked invalid
    const [ix] = ONLINE_INDEXES;
    await client.query(`update pg_index set indisvalid = false where indexrelid = '"${ix.name}"'::regclass`);
    expect(await state(ix.name)).toEqual({ valid: false });
    expect(await buildOnlineIndexes(run, true)).toEqual([ix.name]);
    expect(statements.filter((s) => !s.startsWith('select'))).toEqual([`drop index concurrently "${ix.name}"`, `create index concurrently "${ix.name}" on ${ix.definition}`]);
    expect(await state(ix.name)).toEqual({ valid: true });
  });

  it('lets writes to the table go on while it builds', async () => {
    const [ix] = ONLINE_INDEXES;
    await client.query(`drop index "${ix.name}"`);
    // a transaction that wrote to messages and stays open: a concurrent build waits for it to end,
    // where a plain CREATE INDEX in a migration would be the one holding writers back
    const writer = new pg.Client({ connectionString: tdb.url });
    await writer.connect();
    try {
      await writer.query('begin');
      await writer.query(`update messages set purged_at = null where false`);
      const building = buildOnlineIndexes((text, params) => client.query(text, params), true);
      // meanwhile another session inserts into the table and commits: not blocked by the build
      await new Promise((r) => setTimeout(r, 200));
      const other = new pg.Client({ connectionString: tdb.url });
      await other.connect();
      try {
        // row exclusive, what a writer takes: it conflicts with a plain CREATE INDEX's share lock, not with CONCURRENTLY's
        await other.query('begin');
        const granted = await other.query('lock table messages in row exclusive mode nowait').then(
          () => true,
          (err: Error) => err.message,
        );
        await other.query('rollback');
        expect(granted, 'a writer could lock the table while the index was being built').toBe(true);
      } finally {
        await other.end();
      }
      await writer.query('commit');
      expect(await building).toEqual([ix.name]);
      expect(await state(ix.name)).toEqual({ valid: true });
    } finally {
      await writer.end();
    }
  });

  it('two processes starting at once on a new database both open it, and the index is built once', async () => {
    // before: the first held the migration lock while it built concurrently, the build waited for
    // the second's statement waiting for that lock, and PostgreSQL ended one with "deadlock detected"
    const fresh = await createTestDatabase();
    const errors: Error[] = [];
    try {
      const opened = await Promise.all([0, 1, 2].map(() => openDatabase({ databaseUrl: fresh.url, poolSize: 2, onOnlineIndexError: (e) => errors.push(e) })));
      await Promise.all(opened.map((d) => d.close()));
      expect(errors).toEqual([]);
      const c = new pg.Client({ connectionString: fresh.url });
      await c.connect();
      try {
        for (const ix of ONLINE_INDEXES) {
          const r = await c.query('select i.indisvalid as valid from pg_class c join pg_index i on i.indexrelid = c.oid where c.relname = $1', [ix.name]);
          expect(r.rows, ix.name).toEqual([{ valid: true }]);
        }
      } finally {
        await c.end();
      }
    } finally {
      await fresh.drop();
    }
  });

  it('gives up after its lock timeout, says so, opens the database anyway, and builds at the next start', async () => {
    const [ix] = ONLINE_INDEXES;
    await client.query(`drop index "${ix.name}"`);
    // another session holds the table (a long DDL or LOCK TABLE): the build may not wait on it forever
    const holder = new pg.Client({ connectionString: tdb.url });
    await holder.connect();
    const errors: Error[] = [];
    try {
      await holder.query('begin');
      await holder.query('lock table messages in share mode');
      const opened = await openDatabase({ databaseUrl: tdb.url, poolSize: 2, onlineIndexLockTimeoutMs: 300, onOnlineIndexError: (e) => errors.push(e) });
      await opened.close();
      expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/lock timeout/)]);
      expect(await state(ix.name)).toBeUndefined();
    } finally {
      await holder.query('rollback').catch(() => {});
      await holder.end();
    }
    const reopened = await openDatabase({ databaseUrl: tdb.url, poolSize: 2, onOnlineIndexError: (e) => errors.push(e) });
    await reopened.close();
    expect(errors).toHaveLength(1);
    expect(await state(ix.name)).toEqual({ valid: true });
  });

  it('runs its statements without JIT compilation', async () => {
    const rows = (await database.db.execute(sql`show jit`)) as unknown as { rows: Array<{ jit: string }> };
    expect(rows.rows[0].jit).toBe('off');
  });
});
