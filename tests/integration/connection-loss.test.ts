/**
 * Losing the database connection in the middle of a transaction (a PostgreSQL restart) fails that
 * transaction and nothing else: the process lives on and the next query works. And a BullMQ job
 * whose data Redis lost still reaches its delivery through its id.
 */
import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { openDatabase } from '../../src/store/index.js';
import { BullMqDispatcher } from '../../src/queue/index.js';
import { uuidv7 } from '../../src/ids.js';
import { createTestDatabase, flushPrefix, PG_ADMIN_URL, REDIS_URL, uniquePrefix } from '../helpers/services.js';
import pg from 'pg';

describe('connection loss', () => {
  it('fails only the transaction whose connection was terminated', async () => {
    const tdb = await createTestDatabase();
    const database = await openDatabase({ databaseUrl: tdb.url, poolSize: 4 });
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    try {
      const tx = database.db.transaction(async (t) => {
        const r = await t.execute(sql`select pg_backend_pid() as pid`);
        const pid = ((r as any).rows ?? r)[0].pid;
        // killed between two statements, while the client is checked out and idle in transaction
        await admin.query('select pg_terminate_backend($1)', [pid]);
        await new Promise((res) => setTimeout(res, 200));
        await t.execute(sql`select 1`);
      });
      await expect(tx).rejects.toThrow();
      const after = await database.db.execute(sql`select 42 as n`);
      expect(((after as any).rows ?? after)[0].n).toBe(42);
    } finally {
      await admin.end();
      await database.close();
      await tdb.drop();
    }
  });

  it('hands a job whose data was lost to the handler by the delivery id in its job id', async () => {
    const prefix = uniquePrefix();
    const dispatcher = new BullMqDispatcher({ redisUrl: REDIS_URL, queueName: 'deliveries', prefix });
    const conn = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue('deliveries', { connection: conn, prefix });
    try {
      const seen: string[] = [];
      await dispatcher.start(async (job) => {
        seen.push(job.deliveryId);
      }, 1);
      const id = uuidv7();
      await queue.add('deliver', {}, { jobId: `${id}-a3`, removeOnComplete: true });
      const end = Date.now() + 5000;
      while (seen.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      expect(seen).toEqual([id]);
    } finally {
      await dispatcher.close(1000);
      await queue.close();
      conn.disconnect();
      await flushPrefix(prefix);
    }
  });
});
