/**
 * Statistics for a young `deliveries` table, so that the hot statements keep index plans.
 *
 * The claim and the attempt record are prepared once per connection (db.ts, executePrepared), and
 * PostgreSQL keeps a prepared statement's generic plan until the table's statistics change. On a
 * new database that plan is made while `deliveries` is nearly empty, where reading the whole table
 * is cheaper than the primary key, and nothing replaces it until autovacuum first analyzes the table:
 * up to a minute (`autovacuum_naptime`) later, or longer, since it waits for 10 % of the rows to
 * change. Meanwhile every claim and every record reads the whole table (measured: 30,000 rows,
 * 2.5 ms a statement instead of 0.1 ms; a new hub under load reaches that in under a minute).
 *
 * So, while the table is young, the sweeper analyzes it each time it has changed by as many rows
 * as it holds; each ANALYZE invalidates the cached plans, and the next execution is planned on the
 * true size. Past 100,000 rows autovacuum's own schedule is enough: a plan made at that size uses
 * the primary key, and stays right as the table grows. ANALYZE takes no lock that blocks writes.
 * A role that does not own the table cannot analyze it, and is not asked to.
 */
import { sql } from 'drizzle-orm';
import { resultRows, type Db } from './db.js';

/** below this many rows (as last analyzed) the table counts as young */
const YOUNG_ROWS = 100_000;
/** changes since the last analysis below which a young table is left alone */
const MIN_CHANGES = 1_000;

/** Analyzes `deliveries` when it is young and has changed by its own size; returns whether it did. */
export async function analyzeIfYoung(db: Db): Promise<boolean> {
  const [due] = resultRows<{ due: boolean }>(
    await db.execute(sql`
    select c.reltuples < ${YOUNG_ROWS} and s.n_mod_since_analyze >= greatest(${MIN_CHANGES}, c.reltuples)
      and pg_has_role(c.relowner, 'USAGE') as due
    from pg_class c join pg_stat_user_tables s on s.relid = c.oid
    where c.oid = to_regclass('deliveries')`),
  );
  if (!due?.due) return false;
  // another hub process analyzing it at the same moment is enough: skip rather than queue behind it
  await db.execute(sql`analyze (skip_locked) deliveries`);
  return true;
}
