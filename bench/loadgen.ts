/**
 * The load generator, in its own process: POSTs messages to `/v1/messages` over HTTP/1.1
 * keep-alive (`http.request` on one Agent; fetch costs several times the CPU). Two load models:
 * closed loop (default) — C requests always in flight, each sent when the previous answer comes
 * back; open loop (`--rate R`) — a fixed schedule of R requests/s with at most C in flight, and
 * latency counted from the scheduled time, so a stalled server cannot hide its queueing
 * (no coordinated omission). Each phase is bounded by a message count and a duration.
 */
import http from 'node:http';
import { bodyMaker, sealedSeq } from './message.js';
import { headerMaker, type MakeHeaders, type SignerConfig } from './sign.js';
import { serveIpc } from './ipc.js';
import { wallMs } from './stats.js';

export interface LoadConfig {
  /** the intake base URL, e.g. http://127.0.0.1:8080 */
  baseUrl: string;
  concurrency: number;
  rate?: number;
  payloadBytes: number;
  /** the share of messages classified gbv, which the hub stores encrypted (issue 26) */
  encryptShare?: number;
  signer: SignerConfig;
  /** makes idempotency keys unique across runs */
  tag: string;
}

export interface PhaseResult {
  phase: string;
  sent: number;
  accepted: number;
  failed: number;
  statuses: Record<string, number>;
  errors: Record<string, number>;
  firstFailure?: string;
  /** phase start to the last answer */
  elapsedMs: number;
  startedAt: number;
  endedAt: number;
  /** intake latency of each accepted message, ms */
  intakeMs: Float64Array;
  /** message id and wall-clock time its 202 arrived, for end-to-end latency */
  ids: string[];
  acceptedAt: Float64Array;
  /** 1 where the accepted message was one of the encrypted share, parallel to `ids` */
  sealed: Uint8Array;
  /** sum of the deliveries the 202 answers announced */
  deliveriesExpected: number;
  /** open loop: sends that left more than 10 ms after their scheduled time */
  lateSends: number;
  bodyBytes: number;
}

let cfg: LoadConfig;
let agent: http.Agent;
let makeBody: (seq: number) => Buffer;
let makeHeaders: MakeHeaders;
let seq = 0;
const REQUEST_TIMEOUT_MS = 30_000;

function runPhase(phase: string, maxMessages: number, durationMs: number, emit: (e: string, d: unknown) => void): Promise<PhaseResult> {
  const url = new URL('/v1/messages', cfg.baseUrl);
  const r: PhaseResult = {
    phase,
    sent: 0,
    accepted: 0,
    failed: 0,
    statuses: {},
    errors: {},
    elapsedMs: 0,
    startedAt: wallMs(),
    endedAt: 0,
    intakeMs: new Float64Array(0),
    ids: [],
    acceptedAt: new Float64Array(0),
    sealed: new Uint8Array(0),
    deliveriesExpected: 0,
    lateSends: 0,
    bodyBytes: makeBody(0).length,
  };
  const lat: number[] = [];
  const at: number[] = [];
  const sealedFlags: number[] = [];
  const start = performance.now();
  const deadline = start + durationMs;
  let inflight = 0;
  let lastAnswer = start;

  const fail = (what: string, detail: string) => {
    r.failed++;
    r.errors[what] = (r.errors[what] ?? 0) + 1;
    r.firstFailure ??= `${what}: ${detail}`.slice(0, 500);
  };

  const send = (t0: number): Promise<void> => {
    const n = ++seq;
    const body = makeBody(n);
    const headers = makeHeaders(url.href, body, `${cfg.tag}-${n}`);
    r.sent++;
    inflight++;
    return new Promise<void>((resolve) => {
      const done = () => {
        inflight--;
        lastAnswer = performance.now();
        resolve();
      };
      const req = http.request({ hostname: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => {
          fail('response-error', e.message);
          done();
        });
        res.on('end', () => {
          const t1 = performance.now();
          const status = String(res.statusCode);
          r.statuses[status] = (r.statuses[status] ?? 0) + 1;
          if (res.statusCode === 202) {
            try {
              const answer = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string; deliveries: unknown[] };
              r.accepted++;
              lat.push(t1 - t0);
              r.ids.push(answer.id);
              sealedFlags.push(sealedSeq(n, cfg.encryptShare ?? 0) ? 1 : 0);
              at.push(wallMs());
              r.deliveriesExpected += answer.deliveries.length;
            } catch (e) {
              fail('bad-202-body', (e as Error).message);
            }
          } else {
            fail(`http-${status}`, Buffer.concat(chunks).toString('utf8'));
          }
          done();
        });
      });
      req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
      req.on('error', (e: NodeJS.ErrnoException) => {
        fail(e.code ?? 'request-error', e.message);
        done();
      });
      req.end(body);
    });
  };

  const progress = setInterval(() => emit('progress', { phase, elapsedMs: performance.now() - start, sent: r.sent, accepted: r.accepted, failed: r.failed, inflight }), 1000);
  const more = () => r.sent < maxMessages && performance.now() < deadline;

  let running: Promise<unknown>;
  if (cfg.rate === undefined) {
    // closed loop: C senders, each waits for its answer before sending again
    running = Promise.all(
      Array.from({ length: cfg.concurrency }, async () => {
        while (more()) await send(performance.now());
      }),
    );
  } else {
    // open loop: request i is due at start + i/R; sent at once if a slot is free, else when one frees
    const interval = 1000 / cfg.rate;
    let next = start;
    const all: Promise<void>[] = [];
    let timer: NodeJS.Timeout | undefined;
    let finished = false;
    running = new Promise<void>((resolve) => {
      const pump = () => {
        if (finished) return;
        const now = performance.now();
        while (next <= now && inflight < cfg.concurrency && more()) {
          if (now - next > 10) r.lateSends++;
          all.push(send(next).then(pump));
          next += interval;
        }
        if (!more()) {
          finished = true;
          clearTimeout(timer);
          resolve(Promise.all(all).then(() => undefined));
          return;
        }
        // one timer at a time; a completion also pumps when every slot was taken
        if (inflight < cfg.concurrency && timer === undefined) {
          timer = setTimeout(
            () => {
              timer = undefined;
              pump();
            },
            Math.max(0, Math.min(next - now, 5)),
          );
        }
      };
      pump();
    });
  }
  return running.then(() => {
    clearInterval(progress);
    r.elapsedMs = lastAnswer - start;
    r.endedAt = wallMs();
    r.intakeMs = Float64Array.from(lat);
    r.acceptedAt = Float64Array.from(at);
    r.sealed = Uint8Array.from(sealedFlags);
    return r;
  });
}

const emit = serveIpc({
  configure(c: LoadConfig) {
    cfg = c;
    // timeout: node's agent honours the server's `Keep-Alive: timeout=5` (closing an idle socket a
    // second before the server does) only when it has a timeout of its own; without one it kept
    // idle sockets past the hub's 5 s and now and then sent a request on one as the hub closed it
    // (1 to 3 ECONNRESET in a run of 12,000 to 120,000 requests)
    agent = new http.Agent({ keepAlive: true, maxSockets: c.concurrency, maxFreeSockets: c.concurrency, timeout: REQUEST_TIMEOUT_MS });
    makeBody = bodyMaker(c.payloadBytes, c.encryptShare ?? 0);
    makeHeaders = headerMaker(c.signer);
    return true;
  },
  run(a: { phase: string; messages: number; durationMs: number }) {
    return runPhase(a.phase, a.messages, a.durationMs, emit);
  },
  stop() {
    agent?.destroy();
    return true;
  },
});
