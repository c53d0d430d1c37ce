/**
 * Deadlines over HTTP (issue 25): `GET /v1/deadlines?state=&case=` — a page of the deadlines the
 * caller is concerned by (operators: all), newest first. The route reads and bounds the filter and
 * calls the deadline service (src/services/deadlines.ts: need to know, the audit log).
 */
import type { Context } from 'hono';
import { BadRequestError, type Fault } from '../../errors.js';
import { UUID_RE } from '../../ids.js';
import type { DeadlineQuery } from '../../services/index.js';
import { DEADLINE_STATES, type DeadlineState } from '../../store/index.js';
import type { ApiDeps } from '../deps.js';
import { json, problem, SIGNED, type RouteBook } from '../route-docs.js';

const MAX_CASE = 200;

export function readDeadlineQuery(q: Record<string, string | undefined>): DeadlineQuery {
  const faults: Fault[] = [];
  const out: DeadlineQuery = {};
  const str = (k: string) => (q[k] === undefined || q[k] === '' ? undefined : q[k]);
  const state = str('state');
  if (state !== undefined) {
    if (!DEADLINE_STATES.includes(state as DeadlineState)) faults.push({ pointer: '/query/state', detail: `must be one of ${DEADLINE_STATES.join(', ')}` });
    else out.state = state as DeadlineState;
  }
  const caseRef = str('case');
  if (caseRef !== undefined) {
    if (caseRef.length > MAX_CASE) faults.push({ pointer: '/query/case', detail: `at most ${MAX_CASE} characters` });
    else out.caseRef = caseRef;
  }
  const before = str('before');
  if (before !== undefined) {
    if (!UUID_RE.test(before)) faults.push({ pointer: '/query/before', detail: 'must be a deadline id' });
    else out.before = before;
  }
  const limit = str('limit');
  if (limit !== undefined) {
    if (!/^\d{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > 1000) faults.push({ pointer: '/query/limit', detail: 'must be 1..1000' });
    else out.limit = Number(limit);
  }
  if (faults.length) throw new BadRequestError('invalid-filter', 'the filter has faults', faults);
  return out;
}

const DEADLINE_SCHEMA = {
  type: 'object',
  required: ['id', 'agreement', 'expectation', 'kind', 'state', 'correlation', 'startedBy', 'dueAt', 'notify'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    agreement: { type: 'string' },
    expectation: { type: 'string' },
    kind: { enum: ['within', 'by', 'every'] },
    state: { enum: [...DEADLINE_STATES] },
    caseReference: { type: ['string', 'null'] },
    correlation: { type: 'string', description: 'what the answer must carry: the case reference, correlation id or field value' },
    startedBy: { type: 'string', format: 'uuid', description: 'the message that started the clock' },
    classification: { type: 'string' },
    notify: { type: 'array', items: { type: 'string' }, description: 'the institutions the hub tells' },
    dueAt: { type: 'string', format: 'date-time' },
    warnAt: { type: ['string', 'null'], format: 'date-time' },
    periodsMet: { type: 'integer', minimum: 0 },
    periodsMissed: { type: 'integer', minimum: 0 },
    closedBy: { type: ['string', 'null'], format: 'uuid', description: 'the message that met or withdrew it (last)' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
};

export function deadlineRoutes(book: RouteBook, deps: ApiDeps): void {
  book.add(
    'get',
    '/v1/deadlines',
    {
      operationId: 'listDeadlines',
      security: SIGNED,
      summary: 'List deadlines: ?state=open|warned|missed|met|withdrawn&case=…',
      description:
        'Operators see every deadline. An institution sees the deadlines it is concerned by: those it is told of, and those started by a message it sent or received. Newest first; page with ?before=<last id>. Every listing is on the audit log.',
      tags: ['deadlines'],
      parameters: [
        { name: 'state', in: 'query', schema: { enum: [...DEADLINE_STATES] }, description: 'only deadlines in this state' },
        { name: 'case', in: 'query', schema: { type: 'string', maxLength: MAX_CASE }, description: 'the case reference of the message that started it' },
        { name: 'before', in: 'query', schema: { type: 'string', format: 'uuid' }, description: 'cursor: the last id of the previous page' },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 }, description: 'the most deadlines on one page' },
      ],
      responses: {
        200: json('A page of deadlines', {
          type: 'object',
          required: ['items', 'next'],
          properties: { items: { type: 'array', items: DEADLINE_SCHEMA }, next: { type: ['string', 'null'], format: 'uuid' } },
        }),
        400: problem('Bad filter'),
        401: problem('Not authenticated'),
      },
    },
    async (c: Context) => {
      const p = await deps.authenticate({ method: c.req.method, url: c.req.url, headers: c.req.raw.headers, body: Buffer.alloc(0) });
      return c.json(await deps.services.deadlines.list(p, readDeadlineQuery(c.req.query())));
    },
  );
}
