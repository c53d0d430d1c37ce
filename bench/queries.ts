/**
 * `npm run bench -- queries [--messages N] [--preload-seconds S] [--queries Q] [--intake M]`: the
 * cost of case queries (issue 24), on this machine's PostgreSQL, in its own database (dropped at
 * the end).
 *
 * 1. Preload: N traffic fines (default 1,000,000), each a `messages` row and its four index rows
 *    (fine number, plate, the driver's keyed national id, the issuer's case of nothing else), made
 *    by the server itself with generate_series in batches of 50,000, stopped early when
 *    --preload-seconds (default 300) is spent; the figure says how many were reached. Bulk rows
 *    carry a stand-in keyed value (sha256 in SQL), which no query asks for; the probes are real.
 * 2. Queries: Q runs (default 2,000) of traffic-fines through the query service over the store's
 *    index (StoreIndex), by plate (five fines each), by fine number and by keyed national id, over
 *    random preloaded keys; p50/p95/p99 per kind. No HTTP and no signature: the index's cost.
 * 3. Intake: M messages (default 2,000) prepared by intake's own prepareMessage and committed one
 *    at a time by commitMessages, alternately with their index rows and without (blocks of 100,
 *    ABAB, same run, same table sizes), so the ratio is the index's cost at intake.
 * Bounded in count and time; prints one JSON report and a `bench queries:` line.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { hubKeyResolver, query } from '../src/client/index.js';
import { loadConfig } from '../src/config.js';
import { startHub, type Hub } from '../src/hub.js';
import { prepareMessage } from '../src/intake/accept.js';
import { loadContracts } from '../src/routing/index.js';
import { queryService } from '../src/services/queries.js';
import { commitMessages, openDatabase, StoreIndex } from '../src/store/index.js';
import { initCa, issueToDir } from '../src/trust/index.js';
import { createDatabase, databaseUrl, deleteRedisKeys, dropDatabase, REDIS_URL } from './services.js';
import { summarize, wallMs } from './stats.js';

interface QueriesOptions {
  messages: number;
  preloadSeconds: number;
  queries: number;
  http: number;
  intake: number;
}

function parse(argv: string[]): QueriesOptions {
  const o: QueriesOptions = { messages: 1_000_000, preloadSeconds: 300, queries: 2000, http: 1000, intake: 2000 };
  const limits: Record<string, [keyof QueriesOptions, number, number]> = {
    '--messages': ['messages', 1000, 5_000_000],
    '--preload-seconds': ['preloadSeconds', 5, 3600],
    '--queries': ['queries', 10, 100_000],
    '--http': ['http', 0, 100_000],
    '--intake': ['intake', 200, 100_000],
  };
  for (let i = 0; i < argv.length; i += 2) {
    const spec = limits[argv[i]];
    const n = Number(argv[i + 1]);
    if (!spec || !Number.isInteger(n) || n < spec[1] || n > spec[2])
      throw new Error(`bench queries: ${argv[i]} ${argv[i + 1] ?? ''}: expected one of ${Object.keys(limits).join(', ')} with a whole number in its range`);
    o[spec[0]] = n;
  }
  return o;
}

const log = (line: string) => process.stderr.write(`[bench queries] ${line}\n`);
const MINISTRY = 'ps.mof';

/**
 * Runs `count` traffic-fines queries through a hub started on the preloaded database, as the
 * ministry would: signed with its key, answers verified against the hub certificate. One at a time,
 * so each figure is one query's wait. The hub, its PKI and its Redis keys are this run's own.
 */
