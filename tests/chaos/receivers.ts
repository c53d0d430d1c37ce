/**
 * The three receivers, in their own process so that they outlive every fault. Each one, like a
 * careful institution, applies a delivery once by its `Wasla-Delivery-Id` and answers 200 to a
 * repeat. To stress the hub, each request fails with 503 (not applied) with probability `fail`,
 * or — with probability `hang` — is applied and then left unanswered past the hub's attempt
 * timeout, so the hub retries something the receiver already applied (a duplicate arrival).
 * With trust material, a receiver verifies the hub's delivery signature (401 when it fails, which
 * is recorded) and answers with a receipt signed by its own key, as the SDK documents.
 * Everything is recorded; the parent asks for the record over IPC at the end.
 *
 * Parent side: `startReceivers()`; child side: this file run with `--serve`.
 */
import http from 'node:http';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { createPrivateKey } from 'node:crypto';
import { DELIVERY_COMPONENTS, hubKeyResolver, signPlainReceipt, verifyPlainRequest } from '../../src/client/index.js';

export interface ReceiverOptions {
  names: readonly string[];
  fail: number;
  hang: number;
  /** how long a hanging request is held (more than the hub's attempt timeout) */
  hangMs: number;
  /**
   * receivers down for good: `error` answers 500 to everything, `hang` never answers (until the
   * hub gives up on the request); neither applies anything
   */
  down?: { names: string[]; mode: 'error' | 'hang' };
  /** with it, each receiver verifies the hub's signature and signs its receipts (invariant 5) */
  trust?: {
    caCertPem: string;
    hubCertPem: string;
    keys: Record<string, { keyPem: string; serial: string }>;
  };
}

export interface AppliedRecord {
  deliveryId: string;
  messageId: string;
  /** times applied: always 1 for a deduping receiver; more would be a double apply */
  applied: number;
  /** arrivals of this delivery id after it was applied */
  duplicates: number;
  /** the arrival that applied it hung (so a repeat is expected) */
  hungOnApply: boolean;
}

export interface ReceiverReport {
  name: string;
  arrivals: number;
  answered503: number;
  hung: number;
  /** arrivals whose headers and envelope disagree, lack ids, or whose signature does not verify */
  malformed: string[];
  unverified: number;
  applied: AppliedRecord[];
}

export interface Receivers {
  urls: Record<string, string>;
  report(): Promise<ReceiverReport[]>;
  kill(): void;
}

type ToChild = { kind: 'report' };
type FromChild = { kind: 'ready'; ports: Record<string, number> } | { kind: 'report'; reports: ReceiverReport[] };

export async function startReceivers(o: ReceiverOptions, timeoutMs = 30_000): Promise<Receivers> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--serve', JSON.stringify(o)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ports = await new Promise<Record<string, number>>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('receivers did not start in time')), timeoutMs);
    child.once('exit', (code) => reject(new Error(`receivers exited with ${code} before they were ready`)));
    child.on('message', (m: FromChild) => {
      if (m.kind === 'ready') {
        clearTimeout(t);
        resolve(m.ports);
      }
    });
  });
  const urls: Record<string, string> = {};
  for (const [name, port] of Object.entries(ports)) urls[name] = `http://127.0.0.1:${port}/deliveries`;
  return {
    urls,
    report: () =>
      new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('receivers did not report in time')), timeoutMs);
        const onMessage = (m: FromChild) => {
          if (m.kind !== 'report') return;
          clearTimeout(t);
          child.off('message', onMessage);
          resolve(m.reports);
        };
        child.on('message', onMessage);
        child.send({ kind: 'report' } satisfies ToChild);
      }),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

// ---- child side ----

