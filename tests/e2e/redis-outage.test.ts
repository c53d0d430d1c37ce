/**
 * Redis down does not stop delivery (issue 20): with the hub's Redis cut (a proxy in front of it)
 * for longer than the backlog limit would allow without deliveries, intake keeps accepting and
 * deliveries keep arriving, claimed from PostgreSQL by the worker itself; when Redis returns the hub
 * schedules through BullMQ again, and nothing is delivered twice.
 */
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach, makeHubEnv, startTestHub } from '../helpers/hub.js';
import { startProxy } from '../helpers/proxy.js';
import { REDIS_URL } from '../helpers/services.js';
import { startReceiver } from '../helpers/receiver.js';
import { contractsWithRetry, endpointEnv } from '../helpers/contracts.js';
import { post, warrant } from '../shared/spine.suite.js';
import type { FailoverDispatcher } from '../../src/queue/index.js';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await wait(50);
  }
}

describe('Redis unreachable (server mode)', () => {
  const later = cleanupAfterEach();

  it('keeps accepting and delivering from PostgreSQL while Redis is cut, and sends nothing twice when it returns', async () => {
    const henv = await makeHubEnv('server');
    later(() => henv.cleanup());
    const proxy = await startProxy('127.0.0.1', Number(new URL(REDIS_URL).port || 6379));
    later(() => proxy.close());
    // every third attempt fails once, so that retries are scheduled during the outage too
    const failed = new Set<string>();
    const receiver = await startReceiver((a) => {
      if (a.json?.data?.warrantNumber?.endsWith('3') && !failed.has(a.deliveryId)) {
        failed.add(a.deliveryId);
        return { status: 503, body: 'once more' };
      }
      return { status: 200, body: '{"ok":true}' };
    });
    later(() => receiver.close());
    const limit = 5;
    const hub = await startTestHub(
      henv,
      {
        REDIS_URL: proxy.url(REDIS_URL),
        WASLA_CONTRACTS_DIR: contractsWithRetry({ schedule: [0.2, 0.2], jitter: 0 }),
        WASLA_INTAKE_BACKLOG_LIMIT: String(limit),
        WASLA_INTAKE_HOLD_MS: '2000',
        WASLA_SWEEP_INTERVAL_MS: '500',
      },
      { contractsEnv: { ...process.env, ...endpointEnv(receiver.url) } },
    );
    later(() => hub.stop());
    const dispatcher = hub.dispatcher as FailoverDispatcher;
    const deliveries: string[] = [];
    const send = async (n: string) => {
      const r = await post(hub, warrant({ warrantNumber: n }));
      expect(r.status, JSON.stringify(r.json)).toBe(202);
      deliveries.push(...r.json.deliveries.map((d: { id: string }) => d.id));
    };

    for (let i = 0; i < 3; i++) await send(`W-REDIS-BEFORE-${i}`);
    await receiver.waitForApplied(deliveries.length, 20_000);

    // Redis goes away, for many times what the backlog limit lets intake take with no delivery
    proxy.down();
    await until('the outage is noticed', () => dispatcher.degraded());
    for (let i = 0; i < 8 * limit; i++) await send(`W-REDIS-DOWN-${i}`);
    await receiver.waitForApplied(deliveries.length, 30_000);
    expect(dispatcher.degraded()).toBe(true);

    proxy.up();
    await until('Redis is back', () => !dispatcher.degraded());
    for (let i = 0; i < 10; i++) await send(`W-REDIS-AFTER-${i}`);
    await receiver.waitForApplied(deliveries.length, 30_000);
    // a lease and more: an attempt run twice, through both paths, would have arrived by now
    await wait(6000);

    expect(new Set(deliveries).size).toBe(deliveries.length);
    for (const id of deliveries) expect(receiver.applied.get(id), id).toBe(1);
    // apart from the planned 503s, each delivery arrived once
    const arrivals = new Map<string, number>();
    for (const a of receiver.arrivals) arrivals.set(a.deliveryId, (arrivals.get(a.deliveryId) ?? 0) + 1);
    for (const id of deliveries) expect(arrivals.get(id), id).toBe(failed.has(id) ? 2 : 1);
    expect(failed.size).toBeGreaterThan(0);
  }, 120_000);
});
