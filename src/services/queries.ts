/**
 * Case queries as a use case (issue 24): which queries a caller may run (GET /v1/queries) and one
 * run of one of them (GET /v1/queries/{name}), apart from HTTP and signatures.
 *
 * Guarantees:
 * - deny by default: a query runs only under an agreement in force that grants it to the caller
 *   (queries/run.ts checks the grant before anything is said about the parameters); the answer
 *   holds only granted fields, and juvenile or gbv messages count only for a caller whose grant and
 *   institution file both clear that class;
 * - answers come from the case index (store/case-index.ts), never from a scan of messages;
 * - every run is on the audit log — who, which query, the parameters with national ids and names
 *   keyed (never in clear), how many records went out — and so is every refusal (with its code), so
 *   that probing is visible too. The entry is written before the answer leaves: if the audit log
 *   cannot be written, nothing is answered.
 */
import { ForbiddenError, NotFoundError, BadRequestError, type WaslaError } from '../errors.js';
import type { AuditWriter } from '../audit/writer.js';
import type { Contracts } from '../routing/types.js';
import { auditParameters, BUILTIN_QUERIES, grantedQueries, grantFor, isBuiltinQuery, QueryError, runQuery, type IndexPort, type QueryAnswer, type QueryParams } from '../queries/index.js';
import type { Principal } from './principal.js';

/** One query as the caller may run it: its parameters, the fields it is granted, the statuses it answers. */
export interface QueryListing {
  name: string;
  title: string;
  description: string;
  parameters: Array<{ name: string; description: string; required: boolean; schema: Record<string, unknown> }>;
  /** the answer fields the caller's grants give it (union over the agreements) */
  fields: string[];
  statuses: Array<{ name: string; description: string }>;
}

export interface QueryCatalogue {
  queries: QueryListing[];
  /** message-status, delivery-status: granted names answered by their own routes */
  builtins: Array<{ name: string; description: string; route: string }>;
}

export interface QueryService {
  list(principal: Principal): Promise<QueryCatalogue>;
  run(principal: Principal, name: string, params: QueryParams): Promise<QueryAnswer>;
}

export interface QueryServiceDeps {
  contracts: () => Contracts;
  audit: AuditWriter;
  /** the case index (StoreIndex over the hub's database) */
  port: IndexPort;
  indexSecret: Uint8Array;
  cursorSecret: Uint8Array;
  /** the hub's clock (tests fix it) */
  now?: () => Date;
}

function toWasla(err: QueryError): WaslaError {
  switch (err.code) {
    case 'unknown-query':
      return new NotFoundError('unknown-query', err.message);
    case 'query-not-granted':
      return new ForbiddenError('query-not-granted', err.message);
    case 'query-parameters-invalid':
      return new BadRequestError('query-parameters-invalid', err.message, [...err.faults]);
    case 'cursor-invalid':
      return new BadRequestError('cursor-invalid', err.message);
    default:
      throw err; // a contract or secret fault is the hub's, not the caller's: an internal error
  }
}

export function queryService(deps: QueryServiceDeps): QueryService {
  const now = deps.now ?? (() => new Date());
  const callerOf = (contracts: Contracts, p: Principal) => ({ id: p.institution, clearances: contracts.institution(p.institution)?.clearances ?? [] });

  return {
    async list(p) {
      const contracts = deps.contracts();
      const at = now();
      const names = grantedQueries(contracts.agreements.values(), { id: p.institution }, at);
      const caller = callerOf(contracts, p);
      const queries: QueryListing[] = [];
      for (const name of names) {
        const q = contracts.queries.get(name);
        const grant = q && grantFor(contracts.agreements.values(), caller, name, at);
        if (!q || !grant) continue;
        const fields = new Set(grant.scopes.flatMap((s) => s.fields));
        queries.push({
          name: q.name,
          title: q.title,
          description: q.description,
          parameters: q.parameters.map((x) => ({ name: x.name, description: x.description, required: x.required, schema: x.schema })),
          fields: q.fields.map((f) => f.name).filter((f) => fields.has(f)),
          statuses: q.status.states.map((s) => ({ name: s.name, description: s.description })),
        });
      }
      const builtins = names.filter(isBuiltinQuery).map((n) => ({ ...BUILTIN_QUERIES[n] }));
      await deps.audit({ actor: p.institution, action: 'query.run', subject: null, data: { query: '(list)', credential: p.credential, returned: queries.length + builtins.length } });
      return { queries, builtins };
    },

    async run(p, name, params) {
      const contracts = deps.contracts();
      const at = now();
      try {
        const { answer, audit } = await runQuery(
          { queries: contracts.queries, catalogue: contracts.catalogue, agreements: contracts.agreements.values(), port: deps.port, indexSecret: deps.indexSecret, cursorSecret: deps.cursorSecret },
          { caller: callerOf(contracts, p), query: name, params, now: at },
        );
        await deps.audit({ actor: p.institution, action: 'query.run', subject: null, data: { ...audit, credential: p.credential, next: answer.next !== undefined } });
        return answer;
      } catch (err) {
        if (!(err instanceof QueryError)) throw err;
        const refusal = toWasla(err);
        await deps.audit({
          actor: p.institution,
          action: 'query.run',
          subject: null,
          data: {
            institution: p.institution,
            query: name.slice(0, 100),
            parameters: auditParameters(contracts.queries, name, params, deps.indexSecret),
            credential: p.credential,
            returned: 0,
            refused: refusal.code,
          },
        });
        throw refusal;
      }
    },
  };
}
