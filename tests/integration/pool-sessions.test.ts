/**
 * What every pooled connection is set up with before its first statement (store/db.ts): JIT off
 * (issue 29), and no query of the pool's own queued beside the caller's — pg deprecates that and
 * pg 9 refuses it, so the warning is watched for here.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../../src/store/index.js';
import { resultRows } from '../../src/store/db.js';
import { createTestDatabase } from '../helpers/services.js';

describe('pooled PostgreSQL connections', () => {
  const warnings: Error[] = [];
  const onWarning = (w: Error) => void warnings.push(w);
  afterEach(() => void process.off('warning', onWarning));

  it('run without JIT from their first statement, with no query queued beside it', async () => {
    process.on('warning', onWarning);
    const tdb = await createTestDatabase();
    const database = await openDatabase({ databaseUrl: tdb.url, poolSize: 4 });
    try {
      // four statements at once: each opens a connection of its own and runs on it first
      const first = await Promise.all(Array.from({ length: 4 }, () => database.db.execute(sql`select current_setting('jit') as jit, pg_backend_pid() as pid`)));
      const rows = first.map((r) => resultRows<{ jit: string; pid: number }>(r)[0]);
      expect(new Set(rows.map((r) => r.pid)).size).toBeGreaterThan(1);
      expect(rows.map((r) => r.jit)).toEqual(['off', 'off', 'off', 'off']);
      await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
      expect(warnings.filter((w) => /already executing a query/.test(w.message))).toEqual([]);
    } finally {
      await database.close();
      await tdb.drop();
    }
  });
});
