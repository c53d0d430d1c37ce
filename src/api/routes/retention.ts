/**
 * Retention and legal holds over HTTP (issue 26.7), for admins: run retention (or a dry run), and
 * place, lift and list legal holds. The routes read the request and call the retention service
 * (src/services/retention.ts: roles, the purge, the audit log).
 */
import type { Context } from 'hono';
import { BadRequestError, type ErrorCode } from '../../errors.js';
import { DEFAULT_RUN, MAX_RUN } from '../../services/retention.js';
import type { LegalHold } from '../../store/index.js';
import type { RouteBook } from '../route-docs.js';
import { json, problem, SIGNED } from '../route-docs.js';
import type { ApiDeps } from '../deps.js';
import { readBody } from '../body.js';
import { parseJsonBody } from '../../intake/envelope.js';

const instant = { type: 'string', format: 'date-time' } as const;
const instantOrNull = { type: ['string', 'null'], format: 'date-time' } as const;

const legalHold = {
  type: 'object',
  required: ['id', 'issuer', 'caseRef', 'reason', 'placedBy', 'placedAt', 'liftedBy', 'liftedAt', 'liftReason'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    issuer: { type: 'string', description: 'the institution that issued the case reference' },
    caseRef: { type: 'string', description: 'the case reference as given' },
    reason: { type: 'string' },
    placedBy: { type: 'string', description: 'the admin who placed it (`<operator>@<institution>`)' },
    placedAt: instant,
    liftedBy: { type: ['string', 'null'] },
    liftedAt: instantOrNull,
    liftReason: { type: ['string', 'null'] },
  },
  additionalProperties: false,
} as const;

const holdAnswer = {
  type: 'object',
  required: ['hold', 'placed'],
  properties: { hold: legalHold, placed: { type: 'boolean', description: 'false: a hold was already in force on the case; it is answered as it is' } },
  additionalProperties: false,
} as const;

/** a JSON object body with only these string members; anything else is refused with `code` */
function readObject(body: Buffer, members: readonly string[], code: ErrorCode): Record<string, unknown> {
  const parsed = body.length ? parseJsonBody(body) : {};
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new BadRequestError(code, 'the body must be a JSON object', [{ pointer: '', detail: 'expected an object' }]);
  const o = parsed as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !members.includes(k));
  if (unknown.length)
    throw new BadRequestError(
      code,
      'unknown members',
      unknown.slice(0, 10).map((k) => ({ pointer: `/${k.slice(0, 40)}`, detail: 'unknown member' })),
    );
  return o;
}

const holdJson = (h: LegalHold) => h;

