/**
 * /metrics is not open to whoever reaches the API port unless the operator leaves it so (issue 19):
 * WASLA_METRICS_TOKEN requires a bearer token, WASLA_METRICS_PORT moves health and metrics to a
 * listener of their own on WASLA_METRICS_HOST, and the API port then serves no /metrics.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Hub } from '../../src/hub.js';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { makeHubEnv, startTestHub, type TestHubEnv } from '../helpers/hub.js';

const TOKEN = 'a3f9c2d17e4b8056f1c9d2e3a4b5c6d7';
let running: { hub: Hub; henv: TestHubEnv } | undefined;
afterEach(async () => {
  await running?.hub.stop();
  await running?.henv.cleanup();
  running = undefined;
});

async function hubWith(env: Record<string, string>) {
  const henv = await makeHubEnv('embedded');
  const hub = await startTestHub(henv, env);
  running = { hub, henv };
  return hub;
}

const get = (url: string, token?: string) => fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('who may read the operations endpoints (embedded mode)', () => {
  it('serves /metrics only to the bearer of WASLA_METRICS_TOKEN; health stays open', async () => {
    const hub = await hubWith({ WASLA_METRICS_TOKEN: TOKEN });
    const none = await get(`${hub.url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(((await none.json()) as { type: string }).type).toBe('https://wasla.dev/problems/metrics-token-required');
    expect((await get(`${hub.url}/metrics`, `${TOKEN}x`)).status).toBe(401);
    expect((await get(`${hub.url}/metrics`, TOKEN.slice(0, -1))).status).toBe(401);
    const ok = await get(`${hub.url}/metrics`, TOKEN);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('wasla_messages_accepted_total');
    expect((await get(`${hub.url}/healthz`)).status).toBe(200);
    expect((await get(`${hub.url}/readyz`)).status).toBe(200);
  });

  it('moves health and metrics to WASLA_METRICS_HOST:WASLA_METRICS_PORT, and off the API port', async () => {
    const hub = await hubWith({ WASLA_METRICS_PORT: '0', WASLA_METRICS_HOST: '127.0.0.1', WASLA_METRICS_TOKEN: TOKEN });
    expect(hub.operationsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(hub.operationsUrl).not.toBe(hub.url);
    expect((await get(`${hub.url}/metrics`, TOKEN)).status).toBe(404);
    expect((await get(`${hub.operationsUrl}/metrics`)).status).toBe(401);
    expect((await get(`${hub.operationsUrl}/metrics`, TOKEN)).status).toBe(200);
    for (const base of [hub.url, hub.operationsUrl]) expect((await get(`${base}/healthz`)).status).toBe(200);
    // the operations port serves nothing else
    expect((await get(`${hub.operationsUrl}/v1/schemas`)).status).toBe(404);
  });

  it('refuses a token too short to be secret, without printing it', () => {
    let err: unknown;
    try {
      loadConfig({ WASLA_METRICS_TOKEN: 'short-token' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe('WASLA_METRICS_TOKEN');
    expect((err as Error).message).not.toContain('short-token');
    expect(loadConfig({ WASLA_HOST: '10.0.0.1' }).metricsHost).toBe('10.0.0.1');
  });
});
