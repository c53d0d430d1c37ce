/**
 * Banks' statements and the reconciliations made of them, over HTTP (issue 23): a bank POSTs a
 * camt.053 statement or camt.054 notification as application/xml, signed like every request
 * (RFC 9421, Content-Digest covering the bytes); the fund, the bank and operators read what
 * reconciliation concluded. The routes read the request and call the statement service
 * (src/services/statements.ts: who may send and read, the reconciliation, the audit log).
 */
import type { Context } from 'hono';
import { BadRequestError, NotFoundError, RequestRefusedError, type Fault } from '../../errors.js';
import { UUID_RE } from '../../ids.js';
import { readBody } from '../body.js';
import type { ApiDeps } from '../deps.js';
import { json, problem, SIGNED, type RouteBook } from '../route-docs.js';

const amount = { type: 'string', pattern: '^-?[0-9]+(\\.[0-9]{1,5})?$' };
const countSum = { type: 'object', properties: { count: { type: 'integer' }, sum: amount } };

const Receipt = {
  type: 'object',
  required: ['statements'],
  properties: {
    statements: {
      type: 'array',
      items: {
        type: 'object',
        required: ['statement', 'statementId', 'duplicate', 'payouts', 'unmatchedEntries', 'flagged'],
        properties: {
          statement: { type: 'string', format: 'uuid', description: 'the hub id of the statement: GET /v1/reconciliations/{statement}' },
          statementId: { type: 'string', description: 'the bank’s Stmt/Id or Ntfctn/Id' },
          duplicate: { type: 'boolean', description: 'received before: nothing changed, `statement` is the first one' },
          payouts: { type: 'object', additionalProperties: { type: 'integer' }, description: 'payouts whose state this statement changed, by new state' },
          unmatchedEntries: { type: 'integer' },
          flagged: { type: 'boolean', description: 'declared totals or balances do not add up' },
        },
      },
    },
  },
};

const Summary = {
  type: 'object',
  required: ['statement', 'bank', 'holder', 'statementId', 'unmatched', 'flagged', 'createdAt'],
  properties: {
    statement: { type: 'string', format: 'uuid' },
    bank: { type: 'string' },
    holder: { type: 'string', description: 'the institution whose account the statement is about' },
    statementId: { type: 'string' },
    unmatched: { type: 'integer', description: 'entries that matched no payout' },
    flagged: { type: 'boolean' },
    createdAt: { type: 'string', format: 'date-time' },
  },
};

const Reconciliation = {
  ...Summary,
  required: [...Summary.required, 'result'],
  properties: {
    ...Summary.properties,
    result: {
      type: 'object',
      required: ['kind', 'version', 'statementId', 'declared', 'computed', 'discrepancies', 'balances', 'payouts', 'unmatched'],
      properties: {
        kind: { enum: ['camt.053', 'camt.054'] },
        version: { type: 'string', pattern: '^0[2-8]$' },
        messageId: { type: 'string' },
        statementId: { type: 'string' },
        account: { type: 'object', properties: { iban: { type: 'string' }, other: { type: 'string' }, currency: { type: 'string' } } },
        declared: { type: 'object', description: 'TxsSummry as the statement states it', properties: { entries: { type: 'integer' }, sum: amount, net: amount, credits: countSum, debits: countSum } },
        computed: {
          type: 'object',
          description: 'the same figures added up from the entries',
          properties: {
            entries: { type: 'integer' },
            sum: amount,
            net: amount,
            credits: countSum,
            debits: countSum,
            byCurrency: { type: 'object', additionalProperties: { type: 'object', properties: { credits: countSum, debits: countSum } } },
          },
        },
        discrepancies: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, declared: { type: 'string' }, computed: { type: 'string' } } } },
        balances: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              currency: { type: 'string' },
              result: { enum: ['ok', 'mismatch', 'not-checkable'] },
              opening: amount,
              credits: amount,
              debits: amount,
              expectedClosing: amount,
              closing: amount,
            },
          },
        },
        matched: { type: 'object', description: 'entries matched to payouts, by currency', additionalProperties: countSum },
        repeatedEntries: { type: 'integer', description: 'entries reported before, counted once' },
        payouts: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              endToEndId: { type: 'string' },
              state: { enum: ['paid', 'partially-paid', 'returned', 'rejected', 'open', 'unmatched'] },
              instructed: amount,
              settled: amount,
              currency: { type: 'string' },
              returnReason: { type: 'string' },
              matches: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { how: { enum: ['end-to-end-id', 'amount-date-account'] }, effect: { type: 'string' }, amount, currency: { type: 'string' }, status: { type: 'string' } },
                },
              },
            },
          },
        },
        unmatched: {
          type: 'array',
          items: {
            type: 'object',
            properties: { amount, currency: { type: 'string' }, creditDebit: { enum: ['CRDT', 'DBIT'] }, status: { type: 'string' }, endToEndId: { type: 'string' }, reason: { type: 'string' } },
          },
        },
        paymentRecords: { type: 'array', items: { type: 'object' } },
      },
    },
  },
};

