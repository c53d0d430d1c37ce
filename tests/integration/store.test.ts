import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { claimWithMessage, commitMessage, countOpenByState, dueBacklog, openDatabase, recordAttempt, type Database, type Db } from '../../src/store/index.js';
import { Sweeper } from '../../src/workers/sweeper.js';
import { claimStatement } from '../../src/store/deliveries.js';
import { sealAll, verifyAudit } from '../../src/audit/log.js';
import { uuidv7 } from '../../src/ids.js';
import { createTestDatabase } from '../helpers/services.js';
import { storeSuite } from '../shared/store.suite.js';

storeSuite('PostgreSQL server', async () => {
  const tdb = await createTestDatabase();
  const database = await openDatabase({ databaseUrl: tdb.url, poolSize: 12 });
  return { database, cleanup: () => tdb.drop() };
});

/** a fresh database with `poolSize` connections for one test, closed and dropped after it */
async function withFreshDatabase(poolSize: number, test: (database: Database) => Promise<void>): Promise<void> {
  const tdb = await createTestDatabase();
  const database = await openDatabase({ databaseUrl: tdb.url, poolSize });
  try {
    await test(database);
  } finally {
    await database.close();
    await tdb.drop();
  }
}

/** `n` bare messages from `sender`, in one statement */
async function addBulkMessages(db: Db, n: number, sender: string) {
  await db.execute(sql`insert into messages (id, sender, type, version, classification, envelope, routing, received_at)
    select gen_random_uuid(), ${sender}, 't', '1.0', 'public', '{}'::json, '{}'::jsonb, now() from generate_series(1, ${n})`);
}

/** one message with one delivery, through the three hot statements: commit, claim, record */
async function deliverOne(db: Db) {
  const id = uuidv7();
  const now = new Date();
  const delivery = {
    id: uuidv7(),
    messageId: id,
    recipient: 'ps.mof',
    agreement: 'a',
    grant: 'g',
    major: 2,
    fields: ['*'],
    retry: { schedule: [1], jitter: 0 },
    state: 'pending' as const,
    nextAttemptAt: now,
    createdAt: now,
    updatedAt: now,
  };
  await commitMessage(db, {
    message: { id, sender: 's', type: 'warrant.issued', version: '2.0', classification: 'public', envelope: { id }, routing: {}, receivedAt: now },
    deliveries: [delivery],
    response: { id },
    audit: [{ actor: 's', action: 'message.accepted', subject: id }],
  });
  const claim = (await claimWithMessage(db, delivery.id, 5_000))!;
  return recordAttempt(db, claim, { outcome: 'delivered', startedAt: now, durationMs: 1, statusCode: 200, worker: 'w' });
}

/** `n` messages with one delivery each, all delivered but the first `pending` (due now), in two statements */
async function addBulkDeliveries(db: Db, n: number, pending: number) {
  await addBulkMessages(db, n, 'bulk');
  await db.execute(sql`insert into deliveries (id, message_id, recipient, agreement, grant_id, major, fields, retry, state, next_attempt_at, created_at, updated_at)
    select gen_random_uuid(), id, 'r', 'a', 'g', 1, '[]', '{}', case when row_number() over () <= ${pending} then 'pending' else 'delivered' end,
      case when row_number() over () <= ${pending} then now() end, now(), now() from messages where sender = 'bulk'`);
}

/** rows and index entries `deliveries` has given to scans so far (statistics flushed first) */
async function entriesRead(db: Db): Promise<number> {
  await db.execute(sql`select pg_stat_force_next_flush()`);
  const r = (
    (await db.execute(sql`select
    (select coalesce(seq_tup_read, 0) from pg_stat_user_tables where relname = 'deliveries')
    + (select coalesce(sum(idx_tup_read), 0) from pg_stat_user_indexes where relname = 'deliveries') as n`)) as any
  ).rows[0];
  return Number(r.n);
}

