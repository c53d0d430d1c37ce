/**
 * The pull inbox over HTTP (issue 22): `GET /v1/inbox` leases a pulling institution's deliveries,
 * long-polling up to `wait` seconds; `POST /v1/inbox/{deliveryId}/receipt` carries its signed
 * receipt for one of them. Both are signed requests like every route. The routes read and bound
 * what the caller sent and call the inbox service (src/services/inbox.ts: who may pull what, need
 * to know, the lease, the attempt record); nothing else.
 */
import type { Context } from 'hono';
import { BadRequestError, NotFoundError, UnavailableError, type Fault } from '../../errors.js';
import { UUID_RE } from '../../ids.js';
import { parseJsonBody } from '../../intake/envelope.js';
import type { InboxReceipt, InboxService } from '../../services/index.js';
import { readBody } from '../body.js';
import type { ApiDeps } from '../deps.js';
import type { RouteBook } from '../route-docs.js';
import { json, problem, SIGNED } from '../route-docs.js';

/** what a pull may ask for at most at once */
export const MAX_PULL_LIMIT = 100;
export const DEFAULT_PULL_LIMIT = 10;
/** a receipt's headers: at most this many, each name and value bounded */
const MAX_RECEIPT_HEADERS = 32;
const MAX_HEADER_CHARS = 8192;

const pulledSchema = {
  type: 'object',
  required: ['deliveryId', 'messageId', 'attempt', 'leaseUntil', 'request'],
  properties: {
    deliveryId: { type: 'string', format: 'uuid' },
    messageId: { type: 'string', format: 'uuid' },
    attempt: { type: 'integer', minimum: 1, description: 'the attempt this lease is (each lease counts as one)' },
    leaseUntil: { type: 'string', format: 'date-time', description: 'unless acknowledged by then, the delivery returns to the inbox' },
    request: {
      type: 'object',
      description: 'The request a push would have made, byte for byte: verify it with the SDK verifyDelivery, then sign your receipt over it (signReceipt).',
      required: ['method', 'url', 'headers', 'body'],
      properties: {
        method: { type: 'string', examples: ['POST'] },
        url: { type: 'string', description: 'the target URI the hub signed: your endpoint if your entry names one, else urn:wasla:inbox:<your id>' },
        headers: {
          type: 'object',
          additionalProperties: { type: 'string' },
          description: 'content-type, content-digest, wasla-message-id, wasla-delivery-id, wasla-attempt, signature-input, signature',
        },
        body: { type: 'string', contentEncoding: 'base64', description: 'the body, base64' },
      },
    },
  },
};

const receiptSchema = {
  type: 'object',
  required: ['status', 'headers'],
  additionalProperties: false,
  properties: {
    status: {
      type: 'integer',
      minimum: 100,
      maximum: 599,
      description: 'what you would have answered a push: 2xx delivered (signed receipt required), 408/425/429/5xx try again later, any other status refused for good (dead)',
    },
    headers: {
      type: 'object',
      maxProperties: MAX_RECEIPT_HEADERS,
      additionalProperties: { type: 'string', maxLength: MAX_HEADER_CHARS },
      description: 'your receipt headers: content-type, content-digest, signature-input, signature (SDK signReceipt)',
    },
    body: { type: 'string', contentEncoding: 'base64', description: 'your receipt body, base64 (default empty)' },
  },
};

function intParam(raw: string | undefined, name: string, min: number, max: number, dflt: number, faults: Fault[]): number {
  if (raw === undefined || raw === '') return dflt;
  if (!/^\d{1,6}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    faults.push({ pointer: `/query/${name}`, detail: `must be an integer ${min}..${max}` });
    return dflt;
  }
  return Number(raw);
}

