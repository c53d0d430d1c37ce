/**
 * The bench's recipients, in their own process: one HTTP server on 127.0.0.1 per recipient, each
 * answering 200 with a JSON receipt. They record the first arrival of every delivery id (time and
 * message id, for end-to-end latency), count repeats, and — when switched on — verify the hub's
 * RFC 9421 signature on every delivery with the SDK's `verifyDelivery` (a failure answers 401).
 * Given a recipient key, a receiver signs its receipt (`signPlainReceipt`) as the hub expects.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { signPlainReceipt, verifyDelivery, type SignatureAlgorithm } from '../src/client/index.js';
import { serveIpc } from './ipc.js';
import { wallMs } from './stats.js';

interface StartArgs {
  count: number;
  hubCertPem?: string;
  caCertPem?: string;
  keys: Array<{ keyPem: string; serial: string; alg: SignatureAlgorithm }>;
}
/** per scenario: the hub signs and checks receipts, the ceiling does neither */
interface Mode {
  verify: boolean;
  signReceipts: boolean;
}
let mode: Mode = { verify: false, signReceipts: false };

const servers: http.Server[] = [];
const sockets = new Set<Socket>();
let seen = new Set<string>();
let messageIds: string[] = [];
let times: number[] = [];
let duplicates = 0;
let signed = 0;
let verified = 0;
let refused = 0;
let receiptsSigned = 0;
let lastRefusal = '';

function record(deliveryId: string, messageId: string, at: number): void {
  if (seen.has(deliveryId)) {
    duplicates++;
    return;
  }
  seen.add(deliveryId);
  messageIds.push(messageId);
  times.push(at);
}

function listen(a: StartArgs, k: StartArgs['keys'][number] | undefined): Promise<string> {
  const key: { key: KeyObject; keyid: string; alg: SignatureAlgorithm } | undefined = k && { key: createPrivateKey(k.keyPem), keyid: k.serial, alg: k.alg };
  const server = http.createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const at = wallMs();
      const body = Buffer.concat(chunks);
      const deliveryId = String(req.headers['wasla-delivery-id'] ?? '');
      if (req.headers.signature !== undefined) signed++;
      if (mode.verify) {
        try {
          await verifyDelivery({ method: req.method!, url: `http://${req.headers.host}${req.url}`, headers: req.headers, body }, a.hubCertPem!, a.caCertPem ? { caCertPems: a.caCertPem } : {});
          verified++;
        } catch (err) {
          refused++;
          lastRefusal = (err as Error).message;
          res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: lastRefusal }));
          return;
        }
      }
      record(deliveryId, String(req.headers['wasla-message-id'] ?? ''), at);
      const receipt = Buffer.from(JSON.stringify({ status: 'received', deliveryId, receivedAt: new Date(at).toISOString() }));
      let headers: Record<string, string> = { 'content-type': 'application/json' };
      if (key && mode.signReceipts) {
        headers = signPlainReceipt({ status: 200, headers, body: receipt }, { method: req.method!, url: `http://${req.headers.host}${req.url}`, headers: req.headers, body }, key).headers;
        receiptsSigned++;
      }
      res.writeHead(200, headers).end(receipt);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  servers.push(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/deliveries`));
  });
}

serveIpc({
  async start(a: StartArgs) {
    const urls: string[] = [];
    for (let i = 0; i < a.count; i++) urls.push(await listen(a, a.keys[i]));
    return urls;
  },
  reset(m: Mode) {
    mode = m;
    seen = new Set();
    messageIds = [];
    times = [];
    duplicates = signed = verified = refused = receiptsSigned = 0;
    return true;
  },
  counts() {
    return { distinct: seen.size, duplicates, signed, verified, refused, lastRefusal, receiptsSigned };
  },
  arrivals() {
    return { messageIds, times: Float64Array.from(times) };
  },
  async stop() {
    for (const s of sockets) s.destroy();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    return true;
  },
});
