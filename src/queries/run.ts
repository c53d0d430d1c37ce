/**
 * Running a named query for a caller (issue 24.3), everything but HTTP, signatures and storage:
 * find the query, check the caller's grant (deny by default), validate the parameters, turn them
 * into index lookups (canonical, personal values keyed), continue from a verified cursor, resolve
 * one page of records through the index port, answer them projected to the grant, and say what the
 * audit log must record (the parameters with personal values keyed, and how many records went out).
 *
 * Refusals are QueryErrors, in this order, so that the answer reveals no more than it must:
 * `unknown-query` (404), `query-not-granted` (403) before anything about the parameters is said,
 * `query-parameters-invalid` (400), `cursor-invalid` (400).
 */
import type { Catalogue } from '../schemas/types.js';
import { answerRecords, clearedClasses, type AnswerRecord } from './answer.js';
import { BUILTIN_QUERIES, isBuiltinQuery } from './builtins.js';
import { decodeCursor, encodeCursor, type CursorBinding } from './cursor.js';
import { QueryError } from './errors.js';
import { grantFor, type AgreementQueryGrants, type Caller } from './grants.js';
import { indexValue, otherForms, PERSONAL_KINDS } from './index-keys.js';
import type { LoadedQueries, QueryParams } from './load.js';
import { canonicalIssuer } from './normalise.js';
import { resolveRecords, type IndexPort, type Lookup } from './resolve.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
export const MAX_MESSAGES_PER_RECORD = 200;

export interface QueryDeps {
  queries: LoadedQueries;
  catalogue: Pick<Catalogue, 'translate'>;
  /** the agreements in the contract set (their query grants) */
  agreements: Iterable<AgreementQueryGrants>;
  port: IndexPort;
  /** keys national ids and names (the same secret intake indexes with) */
  indexSecret: Uint8Array;
  /** signs cursors */
  cursorSecret: Uint8Array;
  /** a cursor older than this is refused (default one hour) */
  cursorMaxAgeSeconds?: number;
}

export interface QueryRequest {
  caller: Caller;
  query: string;
  /** the URL's query parameters, `cursor` and `limit` included */
  params: QueryParams;
  /** the hub's clock: deadlines pass relative to it, and the answer says it */
  now: Date;
}

export interface QueryAnswer {
  query: string;
  asOf: string;
  records: AnswerRecord[];
  /** the cursor of the next page, when there is one */
  next?: string;
  /** a record had more messages than an answer carries; it was answered from the first ones */
  truncated: boolean;
}

/** What the audit log records of a query: who, which, with what (personal values keyed), how many. */
export interface QueryAuditEntry {
  institution: string;
  query: string;
  parameters: Record<string, string>;
  returned: number;
}

function single(params: QueryParams, name: string): string | undefined {
  const v = params[name];
  return typeof v === 'string' ? v : undefined;
}

/** The request's parameters as the audit log may hold them: personal ones keyed, never in clear. */
export function auditParameters(queries: LoadedQueries, queryName: string, params: QueryParams, secret: Uint8Array): Record<string, string> {
  const query = queries.get(queryName);
  const out: Record<string, string> = {};
  for (const name of Object.keys(params).sort()) {
    const v = params[name];
    if (v === undefined) continue;
    const p = query?.parameters.find((x) => x.name === name);
    const text = typeof v === 'string' ? v : v.join(',');
    if (p?.index && PERSONAL_KINDS.has(p.index)) out[name] = `keyed:${indexValue(p.index, text, secret) ?? ''}`;
    else if (!p && name !== 'cursor' && name !== 'limit') out[name] = '(unknown parameter)';
    else out[name] = text.slice(0, 200);
  }
  return out;
}

