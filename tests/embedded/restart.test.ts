/**
 * Embedded mode keeps everything across a restart: a message accepted while its recipient was
 * down is still there after the hub stops and starts again, and its pending delivery goes on.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { makeHubEnv, startTestHub } from '../helpers/hub.js';
import { startReceiver } from '../helpers/receiver.js';
import { contractsWithRetry, endpointEnv } from '../helpers/contracts.js';
import { getMessage, post, waitForStates, warrant } from '../shared/spine.suite.js';
import net from 'node:net';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

describe('embedded restart', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('keeps messages and deliveries, and goes on delivering after a restart', async () => {
    const henv = await makeHubEnv('embedded');
    cleanups.push(() => henv.cleanup());
    const port = await freePort(); // nobody listens yet: attempts fail with ECONNREFUSED
    const url = `http://127.0.0.1:${port}/deliveries`;
    const dir = contractsWithRetry({ schedule: [0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3], jitter: 0 });
    const opts = { contractsEnv: { ...process.env, ...endpointEnv(url) } };

    const first = await startTestHub(henv, { WASLA_CONTRACTS_DIR: dir }, opts);
    const r = await post(first, warrant({ warrantNumber: 'W-RESTART-1' }));
    expect(r.status).toBe(202);
    await new Promise((res) => setTimeout(res, 500));
    const before = await getMessage(first, r.json.id);
    expect(before.json.deliveries[0].state).not.toBe('delivered');
    expect(before.json.deliveries[0].attemptLog[0].error).toMatch(/ECONNREFUSED/);
    await first.stop();

    const receiver = await startReceiver(undefined, port);
    cleanups.push(() => receiver.close());
    const second = await startTestHub(henv, { WASLA_CONTRACTS_DIR: dir }, opts);
    cleanups.push(() => second.stop());
    const done = await waitForStates(second, r.json.id, ['delivered']);
    expect(done.envelope.data.warrantNumber).toBe('W-RESTART-1');
    expect(receiver.applied.get(done.deliveries[0].id)).toBe(1);
    expect(receiver.arrivals[0].messageId).toBe(r.json.id);
  });
});
