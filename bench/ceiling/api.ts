/**
 * The ceiling's intake: what the same libraries can do with nothing of the hub's checks. Hono on
 * @hono/node-server takes the same body, one pg transaction inserts the message row and F delivery
 * rows, BullMQ `addBulk` queues F jobs after the commit (not awaited, as the hub does), and it
 * answers 202 with the ids. No signature, validation, routing, idempotency or audit.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import pg from 'pg';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { AddressInfo } from 'node:net';
import { uuidv7 } from '../../src/ids.js';
import { ceilingConfig, createTables } from './config.js';
import { appendChained, createAuditTable } from './audit-chain.js';

const cfg = ceilingConfig();
const pool = new pg.Pool({ connectionString: cfg.databaseUrl, max: cfg.poolSize });
pool.on('error', () => {});
// a checked-out client has no error listener of the pool's: without one, a backend terminated
// between two statements (PostgreSQL restart) would crash the process
pool.on('connect', (client) => client.on('error', () => {}));
await createTables(pool);
if (cfg.audit) await createAuditTable(pool);
const producer = new Redis(cfg.redisUrl, { maxRetriesPerRequest: 1 });
producer.on('error', () => {});
const queue = new Queue(cfg.queue, { connection: producer, prefix: cfg.prefix, defaultJobOptions: { removeOnComplete: true, removeOnFail: true, attempts: 1 } });

const app = new Hono();
app.post('/v1/messages', async (c) => {
  const body = Buffer.from(await c.req.arrayBuffer());
  const sender = c.req.header('wasla-sender') ?? 'unknown';
  const incoming = JSON.parse(body.toString('utf8')) as { type: string };
  const id = uuidv7();
  const now = new Date();
  const envelope = JSON.stringify({ ...incoming, id, source: sender });
  const deliveries = cfg.recipients.map((r) => ({ id: uuidv7(), recipient: r.id, url: r.url }));
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query('insert into ceiling_messages (id, sender, type, envelope, received_at) values ($1, $2, $3, $4, $5)', [id, sender, incoming.type, envelope, now]);
    const values = deliveries.map(
      (_, i) => `($${i * 4 + 1}, $${i * 4 + 2}, $${i * 4 + 3}, $${i * 4 + 4}, 'pending', $${deliveries.length * 4 + 1}, $${deliveries.length * 4 + 1}, $${deliveries.length * 4 + 1})`,
    );
    await client.query(`insert into ceiling_deliveries (id, message_id, recipient, url, state, next_attempt_at, created_at, updated_at) values ${values.join(', ')}`, [
      ...deliveries.flatMap((d) => [d.id, id, d.recipient, d.url]),
      now,
    ]);
    if (cfg.audit) await appendChained(client, sender, 'message.accepted', id, { type: incoming.type, deliveries: deliveries.map((d) => d.id) });
    await client.query('commit');
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
  queue.addBulk(deliveries.map((d) => ({ name: 'deliver', data: { deliveryId: d.id }, opts: { jobId: d.id } }))).catch(() => {});
  return c.json({ id, receivedAt: now.toISOString(), deliveries: deliveries.map((d) => ({ id: d.id, recipient: d.recipient, state: 'pending' })) }, 202);
});

const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) => {
  process.stdout.write(`ceiling api listening on http://127.0.0.1:${info.port}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  void Promise.allSettled([queue.close(), pool.end()]).then(() => {
    producer.disconnect();
    process.exit(0);
  });
});
