/**
 * The delivery transport against a real HTTP server on 127.0.0.1 that closes kept-alive sockets
 * the moment a request arrives on them: what a recipient's idle timeout does when it meets the
 * hub's reuse of a socket. Such a request is sent again (nothing was answered); a request that
 * fails on a fresh connection is reported, not repeated.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpTransport, TransportError } from '../../../src/adapters/http-transport.js';
import type { OutboundRequest } from '../../../src/adapters/types.js';

interface Server {
  url: string;
  /** requests that reached the handler, and on which socket (1-based) */
  seen: Array<{ socket: number; nth: number }>;
  close(): Promise<void>;
}

/** `kill(socketNo, nthOnSocket)` says whether to drop the connection instead of answering */
async function server(kill: (socket: number, nth: number) => boolean, keepAliveTimeoutMs?: number): Promise<Server> {
  const seen: Server['seen'] = [];
  const ids = new WeakMap<Socket, { id: number; n: number }>();
  let sockets = 0;
  const s = http.createServer((req, res) => {
    const sock = req.socket;
    let info = ids.get(sock);
    if (!info) {
      info = { id: ++sockets, n: 0 };
      ids.set(sock, info);
    }
    info.n++;
    seen.push({ socket: info.id, nth: info.n });
    req.resume();
    req.on('end', () => {
      if (kill(info.id, info.n)) sock.destroy();
      else res.end('ok');
    });
  });
  if (keepAliveTimeoutMs !== undefined) s.keepAliveTimeout = keepAliveTimeoutMs;
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/deliver`,
    seen,
    close: () => new Promise((r) => s.close(() => r())),
  };
}

const request = (url: string): OutboundRequest => ({ method: 'POST', url, headers: { 'content-type': 'application/json' }, body: Buffer.from('{}') });

describe('HttpTransport', () => {
  let srv: Server | undefined;
  let transport: HttpTransport | undefined;
  afterEach(async () => {
    transport?.close();
    await srv?.close();
  });

  it('sends again, on another connection, a request whose kept-alive socket was closed under it', async () => {
    // every socket serves its first request and is dropped at its second
    srv = await server((_socket, nth) => nth > 1);
    transport = new HttpTransport();
    expect((await transport.send(request(srv.url), 5000)).status).toBe(200);
    const second = await transport.send(request(srv.url), 5000);
    expect(second.status).toBe(200);
    expect(second.body.toString()).toBe('ok');
    // the second request reached the server twice: on socket 1 (dropped), then on socket 2
    expect(srv.seen).toEqual([
      { socket: 1, nth: 1 },
      { socket: 1, nth: 2 },
      { socket: 2, nth: 1 },
    ]);
  });

  it('lets an idle socket go before the recipient’s announced keep-alive timeout', async () => {
    // the server announces `Keep-Alive: timeout=2` and would close at 2 s; the agent lets go at 1 s
    srv = await server(() => false, 2000);
    transport = new HttpTransport();
    expect((await transport.send(request(srv.url), 5000)).headers['keep-alive']).toBe('timeout=2');
    await transport.send(request(srv.url), 5000);
    await new Promise((r) => setTimeout(r, 1300));
    await transport.send(request(srv.url), 5000);
    // reused within the second, a new socket after it: never a request on a socket the server is closing
    expect(srv.seen).toEqual([
      { socket: 1, nth: 1 },
      { socket: 1, nth: 2 },
      { socket: 2, nth: 1 },
    ]);
  });

  it('reports, and does not repeat, a request dropped on a fresh connection', async () => {
    srv = await server(() => true);
    transport = new HttpTransport();
    const err = await transport.send(request(srv.url), 5000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).code).toBe('recipient-unreachable');
    expect(srv.seen).toEqual([{ socket: 1, nth: 1 }]);
  });

  it('gives up after a bounded number of stale sockets', async () => {
    // five sockets opened by five requests at once, then every reuse is dropped and fresh ones too
    let phase: 'fill' | 'drop' = 'fill';
    srv = await server(() => phase === 'drop');
    transport = new HttpTransport();
    await Promise.all([0, 1, 2, 3, 4].map(() => transport!.send(request(srv!.url), 5000)));
    phase = 'drop';
    const before = srv.seen.length;
    const err = await transport.send(request(srv.url), 5000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    // the first try and three more, each on a kept-alive socket: 4 requests, not 5 or more
    expect(srv.seen.length - before).toBe(4);
    expect(srv.seen.slice(before).every((s) => s.nth > 1)).toBe(true);
  });
});
