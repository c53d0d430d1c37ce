import { randomUUID } from 'node:crypto';
import { Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemoryReplayGuard, RedisReplayGuard, type ReplayGuard } from '../../../src/trust/index.js';
import { problemOf } from '../../../src/api/problems.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Behaviour every ReplayGuard must have. */
function contract(make: () => ReplayGuard) {
  it('returns false the first time and true afterwards', async () => {
    const g = make();
    expect(await g.seen('a', 60)).toBe(false);
    expect(await g.seen('a', 60)).toBe(true);
    expect(await g.seen('b', 60)).toBe(false);
  });

  it('is atomic: of many concurrent calls with one hash exactly one returns false', async () => {
    const g = make();
    const results = await Promise.all(Array.from({ length: 50 }, () => g.seen('same', 60)));
    expect(results.filter((r) => r === false)).toHaveLength(1);
  });
}

describe('MemoryReplayGuard', () => {
  contract(() => new MemoryReplayGuard());

  it('forgets a hash after its ttl', async () => {
    let now = 0;
    const g = new MemoryReplayGuard({ now: () => now });
    expect(await g.seen('x', 10)).toBe(false);
    now = 9_999;
    expect(await g.seen('x', 10)).toBe(true);
    now = 10_000;
    expect(await g.seen('x', 10)).toBe(false);
  });

  it('stays within maxEntries, dropping expired entries first and then the oldest', async () => {
    let now = 0;
    const g = new MemoryReplayGuard({ maxEntries: 3, now: () => now });
    await g.seen('a', 1);
    await g.seen('b', 100);
    await g.seen('c', 100);
    now = 2_000; // a expired
    await g.seen('d', 100);
    expect(g.size).toBe(3);
    expect(await g.seen('b', 100)).toBe(true);
    await g.seen('e', 100); // full: b (oldest) goes
    expect(g.size).toBe(3);
    expect(await g.seen('c', 100)).toBe(true);
  });
});

function redisReachable(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = new Socket();
    s.setTimeout(500);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
    s.once('timeout', () => (s.destroy(), resolve(false)));
    s.connect(Number(u.port || 6379), u.hostname);
  });
}

const reachable = await redisReachable(REDIS_URL);
if (!reachable) console.warn(`Redis not reachable at ${REDIS_URL}: RedisReplayGuard tests are SKIPPED`);

describe.skipIf(!reachable)(`RedisReplayGuard (${REDIS_URL})${reachable ? '' : ' — SKIPPED: Redis not reachable'}`, () => {
  let redis: Redis;
  const prefixes: string[] = [];
  const freshPrefix = () => {
    const p = `wasla:test:replay:${randomUUID()}:`;
    prefixes.push(p);
    return p;
  };

  beforeAll(() => {
    redis = new Redis(REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 1 });
  });

  afterEach(async () => {
    for (const p of prefixes.splice(0)) {
      const keys = await redis.keys(`${p}*`);
      if (keys.length > 0) await redis.del(...keys);
    }
  });

  afterAll(async () => {
    await redis.quit();
  });

  contract(() => new RedisReplayGuard(redis, { prefix: freshPrefix() }));

  it('stores SET NX EX keys under the prefix with the ttl', async () => {
    const prefix = freshPrefix();
    const g = new RedisReplayGuard(redis, { prefix });
    expect(await g.seen('abc', 42.2)).toBe(false);
    expect(await redis.get(`${prefix}abc`)).toBe('1');
    const ttl = await redis.ttl(`${prefix}abc`);
    expect(ttl).toBeGreaterThan(40);
    expect(ttl).toBeLessThanOrEqual(43);
  });

  it('is shared: two guards (two api processes) on one Redis see each other', async () => {
    const prefix = freshPrefix();
    const other = new Redis(REDIS_URL);
    try {
      const a = new RedisReplayGuard(redis, { prefix });
      const b = new RedisReplayGuard(other, { prefix });
      expect(await a.seen('sig', 60)).toBe(false);
      expect(await b.seen('sig', 60)).toBe(true);
    } finally {
      await other.quit();
    }
  });

  it('expires on its own', async () => {
    const prefix = freshPrefix();
    const g = new RedisReplayGuard(redis, { prefix });
    expect(await g.seen('short', 1)).toBe(false);
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await g.seen('short', 1)).toBe(false);
  });

  it('fails closed with a 503 when Redis cannot answer', async () => {
    const dead = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
    try {
      const unavailable = await new RedisReplayGuard(dead).seen('x', 10).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(unavailable).toMatchObject({ code: 'unavailable', retryable: true });
      expect(problemOf(unavailable as { code: 'unavailable' }).status).toBe(503);
    } finally {
      dead.disconnect();
    }
  });
});