const XML_TYPES = /^(application|text)\/xml(\s*;.*)?$/i;

export function statementRoutes(book: RouteBook, deps: ApiDeps): void {
  const auth = (c: Context, body: Buffer = Buffer.alloc(0)) => deps.authenticate({ method: c.req.method, url: c.req.url, headers: c.req.raw.headers, body });

  book.add(
    'post',
    '/v1/statements',
    {
      operationId: 'postStatement',
      summary: 'A bank sends a camt.053 statement or camt.054 notification; the hub reconciles it on receipt',
      description:
        'Only an institution an agreement in force names in `statements` may send one, about an account its contract holds for an institution that grant names. camt.053.001.02–08 and camt.054.001.02–08 are read; DTDs, entities, XInclude and oversized documents are refused. The same statement twice changes nothing (answered with `duplicate: true`).',
      tags: ['banks'],
      security: SIGNED,
      requestBody: { required: true, content: { 'application/xml': { schema: { type: 'string', description: 'an ISO 20022 camt.053 or camt.054 document' } } } },
      responses: {
        200: json('Reconciled (or received before)', Receipt),
        400: problem('The XML is refused (statement-xml-refused)'),
        401: problem('Not authenticated'),
        403: problem('No agreement lets you send statements (statement-not-granted), or the account is not one you report for (statement-account-unknown)'),
        413: problem('Body too large'),
        415: problem('Not application/xml'),
        422: problem('Not a supported camt document (statement-unsupported), or one that cannot be read (statement-invalid)'),
      },
    },
    async (c: Context) => {
      const body = await readBody(c, deps.maxStatementBytes ?? 16 * 1024 * 1024);
      const p = await auth(c, body);
      if (!XML_TYPES.test(c.req.header('content-type') ?? '')) throw new RequestRefusedError('unsupported-media-type', 'a statement is sent as application/xml');
      return c.json(await deps.services.statements.receive(p, body));
    },
  );

  book.add(
    'get',
    '/v1/reconciliations',
    {
      operationId: 'listReconciliations',
      summary: 'List reconciliations: the bank’s own, the account holder’s, or (operators) all',
      tags: ['banks'],
      security: SIGNED,
      parameters: [
        { name: 'bank', in: 'query', schema: { type: 'string' }, description: 'only this bank’s statements' },
        { name: 'after', in: 'query', schema: { type: 'string', format: 'uuid' }, description: 'cursor: the last statement of the previous page' },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 }, description: 'reconciliations on one page' },
      ],
      responses: {
        200: json('A page of reconciliations', { type: 'object', required: ['items', 'next'], properties: { items: { type: 'array', items: Summary }, next: { type: ['string', 'null'] } } }),
        400: problem('Bad filter'),
        401: problem('Not authenticated'),
      },
    },
    async (c: Context) => {
      const p = await auth(c);
      const q = c.req.query();
      const faults: Fault[] = [];
      const limit = q.limit === undefined ? undefined : Number(q.limit);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 1000)) faults.push({ pointer: '/query/limit', detail: 'must be 1..1000' });
      if (q.after !== undefined && !UUID_RE.test(q.after)) faults.push({ pointer: '/query/after', detail: 'must be a statement id' });
      if (q.bank !== undefined && (q.bank.length > 128 || !/^[a-z0-9.-]+$/.test(q.bank))) faults.push({ pointer: '/query/bank', detail: 'must be an institution id' });
      if (faults.length) throw new BadRequestError('invalid-filter', 'the filter has faults', faults);
      return c.json(await deps.services.statements.list(p, { ...(q.bank ? { bank: q.bank } : {}), ...(q.after ? { after: q.after } : {}), ...(limit ? { limit } : {}) }));
    },
  );

  book.add(
    'get',
    '/v1/reconciliations/:statementId',
    {
      operationId: 'getReconciliation',
      summary: 'One statement’s reconciliation: totals declared and computed, balances, every payout it changed, unmatched entries',
      tags: ['banks'],
      security: SIGNED,
      parameters: [{ name: 'statementId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' }, description: 'the hub id of the statement (`statement` in the POST answer)' }],
      responses: {
        200: json('The reconciliation', Reconciliation),
        401: problem('Not authenticated'),
        404: problem('No such reconciliation, or not yours to see (reconciliation-not-found)'),
      },
    },
    async (c: Context) => {
      const p = await auth(c);
      const id = c.req.param('statementId') ?? '';
      if (!UUID_RE.test(id)) throw new NotFoundError('reconciliation-not-found', `no reconciliation ${id.slice(0, 40)}`);
      return c.json(await deps.services.statements.show(p, id));
    },
  );
}