async function overHttp(database: string, indexSecret: Buffer, loaded: number, count: number) {
  const tmp = mkdtempSync(join(tmpdir(), 'wasla-bench-queries-'));
  const prefix = `wasla-bench-queries-${Date.now()}`;
  let hub: Hub | undefined;
  try {
    const pkiDir = join(tmp, 'pki');
    const { caCertPem } = initCa(pkiDir, { commonName: 'Wasla bench CA', hubKeyType: 'ed25519' });
    const hubCertPem = readFileSync(join(pkiDir, 'hub.cert.pem'), 'utf8');
    const ministry = issueToDir(pkiDir, { institutionId: MINISTRY, keyType: 'ed25519' });
    const config = loadConfig({
      WASLA_PORT: '0',
      WASLA_WORKER_PORT: 'off',
      WASLA_HOST: '127.0.0.1',
      WASLA_PKI_DIR: pkiDir,
      WASLA_CONTRACTS_DIR: fileURLToPath(new URL('../contracts', import.meta.url)),
      WASLA_LOG_LEVEL: 'warn',
      WASLA_INDEX_SECRET: indexSecret.toString('base64'),
      DATABASE_URL: databaseUrl(database),
      REDIS_URL,
    });
    // the hub's log goes to stderr: stdout is the report
    hub = await startHub({ config, log: pino({ level: config.logLevel }, pino.destination(2)), queuePrefix: prefix });
    const opts = { hubUrl: hub.url!, key: ministry.keyPem!, keyid: ministry.serial, alg: 'ed25519' as const, hubKeys: hubKeyResolver(hubCertPem, [caCertPem]) };
    const samples: Record<'plate' | 'fine' | 'driver', number[]> = { plate: [], fine: [], driver: [] };
    const kinds = Object.keys(samples) as Array<keyof typeof samples>;
    let records = 0;
    for (let i = 0; i < count; i++) {
      const n = 1 + Math.floor(Math.random() * loaded);
      const kind = kinds[i % kinds.length];
      const params = kind === 'plate' ? { plate: `P-${Math.floor(n / PLATES_PER)}` } : kind === 'fine' ? { fine: `TF-B-${n}` } : { driver: '404112987' };
      const t = wallMs();
      const v = await query('traffic-fines', params, opts);
      samples[kind].push(wallMs() - t);
      records += v.answer.records.length;
    }
    return { all: summarize(kinds.flatMap((k) => samples[k])), ...Object.fromEntries(kinds.map((k) => [k, summarize(samples[k])])), recordsFound: records };
  } finally {
    await hub?.stop().catch((e: Error) => log(`stopping the hub: ${e.message}`));
    await deleteRedisKeys(`${prefix}:*`).catch(() => 0);
    rmSync(tmp, { recursive: true, force: true });
  }
}

const BATCH = 50_000;
const PLATES_PER = 5; // fines per plate

