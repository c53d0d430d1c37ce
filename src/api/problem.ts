/**
 * RFC 9457 problem details. Every refusal leaves through here with `application/problem+json`;
 * a lost database connection becomes 503 (the client may retry); anything unexpected is a 500
 * whose details stay in the log, never in the answer.
 */
import type { Context } from 'hono';
import { BacklogError, UnavailableError, WaslaError } from '../errors.js';

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

export function toWaslaError(err: unknown): WaslaError | undefined {
  if (err instanceof WaslaError) return err;
  if (isUnavailable(err)) return new UnavailableError('the database is unreachable; nothing was stored, try again shortly', err);
  return undefined;
}

export function problemResponse(c: Context, err: WaslaError): Response {
  const body = JSON.stringify(err.toProblem(c.req.path));
  const headers: Record<string, string> = { 'content-type': 'application/problem+json' };
  if (err.status === 503) headers['retry-after'] = String(err instanceof BacklogError ? err.retryAfterSeconds : 5);
  return new Response(body, { status: err.status, headers });
}

export function internalErrorResponse(c: Context): Response {
  return new Response(JSON.stringify({
    type: 'https://wasla.dev/problems/internal',
    title: 'Internal error',
    status: 500,
    detail: 'the hub failed to handle this request; it has been logged',
    instance: c.req.path,
  }), { status: 500, headers: { 'content-type': 'application/problem+json' } });
}