describe('the hot statements on the PostgreSQL server', () => {
  it('are prepared once per connection and reused: intake commit, claim and attempt record', async () => {
    // one connection, so that every statement below runs on the session whose statements we list
    await withFreshDatabase(1, async (database) => {
      const prepared = async () => {
        const r = await database.db.execute(sql`select name from pg_prepared_statements order by name`);
        return ((r as any).rows as Array<{ name: string }>).map((x) => x.name);
      };
      expect(await prepared()).toEqual([]);
      for (let i = 0; i < 3; i++) expect(await deliverOne(database.db)).toBe('delivered');
      // prepared once each, whatever the number of calls
      expect(await prepared()).toEqual(['wasla_claim_deliveries', 'wasla_commit_messages', 'wasla_record_attempts']);
    });
  });

  it('claims by primary key alone, however many deliveries are due', async () => {
    await withFreshDatabase(2, async (database) => {
      // a backlog: 6000 deliveries due to three recipients, 30000 already delivered
      await addBulkMessages(database.db, 36_000, 's');
      await database.db.execute(sql`insert into deliveries (id, message_id, recipient, agreement, grant_id, major, fields, retry, state, next_attempt_at, created_at, updated_at)
        select gen_random_uuid(), id, 'r' || (row_number() over () % 3), 'a', 'g', 1, '[]', '{}',
          case when row_number() over () <= 6000 then 'pending' else 'delivered' end,
          case when row_number() over () <= 6000 then now() - interval '1 second' end, now(), now() from messages`);
      await database.db.execute(sql`analyze`);
      const r = await database.db.execute(sql`select id from deliveries where state = 'pending' limit 16`);
      const ids = ((r as any).rows as Array<{ id: string }>).map((x) => x.id);
      const input = JSON.stringify(Object.fromEntries(ids.map((id) => [id, randomUUID()])));
      const plan = await database.db.execute(sql`explain ${claimStatement(input, 60_000, 1000)}`);
      const text = ((plan as any).rows as Array<Record<string, string>>).map((x) => x['QUERY PLAN']).join('\n');
      expect(text).toContain('deliveries_pkey');
      expect(text).not.toMatch(/deliveries_due_idx|deliveries_state_recipient_idx/);
      // and it claims what it names
      const claimed = await Promise.all(ids.slice(0, 3).map((id) => claimWithMessage(database.db, id, 60_000)));
      expect(claimed.map((c) => c?.delivery.id)).toEqual(ids.slice(0, 3));
    });
  });

  it('keep index plans on a young table: the sweeper analyzes it while it grows', async () => {
    // one connection, so that the plans explained below are the ones the statements were prepared with
    await withFreshDatabase(1, async (database) => {
      // autovacuum would analyze the table in its own time; here only the sweeper may
      await database.db.execute(sql`alter table deliveries set (autovacuum_enabled = false)`);
      // more than five executions on a near-empty table: PostgreSQL settles on a generic plan
      for (let i = 0; i < 8; i++) expect(await deliverOne(database.db)).toBe('delivered');
      // then the table grows (30000 delivered deliveries), as a new hub's does in its first minute
      await addBulkDeliveries(database.db, 30_000, 0);
      const ids = JSON.stringify({ [randomUUID()]: randomUUID() });
      const record = JSON.stringify([
        {
          id: randomUUID(),
          token: randomUUID(),
          next: 'delivered',
          retry_ms: 0,
          last_error: null,
          number: 1,
          started_at: new Date(),
          duration_ms: 1,
          status_code: 200,
          outcome: 'delivered',
          error: null,
          receipt: null,
          worker: 'w',
          audit: {},
        },
      ]);
      const plans = async () => {
        const explain = async (statement: string) => ((await database.db.execute(sql.raw(`explain execute ${statement}`))) as any).rows.map((x: Record<string, string>) => x['QUERY PLAN']).join('\n');
        return {
          claim: await explain(`wasla_claim_deliveries('${ids}', 60000, 10000, '${ids}', 1000)`),
          record: await explain(`wasla_record_attempts('${record}')`),
        };
      };
      // the plan made on the empty table reads the whole table at every record
      expect((await plans()).record).toMatch(/Seq Scan on deliveries/);
      // the pg_stat counters reach the shared statistics within a second of the writes
      const sweeper = new Sweeper({
        db: database.db,
        dispatcher: { dispatch: async () => {} } as any,
        log: pino({ level: 'silent' }),
        intervalMs: 60_000,
        graceMs: 60_000,
        idempotencyRetentionMs: 3_600_000,
        analyzeYoungTables: true,
      });
      let analyzedAt: unknown;
      for (let i = 0; i < 30 && !analyzedAt; i++) {
        await sweeper.sweep();
        analyzedAt = ((await database.db.execute(sql`select last_analyze from pg_stat_user_tables where relname = 'deliveries'`)) as any).rows[0].last_analyze;
        if (!analyzedAt) await new Promise((r) => setTimeout(r, 200));
      }
      expect(analyzedAt).toBeTruthy();
      const after = await plans();
      for (const plan of [after.claim, after.record]) {
        expect(plan).toContain('deliveries_pkey');
        expect(plan).not.toMatch(/Seq Scan on deliveries/);
      }
      // and the statements still do their work on the replanned path
      expect(await deliverOne(database.db)).toBe('delivered');
    });
  });
});

