/**
 * A recipient that gets more deliveries at once than its line holds (cap + waiters): the worker
 * parks the rest in memory and hands them the recipient's places as they free, instead of sending
 * them back through the queue — every delivery arrives, the recipient's cap holds, nothing is
 * requeued. Run in both modes: each dispatcher runs parked jobs through its own `later`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../src/hub.js';
import type { DispatchJob } from '../../src/queue/index.js';
import { makeHubEnv, startTestHub, type Mode, type TestHubEnv } from '../helpers/hub.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { endpointEnv } from '../helpers/contracts.js';
import { post, warrant } from './spine.suite.js';

export function busyRecipientSuite(mode: Mode) {
  describe(`a recipient busier than its line (${mode} mode)`, () => {
    let henv: TestHubEnv;
    let hub: Hub;
    let receiver: Receiver;
    let active = 0;
    let peak = 0;
    const requeued: DispatchJob[] = [];

    beforeAll(async () => {
      henv = await makeHubEnv(mode);
      receiver = await startReceiver(() => {
        active += 1;
        peak = Math.max(peak, active);
        setTimeout(() => (active -= 1), 40);
        return { status: 200, body: '{"ok":true}', delayMs: 40 };
      });
      // one attempt at a time to a recipient and one waiting: a line of two; eight worker slots
      hub = await startTestHub(henv, { WASLA_RECIPIENT_CONCURRENCY: '1', WASLA_WORKER_CONCURRENCY: '8' }, { contractsEnv: { ...process.env, ...endpointEnv(receiver.url) } });
      const dispatch = hub.dispatcher.dispatch.bind(hub.dispatcher);
      // the worker sends a busy job back through the queue under a `q…` tag
      hub.dispatcher.dispatch = (jobs) => {
        requeued.push(...jobs.filter((j) => j.tag?.startsWith('q')));
        return dispatch(jobs);
      };
    });
    afterAll(async () => {
      await hub?.stop();
      await receiver?.close();
      await henv?.cleanup();
    });

    it('delivers every message through the line, one at a time, without requeueing the ones that waited', async () => {
      // eight warrants, each for the judicial police alone, sent at once: two places, six parked
      const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => post(hub, warrant({ warrantNumber: `W-BUSY-${i}` }))));
      for (const a of answers) {
        expect(a.status).toBe(202);
        expect(a.json.deliveries.map((d: { recipient: string }) => d.recipient)).toEqual(['ps.police.judicial']);
      }
      await receiver.waitForApplied(8, 20_000);
      expect(new Set(receiver.arrivals.map((a) => a.messageId))).toEqual(new Set(answers.map((a) => a.json.id)));
      expect(peak).toBe(1);
      expect(requeued).toEqual([]);
      expect(receiver.rejected).toEqual([]);
    });

    it('loses nothing parked when the worker stops: the next hub delivers it from the database', async () => {
      const env2 = await makeHubEnv(mode);
      const hanging = await startReceiver(() => 'hang');
      const opts = { contractsEnv: { ...process.env, ...endpointEnv(hanging.url) } };
      const tuning = { WASLA_RECIPIENT_CONCURRENCY: '1', WASLA_WORKER_CONCURRENCY: '8' };
      let second: Hub | undefined;
      try {
        const first = await startTestHub(env2, tuning, opts);
        // one attempt hangs, one waits for its slot, the other six are parked in memory
        const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => post(first, warrant({ warrantNumber: `W-PARK-${i}` }))));
        for (const a of answers) expect(a.status).toBe(202);
        await new Promise((r) => setTimeout(r, 300));
        expect(hanging.arrivals.length).toBe(1);
        await first.stop();
        hanging.behave(() => ({ status: 200, body: '{"ok":true}' }));
        second = await startTestHub(env2, tuning, opts);
        await hanging.waitForApplied(8, 30_000);
        expect(new Set(hanging.arrivals.map((a) => a.messageId))).toEqual(new Set(answers.map((a) => a.json.id)));
      } finally {
        await second?.stop();
        await hanging.close();
        await env2.cleanup();
      }
    });
  });
}
