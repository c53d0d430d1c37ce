/**
 * Deliveries over HTTP: list them (dead letters above all, and those still waiting) and replay dead
 * ones, one by one or in bulk. The routes read the filter and the reason, call the delivery service
 * (src/services/deliveries.ts: who may see and replay what, need to know at replay, the audit log)
 * and answer with what it returns.
 */
import type { Context } from 'hono';
import { BadRequestError, NotFoundError, type Fault } from '../../errors.js';
import { DELIVERY_STATES, type DeliveryFilter, type DeliveryState } from '../../store/index.js';
import { UUID_RE } from '../../ids.js';
import type { RouteBook } from '../route-docs.js';
import { SIGNED, json, problem, schemaRef } from '../route-docs.js';
import type { ApiDeps } from '../deps.js';
import { readBody } from '../body.js';
import { parseJsonBody } from '../../intake/envelope.js';

const filterParams = [
  { name: 'state', in: 'query', schema: { enum: [...DELIVERY_STATES, 'waiting'] }, description: 'waiting: pending, in_flight or retrying (neither delivered nor dead yet)' },
  { name: 'recipient', in: 'query', schema: { type: 'string' }, description: 'recipient institution id' },
  { name: 'type', in: 'query', schema: { type: 'string' }, description: 'message type' },
  { name: 'since', in: 'query', schema: { type: 'string', format: 'date-time' }, description: 'created at or after' },
  { name: 'until', in: 'query', schema: { type: 'string', format: 'date-time' }, description: 'created at or before' },
];

export function readFilter(q: Record<string, unknown>, where: string): DeliveryFilter {
  const faults: Fault[] = [];
  const f: DeliveryFilter = {};
  const str = (k: string) => (q[k] === undefined || q[k] === null || q[k] === '' ? undefined : String(q[k]));
  const state = str('state');
  if (state !== undefined) {
    if (!DELIVERY_STATES.includes(state as DeliveryState) && state !== 'waiting') faults.push({ pointer: `${where}/state`, detail: `must be one of ${DELIVERY_STATES.join(', ')}, waiting` });
    else f.state = state as DeliveryState | 'waiting';
  }
  f.recipient = str('recipient');
  f.type = str('type');
  for (const k of ['since', 'until'] as const) {
    const v = str(k);
    if (v === undefined) continue;
    const t = Date.parse(v);
    if (Number.isNaN(t)) faults.push({ pointer: `${where}/${k}`, detail: 'must be an RFC 3339 timestamp' });
    else f[k] = new Date(t);
  }
  const after = str('after');
  if (after !== undefined) {
    if (!UUID_RE.test(after)) faults.push({ pointer: `${where}/after`, detail: 'must be a delivery id' });
    else f.after = after;
  }
  const limit = str('limit');
  if (limit !== undefined) {
    if (!/^\d+$/.test(limit) || Number(limit) < 1 || Number(limit) > 1000) faults.push({ pointer: `${where}/limit`, detail: 'must be 1..1000' });
    else f.limit = Number(limit);
  }
  if (faults.length) throw new BadRequestError('invalid-filter', 'the filter has faults', faults);
  return f;
}

/** an operator's reason for a replay, written to the audit log: a string of at most 500 characters */
function readReason(v: unknown, pointer: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length > 500) throw new BadRequestError('invalid-filter', 'reason must be a string of at most 500 characters', [{ pointer, detail: 'at most 500 characters' }]);
  return v;
}

