/**
 * Sending one request over HTTP(S) with a keep-alive agent and a hard timeout. Node's global fetch
 * costs several times the client CPU of http.request on a keep-alive agent, so the hot path uses
 * this. A timeout or connection error is thrown as a TransportError (always retryable).
 */
import http from 'node:http';
import https from 'node:https';
import { WaslaError } from '../errors.js';
import type { OutboundRequest, Transport, TransportResponse } from './types.js';

/** The recipient did not answer (in time): trying again can help. */
export class TransportError extends WaslaError {
  constructor(
    message: string,
    public readonly kind: 'timeout' | 'connection',
  ) {
    super(kind === 'timeout' ? 'recipient-timeout' : 'recipient-unreachable', message, { retryable: true });
  }
}

const MAX_RESPONSE_BYTES = 1024 * 1024;
/** requests sent again after a kept-alive socket turned out closed; bounded by the agent's sockets in practice */
const STALE_SOCKET_RETRIES = 3;
/** an idle kept-alive socket is closed after this, or a second before the recipient's Keep-Alive timeout when that is shorter */
const IDLE_SOCKET_MS = 30_000;

export class HttpTransport implements Transport {
  // timeout: node's agent lets an idle socket go a second before the recipient's announced
  // `Keep-Alive: timeout=N` only when it has a timeout of its own (without one it keeps idle
  // sockets until the recipient closes them, which races our next request on them). It is the
  // sockets' idle limit; the attempt's own deadline is the timer in send().
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64, timeout: IDLE_SOCKET_MS });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64, timeout: IDLE_SOCKET_MS });

  send(req: OutboundRequest, timeoutMs: number): Promise<TransportResponse> {
    const url = new URL(req.url);
    const isHttps = url.protocol === 'https:';
    const lib = isHttps ? https : http;
    return new Promise((resolve, reject) => {
      let settled = false;
      let current: http.ClientRequest | undefined;
      const done = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        fn();
      };
      // one timer covers connect, send, a retry and the whole response: a hanging receiver costs
      // one slot for timeoutMs, never more
      const timer = setTimeout(() => {
        done(() => reject(new TransportError(`no answer within ${timeoutMs} ms`, 'timeout')));
        current?.destroy();
      }, timeoutMs);
      const attempt = (retriesLeft: number) => {
        let answered = false;
        const r = lib.request(
          url,
          {
            method: req.method,
            headers: { ...req.headers, 'content-length': String(req.body.length) },
            agent: isHttps ? this.httpsAgent : this.httpAgent,
          },
          (res) => {
            answered = true;
            const chunks: Buffer[] = [];
            let size = 0;
            res.on('data', (c: Buffer) => {
              size += c.length;
              if (size <= MAX_RESPONSE_BYTES) chunks.push(c);
            });
            res.on('end', () => done(() => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) })));
            res.on('error', (e) => done(() => reject(new TransportError(`response failed: ${e.message}`, 'connection'))));
          },
        );
        current = r;
        r.on('error', (e: NodeJS.ErrnoException) => {
          // A kept-alive socket the recipient closed as this request went out on it (its idle
          // timeout, met by our reuse): nothing was answered, so the request goes again, as node's
          // documentation advises (request.reusedSocket) — on the next free socket, which may be
          // stale too, or a new one. Deliveries are idempotent by message id; a failure on a fresh
          // connection is the recipient's own and is reported.
          if (retriesLeft > 0 && !answered && !settled && r.reusedSocket && (e.code === 'ECONNRESET' || e.code === 'EPIPE')) {
            attempt(retriesLeft - 1);
            return;
          }
          done(() => reject(new TransportError(`${e.code ?? 'error'}: ${e.message}`, 'connection')));
        });
        r.end(req.body);
      };
      attempt(STALE_SOCKET_RETRIES);
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
