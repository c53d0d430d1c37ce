/**
 * The agreement's rate limit holds across worker processes (server mode): the recipient's bucket is
 * in Redis, so a token another process has taken is gone for this one too. Here the test itself is
 * the other process: it spends the bank's bucket, and the hub's worker must wait for the refill
 * (deferring the delivery) instead of sending from a full bucket of its own.
 */
import { rmSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../src/hub.js';
import { RedisRateLimit } from '../../src/workers/shared-rate-limit.js';
import { makeHubEnv, startTestHub, type TestHubEnv } from '../helpers/hub.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { contractsWithGrants, endpointEnv, envelope, example } from '../helpers/contracts.js';
import { REDIS_URL } from '../helpers/services.js';
import { post } from '../shared/spine.suite.js';

const BANK = 'ps.bank.palestine';
const FUND = 'ps.alimony-fund';
// one delivery every two seconds to the bank: slow enough that the worker cannot miss the refusal
const RATE = { perSecond: 0.5, burst: 1 };

describe('the rate limit shared by worker processes (server mode)', () => {
  let henv: TestHubEnv;
  let hub: Hub;
  let receiver: Receiver;
  let dir: string;
  let redis: Redis;
  beforeAll(async () => {
    henv = await makeHubEnv('server');
    dir = contractsWithGrants((g) => {
      if (g.id === 'payouts-to-bank') g.rateLimit = RATE;
    });
    receiver = await startReceiver();
    hub = await startTestHub(henv, { WASLA_CONTRACTS_DIR: dir }, { contractsEnv: { ...process.env, ...endpointEnv(receiver.url, {}, dir) } });
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    await hub?.stop();
    await receiver?.close();
    redis?.disconnect();
    await henv?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("defers a delivery while another process has spent the recipient's bucket, and delivers it after the refill", async () => {
    const other = new RedisRateLimit(redis, `${henv.prefix}:${hub.config.queueName}:rate:`);
    expect(await other.take(BANK, RATE)).toBe(0);
    const spentAt = Date.now();
    expect(await other.take(BANK, RATE)).toBeGreaterThan(1000);

    const payout = envelope('alimony.payout-instruction', '1.0', example('alimony.payout-instruction', '1.0'));
    const r = await post(hub, payout, {}, FUND);
    expect(r.status).toBe(202);
    expect(r.json.deliveries.map((d: { recipient: string }) => d.recipient)).toEqual([BANK]);
    await receiver.waitForApplied(1, 15_000);
    // the next token came from the shared bucket's refill, two seconds after the other process
    // took the last one (its own bucket would have let the delivery go at once)
    expect(receiver.arrivals[0].at - spentAt).toBeGreaterThanOrEqual(1500);
    const metrics = await (await fetch(`${hub.url}/metrics`)).text();
    expect(Number(/wasla_delivery_attempts_total\{outcome="deferred"\} (\d+)/.exec(metrics)?.[1] ?? 0)).toBeGreaterThanOrEqual(1);
    expect(receiver.rejected).toEqual([]);
  });
});
