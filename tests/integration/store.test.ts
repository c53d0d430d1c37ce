import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { claimWithMessage, commitMessage, openDatabase, recordAttempt } from '../../src/store/index.js';
import { uuidv7 } from '../../src/ids.js';
import { createTestDatabase } from '../helpers/services.js';
import { storeSuite } from '../shared/store.suite.js';

storeSuite('PostgreSQL server', async () => {
  const tdb = await createTestDatabase();
  const database = await openDatabase({ databaseUrl: tdb.url, poolSize: 12 });
  return { database, cleanup: () => tdb.drop() };
});

describe('the hot statements on the PostgreSQL server', () => {
  it('are prepared once per connection and reused: intake commit and attempt record', async () => {
    const tdb = await createTestDatabase();
    // one connection, so that every statement below runs on the session whose statements we list
    const database = await openDatabase({ databaseUrl: tdb.url, poolSize: 1 });
    try {
      const prepared = async () => {
        const r = await database.db.execute(sql`select name from pg_prepared_statements order by name`);
        return ((r as any).rows as Array<{ name: string }>).map((x) => x.name);
      };
      expect(await prepared()).toEqual([]);
      for (let i = 0; i < 3; i++) {
        const id = uuidv7();
        const now = new Date();
        const delivery = {
          id: uuidv7(), messageId: id, recipient: 'ps.mof', agreement: 'a', grant: 'g', major: 2, fields: ['*'],
          retry: { schedule: [1], jitter: 0 }, state: 'pending' as const, nextAttemptAt: now, createdAt: now, updatedAt: now,
        };
        await commitMessage(database.db, {
          message: { id, sender: 's', type: 'warrant.issued', version: '2.0', classification: 'public', envelope: { id }, routing: {}, receivedAt: now },
          deliveries: [delivery], response: { id }, audit: [{ actor: 's', action: 'message.accepted', subject: id }],
        });
        const claim = (await claimWithMessage(database.db, delivery.id, 5_000))!;
        expect(await recordAttempt(database.db, claim, { outcome: 'delivered', startedAt: now, durationMs: 1, statusCode: 200, worker: 'w' })).toBe('delivered');
      }
      // prepared once each, whatever the number of calls; the claim is planned per call on purpose
      expect(await prepared()).toEqual(['wasla_commit_messages', 'wasla_record_attempts']);
    } finally {
      await database.close();
      await tdb.drop();
    }
  });
});
