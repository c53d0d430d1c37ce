/** The recipients' rate-limit buckets in Redis, as two worker processes (two connections) see them. */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisRateLimit } from '../../src/workers/shared-rate-limit.js';
import { flushPrefix, REDIS_URL, uniquePrefix } from '../helpers/services.js';

describe('rate-limit buckets shared on Redis', () => {
  const prefix = uniquePrefix();
  let a: Redis;
  let b: Redis;
  beforeAll(() => {
    a = new Redis(REDIS_URL);
    b = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    a.disconnect();
    b.disconnect();
    await flushPrefix(prefix);
  });

  it('gives two processes racing for one bucket exactly its burst, then the wait for the next token', async () => {
    const one = new RedisRateLimit(a, `${prefix}:rate:`);
    const two = new RedisRateLimit(b, `${prefix}:rate:`);
    const limit = { perSecond: 1, burst: 3 };
    const waits = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? one : two).take('bank', limit)));
    expect(waits.filter((w) => w === 0)).toHaveLength(3);
    for (const w of waits.filter((x) => x > 0)) expect(w).toBeLessThanOrEqual(1000);
    // an idle bucket goes away once it would be full again (burst / rate, and a second)
    const ttl = await a.pttl(`${prefix}:rate:bank`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(4000);
  });

  it('keeps one bucket per recipient, and per hub (prefix)', async () => {
    const hub1 = new RedisRateLimit(a, `${prefix}:one:rate:`);
    const hub2 = new RedisRateLimit(b, `${prefix}:two:rate:`);
    const limit = { perSecond: 1, burst: 1 };
    expect(await hub1.take('bank', limit)).toBe(0);
    expect(await hub1.take('bank', limit)).toBeGreaterThan(0);
    expect(await hub1.take('court', limit)).toBe(0);
    expect(await hub2.take('bank', limit)).toBe(0);
  });

  it('refills at the agreed rate', async () => {
    const limiter = new RedisRateLimit(a, `${prefix}:refill:rate:`);
    const limit = { perSecond: 20, burst: 1 };
    expect(await limiter.take('bank', limit)).toBe(0);
    const wait = await limiter.take('bank', limit);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(50);
    await new Promise((r) => setTimeout(r, wait + 100));
    expect(await limiter.take('bank', limit)).toBe(0);
  });
});
