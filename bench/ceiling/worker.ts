/**
 * The ceiling's worker: a BullMQ Worker (same concurrency as the hub's) that claims the delivery
 * and reads its message in one UPDATE ... RETURNING, POSTs the envelope to the receiver with
 * http.request on a keep-alive agent (the hub's transport settings), and marks it delivered.
 * No translation, projection, signature, attempt log, recipient gate or audit.
 */
import http from 'node:http';
import pg from 'pg';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { ceilingConfig } from './config.js';
import { appendChained } from './audit-chain.js';

const cfg = ceilingConfig();
const pool = new pg.Pool({ connectionString: cfg.databaseUrl, max: cfg.poolSize });
pool.on('error', () => {});
// a checked-out client has no error listener of the pool's: without one, a backend terminated
// between two statements (PostgreSQL restart) would crash the process
pool.on('connect', (client) => client.on('error', () => {}));
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function post(url: string, headers: Record<string, string>, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

const conn = new Redis(cfg.redisUrl, { maxRetriesPerRequest: null });
conn.on('error', () => {});
const worker = new Worker(
  cfg.queue,
  async (job) => {
    const {
      rows: [d],
    } = await pool.query<{ id: string; message_id: string; url: string; attempts: number; envelope: string }>(
      `update ceiling_deliveries d set state = 'in_flight', attempts = d.attempts + 1, updated_at = now()
       from ceiling_messages m
      where d.id = $1 and d.state = 'pending' and m.id = d.message_id
      returning d.id, d.message_id, d.url, d.attempts, m.envelope::text as envelope`,
      [job.data.deliveryId],
    );
    if (!d) return;
    const status = await post(
      d.url,
      {
        'content-type': 'application/cloudevents+json; charset=utf-8',
        'wasla-message-id': d.message_id,
        'wasla-delivery-id': d.id,
        'wasla-attempt': String(d.attempts),
      },
      Buffer.from(d.envelope),
    );
    const state = status >= 200 && status < 300 ? 'delivered' : 'failed';
    const mark = `update ceiling_deliveries set state = $2, delivered_at = case when $2 = 'delivered' then now() end, updated_at = now() where id = $1`;
    if (!cfg.audit) {
      await pool.query(mark, [d.id, state]);
      return;
    }
    const client = await pool.connect();
    try {
      await client.query('begin');
      await client.query(mark, [d.id, state]);
      await appendChained(client, 'ceiling-worker', 'delivery.attempt', d.id, { messageId: d.message_id, status, outcome: state });
      await client.query('commit');
    } catch (err) {
      await client.query('rollback').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  },
  { connection: conn, prefix: cfg.prefix, concurrency: cfg.workerConcurrency },
);
worker.on('error', () => {});
await worker.waitUntilReady();
process.stdout.write('ceiling worker ready\n');

process.on('SIGTERM', () => {
  void worker.close().finally(() => {
    conn.disconnect();
    agent.destroy();
    void pool.end().finally(() => process.exit(0));
  });
});