/** The receipt body: `{status, headers, body?}`, every part bounded. */
export function readReceipt(bytes: Buffer): InboxReceipt {
  const bad = (pointer: string, detail: string) => new BadRequestError('invalid-envelope', 'the receipt is not {status, headers, body?}', [{ pointer, detail }]);
  const doc = parseJsonBody(bytes);
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw bad('', 'expected an object');
  const r = doc as Record<string, unknown>;
  for (const k of Object.keys(r)) if (!['status', 'headers', 'body'].includes(k)) throw bad(`/${k}`, 'unknown member');
  if (typeof r.status !== 'number' || !Number.isInteger(r.status) || r.status < 100 || r.status > 599) throw bad('/status', 'must be an HTTP status, 100..599');
  if (r.headers === null || typeof r.headers !== 'object' || Array.isArray(r.headers)) throw bad('/headers', 'must be an object of strings');
  const entries = Object.entries(r.headers as Record<string, unknown>);
  if (entries.length > MAX_RECEIPT_HEADERS) throw bad('/headers', `at most ${MAX_RECEIPT_HEADERS} headers`);
  const headers: Record<string, string> = {};
  for (const [k, v] of entries) {
    if (typeof v !== 'string' || v.length > MAX_HEADER_CHARS || k.length > 256 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k))
      throw bad(`/headers/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, 'a header name and a string value of bounded length');
    headers[k.toLowerCase()] = v;
  }
  let body = Buffer.alloc(0);
  if (r.body !== undefined) {
    if (typeof r.body !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(r.body)) throw bad('/body', 'must be base64');
    body = Buffer.from(r.body, 'base64');
  }
  return { status: r.status, headers, body };
}

export function inboxRoutes(book: RouteBook, deps: ApiDeps): void {
  const auth = (c: Context, body: Buffer = Buffer.alloc(0)) => deps.authenticate({ method: c.req.method, url: c.req.url, headers: c.req.raw.headers, body });
  const inbox = (): InboxService => {
    const s = deps.services.inbox;
    if (!s) throw new UnavailableError('this process serves no inbox');
    return s;
  };

  book.add(
    'get',
    '/v1/inbox',
    {
      operationId: 'pullDeliveries',
      summary: 'Lease your waiting deliveries (long poll): for institutions that pull instead of receiving pushes',
      description:
        'Only an institution whose contract entry says `"delivery": "pull"`. Leases up to `limit` deliveries addressed to you, each exactly the request a push would have made (hub signature included; verify with the SDK `verifyDelivery`). When none waits, the answer waits up to `wait` seconds (bounded by WASLA_INBOX_MAX_WAIT_S) and returns as soon as one arrives. Each lease is an attempt: acknowledge each delivery with POST /v1/inbox/{deliveryId}/receipt before `leaseUntil`, or it returns to the inbox. An empty `items` means nothing arrived in time.',
      tags: ['inbox'],
      parameters: [
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: MAX_PULL_LIMIT, default: DEFAULT_PULL_LIMIT }, description: 'deliveries to lease at most' },
        {
          name: 'wait',
          in: 'query',
          schema: { type: 'integer', minimum: 0, maximum: 3600, default: 0 },
          description: 'seconds to wait for a delivery when none waits (capped at WASLA_INBOX_MAX_WAIT_S)',
        },
      ],
      responses: {
        200: json('The deliveries leased to you (possibly none)', { type: 'object', required: ['items'], properties: { items: { type: 'array', items: pulledSchema } } }),
        400: problem('Bad limit or wait (invalid-filter)'),
        401: problem('Not authenticated'),
        403: problem('Your institution receives its deliveries by push (not-a-pull-institution)'),
      },
      security: SIGNED,
    },
    async (c: Context) => {
      const p = await auth(c);
      const faults: Fault[] = [];
      const limit = intParam(c.req.query('limit'), 'limit', 1, MAX_PULL_LIMIT, DEFAULT_PULL_LIMIT, faults);
      const wait = intParam(c.req.query('wait'), 'wait', 0, 3600, 0, faults);
      if (faults.length) throw new BadRequestError('invalid-filter', 'the query has faults', faults);
      return c.json({ items: await inbox().pull(p, { limit, waitMs: wait * 1000, signal: c.req.raw.signal }) });
    },
  );

  book.add(
    'post',
    '/v1/inbox/:deliveryId/receipt',
    {
      operationId: 'acknowledgeDelivery',
      summary: 'Acknowledge a pulled delivery with your signed receipt',
      description:
        'The receipt is what you would have answered a push (SDK `signReceipt` over the pulled request), carried as JSON. A 2xx receipt signed by your institution marks the delivery delivered (sending it again answers `already: true`); 408, 425, 429 and 5xx put it back to be pulled again by its retry schedule; any other status ends it dead. Only for a delivery leased to you.',
      tags: ['inbox'],
      parameters: [{ name: 'deliveryId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' }, description: 'the delivery the receipt is for' }],
      requestBody: { required: true, content: { 'application/json': { schema: receiptSchema } } },
      responses: {
        200: json('The delivery after your receipt', {
          type: 'object',
          required: ['deliveryId', 'state'],
          properties: { deliveryId: { type: 'string', format: 'uuid' }, state: { enum: ['delivered', 'retrying', 'dead'] }, already: { type: 'boolean' } },
        }),
        400: problem('The body is not a receipt'),
        401: problem('Not authenticated'),
        403: problem('Your institution receives its deliveries by push (not-a-pull-institution)'),
        404: problem('Not a delivery id'),
        409: problem('The delivery is not leased to you (delivery-not-leased)'),
        413: problem('Body too large'),
        422: problem('A 2xx receipt without a valid signature of yours (receipt-invalid)'),
      },
      security: SIGNED,
    },
    async (c: Context) => {
      const body = await readBody(c, deps.maxBodyBytes);
      const p = await auth(c, body);
      const id = c.req.param('deliveryId') ?? '';
      if (!UUID_RE.test(id)) throw new NotFoundError('delivery-not-found', `no delivery ${id}`);
      return c.json(await inbox().acknowledge(p, id, readReceipt(body)));
    },
  );
}
