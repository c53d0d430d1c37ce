/**
 * Case queries over HTTP (issue 24): GET /v1/queries lists what the caller may run, GET
 * /v1/queries/{name}?… runs one. The route authenticates the request (RFC 9421), hands the name and
 * the URL's parameters to the query service (which authorizes, answers from the case index and
 * writes the audit log) and signs the answer with the hub key, bound to the request it answers —
 * so the answer is evidence of what the hub said, to whom, about what and when.
 *
 * Bounded: the query string is at most MAX_QUERY_STRING characters and MAX_PARAMETERS parameters
 * before anything is read; a parameter given twice is passed on as a list, which the query core
 * refuses at its pointer.
 */
import type { Context } from 'hono';
import { BadRequestError } from '../../errors.js';
import type { RouteBook } from '../route-docs.js';
import { json, problem, SIGNED } from '../route-docs.js';
import type { ApiDeps } from '../deps.js';

export const MAX_QUERY_STRING = 4096;
export const MAX_PARAMETERS = 20;
const NAME = /^[a-z][a-z0-9-]{0,63}$/;

const security = SIGNED;
const signedAnswerHeaders = {
  'Content-Digest': { description: 'RFC 9530 digest of the body', schema: { type: 'string' } },
  'Signature-Input': {
    description:
      'the hub\'s signature (label wasla-answer) covers "@status", "content-digest", "content-type", "@method";req, "@target-uri";req and "signature";req; keyid: the hub certificate serial; created: the answer\'s asOf',
    schema: { type: 'string' },
  },
  Signature: { description: "the hub's signature (RFC 9421)", schema: { type: 'string' } },
};

function readParams(c: Context): Record<string, string | string[]> {
  const url = new URL(c.req.url);
  if (url.search.length > MAX_QUERY_STRING) {
    throw new BadRequestError('query-parameters-invalid', `the query string is longer than ${MAX_QUERY_STRING} characters`, [{ pointer: '', detail: 'too long' }]);
  }
  const out: Record<string, string | string[]> = {};
  let n = 0;
  for (const [k, v] of url.searchParams) {
    if (++n > MAX_PARAMETERS) throw new BadRequestError('query-parameters-invalid', `more than ${MAX_PARAMETERS} parameters`, [{ pointer: '', detail: 'too many parameters' }]);
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

export function queryRoutes(book: RouteBook, deps: ApiDeps): void {
  const auth = (c: Context) => deps.authenticate({ method: 'GET', url: c.req.url, headers: c.req.raw.headers, body: Buffer.alloc(0) });

  /** the JSON answer, signed by the hub over the request it answers */
  const signed = (c: Context, body: unknown, at: Date) => {
    const bytes = Buffer.from(JSON.stringify(body), 'utf8');
    const headers = deps.signAnswer(
      { status: 200, headers: { 'content-type': 'application/json' }, body: bytes, at },
      { method: c.req.method, url: c.req.url, headers: Object.fromEntries(c.req.raw.headers.entries()) },
    );
    return new Response(bytes, { status: 200, headers });
  };

  book.add(
    'get',
    '/v1/queries',
    {
      operationId: 'listQueries',
      summary: 'The case queries the caller may run',
      description:
        'Each query an agreement in force grants the caller, with its parameters, the answer fields the caller is granted and the statuses it answers; and the granted built-ins (message-status, delivery-status) with the route that answers each. The answer is signed by the hub; the listing is on the audit log.',
      tags: ['queries'],
      security,
      responses: {
        200: { ...json('What the caller may run', { $ref: '#/components/schemas/QueryCatalogue' }), headers: signedAnswerHeaders },
        401: problem('Not authenticated'),
      },
    },
    async (c: Context) => {
      const principal = await auth(c);
      const at = new Date();
      return signed(c, await deps.services.queries.list(principal), at);
    },
  );

  book.add(
    'get',
    '/v1/queries/:name',
    {
      operationId: 'runQuery',
      summary: 'Run a case query: the status of each record, its granted fields and history',
      description:
        "Runs a named query (contracts/queries/) for the caller, from the case index. Deny by default: 403 unless an agreement in force grants the caller the query; the answer holds only the fields granted; juvenile and gbv messages count only for a grant and an institution cleared for them. Parameters are the query's own (see GET /v1/queries) plus `limit` and `cursor`. The answer is signed by the hub (RFC 9421) over the request it answers, `created` = `asOf`; every run, and every refusal, is on the audit log with national ids and names keyed.",
      tags: ['queries'],
      security,
      parameters: [
        { name: 'name', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,63}$' }, description: 'the query, e.g. traffic-fines' },
        { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 }, description: 'records per page' },
        { name: 'cursor', in: 'query', required: false, schema: { type: 'string', maxLength: 1024 }, description: '`next` of the previous page, with the same parameters' },
        {
          name: 'parameters',
          in: 'query',
          required: false,
          style: 'form',
          explode: true,
          schema: { type: 'object', additionalProperties: { type: 'string', maxLength: 200 } },
          description: "the query's own parameters, e.g. plate=7-1234-95 or case=233/2026&month=2026-02 (each at most once)",
        },
      ],
      responses: {
        200: { ...json('One page of records', { $ref: '#/components/schemas/QueryAnswer' }), headers: signedAnswerHeaders },
        400: problem(
          'query-parameters-invalid: a parameter is missing, unknown, repeated or breaks its schema (each fault with its pointer); cursor-invalid: the cursor was altered, is from another caller, query or parameters, or expired',
        ),
        401: problem('Not authenticated'),
        403: problem('query-not-granted: no agreement in force grants the caller this query'),
        404: problem('unknown-query: no query of that name (a built-in names the route that answers it)'),
      },
    },
    async (c: Context) => {
      const principal = await auth(c);
      const name = c.req.param('name') ?? '';
      const params = readParams(c);
      // a name no query can have is still refused by the query core (unknown-query), bounded here
      const answer = await deps.services.queries.run(principal, NAME.test(name) ? name : name.slice(0, 64), params);
      return signed(c, answer, new Date(answer.asOf));
    },
  );
}
