/**
 * One hub's reload never reloads another hub on the same Redis (issue 19.6): Redis pub/sub ignores
 * database indexes and key prefixes, so the reload channel names the hub as its queue does — key
 * prefix, queue name, database index. Hubs here share a prefix and differ by queue name, or by
 * database index only.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { Hub } from '../../src/hub.js';
import { reloadChannel } from '../../src/hub.js';
import { requestReload } from '../../src/cli/commands/reload.js';
import { makeHubEnv, startTestHub, type TestHubEnv } from '../helpers/hub.js';
import { REDIS_URL, flushPrefix, uniquePrefix } from '../helpers/services.js';

const started: Array<{ hub: Hub; henv: TestHubEnv }> = [];
const prefixes: Array<{ prefix: string; db: number }> = [];
afterEach(async () => {
  for (const { hub, henv } of started.splice(0).reverse()) {
    await hub.stop();
    await henv.cleanup();
  }
  for (const { prefix, db } of prefixes.splice(0)) {
    if (db === 0) await flushPrefix(prefix);
    else {
      const r = new Redis(`${REDIS_URL}/${db}`);
      try {
        const keys = await r.keys(`${prefix}:*`);
        if (keys.length) await r.del(...keys);
      } finally {
        r.disconnect();
      }
    }
  }
});

const withDb = (db: number) => `${REDIS_URL.replace(/\/\d*$/, '')}/${db}`;

async function hubOn(prefix: string, env: Record<string, string>): Promise<Hub> {
  const henv = await makeHubEnv('server');
  const hub = await startTestHub(henv, { WASLA_ROLE: 'api', ...env }, { queuePrefix: prefix });
  started.push({ hub, henv });
  return hub;
}

async function until(cond: () => boolean) {
  const end = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('the contracts reload channel', () => {
  it('names prefix, queue and database index', () => {
    expect(reloadChannel({ prefix: 'p', queueName: 'q', redisUrl: 'redis://h:6379' })).toBe('p:q:db0:contracts:reload');
    expect(reloadChannel({ queueName: 'q', redisUrl: 'redis://h:6379/3' })).toBe('wasla:q:db3:contracts:reload');
  });

  it.each([
    ['another queue name', { REDIS_URL: withDb(0), WASLA_QUEUE_NAME: 'hub-a' }, { REDIS_URL: withDb(0), WASLA_QUEUE_NAME: 'hub-b' }],
    ['another database index', { REDIS_URL: withDb(0) }, { REDIS_URL: withDb(1) }],
  ])('reloads only the hub it is addressed to, not one with %s on the same Redis', async (_what, envA, envB) => {
    const prefix = uniquePrefix();
    prefixes.push({ prefix, db: 0 }, { prefix, db: 1 });
    const a = await hubOn(prefix, envA);
    const b = await hubOn(prefix, envB);
    const [beforeA, beforeB] = [a.contracts(), b.contracts()];
    const told = await requestReload({ redisUrl: envA.REDIS_URL, dataDir: '', prefix, queueName: (envA as any).WASLA_QUEUE_NAME, actor: 'operator:test' });
    expect(told).toBe('reload requested from 1 hub process(es)');
    await until(() => a.contracts() !== beforeA);
    // a publish reaches every subscriber at once: had B been told, it would have reloaded by now
    await new Promise((r) => setTimeout(r, 300));
    expect(b.contracts()).toBe(beforeB);
  });
});
