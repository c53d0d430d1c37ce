/**
 * Faults in the services the hub depends on, each behind its own TCP proxy: while PostgreSQL is
 * down the hub answers 503 problem+json, stores nothing partial and recovers by itself; while
 * Redis is down intake still works and everything is delivered (during the outage itself: see
 * redis-outage.test.ts), and the hub stops cleanly just after Redis returns.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Hub } from '../../src/hub.js';
import { makeHubEnv, startTestHub, type TestHubEnv } from '../helpers/hub.js';
import { startProxy, type Proxy } from '../helpers/proxy.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { endpointEnv } from '../helpers/contracts.js';
import { counts, post, waitForStates, warrant } from '../shared/spine.suite.js';

async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`not reached in time: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('service faults (server mode)', () => {
  let henv: TestHubEnv | undefined;
  let hub: Hub | undefined;
  let proxy: Proxy | undefined;
  let receiver: Receiver | undefined;
  afterEach(async () => {
    proxy?.up();
    await hub?.stop();
    await proxy?.close();
    await receiver?.close();
    await henv?.cleanup();
  });

  it('answers 503 while PostgreSQL is down, stores nothing, and recovers by itself', async () => {
    henv = await makeHubEnv('server');
    receiver = await startReceiver();
    proxy = await startProxy('127.0.0.1', 5432);
    hub = await startTestHub(henv, { DATABASE_URL: proxy.url(henv.env.DATABASE_URL) }, { contractsEnv: { ...process.env, ...endpointEnv(receiver.url) } });
    const before = await post(hub, warrant({ warrantNumber: 'W-PG-0' }));
    expect(before.status).toBe(202);
    await waitForStates(hub, before.json.id, ['delivered']);
    const stored = await counts(hub);

    proxy.down();
    const during = await post(hub, warrant({ warrantNumber: 'W-PG-1' }));
    expect(during.status).toBe(503);
    expect(during.type).toContain('application/problem+json');
    expect(during.json.type).toBe('https://wasla.dev/problems/unavailable');
    expect(during.headers.get('retry-after')).toBeTruthy();
    const ready = await fetch(`${hub.url}/readyz`);
    expect(ready.status).toBe(503);
    expect((await fetch(`${hub.url}/healthz`)).status).toBe(200);

    proxy.up();
    const after = await eventually(
      () => post(hub!, warrant({ warrantNumber: 'W-PG-2' })),
      (r) => r.status === 202,
    );
    await waitForStates(hub, after.json.id, ['delivered']);
    // exactly one more message: the refused one left nothing behind
    expect((await counts(hub)).messages).toBe(stored.messages + 1);
  });

  it('keeps taking messages while Redis is down, and delivers them when it returns', async () => {
    henv = await makeHubEnv('server');
    receiver = await startReceiver();
    proxy = await startProxy('127.0.0.1', 6379);
    hub = await startTestHub(henv, { REDIS_URL: proxy.url(henv.env.REDIS_URL), WASLA_SWEEP_INTERVAL_MS: '300' }, { contractsEnv: { ...process.env, ...endpointEnv(receiver.url) } });
    const first = await post(hub, warrant({ warrantNumber: 'W-REDIS-0' }));
    await waitForStates(hub, first.json.id, ['delivered']);

    proxy.down();
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) {
      const r = await post(hub, warrant({ warrantNumber: `W-REDIS-${i}` }));
      expect(r.status).toBe(202);
      ids.push(r.json.id);
    }
    expect((await fetch(`${hub.url}/readyz`)).status).toBe(503);
    proxy.up();
    for (const id of ids) await waitForStates(hub, id, ['delivered'], 30_000);
    expect(receiver.applied.size).toBe(6);
  });
});
