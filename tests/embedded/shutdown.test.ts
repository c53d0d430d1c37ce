/**
 * SIGTERM on a real `wasla start` process: it stops taking requests, lets the in-flight attempt
 * finish and record its outcome, closes its connections and exits 0.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { makeHubEnv, startTestHub } from '../helpers/hub.js';
import { startReceiver } from '../helpers/receiver.js';
import { endpointEnv } from '../helpers/contracts.js';
import { sharedFederation } from '../helpers/federation.js';
import { getMessage, post, warrant } from '../shared/spine.suite.js';

describe('graceful shutdown', () => {
  it('finishes the in-flight attempt on SIGTERM and exits 0', async () => {
    const henv = await makeHubEnv('embedded');
    const receiver = await startReceiver(() => ({ status: 200, delayMs: 1500 }));
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'start', '--port', '0'], {
        env: { ...process.env, ...henv.env, ...endpointEnv(receiver.url), WASLA_PKI_DIR: sharedFederation().pkiDir, WASLA_LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (c) => (out += c));
      child.stderr.on('data', (c) => (out += c));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const end = Date.now() + 20_000;
      while (!/listening on (http:\/\/\S+)/.test(out) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      expect(url, out).toBeDefined();
      expect(out).toContain('embedded mode');

      const r = await post({ url }, warrant({ warrantNumber: 'W-SIGTERM-1' }));
      expect(r.status).toBe(202);
      while (receiver.arrivals.length === 0 && Date.now() < end) await new Promise((res) => setTimeout(res, 20));
      expect(receiver.arrivals.length).toBe(1);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      await expect(fetch(`${url}/healthz`)).rejects.toThrow();

      // the attempt that was in flight at SIGTERM was recorded as delivered
      const hub = await startTestHub(henv, {}, { contractsEnv: { ...process.env, ...endpointEnv(receiver.url) } });
      try {
        const m = await getMessage(hub, r.json.id);
        expect(m.json.deliveries[0].state).toBe('delivered');
        expect(m.json.deliveries[0].attempts).toBe(1);
      } finally {
        await hub.stop();
      }
    } finally {
      await receiver.close();
      await henv.cleanup();
    }
  });
});

describe('a port already taken', () => {
  it('stops the start with nothing left open, naming WASLA_PORT and --port', async () => {
    const { createServer } = await import('node:net');
    const { ConfigError } = await import('../../src/errors.js');
    const henv = await makeHubEnv('embedded');
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as { port: number }).port;
    try {
      const err = await startTestHub(henv, { WASLA_PORT: String(port) }).then(
        async (h) => {
          await h.stop();
          return undefined;
        },
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as InstanceType<typeof ConfigError>).variable).toBe('WASLA_PORT');
      expect((err as Error).message).toContain(`127.0.0.1:${port}`);
      expect((err as Error).message).toContain('wasla start --port');
      // the data directory's lock was given back: the next hub on a free port starts
      const next = await startTestHub(henv, { WASLA_PORT: '0' });
      await next.stop();
    } finally {
      taken.close();
      await henv.cleanup();
    }
  });
});
