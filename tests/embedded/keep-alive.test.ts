/**
 * The hub's listeners keep an idle connection open for WASLA_HTTP_KEEPALIVE_MS (65 s by default) and
 * say so in `Keep-Alive: timeout=N`. With Node's own 5 s, a reverse proxy or client that keeps idle
 * connections for 60 s would now and then send a request on a connection the hub is closing.
 */
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { Hub } from '../../src/hub.js';
import { makeHubEnv, startTestHub, type TestHubEnv } from '../helpers/hub.js';

interface Answer {
  status: number;
  keepAlive: unknown;
  reusedSocket: boolean;
}

function get(url: string, agent: http.Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, keepAlive: res.headers['keep-alive'], reusedSocket: req.reusedSocket }));
    });
    req.on('error', reject);
  });
}

describe('kept-alive connections (embedded mode)', () => {
  let henv: TestHubEnv | undefined;
  let hub: Hub | undefined;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  afterEach(async () => {
    agent.destroy();
    await hub?.stop();
    await henv?.cleanup();
  });

  it('stay open past Node’s 5 s by default, announced as timeout=65', async () => {
    henv = await makeHubEnv('embedded');
    hub = await startTestHub(henv);
    const first = await get(`${hub.url}/healthz`, agent);
    expect(first).toMatchObject({ status: 200, keepAlive: 'timeout=65', reusedSocket: false });
    // idle past Node's default (5 s, closed at 6 s with its buffer): the same connection still serves
    await new Promise((r) => setTimeout(r, 6_500));
    expect(await get(`${hub.url}/healthz`, agent)).toMatchObject({ status: 200, reusedSocket: true });
  });

  it('take their idle time from WASLA_HTTP_KEEPALIVE_MS', async () => {
    henv = await makeHubEnv('embedded');
    hub = await startTestHub(henv, { WASLA_HTTP_KEEPALIVE_MS: '3000' });
    expect(await get(`${hub.url}/healthz`, agent)).toMatchObject({ status: 200, keepAlive: 'timeout=3' });
  });
});
