/**
 * Redis only schedules (invariant 2): flushing the hub's Redis keys mid-run loses no delivery,
 * because the sweeper finds due deliveries in PostgreSQL. And two worker processes never attempt
 * one delivery at the same time, even when jobs are duplicated on purpose.
 */
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach, makeHubEnv, startTestHub } from '../helpers/hub.js';
import { flushPrefix } from '../helpers/services.js';
import { receiptHeaders, startReceiver } from '../helpers/receiver.js';
import { sharedFederation } from '../helpers/federation.js';
import { contractsWithRetry, endpointEnv } from '../helpers/contracts.js';
import { post, waitForStates, warrant } from '../shared/spine.suite.js';

describe('recovery in server mode', () => {
  const later = cleanupAfterEach();

  it('delivers everything after its Redis keys are flushed mid-run', async () => {
    const henv = await makeHubEnv('server');
    later(() => henv.cleanup());
    let failing = true;
    const receiver = await startReceiver(() => (failing ? { status: 503 } : { status: 200 }));
    later(() => receiver.close());
    const dir = contractsWithRetry({ schedule: [4, 2, 2, 2, 2, 2], jitter: 0 });
    const hub = await startTestHub(
      henv,
      { WASLA_CONTRACTS_DIR: dir, WASLA_SWEEP_INTERVAL_MS: '300', WASLA_BREAKER_FAILURES: '1000' },
      { contractsEnv: { ...process.env, ...endpointEnv(receiver.url) } },
    );
    later(() => hub.stop());
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await post(hub, warrant({ warrantNumber: `W-FLUSH-${i}` }));
      expect(r.status).toBe(202);
      ids.push(r.json.id);
    }
    // every delivery failed once and now waits as a delayed job in Redis: wait for all 20 retry
    // jobs, not only the arrivals, for a retry is queued a little after its attempt is recorded
    // (WASLA_DISPATCH_GATHER_MS), and one queued after the flush would still be there
    const end = Date.now() + 10_000;
    while ((new Set(receiver.arrivals.map((a) => a.deliveryId)).size < 20 || (await hub.dispatcher.depth()) < 20) && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await hub.dispatcher.depth()).toBeGreaterThanOrEqual(20);
    await flushPrefix(henv.prefix!);
    expect(await hub.dispatcher.depth()).toBe(0);
    failing = false;
    for (const id of ids) await waitForStates(hub, id, ['delivered'], 30_000);
    expect(receiver.applied.size).toBe(20);
  });

  it('never lets two workers attempt one delivery at once', async () => {
    const henv = await makeHubEnv('server');
    later(() => henv.cleanup());
    const inFlight = new Map<string, number>();
    let base = '';
    let overlaps = 0;
    const receiver = await startReceiver(() => ({ status: 200 }));
    later(() => receiver.close());
    const { default: http } = await import('node:http');
    // a slow receiver that notices two requests for one delivery overlapping
    const slow = http.createServer((req, res) => {
      const id = String(req.headers['wasla-delivery-id']);
      const n = (inFlight.get(id) ?? 0) + 1;
      inFlight.set(id, n);
      if (n > 1) overlaps++;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () =>
        setTimeout(async () => {
          inFlight.set(id, (inFlight.get(id) ?? 1) - 1);
          receiver.applied.set(id, (receiver.applied.get(id) ?? 0) + 1);
          const institution = (req.url ?? '').split('/').pop()!;
          const headers = await receiptHeaders(sharedFederation(), institution, { url: `${base}${req.url}`, method: 'POST', headers: req.headers, body: Buffer.concat(chunks) }, 200, '', {});
          res.writeHead(200, headers).end();
        }, 150),
      );
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(slow.address() as any).port}`;
    const url = `${base}/deliveries`;
    try {
      const env = { WASLA_SWEEP_INTERVAL_MS: '100', WASLA_WORKER_CONCURRENCY: '8' };
      const contractsEnv = { ...process.env, ...endpointEnv(url) };
      const api = await startTestHub(henv, { ...env, WASLA_ROLE: 'api' }, { contractsEnv });
      const w1 = await startTestHub(henv, { ...env, WASLA_ROLE: 'worker' }, { contractsEnv });
      const w2 = await startTestHub(henv, { ...env, WASLA_ROLE: 'worker' }, { contractsEnv });
      later(async () => {
        for (const h of [api, w1, w2]) await h.stop();
      });
      const deliveries: string[] = [];
      for (let i = 0; i < 30; i++) {
        const r = await post(api, warrant({ warrantNumber: `W-TWO-${i}` }));
        for (const d of r.json.deliveries) deliveries.push(d.id);
        // duplicate jobs on purpose, under other job ids, from both workers' dispatchers
        await w1.dispatcher.dispatch(r.json.deliveries.map((d: any) => ({ deliveryId: d.id, attempt: 100 })));
        await w2.dispatcher.dispatch(r.json.deliveries.map((d: any) => ({ deliveryId: d.id, attempt: 200 })));
      }
      const end = Date.now() + 20_000;
      while (receiver.applied.size < deliveries.length && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      expect(receiver.applied.size).toBe(deliveries.length);
      expect(overlaps).toBe(0);
      // and nothing was delivered twice: a delivered row is never claimed again
      expect([...receiver.applied.values()].every((n) => n === 1)).toBe(true);
      const attemptsByWorker = new Set<string>();
      for (const id of deliveries.slice(0, 10)) {
        const rows = await w1.database.db.query.attempts.findMany({ where: (a, { eq }) => eq(a.deliveryId, id) });
        expect(rows).toHaveLength(1);
        attemptsByWorker.add(rows[0].worker);
      }
    } finally {
      slow.close();
    }
  });
});
