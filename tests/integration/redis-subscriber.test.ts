/**
 * The hub's subscriber connections (inbox rings, contract reloads) across a Redis outage: they
 * subscribe again by themselves when Redis returns, and a process stopping at that very moment,
 * with the new SUBSCRIBE still unanswered, raises nothing. ioredis 6.0.0 left that SUBSCRIBE's
 * promise without a handler, and its rejection ("Connection is closed.") reached the process as an
 * unhandled rejection — fatal under Node's default, and the cause of a failed CI run.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { openSubscriber } from '../../src/compose/resources.js';
import { REDIS_URL } from '../helpers/services.js';
import { startProxy, type Proxy } from '../helpers/proxy.js';

const redis = new URL(REDIS_URL);
const redisTarget = [redis.hostname || '127.0.0.1', Number(redis.port || 6379)] as const;
const channel = `wasla-test:subscriber:${process.pid}:${Date.now()}`;

describe('subscriber connections across a Redis outage', () => {
  let proxy: Proxy | undefined;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);
  afterEach(async () => {
    process.off('unhandledRejection', onUnhandled);
    await proxy?.close();
    unhandled.length = 0;
  });

  async function outage(sub: Redis, p: Proxy): Promise<void> {
    await sub.subscribe(channel);
    p.down();
    // long enough for the connection to notice and start reconnecting
    await new Promise((r) => setTimeout(r, 300));
    p.up();
  }

  it('subscribe again once Redis is back, and hear what is published', async () => {
    proxy = await startProxy(...redisTarget);
    const sub = await openSubscriber(proxy.url(REDIS_URL));
    const publisher = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    try {
      await outage(sub, proxy);
      const heard = new Promise<string>((resolve) => sub.on('message', (_ch: string, text: string) => resolve(text)));
      // publish until the resubscribed connection hears it (reconnect backoff is at most 2 s)
      const end = Date.now() + 10_000;
      let got: string | undefined;
      heard.then((t) => {
        got = t;
      });
      while (got === undefined && Date.now() < end) {
        await publisher.publish(channel, 'ring');
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(got).toBe('ring');
    } finally {
      sub.disconnect();
      publisher.disconnect();
    }
  });

  it('stop cleanly while the new SUBSCRIBE is unanswered: no unhandled rejection', async () => {
    process.on('unhandledRejection', onUnhandled);
    proxy = await startProxy(...redisTarget);
    const sub = await openSubscriber(proxy.url(REDIS_URL));
    await outage(sub, proxy);
    // ioredis writes the SUBSCRIBE right after 'ready'; disconnecting in the next turn of the loop
    // cuts the connection before Redis's answer can be read
    sub.once('ready', () => setImmediate(() => sub.disconnect()));
    await new Promise<void>((resolve) => sub.once('end', () => resolve()));
    // a rejection is reported after the microtasks of the turn that made it
    await new Promise((r) => setTimeout(r, 200));
    expect(unhandled).toEqual([]);
  });
});
