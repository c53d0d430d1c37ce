import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { countUnsealed, describeHold, sealAll, sealingHold, verifyAudit } from '../../src/audit/log.js';
import { appendAudit, type AuditAction } from '../../src/audit/writer.js';
import { entryHash, GENESIS_HASH } from '../../src/audit/chain.js';
import { openDatabase, type Database } from '../../src/store/index.js';
import { createTestDatabase } from '../helpers/services.js';
import { auditSuite } from '../shared/audit.suite.js';
import { startPrivatePostgres } from '../helpers/private-services.js';

auditSuite(
  'PostgreSQL server',
  async () => {
    const tdb = await createTestDatabase();
    const database = await openDatabase({ databaseUrl: tdb.url, poolSize: 4 });
    return { database, cleanup: () => tdb.drop() };
  },
  {
    // The counter is server-wide: moving it on the shared server would mean spending millions of ids
    // that every other database there shares. A private cluster is set to each number with pg_resetwal.
    boundaries: [100_000n, 1_000_000n, 10_000_000n],
    async open() {
      const server = await startPrivatePostgres();
      const url = await server.createDatabase('wasla_audit_xid');
      const first = await openDatabase({ databaseUrl: url, poolSize: 4 });
      let database: Database | undefined = first;
      return {
        database: first,
        async moveCounterTo(next) {
          const closing = database;
          database = undefined;
          await closing?.close();
          await server.setNextXid(next);
          database = await openDatabase({ databaseUrl: url, poolSize: 4, migrate: false });
          return database;
        },
        cleanup: async () => {
          await database?.close().catch(() => {});
          await server.remove();
        },
      };
    },
  },
);

const entry = (database: Database, subject: string) => database.db.transaction((tx) => appendAudit(tx, [{ actor: 'test', action: 'test.entry' as AuditAction, subject }]));

describe('sealing around a transaction still running (PostgreSQL server)', () => {
  it('seals nothing of a later transaction while an earlier one is open, then all of them in transaction order', async () => {
    const tdb = await createTestDatabase();
    const database = await openDatabase({ databaseUrl: tdb.url, poolSize: 4 });
    let commit: (() => void) | undefined;
    try {
      await entry(database, 'before');
      // a slow writer: its entry is written (and its transaction id taken) before the others commit
      let written!: () => void;
      const isWritten = new Promise<void>((r) => (written = r));
      const slow = database.db.transaction(async (tx) => {
        await appendAudit(tx, [{ actor: 'test', action: 'test.entry' as AuditAction, subject: 'slow' }]);
        written();
        await new Promise<void>((r) => (commit = r));
      });
      await isWritten;
      await entry(database, 'after-1');
      await entry(database, 'after-2');
      // only the entry from before the slow transaction: sealing the later ones now would put them
      // ahead of one that can still commit
      expect(await sealAll(database.db)).toBe(1);
      expect(await verifyAudit(database.db)).toMatchObject({ ok: true, entries: 1, unsealed: 2 });
      expect(await countUnsealed(database.db)).toBe(2);
      commit!();
      await slow;
      expect(await sealAll(database.db)).toBe(3);
      expect(await verifyAudit(database.db)).toMatchObject({ ok: true, entries: 4, unsealed: 0 });
      expect(await countUnsealed(database.db)).toBe(0);
      const r = await database.db.execute(sql`select a.subject from audit_seals s, unnest(s.entry_ids) with ordinality as u(id, n), audit_log a
        where a.id = u.id order by s.seal, u.n`);
      expect((r as any).rows.map((x: { subject: string }) => x.subject)).toEqual(['before', 'slow', 'after-1', 'after-2']);
    } finally {
      commit?.();
      await database.close();
      await tdb.drop();
    }
  });
});

/** a transaction begun on its own connection, holding a transaction id until `end()` */
async function openTransaction(url: string): Promise<{ xid: string; end: () => Promise<void> }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('begin');
  const { rows } = await c.query<{ x: string }>('select pg_current_xact_id()::text as x');
  return {
    xid: rows[0].x,
    end: async () => {
      await c.query('rollback').catch(() => {});
      await c.end();
    },
  };
}

