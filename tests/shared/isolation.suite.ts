/**
 * A recipient in trouble must not hurt anyone else: a hanging receiver holds only a few worker
 * slots (the per-recipient cap), and a failing one is paused and probed by the circuit breaker
 * rather than hammered. Run in both modes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Hub } from '../../src/hub.js';
import { makeHubEnv, startTestHub, type Mode, type TestHubEnv } from '../helpers/hub.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { contractsWithRetry, endpointEnv } from '../helpers/contracts.js';
import { getMessage, post, waitForStates, warrant, contestedFine } from './spine.suite.js';

export function isolationSuite(mode: Mode) {
  describe(`recipient isolation (${mode} mode)`, () => {
    let henv: TestHubEnv | undefined;
    let hub: Hub | undefined;
    const receivers: Receiver[] = [];
    afterEach(async () => {
      await hub?.stop();
      for (const r of receivers.splice(0)) await r.close();
      await henv?.cleanup();
    });

    /** the police receiver hangs; ministry deliveries must all arrive meanwhile, police's stay within its cap */
    async function othersGoOnWhilePoliceHangs(env: Record<string, string>, tag: string, policeCap: number) {
      henv = await makeHubEnv(mode);
      const police = await startReceiver(() => 'hang');
      const ministries = await startReceiver();
      receivers.push(police, ministries);
      hub = await startTestHub(
        henv,
        { WASLA_ATTEMPT_TIMEOUT_MS: '15000', WASLA_LEASE_MS: '30000', ...env },
        {
          contractsEnv: { ...process.env, ...endpointEnv(ministries.url, { 'ps.police.judicial': police.url }) },
        },
      );
      for (let i = 0; i < 12; i++) expect((await post(hub, warrant({ warrantNumber: `${tag}-${i}` }))).status).toBe(202);
      const contested = contestedFine();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await post(hub, contested)).json.id);
      for (const id of ids) await waitForStates(hub, id, ['delivered']);
      // every ministry delivery arrived while the police receiver was still holding its requests,
      // and the police receiver never got more than its cap at once
      expect(ministries.applied.size).toBe(10);
      expect(police.arrivals.length).toBeLessThanOrEqual(policeCap);
    }

    it('keeps delivering to others while one recipient hangs', () => othersGoOnWhilePoliceHangs({ WASLA_WORKER_CONCURRENCY: '8', WASLA_RECIPIENT_CONCURRENCY: '2' }, 'W-HANG', 2));

    // police: one attempting, one waiting, eight parked (the default: four lines' worth); 12 sent
    it('keeps delivering to others when more deliveries wait for a hanging recipient than its line and the parked hold', () =>
      othersGoOnWhilePoliceHangs({ WASLA_WORKER_CONCURRENCY: '4', WASLA_RECIPIENT_CONCURRENCY: '1' }, 'W-OVER', 1));

    it('pauses a failing recipient, probes it, and resumes when it recovers', async () => {
      henv = await makeHubEnv(mode);
      let healthy = false;
      const police = await startReceiver(() => (healthy ? { status: 200 } : { status: 503 }));
      receivers.push(police);
      const dir = contractsWithRetry({ schedule: Array(30).fill(0.05), jitter: 0 });
      hub = await startTestHub(
        henv,
        {
          WASLA_CONTRACTS_DIR: dir,
          WASLA_BREAKER_FAILURES: '3',
          WASLA_BREAKER_OPEN_MS: '1500',
          WASLA_RECIPIENT_CONCURRENCY: '1',
        },
        { contractsEnv: { ...process.env, ...endpointEnv(police.url) } },
      );
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await post(hub, warrant({ warrantNumber: `W-BRK-${i}` }))).json.id);
      // wait until the breaker has opened: a delivery was deferred for it
      const end = Date.now() + 10_000;
      let paused = false;
      while (!paused && Date.now() < end) {
        for (const id of ids) {
          const m = await getMessage(hub, id);
          if (m.json.deliveries.some((d: any) => /circuit/.test(d.lastError ?? ''))) paused = true;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(paused).toBe(true);
      const arrivalsWhenOpened = police.arrivals.length;
      // 5 deliveries x 30 retries at 50 ms would be ~150 requests; paused, it is the threshold
      expect(arrivalsWhenOpened).toBeLessThanOrEqual(4);
      healthy = true;
      for (const id of ids) await waitForStates(hub, id, ['delivered'], 30_000);
      expect(police.applied.size).toBe(5);
      expect(police.arrivals.length).toBeLessThan(20);
    });
  });
}