function serveOne(name: string, o: ReceiverOptions): Promise<{ server: http.Server; report: () => ReceiverReport }> {
  const applied = new Map<string, AppliedRecord>();
  const malformed: string[] = [];
  let arrivals = 0;
  let answered503 = 0;
  let hung = 0;
  let unverified = 0;
  const own = o.trust?.keys[name];
  const signingKey = own ? createPrivateKey(own.keyPem) : undefined;
  const resolveKey = o.trust ? hubKeyResolver(o.trust.hubCertPem, o.trust.caCertPem) : undefined;
  const note = (m: string) => {
    if (malformed.length < 100) malformed.push(m);
  };
  const down = o.down?.names.includes(name) ? o.down.mode : undefined;

  /** a 200, signed as a receipt for `delivery` when this receiver has a key */
  const receipt = (delivery: { url: string; headers: Record<string, string>; body: Buffer }) => {
    const body = Buffer.from('{"status":"accepted"}');
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (!signingKey || !own) return { headers, body };
    const signed = signPlainReceipt({ status: 200, headers, body }, { method: 'POST', ...delivery }, { key: signingKey, keyid: own.serial, alg: 'ed25519' });
    return { headers: signed.headers, body };
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => {
    arrivals += 1;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const url = `http://${req.headers.host}${req.url}`;
    const deliveryId = headers['wasla-delivery-id'] ?? '';
    const messageId = headers['wasla-message-id'] ?? '';
    if (resolveKey) {
      try {
        await verifyPlainRequest({ method: req.method ?? 'POST', url, headers, body }, { resolveKey, requiredComponents: DELIVERY_COMPONENTS });
      } catch (err) {
        unverified += 1;
        note(`delivery=${deliveryId} message=${messageId}: signature does not verify: ${(err as Error).message}`);
        res.writeHead(401).end();
        return;
      }
    }
    let envelopeId = '';
    try {
      envelopeId = String((JSON.parse(body.toString('utf8')) as { id?: unknown }).id ?? '');
    } catch {
      /* recorded below */
    }
    if (!deliveryId || !messageId || envelopeId !== messageId) {
      note(`delivery=${deliveryId} message=${messageId} envelope=${envelopeId}`);
      res.writeHead(400).end();
      return;
    }
    if (down === 'error') {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('chaos: down for good');
      return;
    }
    // down and silent: the request is held until the hub's attempt timeout closes it
    if (down === 'hang') return;
    const r = Math.random();
    if (r < o.fail) {
      answered503 += 1;
      res.writeHead(503, { 'content-type': 'text/plain' }).end('chaos: unavailable');
      return;
    }
    const hang = r < o.fail + o.hang;
    const prior = applied.get(deliveryId);
    if (prior) {
      prior.duplicates += 1;
      if (prior.messageId !== messageId) note(`delivery=${deliveryId} arrived for message ${messageId}, applied for ${prior.messageId}`);
    } else {
      applied.set(deliveryId, { deliveryId, messageId, applied: 1, duplicates: 0, hungOnApply: hang });
    }
    const answer = receipt({ url, headers, body });
    if (hang) {
      hung += 1;
      setTimeout(() => {
        if (!res.destroyed) res.writeHead(200, answer.headers).end(answer.body);
      }, o.hangMs).unref();
      return;
    }
    res.writeHead(200, answer.headers).end(answer.body);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => {});
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks)).catch((err: unknown) => {
        note(`receiver error: ${(err as Error).message}`);
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
  });
  server.keepAliveTimeout = 30_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () =>
      resolve({
        server,
        report: () => ({ name, arrivals, answered503, hung, unverified, malformed, applied: [...applied.values()] }),
      }),
    );
  });
}

async function serve(o: ReceiverOptions): Promise<void> {
  const all = await Promise.all(o.names.map((n) => serveOne(n, o)));
  const ports: Record<string, number> = {};
  o.names.forEach((n, i) => {
    ports[n] = (all[i].server.address() as AddressInfo).port;
  });
  process.on('message', (m: ToChild) => {
    if (m.kind === 'report') process.send!({ kind: 'report', reports: all.map((a) => a.report()) } satisfies FromChild);
  });
  // the parent is gone: nothing left to serve
  process.on('disconnect', () => process.exit(0));
  process.send!({ kind: 'ready', ports } satisfies FromChild);
}

if (process.argv[2] === '--serve') {
  serve(JSON.parse(process.argv[3]) as ReceiverOptions).catch((err: unknown) => {
    process.stderr.write(`receivers: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
