import { describe, expect, it } from 'vitest';
import { Lifecycle, once } from '../../../src/compose/lifecycle.js';
import { createLogger } from '../../../src/log.js';

const log = createLogger('silent');

describe('the hub lifecycle', () => {
  it('stops parts in the reverse order of their start', async () => {
    const life = new Lifecycle();
    const order: string[] = [];
    for (const name of ['database', 'dispatcher', 'listener']) life.onStop(name, () => void order.push(name));
    await life.stop(log);
    expect(order).toEqual(['listener', 'dispatcher', 'database']);
  });

  it('stops what had started when a later part fails to start, and throws the cause', async () => {
    const life = new Lifecycle();
    const order: string[] = [];
    const failure = new Error('port taken');
    await expect(
      life.start(async () => {
        life.onStop('database', () => void order.push('database'));
        life.onStop('sealer', async () => void order.push('sealer'));
        throw failure;
      }, log),
    ).rejects.toBe(failure);
    expect(order).toEqual(['sealer', 'database']);
  });

  it('goes on stopping the others when one part fails to stop, and stops once', async () => {
    const life = new Lifecycle();
    const order: string[] = [];
    life.onStop('database', () => void order.push('database'));
    life.onStop('redis', () => {
      throw new Error('already gone');
    });
    life.onStop('listener', () => void order.push('listener'));
    await Promise.all([life.stop(log), life.stop(log)]);
    await life.stop(log);
    expect(order).toEqual(['listener', 'database']);
  });

  it('once() runs its function a single time', async () => {
    let n = 0;
    const close = once(async () => void n++);
    await Promise.all([close(), close()]);
    await close();
    expect(n).toBe(1);
  });
});
