import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { FlowControl } from '../../../src/intake/flow-control.js';
import { BacklogError } from '../../../src/errors.js';

const log = pino({ level: 'silent' });

function flow(counts: Map<string, number>, holdMs = 200) {
  const f = new FlowControl({ limit: 10, holdMs, pollMs: 10, count: async () => new Map(counts), log });
  f.start();
  return f;
}

describe('intake flow control', () => {
  it('holds only messages routed to a recipient over the limit', async () => {
    const f = flow(new Map([['slow', 11], ['fine', 10]]));
    await new Promise((r) => setTimeout(r, 30));
    await expect(f.admit(['fine', 'other'])).resolves.toBeUndefined();
    expect(f.held).toBe(0);
    await expect(f.admit(['fine', 'slow'])).rejects.toBeInstanceOf(BacklogError);
    expect(f.held).toBe(1);
    expect(f.refused).toBe(1);
    f.stop();
  });

  it('holds nothing while it cannot read the backlog', async () => {
    const f = new FlowControl({ limit: 0, holdMs: 50, pollMs: 10, count: async () => { throw new Error('database away'); }, log });
    f.start();
    await new Promise((r) => setTimeout(r, 30));
    await expect(f.admit(['any'])).resolves.toBeUndefined();
    f.stop();
  });

  it('lets held messages go on when it stops (the hub shutting down)', async () => {
    const f = flow(new Map([['slow', 50]]), 10_000);
    await new Promise((r) => setTimeout(r, 30));
    const held = f.admit(['slow']);
    f.stop();
    await expect(held).resolves.toBeUndefined();
  });
});