export function retentionRoutes(book: RouteBook, deps: ApiDeps): void {
  const auth = (c: Context, method: string, body: Buffer = Buffer.alloc(0)) => deps.authenticate({ method, url: c.req.url, headers: c.req.raw.headers, body });

  book.add(
    'post',
    '/v1/admin/retention/run',
    {
      operationId: 'runRetention',
      security: SIGNED,
      summary: 'Purge the payloads past their retention period (admins only)',
      description: `Purges, oldest first, up to \`limit\` (default ${DEFAULT_RUN}, at most ${MAX_RUN}) messages past their type's period in contracts/retention.json whose deliveries are all delivered or dead and whose case no legal hold covers: their envelope data and the document as received go; the envelope's attributes, hashes, deliveries, attempts, evidence of origin and audit entries stay. Each purged message gets a message.purged audit entry, the run a retention.run entry, with the admin as actor. With dryRun the answer lists what would be purged and nothing changes. Only an operator certificate with the role admin may; others get 403 role-not-allowed. No request body.`,
      tags: ['operations'],
      parameters: [
        { name: 'dryRun', in: 'query', schema: { enum: ['true', 'false'] }, description: 'list what would be purged, change nothing' },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: MAX_RUN }, description: `the most messages this run purges (default ${DEFAULT_RUN})` },
      ],
      responses: {
        200: json('What was purged (or would be)', {
          type: 'object',
          required: ['dryRun', 'messages', 'more'],
          additionalProperties: false,
          properties: {
            dryRun: { type: 'boolean' },
            more: { type: 'boolean', description: 'the limit stopped the run: run again for the rest' },
            messages: {
              type: 'array',
              items: {
                type: 'object',
                required: ['id', 'type', 'version', 'receivedAt', 'keep'],
                additionalProperties: false,
                properties: {
                  id: { type: 'string', format: 'uuid' },
                  type: { type: 'string' },
                  version: { type: 'string' },
                  receivedAt: instant,
                  keep: { type: 'string', description: 'the period that ran out (ISO 8601)' },
                },
              },
            },
          },
        }),
        400: problem('dryRun or limit is not valid (retention-run-invalid)'),
        401: problem('Not authenticated'),
        403: problem('Not an operator whose role allows retention.run (role-not-allowed)'),
      },
    },
    async (c: Context) => {
      const p = await auth(c, 'POST');
      const dry = c.req.query('dryRun');
      const limit = c.req.query('limit');
      if (dry !== undefined && dry !== 'true' && dry !== 'false')
        throw new BadRequestError('retention-run-invalid', 'dryRun is true or false', [{ pointer: '/query/dryRun', detail: 'true or false' }]);
      if (limit !== undefined && !/^\d{1,6}$/.test(limit))
        throw new BadRequestError('retention-run-invalid', `limit must be a whole number from 1 to ${MAX_RUN}`, [{ pointer: '/query/limit', detail: `1 to ${MAX_RUN}` }]);
      return c.json(await deps.services.retention.run(p, { dryRun: dry === 'true', ...(limit !== undefined && { limit: Number(limit) }) }));
    },
  );

  book.add(
    'get',
    '/v1/admin/legal-holds',
    {
      operationId: 'listLegalHolds',
      security: SIGNED,
      summary: 'The legal holds in force (or all, lifted ones too)',
      description: 'Operators whose role allows legal-holds.read (admin, operator, auditor). Newest first. The listing is on the audit log.',
      tags: ['operations'],
      parameters: [{ name: 'all', in: 'query', schema: { enum: ['true', 'false'] }, description: 'lifted holds too' }],
      responses: {
        200: json('The holds', { type: 'object', required: ['items'], additionalProperties: false, properties: { items: { type: 'array', items: legalHold } } }),
        401: problem('Not authenticated'),
        403: problem('Not an operator whose role allows legal-holds.read (role-not-allowed)'),
      },
    },
    async (c: Context) => {
      const p = await auth(c, 'GET');
      return c.json({ items: (await deps.services.retention.listHolds(p, { all: c.req.query('all') === 'true' })).map(holdJson) });
    },
  );

  book.add(
    'post',
    '/v1/admin/legal-holds',
    {
      operationId: 'placeLegalHold',
      security: SIGNED,
      summary: 'Place a legal hold on a case (admins only)',
      description:
        'Body: {"issuer", "caseRef", "reason"}. While the hold is in force, retention purges no payload of the case\'s messages: those whose envelope names the case reference (casereference), and those the case index holds under that case number or prosecution case number from that issuer. A hold already in force on the case is answered as it is (placed: false). On the audit log (legal-hold.placed) with the admin as actor.',
      tags: ['operations'],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['issuer', 'caseRef', 'reason'],
              additionalProperties: false,
              properties: { issuer: { type: 'string', maxLength: 200 }, caseRef: { type: 'string', maxLength: 200 }, reason: { type: 'string', maxLength: 500 } },
            },
          },
        },
      },
      responses: {
        200: json('The hold in force on the case', holdAnswer),
        400: problem('A member is missing, unknown or too long, or the issuer is no institution of the federation (legal-hold-invalid)'),
        401: problem('Not authenticated'),
        403: problem('Not an operator whose role allows legal-hold.set (role-not-allowed)'),
      },
    },
    async (c: Context) => {
      const body = await readBody(c, deps.maxBodyBytes);
      const p = await auth(c, 'POST', body);
      const o = readObject(body, ['issuer', 'caseRef', 'reason'], 'legal-hold-invalid');
      const r = await deps.services.retention.placeHold(p, { issuer: o.issuer as string, caseRef: o.caseRef as string, reason: o.reason as string });
      return c.json({ hold: holdJson(r.hold), placed: r.placed });
    },
  );

  book.add(
    'post',
    '/v1/admin/legal-holds/:id/lift',
    {
      operationId: 'liftLegalHold',
      security: SIGNED,
      summary: 'Lift a legal hold (admins only)',
      description:
        'Body: {"reason"}. The next retention run may purge the case\'s messages past their period. The hold stays listed (all=true) as lifted. On the audit log (legal-hold.lifted) with the admin as actor.',
      tags: ['operations'],
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' }, description: 'the hold' }],
      requestBody: {
        required: true,
        content: { 'application/json': { schema: { type: 'object', required: ['reason'], additionalProperties: false, properties: { reason: { type: 'string', maxLength: 500 } } } } },
      },
      responses: {
        200: json('The lifted hold', legalHold),
        400: problem('The reason is missing or too long (legal-hold-invalid)'),
        401: problem('Not authenticated'),
        403: problem('Not an operator whose role allows legal-hold.set (role-not-allowed)'),
        404: problem('No hold in force with that id (legal-hold-not-found)'),
      },
    },
    async (c: Context) => {
      const body = await readBody(c, deps.maxBodyBytes);
      const p = await auth(c, 'POST', body);
      const o = readObject(body, ['reason'], 'legal-hold-invalid');
      return c.json(holdJson(await deps.services.retention.liftHold(p, c.req.param('id') ?? '', o.reason as string)));
    },
  );
}