describe('the sealing horizon on a server that other databases share (issue 28)', () => {
  it('a transaction in another database holds nothing back; one in this database holds back the entries after it', async () => {
    const tdb = await createTestDatabase();
    const other = await createTestDatabase();
    const database = await openDatabase({ databaseUrl: tdb.url, poolSize: 4 });
    let elsewhere: Awaited<ReturnType<typeof openTransaction>> | undefined;
    let commit: (() => void) | undefined;
    try {
      await entry(database, 'before');
      // another client's long transaction in another database, begun before everything below
      elsewhere = await openTransaction(other.url);
      await entry(database, 'while-elsewhere-runs');
      const sealed = await sealAll(database.db);
      const hold = await sealingHold(database.db);
      expect(sealed, `sealed with transaction ${elsewhere.xid} open in another database; held by ${hold ? describeHold(hold) : 'nothing'}`).toBe(2);
      expect(hold).toBeUndefined();

      // a transaction in this database that has written an entry and not committed
      let written!: () => void;
      const isWritten = new Promise<void>((r) => (written = r));
      const slow = database.db.transaction(async (tx) => {
        await appendAudit(tx, [{ actor: 'test', action: 'test.entry' as AuditAction, subject: 'slow' }]);
        written();
        await new Promise<void>((r) => (commit = r));
      });
      await isWritten;
      await entry(database, 'after-slow');
      expect(await sealAll(database.db), 'sealed while an earlier transaction of this database is open').toBe(0);
      const held = await sealingHold(database.db);
      expect(held, 'what holds sealing back').toMatchObject({ database: tdb.name, state: 'idle in transaction' });
      commit!();
      await slow;
      expect(await sealAll(database.db)).toBe(2);
      expect(await verifyAudit(database.db)).toMatchObject({ ok: true, entries: 4, unsealed: 0 });
      const r = await database.db.execute(sql`select a.subject from audit_seals s, unnest(s.entry_ids) with ordinality as u(id, n), audit_log a
        where a.id = u.id order by s.seal, u.n`);
      expect((r as any).rows.map((x: { subject: string }) => x.subject)).toEqual(['before', 'while-elsewhere-runs', 'slow', 'after-slow']);
    } finally {
      commit?.();
      await elsewhere?.end();
      await database.close();
      await tdb.drop();
      await other.drop();
    }
  });

  it('keeps what it cannot place: a prepared transaction, even in another database, holds sealing back', async () => {
    // PREPARE TRANSACTION needs max_prepared_transactions > 0, which the shared server need not have
    const server = await startPrivatePostgres();
    let database: Database | undefined;
    const admin = new pg.Client({ connectionString: server.url('wasla_other') });
    try {
      const url = await server.createDatabase('wasla_audit_prepared');
      await server.createDatabase('wasla_other');
      database = await openDatabase({ databaseUrl: url, poolSize: 2 });
      await entry(database, 'before');
      const c = new pg.Client({ connectionString: server.url('wasla_other') });
      await c.connect();
      await c.query('begin');
      const { rows } = await c.query<{ x: string }>('select pg_current_xact_id()::text as x');
      await c.query(`prepare transaction 'held-elsewhere'`);
      await c.end();
      await entry(database, 'after-prepared');
      expect(await sealAll(database.db)).toBe(1);
      expect(await sealingHold(database.db)).toMatchObject({ tx: rows[0].x, prepared: 'held-elsewhere' });
      await admin.connect();
      await admin.query(`rollback prepared 'held-elsewhere'`);
      expect(await sealAll(database.db)).toBe(1);
      expect(await verifyAudit(database.db)).toMatchObject({ ok: true, entries: 2, unsealed: 0 });
    } finally {
      await admin.end().catch(() => {});
      await database?.close();
      await server.remove();
    }
  });
});

