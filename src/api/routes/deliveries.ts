/**
 * Deliveries: list them (dead letters above all, and those still waiting) and replay dead ones,
 * one by one or in bulk. Operators (institutions of kind "hub") see and replay everything; an
 * institution sees the deliveries of messages it sent or addressed to it, under the agreements that
 * grant it the delivery-status query, and may replay those of messages it sent. A replay happens
 * only if the contracts in force still entitle the recipient to the message (routing's entitlement,
 * issue 19); otherwise it is refused (403 `no-longer-entitled`) and the refusal is on the audit log.
 */
import type { Context } from 'hono';
import { BadRequestError, ForbiddenError, NotFoundError, RequestRefusedError, type Fault } from '../../errors.js';
import { DELIVERY_STATES, getDelivery, listDeliveries, replayDeliveries, type DeliveryFilter, type DeliveryState, type ReplayCheck, type ReplayResult } from '../../store/index.js';
import { entitlementOfStored } from '../../routing/index.js';
import { UUID_RE } from '../../ids.js';
import type { RouteBook } from '../route-docs.js';
import { json, problem } from '../route-docs.js';
import type { ApiDeps } from '../deps.js';
import type { Principal } from '../auth.js';
import { readBody } from '../body.js';
import { parseJsonBody } from '../../intake/envelope.js';
import { agreementsGranting } from '../../routing/index.js';

