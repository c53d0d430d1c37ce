/**
 * A real HTTP receiver on 127.0.0.1 standing in for an institution. Its answer can be set
 * (status, a number of failures first, hanging), it records every arrival, and like a careful
 * receiver it applies each delivery id once — so tests can count duplicates and double applies.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { signReceipt, verifyDelivery } from '../../src/client/index.js';
import { sharedFederation, type TestFederation } from './federation.js';

export interface Arrival {
  at: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  json: any;
  deliveryId: string;
  messageId: string;
  /** the institution this arrival was addressed to (last path segment) */
  institution: string;
}

/** an answer's body: text (sent as UTF-8), or bytes sent as they are (a hostile receiver's) */
export type Behaviour = (arrival: Arrival, n: number) => { status: number; headers?: Record<string, string>; body?: string | Buffer; delayMs?: number } | 'hang' | 'drop';

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
  /** deliveries whose hub signature did not verify (answered 401) */
  rejected: Array<{ institution: string; reason: string }>;
}

function fetchHeaders(h: http.IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out.set(k, Array.isArray(v) ? v.join(', ') : v);
  return out;
}

/**
 * What a careful institution does with a delivery, with the SDK: verify the hub's signature (and the
 * hub certificate's chain to the federation CA) before anything else.
 */
export async function verifyWithSdk(fed: TestFederation, url: string, method: string, headers: http.IncomingHttpHeaders, body: Buffer) {
  return verifyDelivery(new Request(url, { method, headers: fetchHeaders(headers), body: new Uint8Array(body) }), fed.hubCertPem, { caCertPems: [fed.caCertPem] });
}

/** The receipt headers an institution's answer carries: a signature bound to the delivery request. */
export async function receiptHeaders(
  fed: TestFederation,
  institution: string,
  req: { url: string; method: string; headers: http.IncomingHttpHeaders; body: Buffer },
  status: number,
  body: string | Buffer,
  headers: Record<string, string>,
): Promise<Record<string, string>> {
  const k = fed.keys.get(institution);
  if (!k) return headers;
  const request = new Request(req.url, { method: req.method, headers: fetchHeaders(req.headers), body: new Uint8Array(req.body) });
  const signed = await signReceipt(new Response(status === 204 ? null : typeof body === 'string' ? body : new Uint8Array(body), { status, headers }), k.key, {
    keyid: k.serial,
    alg: 'ed25519',
    request,
  });
  const out: Record<string, string> = {};
  signed.headers.forEach((v, name) => {
    out[name] = v;
  });
  return out;
}

export const ok: Behaviour = () => ({ status: 200, body: '{"ok":true}' });

export interface ReceiverOptions {
  /** verify deliveries and sign receipts with this federation (default: the shared one); false: neither */
  federation?: TestFederation | false;
}

export async function startReceiver(initial: Behaviour = ok, port = 0, opts: ReceiverOptions = {}): Promise<Receiver> {
  const fed = opts.federation === false ? undefined : (opts.federation ?? sharedFederation());
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
    rejected: [],
    behave(b) {
      behaviour = b;
    },
    waitForApplied(count, timeoutMs = 20_000) {
      if (applied.size >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`receiver: ${applied.size} of ${count} deliveries applied after ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(t);
            resolve();
          },
        });
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
      const url = `http://127.0.0.1:${rec.port}${req.url}`;
      const institution = decodeURIComponent((req.url ?? '').split('/').pop() ?? '');
      const arrival: Arrival = {
        at: Date.now(),
        headers: req.headers,
        body,
        json,
        institution,
        deliveryId: String(req.headers['wasla-delivery-id'] ?? ''),
        messageId: String(req.headers['wasla-message-id'] ?? ''),
      };
      arrivals.push(arrival);
      if (fed) {
        try {
          await verifyWithSdk(fed, url, req.method ?? 'POST', req.headers, body);
        } catch (err) {
          rec.rejected.push({ institution, reason: (err as Error).message });
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
        for (const w of [...waiters])
          if (applied.size >= w.count) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve();
          }
      }
      const payload = answer.body ?? '';
      let headers: Record<string, string> = { 'content-type': 'application/json', ...answer.headers };
      if (fed) headers = await receiptHeaders(fed, institution, { url, method: req.method ?? 'POST', headers: req.headers, body }, answer.status, payload, headers);
      if (res.destroyed) return;
      res.writeHead(answer.status, headers).end(payload);
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
