/**
 * Text that arrives outside the body — query parameters — held to what the body is held to (see
 * ../intake/strict-json.ts): no U+0000, which PostgreSQL's text and jsonb cannot hold (a filter
 * value or a replay reason reaches a query or the audit log), and nothing that is not Unicode
 * text. Checked for every route before it runs, so no route can forget it. Headers need no check
 * here: Node's HTTP parser refuses a NUL in a header, and the hub stores only Idempotency-Key,
 * which intake holds to visible ASCII.
 */
import type { MiddlewareHandler } from 'hono';
import { BadRequestError } from '../errors.js';
import { hasLoneSurrogate } from '../intake/strict-json.js';
import { formatPointer } from '../json/index.js';

/** Throws the problem for the first query parameter (name or value) that is not storable text. */
export function checkQueryText(queries: Record<string, string[]>): void {
  for (const [name, values] of Object.entries(queries)) {
    const pointer = formatPointer(['query', name]);
    for (const v of [name, ...values]) {
      if (v.includes('\u0000'))
        throw new BadRequestError('nul-character', `the query parameter ${JSON.stringify(name)} holds U+0000, which the hub can neither store nor forward`, [{ pointer, detail: 'holds U+0000' }]);
      if (hasLoneSurrogate(v)) throw new BadRequestError('invalid-utf8', `the query parameter ${JSON.stringify(name)} is not Unicode text`, [{ pointer, detail: 'holds a lone surrogate' }]);
    }
  }
}

export const queryTextGuard = (): MiddlewareHandler => async (c, next) => {
  checkQueryText(c.req.queries());
  await next();
};
