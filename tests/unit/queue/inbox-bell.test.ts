/** The inbox bell and the dispatcher in front of the queue (issue 22). */
import { describe, expect, it } from 'vitest';
import { LocalBell, ringingDispatcher, type Dispatcher, type DispatchJob } from '../../../src/queue/index.js';

function fakeDispatcher(): Dispatcher & { sent: DispatchJob[] } {
  const sent: DispatchJob[] = [];
  return { kind: 'in-process', sent, dispatch: async (jobs) => void sent.push(...jobs), start: async () => {}, close: async () => {}, depth: async () => 0, ping: async () => {} };
}

describe('inbox bell', () => {
  it('wakes a waiter of the recipient rung at once, not another; without a ring it waits its time out', async () => {
    const bell = new LocalBell();
    const t0 = Date.now();
    const police = bell.wait('police', 5000);
    let courtWoke = false;
    const court = bell.wait('court', 300).then(() => (courtWoke = true));
    expect(bell.waiting()).toBe(2);
    bell.ring(['police']);
    await police;
    expect(Date.now() - t0).toBeLessThan(200);
    expect(courtWoke).toBe(false);
    await court;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(bell.waiting()).toBe(0);
  });

  it('lets an aborted poll go at once', async () => {
    const bell = new LocalBell();
    const ac = new AbortController();
    const t0 = Date.now();
    const w = bell.wait('police', 5000, ac.signal);
    ac.abort();
    await w;
    expect(Date.now() - t0).toBeLessThan(200);
    expect(bell.waiting()).toBe(0);
  });

  it('turns the jobs of pulling recipients into rings; every other job reaches the queue unchanged', async () => {
    const bell = new LocalBell();
    const inner = fakeDispatcher();
    const d = ringingDispatcher(inner, bell, (r) => r === 'police');
    const woke = bell.wait('police', 5000);
    await d.dispatch([
      { deliveryId: 'a', attempt: 0, recipient: 'police', fresh: true },
      { deliveryId: 'b', attempt: 0, recipient: 'court', fresh: true },
      { deliveryId: 'c', attempt: 1 },
    ]);
    await woke;
    expect(inner.sent.map((j) => j.deliveryId)).toEqual(['b', 'c']);
  });
});
