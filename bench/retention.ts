/**
 * `npm run bench -- --scenario retention [--old N] [--messages M] [--smoke]`: intake with a purge
 * running beside it (issue 26.7). A fresh database holds N warrants received eleven years ago, past
 * their ten-year period, each delivered (default 200,000; `--smoke` 5,000). Then M warrants go
 * through the real intake path (acceptMessage: validation, routing, the case index, the commit;
 * no HTTP, no signature), 8 at a time, twice: alone, then while a purge loop takes batches of 100
 * (the sweeper's batch) back to back. It prints the intake rate of each phase, how many payloads
 * the loop purged and the purge's own rate. Bounded: one insert, two phases, the database dropped.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { acceptMessage } from '../src/intake/accept.js';
import { loadContracts, purgeRules } from '../src/routing/index.js';
import type { Dispatcher } from '../src/queue/index.js';
import { openDatabase, purgePayloads } from '../src/store/index.js';
import { createDatabase, databaseUrl, dropDatabase } from './services.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

const COURT = 'ps.hjc.court.ramallah';

export async function runRetentionBench(): Promise<void> {
  const smoke = process.argv.includes('--smoke');
  const old = Number(arg('old') ?? (smoke ? 5_000 : 200_000));
  let count = Number(arg('messages') ?? (smoke ? 400 : 4_000));
  if (!Number.isInteger(old) || old < 100 || old > 5_000_000) throw new Error('--old: 100..5000000');
  if (!Number.isInteger(count) || count < 50 || count > 100_000) throw new Error('--messages: 50..100000');
  const log = (line: string) => process.stderr.write(`[bench retention] ${line}\n`);
  const name = `wasla_bench_retention_${Date.now()}`;
  await createDatabase(name);
  const database = await openDatabase({ databaseUrl: databaseUrl(name), poolSize: 10 });
  try {
    const db = database.db;
    const repo = fileURLToPath(new URL('..', import.meta.url));
    const contracts = loadContracts(join(repo, 'contracts'), { env: {} });
    const schema = contracts.catalogue.get('warrant.issued', '2.0') as { examples: Array<Record<string, any>> };
    const example = schema.examples[0];
    const data = { ...example, issuingCourt: { ...example.issuingCourt, id: COURT }, executingAuthority: 'ps.police.judicial' };
    const envelope = (n: number) => ({
      specversion: '1.0',
      type: 'warrant.issued',
      dataschema: 'https://wasla.dev/contracts/messages/warrant.issued/2.0.schema.json',
      data: { ...data, warrantNumber: `BENCH-W-${n}` },
    });

    let t = performance.now();
    const stored = JSON.stringify({ ...envelope(0), id: '00000000-0000-0000-0000-000000000000', source: COURT, time: new Date().toISOString(), classification: 'public' });
    await db.execute(sql`insert into messages (id, sender, type, version, classification, envelope, routing, received_at)
      select ('00000000-0000-7000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, ${COURT}, 'warrant.issued', '2.0', 'public', ${stored}::json, '{}'::jsonb,
        now() - interval '11 years' + g * interval '1 millisecond'
      from generate_series(1, ${old}) g`);
    await db.execute(sql`insert into deliveries (id, message_id, recipient, agreement, grant_id, major, fields, retry, state, attempts, delivered_at, created_at, updated_at)
      select gen_random_uuid(), id, 'ps.police.judicial', 'warrants-courts-police', 'bench', 2, '["*"]', '{}', 'delivered', 1, now(), now(), now() from messages`);
    await db.execute(sql`analyze messages`);
    await db.execute(sql`analyze deliveries`);
    log(`${old.toLocaleString('en')} old delivered warrants inserted in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    const deps = {
      db,
      contracts: () => contracts,
      dispatcher: { kind: 'in-process', dispatch: async () => {} } as unknown as Dispatcher,
      log: pino({ level: 'silent' }),
      indexSecret: new Uint8Array(32).fill(7),
    };
    let sent = 0;
    const intake = async (label: string) => {
      const start = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < count) {
            next += 1;
            sent += 1;
            await acceptMessage(deps, { sender: COURT, credential: 'bench', body: Buffer.from(JSON.stringify(envelope(sent))) });
          }
        }),
      );
      const s = (performance.now() - start) / 1000;
      log(`${label}: ${count} messages in ${s.toFixed(2)} s, ${(count / s).toFixed(0)} msg/s`);
      return count / s;
    };

    // warm up first (JIT, the catalogue's validators, PostgreSQL's caches): the smoke run's first
    // phase, cold, came out slower than the second one with the purge beside it
    const measured = count;
    count = Math.min(200, count);
    await intake('warm-up');
    count = measured;
    const alone = await intake('intake alone');
    let purging = true;
    let purged = 0;
    let purgeMs = 0;
    const rules = purgeRules(contracts.retention!, contracts.catalogue, new Date());
    const loop = (async () => {
      while (purging) {
        t = performance.now();
        const batch = await purgePayloads(db, { rules, limit: 100, actor: 'bench:retention' });
        purgeMs += performance.now() - t;
        purged += batch.length;
        if (batch.length === 0) break;
      }
    })();
    const beside = await intake('intake beside the purge');
    purging = false;
    await loop;
    log(`purge: ${purged.toLocaleString('en')} payloads in ${(purgeMs / 1000).toFixed(2)} s of batches, ${(purged / (purgeMs / 1000)).toFixed(0)} purged/s`);
    process.stdout.write(
      `bench: retention: intake ${alone.toFixed(0)} msg/s alone, ${beside.toFixed(0)} msg/s beside a purge of batches of 100 (${((beside / alone) * 100).toFixed(0)}%); ${purged} payloads purged meanwhile\n`,
    );
  } finally {
    await database.close();
    await dropDatabase(name);
  }
}
