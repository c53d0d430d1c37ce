/**
 * SDK: case queries (issue 24). `query()` signs a GET /v1/queries/{name} request as the
 * institution, sends it, and returns the answer only once the hub's signature over it verifies;
 * `verifyQueryAnswer()` checks an answer — just received, or kept as evidence — against the request
 * it answers.
 *
 * Guarantees: an answer is returned only when its signature, by a key `hubKeys` resolves (the hub
 * certificate), covers its status, its body digest, its media type, and from the request its
 * method, target URI (the query and parameters asked) and the institution's own request signature —
 * so an answer cannot be passed off as the answer to another request. A refusal (problem+json)
 * is thrown as a QueryRefused with the problem's `type`, `status` and `detail`.
 */
import type { KeyInput, SignatureAlgorithm } from '../trust/algorithms.js';
import { verifyMessage, type ResolveKey, type ResolvedKey, type VerifyOptions, type VerifyResult } from '../trust/http-signatures.js';
import { QUERY_ANSWER_COMPONENTS, REQUIRED_PARAMS } from '../trust/profiles.js';
import { readBody, responseMessage, type RequestLike, type ResponseLike } from './fetch-message.js';
import { signRequest } from './requests.js';

export type VerifyAnswerOptions<K extends ResolvedKey> = Omit<VerifyOptions<K>, 'resolveKey' | 'body'>;

export interface VerifiedAnswer<K extends ResolvedKey = ResolvedKey> {
  /** the parsed answer: query, asOf, records, next, truncated */
  answer: QueryAnswerBody;
  /** the bytes the hub signed */
  body: Buffer;
  signature: VerifyResult<K>;
}

export interface QueryAnswerBody {
  query: string;
  asOf: string;
  records: Array<{
    key: { kind: string; issuer?: string; value?: string };
    status: { state: string; description: string; at: string };
    fields: Record<string, unknown>;
    history: Array<{ id: string; type: string; version: string; at: string; state?: string }>;
  }>;
  next?: string;
  truncated: boolean;
}

/** The hub refused the query (RFC 9457 problem). */
export class QueryRefused extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    detail: string,
    readonly problem: Record<string, unknown>,
  ) {
    super(detail);
    this.name = 'QueryRefused';
  }
}

/** Verifies the hub's signed answer to a query request (GET /v1/queries or /v1/queries/{name}). */
export async function verifyQueryAnswer<K extends ResolvedKey>(response: ResponseLike, request: RequestLike, hubKeys: ResolveKey<K>, opts: VerifyAnswerOptions<K> = {}): Promise<VerifiedAnswer<K>> {
  const body = await readBody(response);
  const signature = await verifyMessage(responseMessage(response, request), {
    ...opts,
    resolveKey: hubKeys,
    body,
    requiredComponents: opts.requiredComponents ?? QUERY_ANSWER_COMPONENTS,
    requiredParams: opts.requiredParams ?? REQUIRED_PARAMS,
  });
  return { answer: JSON.parse(body.toString('utf8')) as QueryAnswerBody, body, signature };
}

export interface QueryOptions<K extends ResolvedKey> {
  /** the hub's base URL, e.g. https://wasla.example */
  hubUrl: string;
  /** your institution's private key and certificate serial */
  key: KeyInput;
  keyid: string;
  alg: SignatureAlgorithm;
  /** resolves the hub's signing key (hubKeyResolver with the hub certificate) */
  hubKeys: ResolveKey<K>;
  fetch?: typeof fetch;
}

/** The URL of a query run: the parameters in the order given, each once. */
export function queryUrl(hubUrl: string, name: string, params: Record<string, string | undefined> = {}): string {
  const url = new URL(`v1/queries/${encodeURIComponent(name)}`, hubUrl.endsWith('/') ? hubUrl : `${hubUrl}/`);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.append(k, v);
  return url.toString();
}

async function signedGet<K extends ResolvedKey>(url: string, opts: QueryOptions<K>): Promise<VerifiedAnswer<K>> {
  const request = await signRequest(new Request(url, { method: 'GET' }), opts.key, { keyid: opts.keyid, alg: opts.alg });
  const response = await (opts.fetch ?? fetch)(request.clone());
  if (response.status !== 200) {
    const text = await response.text();
    let problem: Record<string, unknown> = {};
    try {
      problem = JSON.parse(text) as Record<string, unknown>;
    } catch {
      problem = { detail: text.slice(0, 500) };
    }
    throw new QueryRefused(response.status, String(problem.type ?? ''), String(problem.detail ?? `HTTP ${response.status}`), problem);
  }
  return verifyQueryAnswer(response, request, opts.hubKeys);
}

/** Runs a case query; resolves with the answer once the hub's signature over it verifies. */
export function query<K extends ResolvedKey>(name: string, params: Record<string, string | undefined>, opts: QueryOptions<K>): Promise<VerifiedAnswer<K>> {
  return signedGet(queryUrl(opts.hubUrl, name, params), opts);
}

/** The queries you may run (GET /v1/queries), verified like an answer. */
export async function listQueries<K extends ResolvedKey>(opts: QueryOptions<K>): Promise<{ catalogue: unknown; signature: VerifyResult<K> }> {
  const url = new URL('v1/queries', opts.hubUrl.endsWith('/') ? opts.hubUrl : `${opts.hubUrl}/`).toString();
  const v = await signedGet(url, opts);
  return { catalogue: v.answer, signature: v.signature };
}
