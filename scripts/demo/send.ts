/**
 * The one place the demo talks to the hub. Every request an institution makes (send a message,
 * read its status) goes through `HubClient.request`, which signs it with the sender's own key
 * (RFC 9421 HTTP Message Signature over method, target URI, Content-Digest and content type, with
 * the SDK in src/client) — the hub learns who is calling from the certificate, never from the body.
 *
 * An institution without a key here is sent unsigned, naming itself in `Wasla-Sender`: the hub
 * accepts that only when started with WASLA_INSECURE_ALLOW_UNSIGNED (docs/operating.md, Configuration).
 */
import { randomUUID } from 'node:crypto';
import { signRequest } from '../../src/client/index.js';
import type { InstitutionKey } from './federation.js';

export interface HubAnswer {
  status: number;
  contentType: string;
  headers: Headers;
  /** the parsed JSON body, or undefined when the body is empty or not JSON */
  json: any;
  text: string;
}

export interface HubClient {
  readonly url: string;
  /** one request to the hub as `sender`; `body` is sent as CloudEvents JSON when given */
  request(sender: string, method: 'GET' | 'POST', path: string, body?: unknown, headers?: Record<string, string>): Promise<HubAnswer>;
}

export function createHubClient(url: string, opts: { keys?: ReadonlyMap<string, InstitutionKey>; timeoutMs?: number } = {}): HubClient {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return {
    url,
    async request(sender, method, path, body, headers = {}) {
      const key = opts.keys?.get(sender);
      let req = new Request(new URL(path, url), {
        method,
        headers: {
          ...(body !== undefined && { 'content-type': 'application/cloudevents+json' }),
          ...(!key && { 'wasla-sender': sender }),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      // ed25519 signatures are deterministic: the nonce keeps two identical polls within the same
      // second from looking like a replay to the hub
      if (key) req = await signRequest(req, key.key, { keyid: key.serial, alg: 'ed25519', nonce: randomUUID() });
      const res = await fetch(req, { signal: AbortSignal.timeout(timeoutMs) });
      const text = await res.text();
      let json: any;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return { status: res.status, contentType: res.headers.get('content-type') ?? '', headers: res.headers, json, text };
    },
  };
}
