/**
 * A process in the worker role takes no requests, but its counters exist only in it: it serves
 * /healthz, /readyz and /metrics on a port of its own (WASLA_WORKER_PORT), so that each worker can be
 * scraped. An api process's /metrics has no attempts to count.
 */
import { describe, expect, it } from 'vitest';
import net from 'node:net';
import { ConfigError } from '../../src/errors.js';
import { cleanupAfterEach, makeHubEnv, startTestHub } from '../helpers/hub.js';
import { startReceiver } from '../helpers/receiver.js';
import { endpointEnv } from '../helpers/contracts.js';
import { post, waitForStates, warrant } from '../shared/spine.suite.js';

/** the value of one sample line of a Prometheus text exposition, or undefined */
function sample(text: string, line: string): number | undefined {
  const m = text.split('\n').find((l) => l.startsWith(`${line} `));
  return m === undefined ? undefined : Number(m.slice(line.length + 1));
}

describe('a worker-role process in server mode', () => {
  const later = cleanupAfterEach();
  const serverEnv = async () => {
    const henv = await makeHubEnv('server');
    later(() => henv.cleanup());
    return henv;
  };

  it('serves its health and its own metrics, with the attempts it made', async () => {
    const henv = await serverEnv();
    const receiver = await startReceiver(() => ({ status: 200 }));
    later(() => receiver.close());
    const contractsEnv = { ...process.env, ...endpointEnv(receiver.url) };
    const api = await startTestHub(henv, { WASLA_ROLE: 'api' }, { contractsEnv });
    later(() => api.stop());
    const worker = await startTestHub(henv, { WASLA_ROLE: 'worker' }, { contractsEnv });
    later(() => worker.stop());
    expect(api.operationsUrl).toBeUndefined();
    expect(worker.url).toBeUndefined();
    expect(worker.operationsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const r = await post(api, warrant({ warrantNumber: 'W-WORKER-METRICS' }));
    expect(r.status).toBe(202);
    const view = await waitForStates(api, r.json.id, ['delivered']);
    const deliveries = (view as any).deliveries.length as number;
    expect(deliveries).toBeGreaterThan(0);

    const health = await fetch(`${worker.operationsUrl}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${worker.operationsUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { database: 'ok', redis: 'ok' } });

    // the worker counts an attempt once its record is committed, a moment after the API shows it
    const scrape = async () => (await fetch(`${worker.operationsUrl}/metrics`)).text();
    let workerMetrics = await scrape();
    for (let i = 0; i < 50 && sample(workerMetrics, 'wasla_delivery_attempts_total{outcome="delivered"}') !== deliveries; i++) {
      await new Promise((r) => setTimeout(r, 100));
      workerMetrics = await scrape();
    }
    expect(sample(workerMetrics, 'wasla_delivery_attempts_total{outcome="delivered"}')).toBe(deliveries);
    expect(sample(workerMetrics, 'wasla_deliveries{state="pending"}')).toBe(0);
    expect(workerMetrics).toContain('wasla_process_cpu_seconds_total');
    // its line to the recipient: nothing in flight or parked now, breaker closed
    for (const gauge of ['wasla_recipient_in_flight', 'wasla_recipient_parked', 'wasla_recipient_paused']) {
      expect(sample(workerMetrics, `${gauge}{recipient="ps.police.judicial"}`), gauge).toBe(0);
    }
    // the api made no attempt: without the worker's port nobody could count them
    const apiMetrics = await (await fetch(`${api.url}/metrics`)).text();
    expect(sample(apiMetrics, 'wasla_delivery_attempts_total{outcome="delivered"}')).toBeUndefined();
    // and nothing else is served there
    const other = await fetch(`${worker.operationsUrl}/v1/messages/${r.json.id}`);
    expect(other.status).toBe(404);
    expect(other.headers.get('content-type')).toContain('application/problem+json');
  });

  it('refuses to start on a port already taken, naming WASLA_WORKER_PORT', async () => {
    const henv = await serverEnv();
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const err = await startTestHub(henv, { WASLA_ROLE: 'worker', WASLA_WORKER_PORT: String(port) }).then(
        (h) => {
          later(() => h.stop());
          return undefined;
        },
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).variable).toBe('WASLA_WORKER_PORT');
      expect((err as Error).message).toContain(String(port));
    } finally {
      taken.close();
    }
  });

  it('serves nothing with WASLA_WORKER_PORT=off', async () => {
    const worker = await startTestHub(await serverEnv(), { WASLA_ROLE: 'worker', WASLA_WORKER_PORT: 'off' });
    later(() => worker.stop());
    expect(worker.operationsUrl).toBeUndefined();
  });
});