describe('a log sealed entry by entry before migration 0005', () => {
  it('keeps verifying, and the seals continue its chain', async () => {
    const tdb = await createTestDatabase();
    // the migrations up to 0004, when each entry carried its own seq and hash
    const dir = mkdtempSync(join(tmpdir(), 'wasla-migrations-'));
    const client = new pg.Client({ connectionString: tdb.url });
    let database: Database | undefined;
    try {
      const src = fileURLToPath(new URL('../../src/store/migrations', import.meta.url));
      cpSync(src, dir, { recursive: true });
      const journal = JSON.parse(readFileSync(join(dir, 'meta/_journal.json'), 'utf8'));
      journal.entries = journal.entries.filter((e: { tag: string }) => e.tag <= '0004');
      writeFileSync(join(dir, 'meta/_journal.json'), JSON.stringify(journal));
      await client.connect();
      await migrate(drizzle(client), { migrationsFolder: dir });
      // three entries sealed the old way, one still waiting
      let prev = GENESIS_HASH;
      for (let seq = 1; seq <= 4; seq++) {
        const at = new Date(Date.UTC(2026, 10, 1, 12, 0, seq));
        const data = { n: seq };
        const sealed = seq <= 3;
        const hash = sealed ? entryHash(prev, { seq, at, actor: 'old', action: 'test.entry', subject: `legacy-${seq}`, data }) : null;
        await client.query('insert into audit_log (seq, at, actor, action, subject, data, prev_hash, hash) values ($1, $2, $3, $4, $5, $6, $7, $8)', [
          sealed ? seq : null,
          at,
          'old',
          'test.entry',
          `legacy-${seq}`,
          data,
          sealed ? prev : null,
          hash,
        ]);
        if (hash) prev = hash;
      }
      const legacyHead = prev;

      database = await openDatabase({ databaseUrl: tdb.url, poolSize: 2 });
      expect(await verifyAudit(database.db)).toMatchObject({ ok: true, entries: 3, unsealed: 1, headHash: legacyHead });
      expect(await countUnsealed(database.db)).toBe(1);
      await entry(database, 'new');
      expect(await sealAll(database.db)).toBe(2);
      expect(await verifyAudit(database.db)).toMatchObject({ ok: true, entries: 5, unsealed: 0 });
      const seal = await client.query('select first_seq, prev_hash from audit_seals');
      expect(seal.rows).toEqual([{ first_seq: '4', prev_hash: legacyHead }]);

      await client.query(`update audit_log set actor = 'someone else' where seq = 2`);
      expect(await verifyAudit(database.db)).toMatchObject({ ok: false, brokenAt: 2, reason: 'entry 2 was altered' });
    } finally {
      await database?.close();
      await client.end();
      rmSync(dir, { recursive: true, force: true });
      await tdb.drop();
    }
  });
});

describe('a transaction left idle on the PostgreSQL server', () => {
  it('is ended after the idle-in-transaction timeout, and sealing goes on', async () => {
    const tdb = await createTestDatabase();
    const database = await openDatabase({ databaseUrl: tdb.url, poolSize: 4, idleInTransactionTimeoutMs: 1000 });
    try {
      let written!: () => void;
      const isWritten = new Promise<void>((r) => (written = r));
      // a process frozen mid-transaction: it wrote an entry and then went quiet
      const stuck = database.db
        .transaction(async (tx) => {
          await appendAudit(tx, [{ actor: 'test', action: 'test.entry' as AuditAction, subject: 'stuck' }]);
          written();
          await new Promise((r) => setTimeout(r, 2500));
          await tx.execute(sql`select 1`);
        })
        .then(
          () => 'committed',
          (err: Error) => `${err.message} ${(err.cause as Error | undefined)?.message ?? ''}`,
        );
      await isWritten;
      await entry(database, 'later');
      expect(await sealAll(database.db)).toBe(0);
      expect(await stuck).toMatch(/idle-in-transaction|terminated|not queryable/i);
      expect(await sealAll(database.db)).toBe(1);
      expect(await verifyAudit(database.db)).toMatchObject({ ok: true, entries: 1, unsealed: 0 });
      const subjects = await database.db.execute(sql`select subject from audit_log`);
      expect((subjects as any).rows).toEqual([{ subject: 'later' }]);
    } finally {
      await database.close();
      await tdb.drop();
    }
  });
});
