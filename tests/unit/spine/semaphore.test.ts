import { describe, expect, it } from 'vitest';
import { Semaphore } from '../../../src/semaphore.js';

describe('Semaphore', () => {
  it('lets `permits` holders in at once and hands a released permit to the first waiter', async () => {
    const s = new Semaphore(2);
    await s.acquire();
    await s.acquire();
    expect(s.free).toBe(0);
    const order: string[] = [];
    const a = s.acquire().then(() => order.push('a'));
    const b = s.acquire().then(() => order.push('b'));
    await Promise.resolve();
    expect(order).toEqual([]);
    s.release();
    await a;
    expect(order).toEqual(['a']);
    s.release();
    await b;
    expect(order).toEqual(['a', 'b']);
    s.release();
    s.release();
    expect(s.free).toBe(2);
  });

  it('lets `take` go over the limit at once, and lets waiters in only when the count is back above zero', async () => {
    const s = new Semaphore(1);
    await s.acquire();
    s.take();
    expect(s.free).toBe(-1);
    let waiterIn = false;
    const w = s.acquire().then(() => (waiterIn = true));
    s.release(); // the taken permit comes back: still none free
    await Promise.resolve();
    expect(waiterIn).toBe(false);
    expect(s.free).toBe(0);
    s.release();
    await w;
    expect(waiterIn).toBe(true);
    s.release();
    expect(s.free).toBe(1);
  });

  it('refuses a semaphore without permits', () => {
    expect(() => new Semaphore(0)).toThrow(RangeError);
  });
});
