/**
 * A TCP proxy on 127.0.0.1 in front of PostgreSQL or Redis, so a test can take a service "down"
 * for one hub (cut every connection, refuse new ones) without touching the shared server that other
 * test files use.
 */
import net from 'node:net';

export interface Proxy {
  port: number;
  url(original: string): string;
  down(): void;
  up(): void;
  close(): Promise<void>;
}

export async function startProxy(targetHost: string, targetPort: number): Promise<Proxy> {
  let isUp = true;
  const pairs = new Set<[net.Socket, net.Socket]>();
  const server = net.createServer((client) => {
    if (!isUp) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, targetHost);
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  const proxy: Proxy = {
    port,
    url(original) {
      const u = new URL(original);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    down() {
      isUp = false;
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      pairs.clear();
    },
    up() {
      isUp = true;
    },
    async close() {
      proxy.down();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  return proxy;
}