const filterParams = [
  { name: 'state', in: 'query', schema: { enum: [...DELIVERY_STATES, 'waiting'] }, description: 'waiting: pending, in_flight or retrying (neither delivered nor dead yet)' },
  { name: 'recipient', in: 'query', schema: { type: 'string' } },
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

function isOperator(deps: ApiDeps, p: Principal): boolean {
  return deps.contracts().institution(p.institution)?.kind === 'hub';
}

/** need to know at replay: the contracts in force now must still entitle the recipient to the message */
function entitledNow(deps: ApiDeps): ReplayCheck {
  const contracts = deps.contracts();
  const now = new Date();
  return (c) => {
    const e = entitlementOfStored(contracts, c.message, c.recipient, now);
    return e.entitled ? undefined : e.reason;
  };
}

function notEntitled(refused: ReplayResult['refused'], detail: string): ForbiddenError {
  return new ForbiddenError('no-longer-entitled', detail, [], { refused });
}

export function deliveryRoutes(book: RouteBook, deps: ApiDeps): void {
  const auth = (c: Context, body: Buffer = Buffer.alloc(0)) => deps.authenticate({ method: c.req.method, url: c.req.url, headers: c.req.raw.headers, body });

  book.add('get', '/v1/deliveries', {
    operationId: 'listDeliveries',
    summary: 'List deliveries, e.g. dead letters: ?state=dead&recipient=…&type=…&since=…',
    description: 'Operators see every delivery. An institution sees the deliveries of messages it sent or addressed to it that were carried under an agreement granting it the `delivery-status` query; without such a grant it gets 403. Ordered by id (creation); page with ?after=<last id>.',
    tags: ['deliveries'],
    parameters: [...filterParams,
      { name: 'after', in: 'query', schema: { type: 'string', format: 'uuid' }, description: 'cursor: the last id of the previous page' },
      { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } }],
    responses: {
      200: json('A page of deliveries', { type: 'object', properties: { items: { type: 'array', items: { $ref: '#/components/schemas/Delivery' } }, next: { type: ['string', 'null'] } } }),
      400: problem('Bad filter'),
      401: problem('Not authenticated'),
      403: problem('No agreement grants you the delivery-status query'),
    },
  }, async (c: Context) => {
    const p = await auth(c);
    const f = readFilter(c.req.query(), '/query');
    if (!isOperator(deps, p)) {
      // deny by default: only deliveries carried under an agreement that grants this institution
      // the delivery-status query, of messages it sent or addressed to it (issue 19.9)
      const agreements = agreementsGranting(deps.contracts(), p.institution, 'delivery-status');
      if (agreements.length === 0) throw new ForbiddenError('query-not-granted', 'no agreement grants you the delivery-status query');
      f.visibleTo = p.institution;
      f.agreements = agreements;
    }
    const items = await listDeliveries(deps.db, f);
    await deps.audit({ actor: p.institution, action: 'deliveries.listed', subject: null, data: { filter: { ...f, since: f.since?.toISOString(), until: f.until?.toISOString() }, count: items.length } });
    const limit = f.limit ?? 100;
    return c.json({ items, next: items.length === limit ? items[items.length - 1].id : null });
  });

  book.add('post', '/v1/deliveries/:id/replay', {
    operationId: 'replayDelivery',
    summary: 'Replay one dead delivery (same message id and delivery id, retry schedule restarted)',
    tags: ['deliveries'],
    parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
    responses: {
      200: json('Replayed', { type: 'object' }),
      401: problem('Not authenticated'),
      403: problem('Neither an operator nor the sender (not-your-delivery), or the contracts in force no longer entitle the recipient to the message (no-longer-entitled; the refusal is on the audit log)'),
      404: problem('No such delivery'),
      409: problem('The delivery is not dead'),
    },
  }, async (c: Context) => {
    const p = await auth(c);
    const id = c.req.param('id') ?? '';
    const d = UUID_RE.test(id) ? await getDelivery(deps.db, id) : undefined;
    if (!d) throw new NotFoundError('delivery-not-found', `no delivery ${id}`);
    if (!isOperator(deps, p) && d.sender !== p.institution) throw new ForbiddenError('not-your-delivery', 'only an operator or the sender of the message may replay a delivery');
    if (d.state !== 'dead') {
      throw new RequestRefusedError('delivery-not-dead', `delivery ${id} is ${d.state}`);
    }
    const r = await replayDeliveries(deps.db, { ids: [id] }, p.institution, readReason(c.req.query('reason'), '/query/reason'), entitledNow(deps));
    if (r.refused.length > 0) throw notEntitled(r.refused, `delivery ${id} is not replayed: ${r.refused[0].reason}`);
    await dispatchReplayed(deps, r.replayed);
    return c.json(r);
  });

  book.add('post', '/v1/deliveries/replay', {
    operationId: 'replayDeliveries',
    summary: 'Replay dead deliveries in bulk, by filter (recipient, type, time)',
    description: 'Body: {"recipient"?, "type"?, "since"?, "until"?, "limit"? (default 1000), "reason"?}. Operators only. Deliveries whose recipient the contracts in force no longer entitle stay dead and are listed in `refused`, each with why (and on the audit log); when every one is refused the answer is 403 no-longer-entitled.',
    tags: ['deliveries'],
    requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', properties: { recipient: { type: 'string' }, type: { type: 'string' }, since: { type: 'string', format: 'date-time' }, until: { type: 'string', format: 'date-time' }, limit: { type: 'integer' }, reason: { type: 'string' } } } } } },
    responses: {
      200: json('The replayed deliveries', { type: 'object' }),
      400: problem('Bad filter'),
      401: problem('Not authenticated'),
      403: problem('Not an operator (operator-only), or every matching delivery\'s recipient is no longer entitled to its message (no-longer-entitled)'),
    },
  }, async (c: Context) => {
    const body = await readBody(c, deps.maxBodyBytes);
    const p = await auth(c, body);
    if (!isOperator(deps, p)) throw new ForbiddenError('operator-only', 'bulk replay is for the hub operators');
    const parsed = body.length ? parseJsonBody(body) : {};
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new BadRequestError('invalid-filter', 'the body must be a JSON object', [{ pointer: '', detail: 'expected an object' }]);
    const q = parsed as Record<string, unknown>;
    const f = readFilter({ ...q, limit: q.limit === undefined ? undefined : String(q.limit), state: undefined }, '');
    const r = await replayDeliveries(deps.db, { filter: f }, p.institution, readReason(q.reason, '/reason'), entitledNow(deps));
    if (r.replayed.length === 0 && r.refused.length > 0) throw notEntitled(r.refused, `none of the ${r.refused.length} matching dead deliveries is replayed: the contracts in force no longer entitle their recipients`);
    await dispatchReplayed(deps, r.replayed);
    return c.json(r);
  });
}

async function dispatchReplayed(deps: ApiDeps, replayed: Array<{ id: string; attempts: number; recipient: string }>) {
  await deps.intake.dispatcher.dispatch(replayed.map((r) => ({ deliveryId: r.id, attempt: r.attempts, tag: 'replay', recipient: r.recipient }))).catch((err) => {
    deps.log.warn({ err: (err as Error).message }, 'could not schedule replayed deliveries now; the sweeper will');
  });
}
