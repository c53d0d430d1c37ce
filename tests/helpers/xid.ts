/**
 * Moving a database server's transaction counter forward by spending transaction ids, for tests
 * that must cross a given number (PGlite, where nothing else shares the counter). Each
 * subtransaction that writes takes an id of its own, so one DO block spends any number of them at
 * a few microseconds each.
 */
import { sql } from 'drizzle-orm';
import { resultRows, type Db } from '../../src/store/db.js';

async function current(db: Db): Promise<bigint> {
  const [r] = resultRows<{ x: string }>(await db.execute(sql`select pg_current_xact_id()::text as x`));
  return BigInt(r.x);
}

/** Spend transaction ids until `next` is the id the next transaction gets; throws if that cannot be done. */
export async function spendTransactionIdsUntil(db: Db, next: bigint): Promise<void> {
  await db.execute(sql`create table if not exists xid_spender (x int)`);
  // this statement takes an id: `cur` is the newest
  const cur = await current(db);
  if (next - cur < 3n) throw new Error(`the transaction counter is at ${cur}: too close to ${next} or past it`);
  // the DO block's transaction takes cur + 1, its subtransactions the ids after it, and the check
  // below takes next - 1
  const spend = next - cur - 3n;
  if (spend > 0n) {
    await db.execute(
      sql.raw(`do $$ begin
      for i in 1..${spend} loop
        begin insert into xid_spender values (i); raise exception 'spent'; exception when others then null; end;
      end loop; end $$`),
    );
  } else {
    await db.execute(sql`insert into xid_spender values (0)`);
  }
  const last = await current(db);
  if (last !== next - 1n) throw new Error(`the counter went to ${last + 1n}, not ${next}`);
}
