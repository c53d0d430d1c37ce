/** One conformance suite for the dispatcher port: in-process (embedded) and BullMQ (server). */
import { afterEach, describe, expect, it } from 'vitest';
import type { Dispatcher, HandlerContext } from '../../src/queue/index.js';
import { uuidv7 } from '../../src/ids.js';

// delivery ids are UUIDs: a dispatcher may drop a job that names none
const ids = new Map<string, string>();
const id = (name: string) => ids.get(name) ?? (ids.set(name, uuidv7()), ids.get(name)!);
const label = (deliveryId: string) => [...ids].find(([, v]) => v === deliveryId)?.[0] ?? deliveryId;

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await wait(10);
  }
}

export function dispatcherSuite(name: string, make: () => Promise<{ dispatcher: Dispatcher; cleanup: () => Promise<void> }>) {
  describe(`dispatcher conformance: ${name}`, () => {
    let current: { dispatcher: Dispatcher; cleanup: () => Promise<void> } | undefined;
    afterEach(async () => {
      await current?.dispatcher.close(1000);
      await current?.cleanup();
      current = undefined;
    });

    it('hands every dispatched delivery to the handler', async () => {
      current = await make();
      const seen: string[] = [];
      await current.dispatcher.start(async (job) => {
        seen.push(label(job.deliveryId));
      }, 4);
      await current.dispatcher.dispatch([
        { deliveryId: id('a'), attempt: 0 },
        { deliveryId: id('b'), attempt: 0 },
      ]);
      await until(() => seen.length === 2);
      expect(seen.sort()).toEqual(['a', 'b']);
    });

    it('queues one (delivery, attempt) once while it waits', async () => {
      current = await make();
      const seen: string[] = [];
      await current.dispatcher.dispatch([{ deliveryId: id('x'), attempt: 1, delayMs: 300 }]);
      await current.dispatcher.dispatch([
        { deliveryId: id('x'), attempt: 1, delayMs: 300 },
        { deliveryId: id('x'), attempt: 1 },
      ]);
      await current.dispatcher.start(async (job) => {
        seen.push(label(job.deliveryId));
      }, 4);
      await until(() => seen.length >= 1);
      await wait(600);
      expect(seen).toEqual(['x']);
    });

    it('holds a delayed job until its time', async () => {
      current = await make();
      const at: number[] = [];
      await current.dispatcher.start(async () => {
        at.push(Date.now());
      }, 1);
      const t0 = Date.now();
      await current.dispatcher.dispatch([{ deliveryId: id('d'), attempt: 2, delayMs: 400 }]);
      await until(() => at.length === 1);
      expect(at[0] - t0).toBeGreaterThanOrEqual(350);
    });

    it('never runs more handlers at once than its concurrency', async () => {
      current = await make();
      let running = 0;
      let peak = 0;
      let done = 0;
      await current.dispatcher.start(async () => {
        running++;
        peak = Math.max(peak, running);
        await wait(30);
        running--;
        done++;
      }, 3);
      await current.dispatcher.dispatch(Array.from({ length: 12 }, (_, i) => ({ deliveryId: id(`c${i}`), attempt: 0 })));
      await until(() => done === 12);
      expect(peak).toBeLessThanOrEqual(3);
    });

    it('hands over fresh deliveries dispatched together once each, within its concurrency', async () => {
      current = await make();
      const seen = new Map<string, number>();
      let running = 0;
      let peak = 0;
      await current.dispatcher.start(async (job) => {
        running++;
        peak = Math.max(peak, running);
        seen.set(job.deliveryId, (seen.get(job.deliveryId) ?? 0) + 1);
        expect(job.attempt).toBe(0);
        await wait(5);
        running--;
      }, 5);
      const jobs = Array.from({ length: 150 }, (_, i) => ({ deliveryId: id(`f${i}`), attempt: 0, recipient: `r${i % 3}`, fresh: true }));
      await Promise.all([current.dispatcher.dispatch(jobs.slice(0, 70)), current.dispatcher.dispatch(jobs.slice(70))]);
      await until(() => seen.size === 150 && running === 0);
      await wait(100);
      expect([...seen.values()].every((n) => n === 1)).toBe(true);
      expect(peak).toBeLessThanOrEqual(5);
    });

    it('runs a task handed back for later at once, even while every slot is held by one waiting for it, and none once closing', async () => {
      current = await make();
      const ran: string[] = [];
      let ctx: HandlerContext | undefined;
      // one slot: each handler hands a task back, as a handler parking a busy delivery does, and
      // then waits for it — as a handler waiting for room among the parked waits for them to move
      await current.dispatcher.start(async (job, c) => {
        ctx = c;
        const name = label(job.deliveryId);
        let done!: () => void;
        const taskRan = new Promise<void>((r) => (done = r));
        expect(
          c?.later(async () => {
            await wait(10);
            ran.push(`${name}-later`);
            done();
          }),
        ).toBe(true);
        await taskRan;
        ran.push(name);
      }, 1);
      await current.dispatcher.dispatch([
        { deliveryId: id('l1'), attempt: 0 },
        { deliveryId: id('l2'), attempt: 0, fresh: true },
      ]);
      await until(() => ran.length === 4);
      expect([...ran].sort()).toEqual(['l1', 'l1-later', 'l2', 'l2-later']);
      for (const n of ['l1', 'l2']) expect(ran.indexOf(`${n}-later`)).toBeLessThan(ran.indexOf(n));
      await current.dispatcher.close(1000);
      expect(ctx?.later(async () => void ran.push('after-close'))).toBe(false);
      await wait(50);
      expect(ran).not.toContain('after-close');
    });

    it('on close, lets running fresh deliveries finish', async () => {
      current = await make();
      let started = 0;
      let finished = 0;
      await current.dispatcher.start(async () => {
        started++;
        await wait(300);
        finished++;
      }, 4);
      await current.dispatcher.dispatch([0, 1, 2].map((i) => ({ deliveryId: id(`fc${i}`), attempt: 0, fresh: true })));
      await until(() => started === 3);
      await current.dispatcher.close(5000);
      expect(finished).toBe(3);
    });

    it('on close, lets a running handler finish', async () => {
      current = await make();
      let finished = false;
      let started = false;
      await current.dispatcher.start(async () => {
        started = true;
        await wait(300);
        finished = true;
      }, 1);
      await current.dispatcher.dispatch([{ deliveryId: id('slow'), attempt: 0 }]);
      await until(() => started);
      await current.dispatcher.close(5000);
      expect(finished).toBe(true);
    });
  });
}
