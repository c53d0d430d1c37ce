/**
 * `npm run bench -- --scenario deadlines [--deadlines N] [--due 10,100,1000]`: the deadline clock
 * with many open deadlines (issue 25). It fills a fresh database with N open deadlines in one
 * `generate_series` statement (default 1,000,000; `--smoke` 20,000), all due far in the future,
 * then for each due count K makes K of them due and times one clock pass that fires them (claim
 * FOR UPDATE SKIP LOCKED, emit K deadline.missed through the real intake path, record) — and an
 * empty pass — to show the cost follows what is due, not what is open. The claim's plan is printed.
 * Bounded: one insert, a few passes, the database dropped at the end.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { loadContracts } from '../src/routing/index.js';
import type { Dispatcher } from '../src/queue/index.js';
import { openDatabase } from '../src/store/index.js';
import { resultRows } from '../src/store/db.js';
import { DeadlineClock } from '../src/workers/deadline-clock.js';
import { createDatabase, databaseUrl, dropDatabase } from './services.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

export async function runDeadlinesBench(): Promise<void> {
  const smoke = process.argv.includes('--smoke');
  const total = Number(arg('deadlines') ?? (smoke ? 20_000 : 1_000_000));
  const dues = (arg('due') ?? (smoke ? '10,100' : '10,100,1000')).split(',').map(Number);
  if (!Number.isInteger(total) || total < 1000 || total > 5_000_000) throw new Error('--deadlines: 1000..5000000');
  if (dues.some((k) => !Number.isInteger(k) || k < 1 || k > 10_000)) throw new Error('--due: counts of 1..10000');
  const log = (line: string) => process.stderr.write(`[bench deadlines] ${line}\n`);
  const name = `wasla_bench_deadlines_${Date.now()}`;
  await createDatabase(name);
  const database = await openDatabase({ databaseUrl: databaseUrl(name), poolSize: 4 });
  try {
    const db = database.db;
    const repo = fileURLToPath(new URL('..', import.meta.url));
    const contracts = loadContracts(join(repo, 'contracts'), { env: {} });
    const dispatcher = { kind: 'in-process', dispatch: async () => {} } as unknown as Dispatcher;
    const clock = new DeadlineClock({ db, contracts: () => contracts, dispatcher, log: pino({ level: 'silent' }), indexSecret: new Uint8Array(32), intervalMs: 60_000, batch: 200 });
    // one starting message all the deadlines point to (the foreign key), as a fine from the ministry
    await db.execute(sql`insert into messages (id, sender, type, version, classification, envelope, routing, received_at)
      values ('01890000-0000-7000-8000-00000000b001', 'ps.mot', 'traffic-fine.issued', '1.1', 'public', '{}', '{}', now())`);
    let t = performance.now();
    await db.execute(sql`insert into deadlines (id, agreement, expectation, kind, correlation_key, case_ref, started_by, classification, notify, state,
        due_at, warn_at, fire_at, created_at, updated_at)
      select gen_random_uuid(), 'deadlines', 'fine-unpaid-' || g, 'by', 'TF-' || g, null, '01890000-0000-7000-8000-00000000b001', 'public',
        '["ps.mot"]', 'open', now() + interval '10 years' + g * interval '1 second', null, now() + interval '10 years' + g * interval '1 second', now(), now()
      from generate_series(1, ${total}) g`);
    await db.execute(sql`analyze deadlines`);
    const insertMs = performance.now() - t;
    log(`${total.toLocaleString('en')} open deadlines inserted in ${(insertMs / 1000).toFixed(1)} s`);
    const plan = resultRows<{ 'QUERY PLAN': string }>(
      await db.execute(sql`explain (analyze, buffers, costs off) select d.* from deadlines d join messages m on m.id = d.started_by
        where d.state in ('open', 'warned') and d.fire_at <= now() order by d.fire_at limit 200 for update of d skip locked`),
    ).map((r) => r['QUERY PLAN']);
    t = performance.now();
    await clock.tick();
    const emptyMs = performance.now() - t;
    const rows: Array<{ due: number; ms: number; fired: number }> = [];
    let offset = 0;
    for (const k of dues) {
      // make K of them due now (a past fire time): the earliest K not fired yet
      await db.execute(sql`update deadlines set fire_at = now() - interval '1 minute', due_at = now() - interval '1 minute'
        where id in (select id from deadlines where state = 'open' order by fire_at limit ${k})`);
      t = performance.now();
      const fired = await clock.tick();
      rows.push({ due: k, ms: performance.now() - t, fired: fired.missed });
      offset += k;
    }
    const lines = [
      `bench deadlines: ${total.toLocaleString('en')} open deadlines (inserted in ${(insertMs / 1000).toFixed(1)} s); empty pass ${emptyMs.toFixed(1)} ms`,
      ...rows.map(
        (r) =>
          `  ${r.due} due: pass ${r.ms.toFixed(0)} ms, ${r.fired} fired, ${(r.ms / Math.max(1, r.fired)).toFixed(2)} ms a deadline (each a deadline.missed committed with its deliveries and audit entries)`,
      ),
      '  claim plan (nothing due):',
      ...plan.map((p) => `    ${p}`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    void offset;
  } finally {
    await database.close();
    await dropDatabase(name);
  }
}
