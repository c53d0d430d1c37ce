/**
 * The XML scenario (issue 22): XML intake and XML delivery beside JSON, in one run, on one hub.
 *
 * - intake: the judicial police send N execution reports (warrant.executed), signed, C in flight,
 *   first as the CloudEvents JSON envelope, then as the XML document of the mapping; each reaches
 *   a court (JSON), so both phases differ only in how the hub reads the request;
 * - delivery: a court sends N warrants (JSON) whose judicial-police delivery is encoded as JSON
 *   (police on json-http) and then, on a second hub over a contract set with the police on
 *   xml-http, as XML; measured from the first send to the last delivery the receiver verified.
 *
 * The receiver is a real HTTP server on 127.0.0.1 that verifies every hub signature with the SDK
 * and signs receipts. Embedded mode (PGlite) by default; `--server` uses this machine's PostgreSQL
 * (a database of its own, dropped after) and Redis (its own key prefix, deleted after).
 * Bounded: N messages per phase (default 300, at most 5,000), a 120 s timeout per phase.
 * Run: npx tsx bench/xml.ts [--messages N] [--concurrency C] [--server]   (or npm run bench:xml)
 * Prints one table and a `bench-xml:` line with the XML/JSON ratios; asserts nothing about speed.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { startHub, type Hub } from '../src/hub.js';
import { createLogger } from '../src/log.js';
import { endpointEnv, envelope, example } from '../tests/helpers/contracts.js';
import { sharedFederation, signedFetch } from '../tests/helpers/federation.js';
import { ok, startReceiver, type Receiver } from '../tests/helpers/receiver.js';
import { contractsWithXmlRecipient, XML_POLICE } from '../tests/helpers/xml-contracts.js';
import { adapterFor } from '../src/adapters/index.js';
import { readEnvelope } from '../src/intake/envelope.js';
import { parseStrictJson } from '../src/intake/strict-json.js';
import { loadContracts } from '../src/routing/index.js';
import { ensureHubCertificate } from '../src/trust/index.js';
import { deliverySigner } from '../src/workers/delivery-signing.js';
import { createDatabase, databaseUrl, deleteRedisKeys, dropDatabase, REDIS_URL } from './services.js';

function arg(name: string, dflt: number, max: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i < 0 ? dflt : Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 1 || v > max) throw new Error(`--${name}: expected 1..${max}`);
  return v;
}
const N = arg('messages', 300, 5000);
const C = arg('concurrency', 8, 64);
const server = process.argv.includes('--server');
const PHASE_TIMEOUT_MS = 120_000;
const COURT = 'ps.hjc.court.ramallah';
const log = (s: string) => process.stderr.write(`[bench-xml] ${s}\n`);

const reportXml = readFileSync('tests/fixtures/mappings/warrant.executed-1/example-1.xml', 'utf8');
const reportJson = JSON.parse(readFileSync('tests/fixtures/mappings/warrant.executed-1/example-1.json', 'utf8'));
const DATASCHEMA = 'https://wasla.dev/contracts/messages/warrant.executed/1.1.schema.json';

/** the i-th execution report, as JSON or XML: a distinct warrant number each */
function executionReport(i: number, as: 'json' | 'xml'): { body: string; contentType: string } {
  const number = `RAM-W-2026-${String(100000 + i)}`;
  if (as === 'xml') return { body: reportXml.replace('RAM-W-2026-00604', number), contentType: 'application/xml' };
  const body = JSON.stringify({ specversion: '1.0', type: 'warrant.executed', dataschema: DATASCHEMA, ...reportJson.envelope, data: { ...reportJson.data, warrantNumber: number } });
  return { body, contentType: 'application/cloudevents+json' };
}

function warrant(i: number): string {
  const base = example('warrant.issued', '2.0');
  return JSON.stringify(envelope('warrant.issued', '2.0', { ...base, warrantNumber: `W-BENCH-${i}`, issuingCourt: { ...base.issuingCourt, id: COURT }, executingAuthority: XML_POLICE }));
}

