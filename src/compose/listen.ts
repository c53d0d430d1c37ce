/** HTTP listeners of the hub's parts: bound before they are announced, closed with a grace period. */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';

export interface Listener {
  server: ServerType;
  /** base URL, e.g. http://127.0.0.1:8080 */
  url: string;
}

/**
 * Serves `fetch` on host:port (0: a free port); resolves once listening, rejects when the port cannot
 * be bound. `keepAliveMs` replaces Node's 5-second keep-alive timeout: a proxy or client that keeps
 * idle connections longer (nginx upstreams and most load balancers: 60 s) would now and then send a
 * request on a connection the hub is closing, and get a reset or answer its own caller 502.
 */
export async function listen(fetch: (req: Request) => Response | Promise<Response>, hostname: string, port: number, keepAliveMs: number): Promise<Listener> {
  let server!: ServerType;
  const bound = await new Promise<number>((resolve, reject) => {
    server = serve({ fetch, hostname, port }, (info: AddressInfo) => resolve(info.port));
    (server as { keepAliveTimeout: number }).keepAliveTimeout = keepAliveMs;
    server.once('error', reject);
  });
  const host = hostname.includes(':') ? `[${hostname}]` : hostname;
  return { server, url: `http://${host}:${bound}` };
}

/** how often a closing listener looks for connections that have fallen idle */
const IDLE_SWEEP_MS = 50;

/**
 * Stop taking connections and let requests in progress finish, for at most `graceMs`; then cut the
 * rest. Node closes the idle connections at once, but one busy at that moment would stay open for
 * the whole keep-alive timeout after its answer (65 s by default): each is closed as it falls idle.
 */
export function closeListener(l: Listener, graceMs: number): Promise<void> {
  const s = l.server as unknown as { close(cb: () => void): void; closeIdleConnections?: () => void; closeAllConnections?: () => void };
  return new Promise<void>((resolve) => {
    const sweep = setInterval(() => s.closeIdleConnections?.(), IDLE_SWEEP_MS).unref();
    const grace = setTimeout(() => {
      s.closeAllConnections?.();
      done();
    }, graceMs).unref();
    const done = () => {
      clearInterval(sweep);
      clearTimeout(grace);
      resolve();
    };
    s.close(done);
    s.closeIdleConnections?.();
  });
}
