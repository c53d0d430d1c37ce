/** Admin routes (issue 26): POST /v1/admin/contracts/reload puts the contract set in its directory in force; the payload-key routes drive a key rotation. */
import type { Context } from 'hono';
import type { RouteBook } from '../route-docs.js';
import { json, problem, SIGNED } from '../route-docs.js';
import type { ApiDeps } from '../deps.js';
import { BadRequestError } from '../../errors.js';

export function adminRoutes(book: RouteBook, deps: ApiDeps): void {
  book.add(
    'post',
    '/v1/admin/contracts/reload',
    {
      operationId: 'reloadContracts',
      security: SIGNED,
      summary: 'Reload the contract set (admins only)',
      description:
        "Loads the institutions, agreements and catalogue from the hub's contracts directory and puts them in force on this process, as SIGHUP or `wasla contracts reload` do. Only an operator certificate with the role admin may; an operator or an auditor gets 403 role-not-allowed. A set with faults is refused and the one in force stays. The reload is on the audit log (contracts.reloaded) with the operator as actor. No request body.",
      tags: ['operations'],
      responses: {
        200: json('The contract set now in force', {
          type: 'object',
          required: ['institutions', 'types'],
          additionalProperties: false,
          properties: {
            institutions: { type: 'integer', minimum: 0, description: 'institutions in the set' },
            types: { type: 'integer', minimum: 0, description: 'published message type versions in the catalogue' },
          },
        }),
        401: problem('Not authenticated'),
        403: problem('Not an operator whose role allows contracts.reload (role-not-allowed)'),
        500: problem('The contract set in the directory has faults (contract-invalid); the set in force stays'),
      },
    },
    async (c: Context) => {
      const p = await deps.authenticate({ method: 'POST', url: c.req.url, headers: c.req.raw.headers, body: Buffer.alloc(0) });
      return c.json(await deps.services.contractAdmin.reload(p));
    },
  );
}

const keyStatusSchema = {
  type: 'object',
  required: ['current', 'configured', 'messages', 'toRewrap'],
  additionalProperties: false,
  properties: {
    current: { type: 'string', description: 'the id of the key that wraps every new data key' },
    configured: { type: 'array', items: { type: 'string' }, description: 'every key id this process holds, the current one first' },
    messages: {
      type: 'array',
      description: 'encrypted messages per key id; a key id not configured here is listed too (its payloads do not open)',
      items: {
        type: 'object',
        required: ['kekId', 'messages', 'configured'],
        additionalProperties: false,
        properties: { kekId: { type: 'string' }, messages: { type: 'integer', minimum: 0 }, configured: { type: 'boolean' } },
      },
    },
    toRewrap: { type: 'integer', minimum: 0, description: 'encrypted messages not yet under the current key' },
  },
} as const;

/** GET /v1/admin/payload-keys and POST /v1/admin/payload-keys/rewrap (issue 26): admins see and drive a key rotation. */
export function payloadKeyRoutes(book: RouteBook, deps: ApiDeps): void {
  book.add(
    'get',
    '/v1/admin/payload-keys',
    {
      operationId: 'payloadKeyStatus',
      security: SIGNED,
      summary: 'Encrypted payloads per key-encryption key (admins only)',
      description:
        'How many encrypted payloads each key-encryption key wraps the data keys of, and how many are not yet under the current key: the progress of a rotation. Key ids and counts only, never a key. Only an operator certificate with the role admin may (payload-keys.rotate); on the audit log (payload-keys.read).',
      tags: ['operations'],
      responses: {
        200: json('The keys and their counts', keyStatusSchema),
        401: problem('Not authenticated'),
        403: problem('Not an operator whose role allows payload-keys.rotate (role-not-allowed)'),
      },
    },
    async (c: Context) => {
      const p = await deps.authenticate({ method: 'GET', url: c.req.url, headers: c.req.raw.headers, body: Buffer.alloc(0) });
      return c.json(await deps.services.payloadKeys.status(p));
    },
  );
  book.add(
    'post',
    '/v1/admin/payload-keys/rewrap',
    {
      operationId: 'rewrapPayloadKeys',
      security: SIGNED,
      summary: 'Rewrap data keys under the current key now (admins only)',
      description:
        'Moves up to `limit` data keys (default 10000) from the other configured keys under the current one, as the background rewrap of the worker does a pass at a time; the ciphertexts are untouched. A payload whose data key does not open is counted and left as it is. Only an operator certificate with the role admin may (payload-keys.rotate); on the audit log (payload-keys.rewrapped). No request body.',
      tags: ['operations'],
      parameters: [{ name: 'limit', in: 'query', required: false, description: 'data keys to move at most (1-100000)', schema: { type: 'integer', minimum: 1, maximum: 100000 } }],
      responses: {
        200: json('What was rewrapped, and the status after', {
          type: 'object',
          required: ['rewrapped', 'failed', 'failedIds', 'more', 'status'],
          additionalProperties: false,
          properties: {
            rewrapped: { type: 'integer', minimum: 0 },
            failed: { type: 'integer', minimum: 0, description: 'data keys that did not open (unknown key, damaged): left as they were' },
            failedIds: { type: 'array', items: { type: 'string' }, description: 'the messages of the first 100 of them' },
            more: { type: 'boolean', description: 'whether the limit stopped the run before every data key was moved' },
            status: keyStatusSchema,
          },
        }),
        400: problem('limit is not a whole number from 1 to 100000 (invalid-filter)'),
        401: problem('Not authenticated'),
        403: problem('Not an operator whose role allows payload-keys.rotate (role-not-allowed)'),
      },
    },
    async (c: Context) => {
      const p = await deps.authenticate({ method: 'POST', url: c.req.url, headers: c.req.raw.headers, body: Buffer.alloc(0) });
      const raw = c.req.query('limit');
      const limit = raw === undefined ? 10_000 : /^[1-9][0-9]{0,5}$/.test(raw) && Number(raw) <= 100_000 ? Number(raw) : Number.NaN;
      if (Number.isNaN(limit)) throw new BadRequestError('invalid-filter', 'limit must be a whole number from 1 to 100000', [{ pointer: '/limit', detail: 'from 1 to 100000' }]);
      return c.json(await deps.services.payloadKeys.rewrap(p, limit));
    },
  );
}
