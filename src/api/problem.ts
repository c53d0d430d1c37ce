/**
 * Answering what was thrown. Every refusal leaves through here as `application/problem+json`
 * (its status and title from the registry, problems.ts); a lost database connection becomes 503
 * `unavailable`, a database out of disk, memory or connections 503 `resource-exhausted` (the client
 * may retry either, after Retry-After); anything unexpected is a 500 whose details stay in the log,
 * never in the answer.
 */
import type { Context } from 'hono';
import { BacklogError, ResourceExhaustedError, UnavailableError, WaslaError, type ExhaustedResource } from '../errors.js';
import { INTERNAL_DETAIL, PROBLEM_MEDIA_TYPE, problemBody, problemOf, problemOfError } from './problems.js';

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006']);

/** true when the error means "the database (or Redis) is unreachable", not "the query is wrong" */
export function isUnavailable(err: unknown): boolean {
  for (let e: unknown = err, i = 0; e && i < 5; e = (e as { cause?: unknown }).cause, i++) {
    const code = (e as { code?: string }).code;
    if (code && CONNECTION_CODES.has(code)) return true;
    const msg = String((e as Error).message ?? '');
    if (/Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connect ECONNREFUSED/i.test(msg)) return true;
  }
  return false;
}

/**
 * PostgreSQL's class 53 (insufficient resources, Appendix A) and the errno a full disk gives PGlite's
 * files. 53400 (configuration_limit_exceeded) is left out: a limit in the configuration is not
 * freed by waiting. Retry-After: a full disk waits for an operator, the others for the load to pass.
 */
const EXHAUSTED: Record<string, [ExhaustedResource, number]> = {
  53000: ['resources', 10],
  53100: ['disk', 30],
  53200: ['memory', 10],
  53300: ['connections', 5],
  ENOSPC: ['disk', 30],
  EDQUOT: ['disk', 30],
};

/** what the database ran out of, when that is what the error means (looked for along its causes) */
export function exhaustedResource(err: unknown): ResourceExhaustedError | undefined {
  for (let e: unknown = err, i = 0; e && i < 5; e = (e as { cause?: unknown }).cause, i++) {
    const code = (e as { code?: unknown }).code;
    const hit = typeof code === 'string' ? EXHAUSTED[code] : undefined;
    if (hit) return new ResourceExhaustedError(hit[0], hit[1], err);
    // PGlite may report a failed write only in its message
    if (/no space left on device|disk quota exceeded/i.test(String((e as Error).message ?? ''))) return new ResourceExhaustedError('disk', 30, err);
  }
  return undefined;
}

export function toWaslaError(err: unknown): WaslaError | undefined {
  if (err instanceof WaslaError) return err;
  const exhausted = exhaustedResource(err);
  if (exhausted) return exhausted;
  if (isUnavailable(err)) return new UnavailableError('the database is unreachable; nothing was stored, try again shortly', err);
  return undefined;
}

export function problemResponse(c: Context, err: WaslaError): Response {
  const { status } = problemOf(err);
  const headers: Record<string, string> = { 'content-type': PROBLEM_MEDIA_TYPE };
  // a refusal that a retry can cure says when to try
  if (err.retryable) headers['retry-after'] = String(err instanceof BacklogError || err instanceof ResourceExhaustedError ? err.retryAfterSeconds : 5);
  return new Response(JSON.stringify(problemOfError(err, c.req.path)), { status, headers });
}

export function internalErrorResponse(c: Context): Response {
  return new Response(JSON.stringify(problemBody('internal', INTERNAL_DETAIL, { instance: c.req.path })), { status: 500, headers: { 'content-type': PROBLEM_MEDIA_TYPE } });
}