describe('the deliveries gauge on the PostgreSQL server', () => {
  it('reads the open deliveries only, however many have been delivered', async () => {
    // one connection: the statistics read below are the ones its statements leave
    await withFreshDatabase(1, async (database) => {
      expect(await deliverOne(database.db)).toBe('delivered');
      await addBulkDeliveries(database.db, 30_000, 5);
      await database.db.execute(sql`vacuum analyze deliveries`);
      const r0 = await entriesRead(database.db);
      expect(await countOpenByState(database.db)).toEqual({ pending: 5, in_flight: 0, retrying: 0, dead: 0 });
      const r1 = await entriesRead(database.db);
      // the five open ones and the index pages around them, not the 30001 delivered
      expect(r1 - r0).toBeLessThan(100);
    });
  });
});

describe('sealing the audit log while another sealer holds the lock', () => {
  it('returns at once without waiting, and seals everything when asked to wait', async () => {
    const tdb = await createTestDatabase();
    const database = await openDatabase({ databaseUrl: tdb.url, poolSize: 4 });
    const holder = await openDatabase({ databaseUrl: tdb.url, poolSize: 1 });
    try {
      const now = new Date();
      const id = uuidv7();
      await commitMessage(database.db, {
        message: { id, sender: 's', type: 'warrant.issued', version: '2.0', classification: 'public', envelope: { id }, routing: {}, receivedAt: now },
        deliveries: [],
        response: { id },
        audit: [{ actor: 's', action: 'message.accepted', subject: id }],
      });
      // another sealer (a hub process) at work: it holds the sealing lock until `release` is called
      let release!: () => void;
      let locked!: () => void;
      const isLocked = new Promise<void>((r) => (locked = r));
      const held = holder.db.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(72617002)`);
        locked();
        await new Promise<void>((r) => (release = r));
      });
      await isLocked;
      expect(await sealAll(database.db)).toBe(0);
      let waitedFor = false;
      const waiting = sealAll(database.db, undefined, { waitForLock: true }).then((n) => ((waitedFor = true), n));
      await new Promise((r) => setTimeout(r, 200));
      expect(waitedFor).toBe(false);
      release();
      await held;
      expect(await waiting).toBeGreaterThanOrEqual(1);
      expect(await verifyAudit(database.db)).toMatchObject({ ok: true, unsealed: 0 });
    } finally {
      await holder.close();
      await database.close();
      await tdb.drop();
    }
  });
});

describe("flow control's backlog read on the PostgreSQL server", () => {
  // 'vacuumed': every page all-visible, as after a quiet spell; 'live': analyzed only, as under
  // load, where the pages of fresh deliveries are never all-visible. Left to the planner, the live
  // table had the count walk the partial index of due deliveries over all recipients (8016 entries
  // read here), or read a recipient's whole backlog by a bitmap scan (3005).
  it.each(['vacuumed', 'live'])('reads at most the cap of each recipient, not the deliveries due later nor the rest of a long backlog (%s table)', async (table) => {
    // one connection: the statistics read below are the ones its statements leave
    await withFreshDatabase(1, async (database) => {
      // 'long': 3000 due and 20000 deferred an hour ahead (a paused recipient's); 'short': 5 due
      await addBulkMessages(database.db, 23_005, 'bulk');
      await database.db.execute(sql`insert into deliveries (id, message_id, recipient, agreement, grant_id, major, fields, retry, state, next_attempt_at, created_at, updated_at)
        select gen_random_uuid(), id, case when n <= 5 then 'short' else 'long' end, 'a', 'g', 1, '[]', '{}',
          case when n <= 3005 then 'pending' else 'retrying' end,
          case when n <= 3005 then now() - interval '1 second' else now() + interval '1 hour' end, now(), now()
        from (select id, row_number() over () as n from messages) m`);
      await database.db.execute(table === 'vacuumed' ? sql`vacuum analyze deliveries` : sql`analyze deliveries`);
      const r0 = await entriesRead(database.db);
      const backlog = await dueBacklog(database.db, ['long', 'short', 'idle'], 2001);
      const r1 = await entriesRead(database.db);
      expect(Object.fromEntries(backlog)).toEqual({ long: 2001, short: 5 });
      expect(r1 - r0).toBeLessThanOrEqual(2001 + 5 + 10);
    });
  });
});
