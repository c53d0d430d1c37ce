/**
 * One small HTTP receiver per institution on 127.0.0.1, each on a port chosen at run time, standing
 * in for the institution's case-management system. Like a careful receiver it first verifies the
 * hub's signature on the delivery (SDK `verifyDelivery`, the hub certificate chained to the
 * federation CA) and answers 401 when it does not hold; it applies each delivery id once; and it
 * answers 200 with a receipt signed by its own key (SDK `signReceipt`), bound to the delivery id.
 * It records what arrived exactly as it arrived.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { signReceipt, verifyDelivery } from '../../src/client/index.js';
import type { InstitutionKey } from './federation.js';

export interface Arrival {
  institution: string;
  at: Date;
  /** the Wasla-Delivery-Id and Wasla-Message-Id headers it saw */
  deliveryId: string;
  messageId: string;
  attempt: string;
  /** the CloudEvents envelope as received (undefined when the body was not JSON) */
  envelope: any;
  /** the hub's signature verified (undefined: the receiver was not told how to check it) */
  verified?: boolean;
  /** why it did not verify */
  rejected?: string;
  /** true when this delivery id had already been applied (a retry the receiver drops) */
  repeat: boolean;
}

export interface ReceiverTrust {
  hubCertPem: string;
  caCertPem: string;
  /** the institution's own key, to sign receipts with */
  key?: InstitutionKey;
}

export interface DemoReceiver {
  institution: string;
  url: string;
  arrivals: Arrival[];
  close(): Promise<void>;
}

function fetchHeaders(h: http.IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out.set(k, Array.isArray(v) ? v.join(', ') : v);
  return out;
}

export async function startReceiver(institution: string, trust?: ReceiverTrust, onArrival?: (a: Arrival) => void): Promise<DemoReceiver> {
  const arrivals: Arrival[] = [];
  const applied = new Set<string>();
  const sockets = new Set<Socket>();
  let port = 0;

  async function handle(req: http.IncomingMessage, body: Buffer): Promise<{ status: number; headers: Record<string, string>; body: string }> {
    let envelope: any;
    try {
      envelope = JSON.parse(body.toString('utf8'));
    } catch {
      envelope = undefined;
    }
    const deliveryId = String(req.headers['wasla-delivery-id'] ?? '');
    const arrival: Arrival = {
      institution,
      at: new Date(),
      deliveryId,
      messageId: String(req.headers['wasla-message-id'] ?? ''),
      attempt: String(req.headers['wasla-attempt'] ?? ''),
      envelope,
      repeat: false,
    };
    const request = new Request(`http://127.0.0.1:${port}${req.url ?? '/'}`, { method: req.method ?? 'POST', headers: fetchHeaders(req.headers), body: new Uint8Array(body) });
    if (trust) {
      try {
        await verifyDelivery(request.clone(), trust.hubCertPem, { caCertPems: [trust.caCertPem] });
        arrival.verified = true;
      } catch (err) {
        arrival.verified = false;
        arrival.rejected = (err as Error).message;
      }
    }
    arrival.repeat = applied.has(deliveryId);
    if (arrival.verified !== false) applied.add(deliveryId);
    arrivals.push(arrival);
    onArrival?.(arrival);
    if (arrival.verified === false) {
      return { status: 401, headers: { 'content-type': 'text/plain' }, body: `the hub's signature does not verify: ${arrival.rejected}` };
    }
    const answer = { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ received: deliveryId, duplicate: arrival.repeat }) };
    if (!trust?.key) return answer;
    const signed = await signReceipt(new Response(answer.body, { status: answer.status, headers: answer.headers }), trust.key.key, {
      keyid: trust.key.serial,
      alg: 'ed25519',
      request,
    });
    const headers: Record<string, string> = {};
    signed.headers.forEach((v, k) => {
      headers[k] = v;
    });
    return { ...answer, headers };
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, Buffer.concat(chunks)).then(
        (a) => {
          if (!res.destroyed) res.writeHead(a.status, a.headers).end(a.body);
        },
        (err) => {
          if (!res.destroyed) res.writeHead(500, { 'content-type': 'text/plain' }).end(`receiver failed: ${(err as Error).message}`);
        },
      );
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    institution,
    url: `http://127.0.0.1:${port}/deliveries`,
    arrivals,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

/** A receiver for each institution; all or none (a failed start closes those already started). */
export async function startReceivers(institutions: string[], trustFor?: (institution: string) => ReceiverTrust | undefined, onArrival?: (a: Arrival) => void): Promise<Map<string, DemoReceiver>> {
  const started = await Promise.allSettled(institutions.map((id) => startReceiver(id, trustFor?.(id), onArrival)));
  const ok = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(ok.map((r) => r.close()));
    throw new Error(`could not start a receiver on 127.0.0.1: ${(failed.reason as Error).message}`);
  }
  return new Map(ok.map((r) => [r.institution, r]));
}