export async function runQuery(deps: QueryDeps, req: QueryRequest): Promise<{ answer: QueryAnswer; audit: QueryAuditEntry }> {
  const query = deps.queries.get(req.query);
  if (!query) {
    const detail = isBuiltinQuery(req.query) ? `${req.query} is answered by ${BUILTIN_QUERIES[req.query].route}` : `no query "${req.query}"`;
    throw new QueryError('unknown-query', detail);
  }
  const grant = grantFor(deps.agreements, req.caller, query.name, req.now);
  if (!grant) throw new QueryError('query-not-granted', `no agreement in force grants ${req.caller.id} the query ${query.name}`);

  const faults = deps.queries.parameterFaults(query, req.params);
  const limitText = single(req.params, 'limit');
  const limit = limitText === undefined ? DEFAULT_PAGE_SIZE : /^[1-9][0-9]{0,2}$/.test(limitText) ? Number(limitText) : NaN;
  if (!(limit >= 1 && limit <= MAX_PAGE_SIZE)) faults.push({ pointer: '/limit', detail: `must be a whole number from 1 to ${MAX_PAGE_SIZE}` });
  if (Array.isArray(req.params.cursor)) faults.push({ pointer: '/cursor', detail: 'given more than once' });

  const lookups: Lookup[] = [];
  for (const p of query.parameters) {
    const raw = single(req.params, p.name);
    if (!p.index || raw === undefined) continue;
    const value = indexValue(p.index, raw, deps.indexSecret);
    if (value === undefined) {
      faults.push({ pointer: `/${p.name}`, detail: 'has nothing to look up once spaces and punctuation are set aside' });
      continue;
    }
    let issuer: string | undefined;
    if (p.issuer === 'caller') issuer = canonicalIssuer(req.caller.id);
    else if (p.issuer) {
      const named = single(req.params, p.issuer.parameter);
      if (named !== undefined) issuer = canonicalIssuer(named);
    }
    // issue 26: an encrypted message's plate is keyed in the index; the lookup matches either form
    const also = otherForms(p.index, value, deps.indexSecret);
    const lookup: Lookup = issuer === undefined ? { kind: p.index, value } : { kind: p.index, value, issuer };
    lookups.push(also.length ? { ...lookup, also } : lookup);
  }
  const lookupParams = query.parameters.filter((p) => p.index).map((p) => p.name);
  if (lookups.length === 0 && query.record.issuer !== 'caller' && !faults.some((f) => lookupParams.some((n) => f.pointer === `/${n}`))) {
    faults.push({ pointer: '', detail: `give at least one of ${lookupParams.join(', ')}` });
  }
  if (faults.length > 0) throw new QueryError('query-parameters-invalid', `the parameters of ${query.name} do not hold`, faults);

  const binding: CursorBinding = { query: query.name, caller: req.caller.id, params: req.params };
  const cursor = single(req.params, 'cursor');
  const after = cursor === undefined ? undefined : decodeCursor(deps.cursorSecret, cursor, binding, { now: req.now, maxAgeSeconds: deps.cursorMaxAgeSeconds ?? 3600 });

  const page = await resolveRecords(deps.port, {
    query,
    lookups,
    ...(query.record.issuer === 'caller' ? { recordIssuer: canonicalIssuer(req.caller.id) } : {}),
    classifications: clearedClasses(grant),
    ...(after ? { after } : {}),
    limit,
    maxMessagesPerRecord: MAX_MESSAGES_PER_RECORD,
  });
  const params: Record<string, string | undefined> = {};
  for (const p of query.parameters) params[p.name] = single(req.params, p.name);
  const records = answerRecords(query, grant, page.records, { catalogue: deps.catalogue, asOf: req.now, params });
  const answer: QueryAnswer = {
    query: query.name,
    asOf: req.now.toISOString(),
    records,
    ...(page.next ? { next: encodeCursor(deps.cursorSecret, { issuer: page.next.issuer, value: page.next.value }, binding, req.now) } : {}),
    truncated: page.truncated,
  };
  return {
    answer,
    audit: { institution: req.caller.id, query: query.name, parameters: auditParameters(deps.queries, query.name, req.params, deps.indexSecret), returned: records.length },
  };
}
