/**
 * The bench's preloaded history (bench/preload.ts) on the real PostgreSQL server, in a database of
 * its own: the rows are in the proportions and states the docs state, every certificate they name
 * exists, nothing is due, and the audit log is sealed as the hub's sealer seals it — `wasla audit
 * verify` (the real command, in a child process) passes, the hub's chain carries on from it, and an
 * altered history entry is caught.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { countUnsealed, sealAll, verifyAudit } from '../../src/audit/log.js';
import { appendAudit } from '../../src/audit/writer.js';
import { openDatabase, type Database } from '../../src/store/index.js';
import { keptDatabaseName, loadHistory, preloadFingerprint, preparePreload, type PreloadFigures } from '../../bench/preload.js';
import { IDEMPOTENCY_RETENTION_MS, SEAL_SIZE } from '../../bench/preload-mix.js';
import { createTestDatabase, PG_ADMIN_URL, REDIS_URL, type TestDatabase } from '../helpers/services.js';

const run = promisify(execFile);
const MESSAGES = 1000;
// an hour between messages: 1 000 messages span six weeks, so histories older than a delivery's
// story (four days) are most of them and every outcome class appears
const PACE_MS = 3_600_000;

describe('bench preload (PostgreSQL server)', () => {
  let tdb: TestDatabase;
  let figures: PreloadFigures;
  let c: pg.Client;
  const one = async (q: string, params: unknown[] = []) => Number(Object.values((await c.query(q, params)).rows[0])[0]);

  beforeAll(async () => {
    tdb = await createTestDatabase();
    figures = await loadHistory(tdb.url, { messages: MESSAGES, fanout: 2, payloadBytes: 1024, repo: resolve('.'), paceMs: PACE_MS, log: () => {} });
    c = new pg.Client({ connectionString: tdb.url });
    await c.connect();
  }, 180_000);

  afterAll(async () => {
    await c?.end().catch(() => {});
    await tdb?.drop();
  });

  it('holds N messages with the bench fan-out, every delivery finished and none due', async () => {
    expect(figures.messages).toBe(MESSAGES);
    expect(figures.deliveries).toBe(2 * MESSAGES);
    expect(await one(`select count(*) from deliveries where state not in ('delivered', 'dead') or next_attempt_at is not null or lease_token is not null`)).toBe(0);
    expect(await one(`select count(*) from messages where received_at >= now()`)).toBe(0);
    // each delivery has exactly the attempts it counts, numbered 1..n
    expect(
      await one(`select count(*) from deliveries d where d.attempts <> (select count(*) from attempts a where a.delivery_id = d.id)
      or d.attempts <> (select max(number) from attempts a where a.delivery_id = d.id)`),
    ).toBe(0);
  });

  it('has every outcome class: first try, retried then delivered, dead, replayed then delivered', async () => {
    const firstTry = await one(`select count(*) from deliveries where state = 'delivered' and attempts = 1`);
    const retried = await one(`select count(*) from deliveries where state = 'delivered' and attempts between 2 and 4 and schedule_offset = 0`);
    const dead = await one(`select count(*) from deliveries where state = 'dead' and attempts = 8 and last_error like '%retries exhausted%'`);
    const replayed = await one(`select count(*) from deliveries where state = 'delivered' and schedule_offset = 8 and attempts = 9`);
    expect(firstTry + retried + dead + replayed).toBe(2 * MESSAGES);
    expect(firstTry).toBeGreaterThan(0.9 * 2 * MESSAGES);
    expect(retried).toBeGreaterThan(10);
    expect(dead).toBeGreaterThan(0);
    expect(replayed).toBeGreaterThan(0);
    expect(await one(`select count(*) from audit_log where action = 'delivery.replayed'`)).toBe(replayed);
    // a delivered delivery's last attempt is the delivered one, with its receipt; every failed one has none
    expect(await one(`select count(*) from attempts where (outcome = 'delivered') <> (receipt is not null)`)).toBe(0);
    expect(
      await one(`select count(*) from deliveries d join attempts a on a.delivery_id = d.id and a.number = d.attempts
      where d.state = 'delivered' and a.outcome <> 'delivered'`),
    ).toBe(0);
  });

  it('names only certificates the database holds: receipts by their recipient, intake by the sender', async () => {
    expect(figures.certificates).toBeGreaterThanOrEqual(3);
    expect(
      await one(`select count(*) from attempts a join deliveries d on d.id = a.delivery_id
      where a.receipt is not null and not exists (select 1 from certificates c where c.serial = a.receipt ->> 'keyid' and c.institution_id = d.recipient)`),
    ).toBe(0);
    expect(
      await one(`select count(*) from audit_log e where e.action = 'message.accepted'
      and not exists (select 1 from certificates c where 'cert:' || c.serial = e.data ->> 'credential' and c.institution_id = e.actor)`),
    ).toBe(0);
  });

  it('keeps idempotency keys for the retention only, each with its message', async () => {
    const recent = await one(`select count(*) from messages where received_at >= now() - $1 * interval '1 millisecond'`, [IDEMPOTENCY_RETENTION_MS + 120_000]);
    expect(figures.idempotencyKeys).toBeGreaterThan(0);
    expect(figures.idempotencyKeys).toBeLessThanOrEqual(recent);
    expect(await one(`select count(*) from idempotency_keys k join messages m on m.id = k.message_id where k.response ->> 'id' = m.id::text`)).toBe(figures.idempotencyKeys);
  });

  it('seals every audit entry in seals of the stated size, and `wasla audit verify` passes', async () => {
    const database = await openDatabase({ databaseUrl: tdb.url, poolSize: 2, migrate: false });
    try {
      expect(await countUnsealed(database.db)).toBe(0);
    } finally {
      await database.close();
    }
    expect(figures.seals).toBeGreaterThanOrEqual(Math.ceil(figures.auditEntries / SEAL_SIZE));
    expect(await one('select max(cardinality(entry_ids)) from audit_seals')).toBe(SEAL_SIZE);
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'audit', 'verify'], {
      env: { ...process.env, DATABASE_URL: tdb.url, REDIS_URL, WASLA_LOG_LEVEL: 'warn' },
      timeout: 60_000,
    });
    expect(stdout).toContain(`audit log intact: ${figures.auditEntries} entries`);
  }, 90_000);

  it("carries on with the hub's own entries, and an altered history entry breaks the chain", async () => {
    let database: Database | undefined = await openDatabase({ databaseUrl: tdb.url, poolSize: 2, migrate: false });
    try {
      await database.db.transaction((tx) => appendAudit(tx, [{ actor: 'test', action: 'contracts.reloaded', data: { after: 'preload' } }]));
      await sealAll(database.db, 10, { waitForLock: true });
      const ok = await verifyAudit(database.db);
      expect(ok).toMatchObject({ ok: true, entries: figures.auditEntries + 1, unsealed: 0 });
      await c.query(
        `update audit_log set data = jsonb_set(data, '{outcome}', '"delivered"') where id = (select min(id) from audit_log where action = 'delivery.attempt' and data ->> 'outcome' = 'retry')`,
      );
      const broken = await verifyAudit(database.db);
      expect(broken.ok).toBe(false);
      expect(broken.reason).toMatch(/was altered/);
    } finally {
      await database.close();
      database = undefined;
    }
  });
});

describe('bench --keep-preload (PostgreSQL server)', () => {
  // fan-out 1 and an odd size: a name no real bench run keeps
  const o = { messages: 137, fanout: 1, payloadBytes: 1024, repo: resolve('.'), log: () => {} };
  const kept = keptDatabaseName(o.messages, o.fanout, preloadFingerprint(o.repo, o.fanout, o.payloadBytes));
  const suffix = Math.random().toString(36).slice(2, 10);
  const runs = [`wasla_t_pre_a_${suffix}`, `wasla_t_pre_b_${suffix}`];
  const admin = async (q: string) => {
    const a = new pg.Client({ connectionString: PG_ADMIN_URL });
    await a.connect();
    try {
      return await a.query(q);
    } finally {
      await a.end();
    }
  };
  const messagesIn = async (db: string) => {
    const u = new URL(PG_ADMIN_URL);
    u.pathname = `/${db}`;
    const c = new pg.Client({ connectionString: u.href });
    await c.connect();
    try {
      return Number((await c.query('select count(*) as n from messages')).rows[0].n);
    } finally {
      await c.end();
    }
  };

  afterAll(async () => {
    for (const d of [...runs, kept]) await admin(`drop database if exists "${d}" with (force)`);
  });

  it('loads once, copies on the next run, and reloads a kept database whose load did not finish', async () => {
    // an interrupted load: the database is there, without the mark of completion
    await admin(`drop database if exists "${kept}" with (force)`);
    await admin(`create database "${kept}"`);
    const first = await preparePreload(runs[0], true, o);
    expect(first).toMatchObject({ reused: false, keptAs: kept, messages: o.messages, deliveries: o.messages });
    const second = await preparePreload(runs[1], true, o);
    expect(second).toMatchObject({ reused: true, keptAs: kept, messages: o.messages, auditEntries: first.auditEntries });
    expect(await messagesIn(runs[0])).toBe(o.messages);
    expect(await messagesIn(runs[1])).toBe(o.messages);
    // a run's traffic lands in its copy, never in the kept history
    await admin(`drop database "${runs[0]}" with (force)`);
    expect(await messagesIn(kept)).toBe(o.messages);
  }, 180_000);
});