/** sends N requests, C in flight; resolves with the wall time and the ids accepted */
async function load(hub: Hub, sender: string, make: (i: number) => { body: string; contentType: string }): Promise<{ ms: number; ids: string[] }> {
  const ids: string[] = [];
  let next = 0;
  const t0 = performance.now();
  const deadline = Date.now() + PHASE_TIMEOUT_MS;
  await Promise.all(
    Array.from({ length: C }, async () => {
      while (next < N && Date.now() < deadline) {
        const m = make(next++);
        const res = await signedFetch(`${hub.url}/v1/messages`, { method: 'POST', headers: { 'content-type': m.contentType }, body: m.body }, sender);
        const answer = (await res.json()) as { id?: string; type?: string };
        if (res.status !== 202) throw new Error(`intake answered ${res.status}: ${JSON.stringify(answer)}`);
        ids.push(answer.id!);
      }
    }),
  );
  if (ids.length < N) throw new Error(`only ${ids.length} of ${N} accepted within ${PHASE_TIMEOUT_MS} ms`);
  return { ms: performance.now() - t0, ids };
}

async function waitForArrivals(receiver: Receiver, institution: string, count: number): Promise<number> {
  const deadline = Date.now() + PHASE_TIMEOUT_MS;
  for (;;) {
    const got = new Set(receiver.arrivals.filter((a) => a.institution === institution).map((a) => a.deliveryId)).size;
    if (got >= count) return performance.now();
    if (Date.now() > deadline) throw new Error(`${institution}: ${got} of ${count} deliveries within ${PHASE_TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The formats alone, without the hub around them: CPU per message to read an inbound document
 * (strict JSON vs hostile-XML reader + mapping) and to encode and sign one delivery.
 */
function codec(rows: Array<{ phase: string; format: string; perS: number; ms: number }>): void {
  const contracts = loadContracts(contractsWithXmlRecipient());
  const fed = sharedFederation();
  const hubKey = ensureHubCertificate(fed.pkiDir);
  const sign = deliverySigner({ keyPem: hubKey.keyPem, serial: hubKey.serial });
  const police = contracts.institution(XML_POLICE)!;
  const ex = JSON.parse(readFileSync('tests/fixtures/adapters/xml-http/warrant-1.message.json', 'utf8'));
  const ITER = Math.min(20 * N, 5000);
  const time = (fn: () => void) => {
    for (let i = 0; i < 200; i++) fn();
    const t0 = performance.now();
    for (let i = 0; i < ITER; i++) fn();
    return performance.now() - t0;
  };
  for (const as of ['json', 'xml'] as const) {
    const adapter = adapterFor(as === 'json' ? 'json-http' : 'xml-http')!;
    const doc = executionReport(0, as);
    const bytes = Buffer.from(doc.body);
    const ctx = { mappings: contracts.mappings, mediaType: doc.contentType, maxBytes: 1 << 20, strictJson: (b: Buffer) => parseStrictJson(b) };
    const read = time(() => readEnvelope(adapter.parseInbound(bytes, ctx), XML_POLICE));
    rows.push({ phase: 'read (codec only)', format: as, ms: read, perS: (ITER * 1000) / read });
    const enc = time(() => sign(adapter.encode({ ...ex, attempt: 1 }, police, { mappings: contracts.mappings })));
    rows.push({ phase: 'encode+sign (codec only)', format: as, ms: enc, perS: (ITER * 1000) / enc });
  }
}

interface Place {
  env: Record<string, string>;
  prefix?: string;
  cleanup(): Promise<void>;
}

async function place(name: string): Promise<Place> {
  if (server) {
    const db = `wasla_bench_xml_${Date.now()}_${name}`;
    await createDatabase(db);
    const prefix = `bench-xml-${Date.now()}-${name}`;
    return {
      env: { DATABASE_URL: databaseUrl(db), REDIS_URL },
      prefix,
      async cleanup() {
        await deleteRedisKeys(`${prefix}:*`);
        await dropDatabase(db);
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'wasla-bench-xml-'));
  return { env: { WASLA_DATA_DIR: dir }, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
}

async function withHub<T>(name: string, contractsDir: string | undefined, receiver: Receiver, fn: (hub: Hub) => Promise<T>): Promise<T> {
  const p = await place(name);
  const config = loadConfig({
    WASLA_PORT: '0',
    WASLA_WORKER_PORT: '0',
    WASLA_HOST: '127.0.0.1',
    WASLA_LOG_LEVEL: 'silent',
    WASLA_PKI_DIR: sharedFederation().pkiDir,
    ...(contractsDir ? { WASLA_CONTRACTS_DIR: contractsDir } : {}),
    ...p.env,
  });
  const hub = await startHub({ config, log: createLogger('silent'), queuePrefix: p.prefix, contractsEnv: { ...process.env, ...endpointEnv(receiver.url) } });
  try {
    return await fn(hub);
  } finally {
    await hub.stop();
    await p.cleanup();
  }
}

async function main(): Promise<void> {
  log(`${N} messages a phase, ${C} in flight, ${server ? 'server mode (PostgreSQL + Redis)' : 'embedded mode (PGlite)'}; the machine may be shared`);
  const receiver = await startReceiver(ok);
  const rows: Array<{ phase: string; format: string; perS: number; ms: number }> = [];
  try {
    // intake, JSON then XML, on one hub whose police speak XML (the courts receive JSON either way)
    await withHub('intake', contractsWithXmlRecipient(), receiver, async (hub) => {
      await load(hub, XML_POLICE, (i) => executionReport(N + i, 'json')); // warm-up: the same path once
      for (const as of ['json', 'xml'] as const) {
        const r = await load(hub, XML_POLICE, (i) => executionReport((as === 'json' ? 2 : 3) * N + i, as));
        rows.push({ phase: 'intake', format: as, ms: r.ms, perS: (N * 1000) / r.ms });
        log(`intake ${as}: ${N} in ${r.ms.toFixed(0)} ms`);
      }
    });
    // delivery to the police: JSON (json-http) on one hub, XML (xml-http) on another
    for (const [as, dir] of [
      ['json', undefined],
      ['xml', contractsWithXmlRecipient()],
    ] as const) {
      await withHub(`delivery-${as}`, dir, receiver, async (hub) => {
        // warm-up: the same path, waited for, before the clock starts
        const warm = new Set(receiver.arrivals.filter((a) => a.institution === XML_POLICE).map((a) => a.deliveryId)).size;
        await load(hub, COURT, (i) => ({ body: warrant(10 * N + i), contentType: 'application/cloudevents+json' }));
        await waitForArrivals(receiver, XML_POLICE, warm + N);
        const before = new Set(receiver.arrivals.filter((a) => a.institution === XML_POLICE).map((a) => a.deliveryId)).size;
        const t0 = performance.now();
        await load(hub, COURT, (i) => ({ body: warrant(i), contentType: 'application/cloudevents+json' }));
        const t1 = await waitForArrivals(receiver, XML_POLICE, before + N);
        const kinds = new Set(
          receiver.arrivals
            .filter((a) => a.institution === XML_POLICE)
            .slice(before)
            .map((a) => String(a.headers['content-type']).split(';')[0]),
        );
        rows.push({ phase: 'delivery', format: as, ms: t1 - t0, perS: (N * 1000) / (t1 - t0) });
        log(`delivery ${as} (${[...kinds].join(', ')}): ${N} in ${(t1 - t0).toFixed(0)} ms`);
      });
    }
    codec(rows);
    if (receiver.rejected.length) throw new Error(`${receiver.rejected.length} deliveries failed the receiver's signature check: ${receiver.rejected[0].reason}`);
  } finally {
    await receiver.close();
  }
  const ratio = (phase: string) => rows.find((r) => r.phase === phase && r.format === 'xml')!.perS / rows.find((r) => r.phase === phase && r.format === 'json')!.perS;
  process.stdout.write('| phase | format | messages/s | ms |\n|---|---|---|---|\n');
  for (const r of rows) process.stdout.write(`| ${r.phase} | ${r.format} | ${r.perS.toFixed(0)} | ${r.ms.toFixed(0)} |\n`);
  process.stdout.write(
    `bench-xml: intake xml/json ${ratio('intake').toFixed(2)}, delivery xml/json ${ratio('delivery').toFixed(2)}; codec only: read ${ratio('read (codec only)').toFixed(2)}, encode+sign ${ratio('encode+sign (codec only)').toFixed(2)} (${N} messages, ${C} in flight, ${server ? 'server' : 'embedded'})\n`,
  );
}

main().then(
  () => process.exit(0),
  (err) => {
    log(`failed: ${(err as Error).stack ?? err}`);
    process.exit(1);
  },
);
