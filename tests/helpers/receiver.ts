/**
 * A real HTTP receiver on 127.0.0.1 standing in for an institution. Its answer can be set
 * (status, a number of failures first, hanging), it records every arrival, and like a careful
 * receiver it applies each delivery id once — so tests can count duplicates and double applies.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Arrival {
  at: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  json: any;
  deliveryId: string;
  messageId: string;
}

export type Behaviour = (arrival: Arrival, n: number) => { status: number; headers?: Record<string, string>; body?: string; delayMs?: number } | 'hang' | 'drop';

export interface Receiver {
  url: string;
  port: number;
  arrivals: Arrival[];
  /** delivery id -> times applied (a deduping receiver applies once) */
  applied: Map<string, number>;
  behave(b: Behaviour): void;
  /** resolves when `count` distinct deliveries have been applied */
  waitForApplied(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
  /** optional verification hook (signatures); a thrown error answers 401 */
  verify?: (req: { method: string; url: string; headers: http.IncomingHttpHeaders; body: Buffer }) => void | Promise<void>;
}

export const ok: Behaviour = () => ({ status: 200, body: '{"ok":true}' });

export async function startReceiver(initial: Behaviour = ok, port = 0): Promise<Receiver> {
  let behaviour = initial;
  const arrivals: Arrival[] = [];
  const applied = new Map<string, number>();
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const sockets = new Set<import('node:net').Socket>();

  const rec: Receiver = {
    url: '',
    port: 0,
    arrivals,
    applied,
    behave(b) {
      behaviour = b;
    },
    waitForApplied(count, timeoutMs = 20_000) {
      if (applied.size >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`receiver: ${applied.size} of ${count} deliveries applied after ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ count, resolve: () => { clearTimeout(t); resolve(); } });
      });
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      let json: any;
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        json = undefined;
      }
      const arrival: Arrival = {
        at: Date.now(), headers: req.headers, body, json,
        deliveryId: String(req.headers['wasla-delivery-id'] ?? ''), messageId: String(req.headers['wasla-message-id'] ?? ''),
      };
      arrivals.push(arrival);
      if (rec.verify) {
        try {
          await rec.verify({ method: req.method ?? 'POST', url: `http://127.0.0.1:${rec.port}${req.url}`, headers: req.headers, body });
        } catch (err) {
          res.writeHead(401, { 'content-type': 'text/plain' }).end(`signature check failed: ${(err as Error).message}`);
          return;
        }
      }
      const answer = behaviour(arrival, arrivals.length);
      if (answer === 'hang') return; // never answer: the hub's timeout must cover it
      if (answer === 'drop') {
        req.socket.destroy();
        return;
      }
      if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
      if (answer.status >= 200 && answer.status < 300) {
        applied.set(arrival.deliveryId, (applied.get(arrival.deliveryId) ?? 0) + 1);
        for (const w of [...waiters]) if (applied.size >= w.count) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(answer.body ?? '');
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  rec.port = (server.address() as AddressInfo).port;
  rec.url = `http://127.0.0.1:${rec.port}/deliveries`;
  return rec;
}
