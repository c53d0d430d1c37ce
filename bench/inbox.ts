/**
 * `npm run bench:inbox`: deliveries per second through the pull inbox (issue 22), and how long a
 * delivery takes from the sender's 202 to the pulling institution's handler.
 *
 * One hub in this process (server mode on this machine's PostgreSQL and Redis, or `--embedded`),
 * the demo contracts with the judicial police pulling. The court sends `--messages` warrants with
 * `--concurrency` requests in flight while `--pullers` SDK loops (pullDeliveries: verify every
 * delivery, acknowledge it with a signed receipt) long-poll the inbox with `--limit`. Every request
 * is signed. Bounded: it stops at the last acknowledgement or after `--timeout` seconds, whichever
 * comes first, and then stops the hub, drops the database it created and deletes its Redis keys.
 * Ends with one `bench inbox: …` line; exits 1 if a delivery was not acknowledged.
 */
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pullDeliveries, signPlainRequest } from '../src/client/index.js';
import { loadConfig } from '../src/config.js';
import { startHub, type Hub } from '../src/hub.js';
import { createLogger } from '../src/log.js';
import { initCa, issueToDir } from '../src/trust/index.js';
import { createDatabase, databaseUrl, deleteRedisKeys, dropDatabase, REDIS_URL } from './services.js';

