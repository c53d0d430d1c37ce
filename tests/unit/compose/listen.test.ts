/**
 * How the hub's listeners close (their keep-alive timeout: tests/embedded/keep-alive.test.ts):
 * requests in progress finish, each connection is closed as soon as it falls idle (not a keep-alive
 * timeout later), and what is still running when the grace period ends is cut.
 */
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { closeListener, listen } from '../../../src/compose/listen.js';

interface Exchange {
  status?: number;
  error?: string;
  /** settles when the server closes the connection */
  closed: Promise<void>;
}

/** one GET on a kept-alive connection of its own */
function get(url: string): { answered: Promise<Exchange> } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const answered = new Promise<Exchange>((resolve) => {
    const req = http.get(url, { agent });
    const closed = new Promise<void>((r) => req.once('socket', (s) => s.once('close', () => r())));
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, closed }));
    });
    req.on('error', (err) => resolve({ error: (err as NodeJS.ErrnoException).code ?? err.message, closed }));
  });
  return { answered };
}

describe('listeners', () => {
  it('let a request in progress finish, then close its connection at once, not 65 s later', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let arrived!: () => void;
    const inProgress = new Promise<void>((r) => (arrived = r));
    const l = await listen(
      async () => {
        arrived();
        await held;
        return new Response('done');
      },
      '127.0.0.1',
      0,
      65_000,
    );
    const { answered } = get(`${l.url}/`);
    await inProgress;
    // a grace far beyond the test's own timeout: closing must not wait for it, nor for keep-alive
    const closing = closeListener(l, 120_000);
    release();
    const a = await answered;
    expect(a).toMatchObject({ status: 200 });
    await a.closed;
    await closing;
  });

  it('cut what still runs when the grace period ends', async () => {
    let arrived!: () => void;
    const inProgress = new Promise<void>((r) => (arrived = r));
    const l = await listen(
      () => {
        arrived();
        return new Promise<Response>(() => {});
      },
      '127.0.0.1',
      0,
      65_000,
    );
    const { answered } = get(`${l.url}/`);
    await inProgress;
    await closeListener(l, 200);
    expect((await answered).error).toBe('ECONNRESET');
  });
});
