/**
 * Transactions on the node-postgres pool give their connection back whatever happens — also when
 * the connection is lost before BEGIN, which drizzle's own pooled transaction leaked.
 */
import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { PoolClient } from 'pg';
import { poolTransaction } from '../../../src/store/pg-transaction.js';

/** a pooled client that records the statements it is sent and how it was released */
function fakeClient(fail?: (statement: string) => Error | undefined) {
  const statements: string[] = [];
  const releases: Array<Error | undefined> = [];
  const client = {
    query: async (q: string | { text: string }) => {
      const text = typeof q === 'string' ? q : q.text;
      statements.push(text);
      const err = fail?.(text);
      if (err) throw err;
      return { rows: [], rowCount: 0, fields: [], command: '' };
    },
    release: (err?: Error) => void releases.push(err),
  };
  return { client: client as unknown as PoolClient, statements, releases };
}

describe('transactions on the PostgreSQL pool', () => {
  it('gives the connection back, to be closed, when BEGIN fails (the connection was lost)', async () => {
    const lost = new Error('Connection terminated unexpectedly');
    const { client, statements, releases } = fakeClient((s) => (s === 'begin' ? lost : undefined));
    const transaction = poolTransaction({ connect: async () => client });
    let ran = false;
    // drizzle names the statement and keeps the driver's error as the cause
    const failed = await transaction(async () => void (ran = true)).catch((e: Error) => e);
    expect(failed).toMatchObject({ message: expect.stringContaining('begin'), cause: lost });
    expect(ran).toBe(false);
    expect(statements).toEqual(['begin']);
    expect(releases).toEqual([failed]);
  });

  it('commits and gives the connection back for reuse', async () => {
    const { client, statements, releases } = fakeClient();
    const transaction = poolTransaction({ connect: async () => client });
    expect(
      await transaction(async (tx) => {
        await tx.execute(sql`select 1`);
        return 'done';
      }),
    ).toBe('done');
    expect(statements).toEqual(['begin', 'select 1', 'commit']);
    expect(releases).toEqual([undefined]);
  });

  it('rolls back and closes the connection when the work fails', async () => {
    const { client, statements, releases } = fakeClient();
    const transaction = poolTransaction({ connect: async () => client });
    const refused = new Error('refused');
    await expect(
      transaction(async () => {
        throw refused;
      }),
    ).rejects.toBe(refused);
    expect(statements).toEqual(['begin', 'rollback']);
    expect(releases).toEqual([refused]);
  });
});