export function deliveryRoutes(book: RouteBook, deps: ApiDeps): void {
  const auth = (c: Context, body: Buffer = Buffer.alloc(0)) => deps.authenticate({ method: c.req.method, url: c.req.url, headers: c.req.raw.headers, body });

  book.add(
    'get',
    '/v1/deliveries',
    {
      operationId: 'listDeliveries',
      summary: 'List deliveries, e.g. dead letters: ?state=dead&recipient=…&type=…&since=…',
      description:
        'Operators see every delivery. An institution sees the deliveries of messages it sent or addressed to it that were carried under an agreement granting it the `delivery-status` query; without such a grant it gets 403. Ordered by id (creation); page with ?after=<last id>.',
      tags: ['deliveries'],
      security: SIGNED,
      parameters: [
        ...filterParams,
        { name: 'after', in: 'query', schema: { type: 'string', format: 'uuid' }, description: 'cursor: the last id of the previous page' },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 }, description: 'page size' },
      ],
      responses: {
        200: json('A page of deliveries', schemaRef('DeliveryPage')),
        400: problem('Bad filter'),
        401: problem('Not authenticated'),
        403: problem('No agreement grants you the delivery-status query'),
      },
    },
    async (c: Context) => {
      const p = await auth(c);
      return c.json(await deps.services.deliveries.list(p, readFilter(c.req.query(), '/query')));
    },
  );

  book.add(
    'post',
    '/v1/deliveries/:id/replay',
    {
      operationId: 'replayDelivery',
      summary: 'Replay one dead delivery (same message id and delivery id, retry schedule restarted)',
      tags: ['deliveries'],
      security: SIGNED,
      parameters: [
        { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' }, description: 'the delivery id' },
        { name: 'reason', in: 'query', schema: { type: 'string', maxLength: 500 }, description: 'why, for the audit log' },
      ],
      responses: {
        200: json('Replayed: `replayed` holds the delivery, `refused` is empty', schemaRef('ReplayResult')),
        400: problem('The reason is longer than 500 characters (invalid-filter)'),
        401: problem('Not authenticated'),
        403: problem(
          'Neither an operator nor the sender (not-your-delivery), or the contracts in force no longer entitle the recipient to the message (no-longer-entitled; the refusal is on the audit log)',
        ),
        404: problem('No such delivery'),
        409: problem('The delivery is not dead'),
        410: problem("Retention purged the message's payload: nothing is left to deliver (message-purged; the refusal is on the audit log)"),
      },
    },
    async (c: Context) => {
      const p = await auth(c);
      const id = c.req.param('id') ?? '';
      if (!UUID_RE.test(id)) throw new NotFoundError('delivery-not-found', `no delivery ${id}`);
      return c.json(await deps.services.deliveries.replay(p, id, readReason(c.req.query('reason'), '/query/reason')));
    },
  );

  book.add(
    'post',
    '/v1/deliveries/replay',
    {
      operationId: 'replayDeliveries',
      summary: 'Replay dead deliveries in bulk, by filter (recipient, type, time)',
      description:
        'Body: {"recipient"?, "type"?, "since"?, "until"?, "limit"? (default 1000), "reason"?}. Operators only. Deliveries whose recipient the contracts in force no longer entitle stay dead and are listed in `refused`, each with why (and on the audit log); when every one is refused the answer is 403 no-longer-entitled.',
      tags: ['deliveries'],
      security: SIGNED,
      requestBody: { required: true, content: { 'application/json': { schema: schemaRef('ReplayFilter') } } },
      responses: {
        200: json('The replayed deliveries, and those refused', schemaRef('ReplayResult')),
        400: problem('Bad filter'),
        401: problem('Not authenticated'),
        403: problem("Not an operator (operator-only), or every matching delivery's recipient is no longer entitled to its message (no-longer-entitled)"),
      },
    },
    async (c: Context) => {
      const body = await readBody(c, deps.maxBodyBytes);
      const p = await auth(c, body);
      return c.json(await deps.services.deliveries.replayMatching(p, () => readReplayBody(body)));
    },
  );
}

/** the bulk replay's body: {"recipient"?, "type"?, "since"?, "until"?, "limit"?, "reason"?} */
function readReplayBody(body: Buffer): { filter: DeliveryFilter; reason?: string } {
  const parsed = body.length ? parseJsonBody(body) : {};
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new BadRequestError('invalid-filter', 'the body must be a JSON object', [{ pointer: '', detail: 'expected an object' }]);
  const q = parsed as Record<string, unknown>;
  const filter = readFilter({ ...q, limit: q.limit === undefined ? undefined : String(q.limit), state: undefined }, '');
  return { filter, reason: readReason(q.reason, '/reason') };
}