const { values: a } = parseArgs({
  options: {
    messages: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '16' },
    pullers: { type: 'string', default: '2' },
    limit: { type: 'string', default: '50' },
    timeout: { type: 'string', default: '120' },
    embedded: { type: 'boolean', default: false },
    backlog: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (a.help) {
  process.stdout.write(
    `npm run bench:inbox -- [--messages N (2000)] [--concurrency C (16)] [--pullers P (2)] [--limit L (50)] [--timeout S (120)] [--embedded] [--backlog: send every message first, then drain the inbox]\n`,
  );
  process.exit(0);
}
const int = (name: string, v: string | undefined, min: number, max: number) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name}: a whole number ${min}..${max}`);
  return n;
};
const MESSAGES = int('messages', a.messages, 1, 200_000);
const CONCURRENCY = int('concurrency', a.concurrency, 1, 256);
const PULLERS = int('pullers', a.pullers, 1, 32);
const LIMIT = int('limit', a.limit, 1, 100);
const TIMEOUT_S = int('timeout', a.timeout, 5, 3600);

const COURT = 'ps.hjc.court.ramallah';
const POLICE = 'ps.police.judicial';
const log = (line: string) => process.stderr.write(`[bench inbox] ${line}\n`);

const tmp = mkdtempSync(join(tmpdir(), 'wasla-bench-inbox-'));
const runId = String(Date.now());
const database = `wasla_bench_inbox_${runId}`;
const prefix = `wasla-bench-inbox-${runId}`;

/** the demo contracts, the judicial police pulling */
function contracts(): string {
  const dir = join(tmp, 'contracts');
  cpSync(resolve('contracts'), dir, { recursive: true });
  const file = join(dir, 'institutions', `${POLICE}.json`);
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  doc.delivery = 'pull';
  delete doc.endpoints;
  writeFileSync(file, JSON.stringify(doc, null, 2));
  return dir;
}

function warrantBody(n: number): string {
  const base = JSON.parse(readFileSync(resolve('contracts/messages/warrant.issued/2.0.schema.json'), 'utf8')).examples[0];
  const data = { ...base, warrantNumber: `W-BENCH-${n}`, issuingCourt: { ...base.issuingCourt, id: COURT }, executingAuthority: POLICE };
  return JSON.stringify({ specversion: '1.0', type: 'warrant.issued', dataschema: 'https://wasla.dev/contracts/messages/warrant.issued/2.0.schema.json', data });
}

const pct = (xs: number[], p: number) => (xs.length ? [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] : Number.NaN);

async function main(): Promise<number> {
  const pkiDir = join(tmp, 'pki');
  const { caCertPem } = initCa(pkiDir, { commonName: 'Wasla bench CA', hubKeyType: 'ed25519' });
  const hubCertPem = readFileSync(join(pkiDir, 'hub.cert.pem'), 'utf8');
  const court = issueToDir(pkiDir, { institutionId: COURT, keyType: 'ed25519' });
  const police = issueToDir(pkiDir, { institutionId: POLICE, keyType: 'ed25519' });

  const env: Record<string, string> = {
    WASLA_PORT: '0',
    WASLA_WORKER_PORT: 'off',
    WASLA_HOST: '127.0.0.1',
    WASLA_PKI_DIR: pkiDir,
    WASLA_CONTRACTS_DIR: contracts(),
    WASLA_LOG_LEVEL: 'warn',
    WASLA_INTAKE_BACKLOG_LIMIT: '0',
    WASLA_INBOX_MAX_WAIT_S: '5',
  };
  if (a.embedded) env.WASLA_DATA_DIR = join(tmp, 'data');
  else {
    await createDatabase(database);
    env.DATABASE_URL = databaseUrl(database);
    env.REDIS_URL = REDIS_URL;
  }
  const config = loadConfig(env);
  let hub: Hub | undefined;
  try {
    hub = await startHub({ config, log: createLogger(config.logLevel), queuePrefix: prefix });
    log(`hub in ${config.mode} mode at ${hub.url}; ${MESSAGES} warrants, ${CONCURRENCY} in flight, ${PULLERS} pullers of up to ${LIMIT}`);

    const acceptedAt = new Map<string, number>();
    const latencies: number[] = [];
    const seen = new Set<string>();
    const controller = new AbortController();
    const deadline = setTimeout(() => controller.abort(), TIMEOUT_S * 1000);
    const t0 = performance.now();
    let pullStart = t0;
    let lastAck = t0;
    const creds = { hubUrl: hub.url!, key: police.keyPem!, keyid: police.serial, alg: 'ed25519' as const, hub: hubCertPem, caCertPems: [caCertPem] };
    const startPullers = () =>
      Array.from({ length: PULLERS }, () =>
        pullDeliveries(
          creds,
          async (d) => {
            const at = acceptedAt.get(d.messageId);
            if (at !== undefined) latencies.push(performance.now() - at);
            seen.add(d.deliveryId);
            lastAck = performance.now();
            if (seen.size >= MESSAGES) controller.abort();
          },
          { limit: LIMIT, wait: 5, signal: controller.signal, onError: (err) => log(`puller: ${err.message}`) },
        ).catch((err: Error) => {
          if (!controller.signal.aborted) log(`puller stopped: ${err.message}`);
          return { pulled: 0, acknowledged: 0, rejected: 0, failed: 0 };
        }),
      );

    let pullers = a.backlog ? [] : startPullers();
    let next = 0;
    let refused = 0;
    const courtKey = court.keyPem!;
    const sender = async () => {
      while (next < MESSAGES && !controller.signal.aborted) {
        const n = next++;
        const url = `${hub!.url}/v1/messages`;
        const body = warrantBody(n);
        const headers = signPlainRequest(
          { method: 'POST', url, headers: { 'content-type': 'application/cloudevents+json' }, body: Buffer.from(body) },
          { key: courtKey, keyid: court.serial, alg: 'ed25519', nonce: randomUUID() },
        ).headers;
        const res = await fetch(url, { method: 'POST', headers, body });
        const json = (await res.json()) as { id?: string };
        if (res.status === 202 && json.id) acceptedAt.set(json.id, performance.now());
        else refused++;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, sender));
    const intakeS = (performance.now() - t0) / 1000;
    log(`intake done: ${acceptedAt.size} accepted in ${intakeS.toFixed(1)} s (${(acceptedAt.size / intakeS).toFixed(0)}/s), ${refused} refused`);
    if (a.backlog) {
      pullStart = performance.now();
      pullers = startPullers();
    }
    const sums = await Promise.all(pullers);
    clearTimeout(deadline);
    const totalS = (lastAck - pullStart) / 1000;
    const acknowledged = sums.reduce((s, x) => s + x.acknowledged, 0);
    const line =
      `bench inbox (${config.mode}${a.backlog ? ', backlog drained' : ''}): ${seen.size}/${acceptedAt.size} deliveries through the inbox in ${totalS.toFixed(1)} s = ` +
      `${(seen.size / totalS).toFixed(0)}/s (intake ${(acceptedAt.size / intakeS).toFixed(0)} msg/s); 202 -> handler p50 ${pct(latencies, 50).toFixed(0)} ms, ` +
      `p99 ${pct(latencies, 99).toFixed(0)} ms; ${acknowledged} receipts acknowledged`;
    process.stdout.write(`${line}\n`);
    return seen.size === acceptedAt.size && acceptedAt.size === MESSAGES ? 0 : 1;
  } finally {
    await hub?.stop().catch((e: Error) => log(`stopping the hub: ${e.message}`));
    if (!a.embedded) {
      await dropDatabase(database).catch((e: Error) => log(`could not drop ${database}: ${e.message}`));
      const n = await deleteRedisKeys(`${prefix}:*`).catch(() => 0);
      log(`cleaned up: database ${database} dropped, ${n} Redis keys deleted`);
    }
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    log(err.stack ?? err.message);
    process.exit(1);
  },
);
