/**
 * Transactions on a node-postgres pool that always give their connection back.
 *
 * drizzle-orm 0.45's node-postgres `transaction` checks a connection out and sends BEGIN before the
 * try/finally that releases it: a connection lost between the two (PostgreSQL restarting, a proxy
 * cutting it) was never given back. `pool.end()` then waited for it forever — a hub that would not
 * stop after its database dropped the connections — and enough such losses would empty the pool.
 * Here the connection is checked out and given back by us, and drizzle runs the transaction on that
 * one client (on a single client it checks nothing out itself). After a failed transaction the
 * connection is closed, not reused: drizzle's ROLLBACK may have failed as well, and a connection
 * still inside a transaction must not serve anyone else. Upstream: drizzle-team/drizzle-orm#6023,
 * #6114, #6241 (open as of 0.45.4); drop this once a release moves BEGIN inside the try.
 */
import { drizzle } from 'drizzle-orm/node-postgres';
import type { PoolClient } from 'pg';
import type { Db } from './db-types.js';

export function poolTransaction(pool: { connect(): Promise<PoolClient> }): Db['transaction'] {
  return (async (fn: Parameters<Db['transaction']>[0], config?: Parameters<Db['transaction']>[1]) => {
    const client = await pool.connect();
    let failure: Error | undefined;
    try {
      // no schema: the relational query builder is not used inside transactions, and building it
      // costs about 30 µs a call
      return await (drizzle(client) as unknown as Db).transaction(fn, config);
    } catch (err) {
      failure = err instanceof Error ? err : new Error(String(err));
      throw err;
    } finally {
      client.release(failure);
    }
  }) as Db['transaction'];
}
