/**
 * Fetch Request/Response (Node 20 globals) <-> the trust layer's neutral message shape, and plain
 * `{ status, headers, body }` objects for callers that do not use Fetch.
 *
 * Guarantees: reading a body never consumes the caller's object (it reads a clone); header
 * lookups go through Fetch `Headers`, which combine repeated fields with ", " as RFC 9421 §2.1
 * expects.
 */
import type { Body } from '../trust/content-digest.js';
import { headersFromFetch, type HeaderRecord, type SignableMessage } from '../trust/message.js';
import { toSignable } from '../trust/plain-messages.js';

export interface PlainMessage {
  method?: string;
  url?: string;
  status?: number;
  headers: HeaderRecord;
  body?: Body;
}

export type RequestLike = Request | PlainMessage;
export type ResponseLike = Response | PlainMessage;

function isFetch(m: RequestLike | ResponseLike): m is Request | Response {
  return typeof (m as Request).clone === 'function' && (m as Request).headers instanceof Headers;
}

export function requestMessage(r: RequestLike): SignableMessage {
  if (!isFetch(r)) return toSignable(r);
  const req = r as Request;
  return { method: req.method, url: req.url, headers: headersFromFetch(req.headers) };
}

export function responseMessage(r: ResponseLike, request?: RequestLike): SignableMessage {
  const req = request === undefined ? undefined : requestMessage(request);
  if (!isFetch(r)) return toSignable(r, req);
  const res = r as Response;
  return { status: res.status, headers: headersFromFetch(res.headers), ...(req ? { request: req } : {}) };
}

export async function readBody(m: RequestLike | ResponseLike): Promise<Buffer> {
  if (!isFetch(m)) {
    const b = m.body;
    return b === undefined ? Buffer.alloc(0) : typeof b === 'string' ? Buffer.from(b, 'utf8') : Buffer.from(b);
  }
  return Buffer.from(await m.clone().arrayBuffer());
}

export function headersOf(m: RequestLike | ResponseLike): Headers {
  if (isFetch(m)) return new Headers(m.headers);
  const h = new Headers();
  for (const [k, v] of Object.entries(m.headers)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v) h.append(k, String(x));
    else h.append(k, String(v));
  }
  return h;
}
