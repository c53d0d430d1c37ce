import { describe, expect, it } from 'vitest';
import { LayeredReplayGuard, MemoryReplayGuard, type ReplayGuard } from '../../../src/trust/index.js';

describe('layered replay guard', () => {
  it('refuses what either layer has seen', async () => {
    const shared = new MemoryReplayGuard();
    const a = new LayeredReplayGuard(new MemoryReplayGuard(), shared);
    const b = new LayeredReplayGuard(new MemoryReplayGuard(), shared);
    expect(await a.seen('h1', 60)).toBe(false);
    expect(await a.seen('h1', 60)).toBe(true); // same process
    expect(await b.seen('h1', 60)).toBe(true); // another process, through the shared layer
  });

  it('keeps guarding locally while the shared layer is unreachable, and says so', async () => {
    const broken: ReplayGuard = {
      seen: async () => {
        throw new Error('ECONNREFUSED');
      },
    };
    const told: unknown[] = [];
    const g = new LayeredReplayGuard(new MemoryReplayGuard(), broken, (e) => told.push(e));
    expect(await g.seen('h2', 60)).toBe(false);
    expect(await g.seen('h2', 60)).toBe(true);
    expect(told).toHaveLength(1);
  });
});
