/**
 * The load generator: N messages, paced over a time window, round-robin over the api processes on
 * keep-alive connections, each with its own Idempotency-Key. A request that fails (connection
 * refused or reset, timeout, 5xx) is sent again with the SAME key and body, on the next api, for a
 * bounded time. Every acknowledgement (202) is recorded: key -> message id and its deliveries.
 */
import http from 'node:http';
import { authHeaders, type SenderKey } from './sign.js';

export interface Acknowledged {
  key: string;
  messageId: string;
  deliveries: Array<{ id: string; recipient: string }>;
}

export interface LoadOptions {
  apis: string[];
  /** the sender's key (signed requests), or its id (unsigned, Wasla-Sender) */
  sender: SenderKey | string;
  messages: number;
  /** spread the first sends over this many ms */
  windowMs: number;
  maxInFlight: number;
  /** give up on one message after retrying this long */
  retryForMs: number;
  requestTimeoutMs: number;
  key: (i: number) => string;
  body: (i: number) => Buffer;
  /** stop everything at this time (ms since epoch) */
  deadline: number;
}

export interface LoadResult {
  acknowledged: Map<string, Acknowledged>;
  /** the same key answered with two different message ids (invariant 4 broken) */
  conflicts: string[];
  /** keys never acknowledged, with the last error */
  gaveUp: Array<{ key: string; last: string }>;
  /** refused with a 4xx: the hub should never refuse these messages */
  refused: Array<{ key: string; status: number; body: string }>;
  /** request outcomes by status code or error code */
  outcomes: Record<string, number>;
  replayed: number;
  sends: number;
  ms: number;
}

interface Answer {
  status: number;
  body: string;
  replayed: boolean;
}

function post(agent: http.Agent, url: string, body: Buffer, headers: Record<string, string>, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(t);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), replayed: res.headers['idempotent-replayed'] === 'true' });
      });
      res.on('error', (e) => {
        clearTimeout(t);
        reject(e);
      });
    });
    const t = setTimeout(() => req.destroy(Object.assign(new Error('client timeout'), { code: 'TIMEOUT' })), timeoutMs);
    req.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
    req.end(body);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function generateLoad(o: LoadOptions): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.maxInFlight });
  const r: LoadResult = { acknowledged: new Map(), conflicts: [], gaveUp: [], refused: [], outcomes: {}, replayed: 0, sends: 0, ms: 0 };
  const count = (k: string) => {
    r.outcomes[k] = (r.outcomes[k] ?? 0) + 1;
  };
  let rr = 0;
  const t0 = Date.now();

  async function sendOne(i: number): Promise<void> {
    const key = o.key(i);
    const body = o.body(i);
    const giveUpAt = Math.min(Date.now() + o.retryForMs, o.deadline);
    let last = 'never sent';
    // bounded by giveUpAt; at most one send per 50 ms
    for (let attempt = 0; Date.now() < giveUpAt; attempt++) {
      const url = `${o.apis[rr++ % o.apis.length]}/v1/messages`;
      const base = { 'content-type': 'application/cloudevents+json', 'idempotency-key': key };
      const headers = authHeaders(o.sender, { method: 'POST', url, headers: base, body });
      r.sends += 1;
      try {
        const a = await post(agent, url, body, headers, o.requestTimeoutMs);
        count(String(a.status));
        if (a.status === 202) {
          const ans = JSON.parse(a.body) as { id: string; deliveries: Array<{ id: string; recipient: string }> };
          if (a.replayed) r.replayed += 1;
          const prior = r.acknowledged.get(key);
          if (prior && prior.messageId !== ans.id) r.conflicts.push(`${key}: ${prior.messageId} then ${ans.id}`);
          if (!prior) r.acknowledged.set(key, { key, messageId: ans.id, deliveries: ans.deliveries.map((d) => ({ id: d.id, recipient: d.recipient })) });
          return;
        }
        last = `HTTP ${a.status} ${a.body.slice(0, 200)}`;
        if (a.status < 500 && a.status !== 408 && a.status !== 429) {
          r.refused.push({ key, status: a.status, body: a.body.slice(0, 500) });
          return;
        }
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        count(code);
        last = code;
      }
      await sleep(Math.min(1000, 50 * 2 ** Math.min(attempt, 5)) + Math.random() * 50);
    }
    r.gaveUp.push({ key, last });
  }

  const inFlight = new Set<Promise<void>>();
  let i = 0;
  for (; i < o.messages && Date.now() < o.deadline; i++) {
    const due = t0 + (o.windowMs * i) / o.messages;
    if (due > Date.now()) await sleep(due - Date.now());
    // bounded: each in-flight send ends by its own giveUpAt
    while (inFlight.size >= o.maxInFlight) await Promise.race(inFlight);
    const p = sendOne(i).finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  for (; i < o.messages; i++) r.gaveUp.push({ key: o.key(i), last: 'not sent before the deadline' });
  agent.destroy();
  r.ms = Date.now() - t0;
  return r;
}
