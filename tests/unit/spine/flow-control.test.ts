import { afterEach, describe, expect, it, vi } from 'vitest';
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
    const f = flow(
      new Map([
        ['slow', 11],
        ['fine', 10],
      ]),
    );
    await new Promise((r) => setTimeout(r, 30));
    await expect(f.admit(['fine', 'other'])).resolves.toBeUndefined();
    expect(f.held).toBe(0);
    await expect(f.admit(['fine', 'slow'])).rejects.toBeInstanceOf(BacklogError);
    expect(f.held).toBe(1);
    expect(f.refused).toBe(1);
    f.stop();
  });

  it('holds nothing while it cannot read the backlog', async () => {
    const f = new FlowControl({
      limit: 0,
      holdMs: 50,
      pollMs: 10,
      count: async () => {
        throw new Error('database away');
      },
      log,
    });
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

  describe('the line of held messages', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    /** a flow control on fake time whose counts the test sets; reads every 10 ms while holding */
    function line(counts: Map<string, number>) {
      vi.useFakeTimers();
      const f = new FlowControl({ limit: 10, holdMs: 10_000, pollMs: 10, heldPollMs: 10, log, count: async () => new Map(counts) });
      f.start();
      const released: string[] = [];
      const send = (name: string, recipients: string[]) => f.admit(recipients).then(() => void released.push(name));
      return { f, released, send };
    }

    it('admits, between two reads, only as many messages as a recipient has room for', async () => {
      const counts = new Map([['a', 8]]);
      const { f, released, send } = line(counts);
      await vi.advanceTimersByTimeAsync(1);
      for (const n of ['m1', 'm2', 'm3', 'm4']) void send(n, ['a']);
      await vi.advanceTimersByTimeAsync(0);
      // 8 due: m1, m2 and m3 bring it to 11, over the limit of 10; m4 waits
      expect(released).toEqual(['m1', 'm2', 'm3']);
      expect(f.held).toBe(1);
      counts.set('a', 10); // the next read finds room for one more
      await vi.advanceTimersByTimeAsync(10);
      expect(released).toEqual(['m1', 'm2', 'm3', 'm4']);
      f.stop();
    });

    it('lets held messages go on in the order they came, as the backlog makes room', async () => {
      const counts = new Map([['a', 11]]);
      const { f, released, send } = line(counts);
      await vi.advanceTimersByTimeAsync(1);
      for (const n of ['m1', 'm2', 'm3']) void send(n, ['a']);
      await vi.advanceTimersByTimeAsync(20);
      expect(released).toEqual([]);
      counts.set('a', 9); // room for two
      await vi.advanceTimersByTimeAsync(10);
      expect(released).toEqual(['m1', 'm2']);
      counts.set('a', 11);
      await vi.advanceTimersByTimeAsync(10);
      void send('m4', ['a']); // behind m3, though it came between two reads
      counts.set('a', 10); // room for one: m3's, not m4's
      await vi.advanceTimersByTimeAsync(10);
      expect(released).toEqual(['m1', 'm2', 'm3']);
      await vi.advanceTimersByTimeAsync(10);
      expect(released).toEqual(['m1', 'm2', 'm3', 'm4']);
      expect(f.held).toBe(4);
      f.stop();
    });

    it('holds a message behind the line for one of its recipients, and lets one for others go by', async () => {
      const counts = new Map([
        ['a', 11],
        ['b', 0],
      ]);
      const { f, released, send } = line(counts);
      await vi.advanceTimersByTimeAsync(1);
      void send('to-a', ['a']);
      void send('to-b-and-a', ['b', 'a']);
      void send('to-b', ['b']);
      await vi.advanceTimersByTimeAsync(0);
      expect(released).toEqual(['to-b']);
      counts.set('a', 10);
      await vi.advanceTimersByTimeAsync(10);
      expect(released).toEqual(['to-b', 'to-a']); // a's one place goes to the first in its line
      await vi.advanceTimersByTimeAsync(10);
      expect(released).toEqual(['to-b', 'to-a', 'to-b-and-a']);
      f.stop();
    });
  });

  describe('polling', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    /** a flow control whose count() records the (fake) time of each poll */
    function timed(counts: Map<string, number>, o: { pollMs?: number; heldPollMs?: number } = {}) {
      vi.useFakeTimers();
      const start = Date.now();
      const polls: number[] = [];
      const f = new FlowControl({
        limit: 10,
        holdMs: 10_000,
        pollMs: o.pollMs ?? 10,
        heldPollMs: o.heldPollMs,
        idlePollMs: 80,
        log,
        count: async () => {
          polls.push(Date.now() - start);
          return new Map(counts);
        },
      });
      f.start();
      return { f, polls };
    }

    it('looks less often while idle: the wait doubles up to idlePollMs', async () => {
      const { f, polls } = timed(new Map());
      await vi.advanceTimersByTimeAsync(300);
      f.stop();
      expect(polls).toEqual([0, 20, 60, 140, 220, 300]);
    });

    it('comes back to every pollMs as soon as messages come in after a quiet spell', async () => {
      const { f, polls } = timed(new Map());
      await vi.advanceTimersByTimeAsync(150); // polls at 0, 20, 60, 140; the next is due at 220
      await f.admit(['anyone']); // counts 10 ms old: read again now
      await vi.advanceTimersByTimeAsync(1);
      expect(polls).toEqual([0, 20, 60, 140, 150]);
      for (let t = 0; t < 3; t++) {
        await vi.advanceTimersByTimeAsync(10);
        await f.admit(['anyone']);
      }
      await vi.advanceTimersByTimeAsync(10);
      f.stop();
      expect(polls.slice(4)).toEqual([150, 160, 170, 180, 190]);
    });

    it('a message just after an idle poll brings the next one forward to pollMs after it', async () => {
      const { f, polls } = timed(new Map());
      await vi.advanceTimersByTimeAsync(141); // polls at 0, 20, 60, 140; the next is due at 220
      await f.admit(['anyone']);
      await vi.advanceTimersByTimeAsync(20);
      f.stop();
      expect(polls).toEqual([0, 20, 60, 140, 150, 160]);
    });

    it('reads every heldPollMs while a message is held, and releases it at the first read within the limit', async () => {
      const counts = new Map([['slow', 11]]);
      const { f, polls } = timed(counts, { pollMs: 40, heldPollMs: 10 });
      await vi.advanceTimersByTimeAsync(45); // a recipient behind: a read every pollMs, at 0 and 40
      let released = false;
      const held = f.admit(['slow']).then(() => (released = true)); // held at 45: the next read comes at 50
      await vi.advanceTimersByTimeAsync(20); // reads at 50 and 60, still behind
      expect(released).toBe(false);
      counts.set('slow', 10);
      await vi.advanceTimersByTimeAsync(10); // the read at 70 shows it within the limit
      await held;
      await vi.advanceTimersByTimeAsync(20);
      f.stop();
      // nobody held or behind any more: the next read would come pollMs later, at 110
      expect(polls).toEqual([0, 40, 50, 60, 70]);
    });

    it('keeps polling every pollMs while a recipient is behind, messages or not', async () => {
      const { f, polls } = timed(new Map([['slow', 11]]));
      await vi.advanceTimersByTimeAsync(50);
      f.stop();
      expect(polls).toEqual([0, 10, 20, 30, 40, 50]);
    });
  });
});
