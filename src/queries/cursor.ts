/**
 * Pagination cursors for query answers (issue 24.3): opaque to the caller, tamper-evident, and
 * bound to the request they continue.
 *
 * A cursor is `<payload>.<mac>`, both base64url: the payload is the position (the last record key
 * of the page: issuer and value, as the index orders records) and when it was issued; the MAC is
 * HMAC-SHA-256 with the hub's cursor secret over a version tag, the payload and a digest of the
 * binding (query name, caller, parameters other than cursor and limit). So a cursor that was
 * altered, forged, or taken from another query, another caller or other parameters is refused
 * (`cursor-invalid`), compared in constant time; and one older than `maxAgeSeconds` too. The
 * position is not secret (it is the key of a record the caller was already answered, and a personal
 * key is already keyed), only unforgeable: a caller cannot jump to a position it was never given.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { QueryError } from './errors.js';

export interface CursorPosition {
  issuer: string;
  value: string;
}

export interface CursorBinding {
  query: string;
  caller: string;
  params: Readonly<Record<string, string | readonly string[] | undefined>>;
}

const VERSION = 'wasla-cursor-1';
/** A cursor longer than this is refused before it is decoded. */
export const MAX_CURSOR_LENGTH = 1024;
export const MIN_CURSOR_SECRET_BYTES = 32;

function bindingDigest(b: CursorBinding): Buffer {
  const params = Object.keys(b.params)
    .filter((k) => k !== 'cursor' && k !== 'limit' && b.params[k] !== undefined)
    .sort()
    .map((k) => [k, b.params[k]]);
  return createHash('sha256')
    .update(JSON.stringify([b.query, b.caller, params]))
    .digest();
}

function mac(secret: Uint8Array, payload: string, binding: CursorBinding): Buffer {
  if (!(secret instanceof Uint8Array) || secret.length < MIN_CURSOR_SECRET_BYTES) {
    throw new QueryError('query-secret-invalid', `the cursor secret must be at least ${MIN_CURSOR_SECRET_BYTES} bytes`);
  }
  return createHmac('sha256', secret).update(VERSION).update('\u0000').update(payload).update('\u0000').update(bindingDigest(binding)).digest();
}

export function encodeCursor(secret: Uint8Array, position: CursorPosition, binding: CursorBinding, now: Date = new Date()): string {
  const payload = Buffer.from(JSON.stringify({ i: position.issuer, v: position.value, t: Math.floor(now.getTime() / 1000) })).toString('base64url');
  return `${payload}.${mac(secret, payload, binding).toString('base64url')}`;
}

const invalid = (detail: string) => new QueryError('cursor-invalid', detail, [{ pointer: '/cursor', detail }]);

/** The position a cursor holds, or `cursor-invalid`. */
export function decodeCursor(secret: Uint8Array, cursor: string, binding: CursorBinding, opts: { now?: Date; maxAgeSeconds?: number } = {}): CursorPosition {
  if (typeof cursor !== 'string' || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(cursor)) {
    throw invalid('not a cursor this hub gave');
  }
  const [payload, given] = cursor.split('.');
  // compare the text, not the decoded bytes: base64url's unused trailing bits would let two
  // spellings of one MAC through
  const expected = Buffer.from(mac(secret, payload, binding).toString('base64url'));
  const got = Buffer.from(given);
  if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
    throw invalid('the cursor was altered, or belongs to another query, caller or parameters');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw invalid('not a cursor this hub gave');
  }
  const p = parsed as { i?: unknown; v?: unknown; t?: unknown };
  if (typeof p.i !== 'string' || typeof p.v !== 'string' || typeof p.t !== 'number') throw invalid('not a cursor this hub gave');
  if (opts.maxAgeSeconds !== undefined) {
    const age = Math.floor((opts.now ?? new Date()).getTime() / 1000) - p.t;
    if (age > opts.maxAgeSeconds) throw invalid('the cursor has expired: run the query again from its first page');
  }
  return { issuer: p.i, value: p.v };
}