export async function main(argv: string[]): Promise<number> {
  const o = parse(argv);
  const repo = fileURLToPath(new URL('..', import.meta.url));
  const contracts = loadContracts(join(repo, 'contracts'), { env: {} });
  const indexSecret = randomBytes(32);
  const name = `wasla_bench_queries_${Date.now()}`;
  await createDatabase(name);
  const database = await openDatabase({ databaseUrl: databaseUrl(name), poolSize: 4 });
  try {
    const db = database.db;
    const example = contracts.catalogue.get('traffic-fine.issued', '1.1')!.examples as unknown[];
    // the sender is the example's own issuer: intake refuses a fine issued in another's name (issue 26)
    const sender = (example[0] as { issuedBy: string }).issuedBy;
    const template = JSON.stringify({ specversion: '1.0', type: 'traffic-fine.issued', time: '2026-03-18T17:22:41+02:00', data: example[0] });

    // 1. preload, bounded by count and time
    const t0 = wallMs();
    let loaded = 0;
    while (loaded < o.messages && wallMs() - t0 < o.preloadSeconds * 1000) {
      const from = loaded + 1;
      const to = Math.min(o.messages, loaded + BATCH);
      await db.execute(sql`insert into messages (id, sender, type, version, classification, envelope, routing, received_at)
        select (lpad(to_hex(i), 8, '0') || '-0000-7000-8000-000000000000')::uuid, ${sender}, 'traffic-fine.issued', '1.1', 'public',
          jsonb_set(jsonb_set(${template}::jsonb, '{data,fineNumber}', to_jsonb('TF-B-' || i)), '{data,vehicle,plate}', to_jsonb('P-' || (i / ${PLATES_PER})))::json,
          '{}'::jsonb, now()
        from generate_series(${from}::int, ${to}::int) as i`);
      await db.execute(sql`insert into case_index (kind, issuer, value, message_id, type, classification)
        select k.kind, '', k.value, (lpad(to_hex(i), 8, '0') || '-0000-7000-8000-000000000000')::uuid, 'traffic-fine.issued', 'public'
        from generate_series(${from}::int, ${to}::int) as i,
        lateral (values ('fine-number', 'TFB' || i), ('plate', 'P' || (i / ${PLATES_PER})),
          ('national-id', translate(encode(sha256(('id' || (i / ${PLATES_PER}))::bytea), 'base64'), '+/=', '-_')),
          ('person-name', translate(encode(sha256(('name' || i)::bytea), 'base64'), '+/=', '-_'))) as k(kind, value)`);
      loaded = to;
      if (loaded % 200_000 === 0 || loaded === o.messages) log(`preloaded ${loaded} messages in ${((wallMs() - t0) / 1000).toFixed(0)} s`);
    }
    const preloadS = (wallMs() - t0) / 1000;
    await db.execute(sql`analyze messages`);
    await db.execute(sql`analyze case_index`);
    log(`preloaded ${loaded} messages in ${preloadS.toFixed(0)} s${loaded < o.messages ? ` — stopped by --preload-seconds ${o.preloadSeconds}` : ''}`);

    // 2. queries through the service over the store's index; the server's own counters say whether
    // any of them scanned a table (pg_stat_user_tables.seq_scan), which none may
    const scans = async () => {
      await new Promise((r) => setTimeout(r, 1500)); // backends flush their statistics within a second
      const r = await db.execute(sql`select relname, seq_scan::int as seq, idx_scan::int as idx from pg_stat_user_tables where relname in ('messages', 'case_index')`);
      return Object.fromEntries((((r as any).rows ?? r) as Array<{ relname: string; seq: number; idx: number }>).map((x) => [x.relname, { seq: x.seq, idx: x.idx }]));
    };
    const before = await scans();
    const service = queryService({ contracts: () => contracts, audit: async () => {}, port: new StoreIndex(db), indexSecret, cursorSecret: randomBytes(32) });
    const who = { institution: MINISTRY, credential: 'bench' };
    const kinds = ['plate', 'fine', 'driver'] as const;
    const samples: Record<(typeof kinds)[number], number[]> = { plate: [], fine: [], driver: [] };
    let found = 0;
    for (let i = 0; i < o.queries; i++) {
      const n = 1 + Math.floor(Math.random() * loaded);
      const kind = kinds[i % kinds.length];
      const params = kind === 'plate' ? { plate: `P-${Math.floor(n / PLATES_PER)}` } : kind === 'fine' ? { fine: `TF-B-${n}` } : { driver: '404112987' };
      const t = wallMs();
      const answer = await service.run(who, 'traffic-fines', params);
      samples[kind].push(wallMs() - t);
      found += answer.records.length;
    }
    const after = await scans();
    const seqScans = Object.fromEntries(Object.keys(after).map((t) => [t, { seq: after[t].seq - (before[t]?.seq ?? 0), idx: after[t].idx - (before[t]?.idx ?? 0) }]));
    const q = Object.fromEntries(kinds.map((k) => [k, summarize(samples[k])]));
    // counted after the query phase, so that its own scan is not taken for one of theirs
    const rows = Number((((await db.execute(sql`select count(*)::int as n from case_index`)) as any).rows ?? [])[0]?.n ?? 0);
    const all = summarize(kinds.flatMap((k) => samples[k]));

    // 2b. the same queries as an institution runs them: over HTTP to a hub on this database, each
    // request signed (RFC 9421) and each answer's signature verified by the SDK — what a ministry
    // waits for, end to end, on one machine
    const http = o.http > 0 ? await overHttp(name, indexSecret, loaded, o.http) : undefined;

    // 3. intake with the index and without, alternating blocks, same run
    const fine = (i: number) => ({
      ...(example[0] as Record<string, unknown>),
      fineNumber: `TI-2026-${String(i).padStart(6, '0')}`,
      vehicle: { plate: `9-${String(i % 1000).padStart(4, '0')}-90`, country: 'PS' },
    });
    const times = { with: [] as number[], without: [] as number[] };
    for (let i = 0; i < o.intake; i++) {
      const withIndex = Math.floor(i / 100) % 2 === 0;
      const p = prepareMessage(contracts, { type: 'traffic-fine.issued', version: '1.1', classification: 'public', data: fine(i) }, { sender, credential: 'bench', bodySha256: '' }, indexSecret);
      const commit = withIndex ? p.commit : { ...p.commit, index: [] };
      const t = wallMs();
      await commitMessages(db, [commit]);
      (withIndex ? times.with : times.without).push(wallMs() - t);
    }
    const intake = { with: summarize(times.with), without: summarize(times.without) };
    const ratio = intake.with.mean / intake.without.mean;
    // the median is less at the mercy of a busy machine's stalls than the mean
    const medianRatio = intake.with.p50 / intake.without.p50;

    const report = {
      messages: loaded,
      target: o.messages,
      indexRows: rows,
      preloadSeconds: Math.round(preloadS),
      queries: { all, ...q, recordsFound: found, scans: seqScans },
      ...(http && { http }),
      intake: { ...intake, ratio },
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(
      `bench queries: ${loaded} messages (${rows} index rows); query p50 ${all.p50.toFixed(2)} ms p99 ${all.p99.toFixed(2)} ms over ${o.queries} (sequential scans: messages ${seqScans.messages?.seq ?? '?'}, case_index ${seqScans.case_index?.seq ?? '?'}); ${http ? `over signed HTTP p50 ${http.all.p50.toFixed(2)} ms p99 ${http.all.p99.toFixed(2)} ms over ${http.all.count}; ` : ''}intake commit mean ${intake.with.mean.toFixed(2)} ms with the index, ${intake.without.mean.toFixed(2)} ms without (×${ratio.toFixed(3)}; medians ×${medianRatio.toFixed(3)})\n`,
    );
    return 0;
  } finally {
    await database.close().catch(() => {});
    await dropDatabase(name).catch((e) => log(`could not drop ${name}: ${(e as Error).message}`));
  }
}
