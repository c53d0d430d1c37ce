/**
 * Liveness, readiness, metrics, the OpenAPI document and its rendered reference page. /metrics
 * tells anyone who reaches it the hub's recipients and their backlogs: with WASLA_METRICS_TOKEN it
 * answers only the bearer of that token (compared in constant time), and with WASLA_METRICS_PORT it
 * leaves the API port for a listener of its own (see ../operations-app.ts).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import type { RouteBook } from '../route-docs.js';
import { PUBLIC, headerRef, json, problem, schemaRef } from '../route-docs.js';
import type { ApiDeps } from '../deps.js';
import { renderReference } from '../reference-page.js';
import { PROBLEM_MEDIA_TYPE, problemBody } from '../problems.js';

/** what liveness, readiness and metrics need: all a worker-role process serves (see ../operations-app.ts) */
export type HealthDeps = Pick<ApiDeps, 'mode' | 'checks' | 'accepting' | 'metrics' | 'sample' | 'log' | 'metricsToken'>;

export function operationsRoutes(book: RouteBook, deps: ApiDeps, openapi: () => Record<string, unknown>, opts: { metrics?: boolean } = {}): void {
  healthRoutes(book, deps, opts);
  documentRoutes(book, openapi);
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** true when the request bears the token (or none is set); compared in constant time */
function bearsToken(c: Context, token: string | undefined): boolean {
  if (token === undefined) return true;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '');
  return m !== null && timingSafeEqual(digest(m[1]), digest(token));
}

/** /healthz, /readyz and (unless `metrics: false`: served on a port of its own) /metrics */
export function healthRoutes(book: RouteBook, deps: HealthDeps, opts: { metrics?: boolean } = {}): void {
  book.add(
    'get',
    '/healthz',
    {
      operationId: 'health',
      summary: 'Liveness: the process answers',
      tags: ['operations'],
      security: PUBLIC,
      responses: { 200: json('Alive', schemaRef('Health')) },
    },
    (c: Context) => c.json({ status: 'ok' }),
  );

  book.add(
    'get',
    '/readyz',
    {
      operationId: 'ready',
      summary: 'Readiness: the database (and in server mode Redis) are reachable',
      tags: ['operations'],
      security: PUBLIC,
      responses: { 200: json('Ready', schemaRef('Readiness')), 503: problem('A dependency is unreachable, or the hub is shutting down (not-ready; `checks` says which)') },
    },
    async (c: Context) => {
      const results: Record<string, string> = {};
      let ok = deps.accepting();
      if (!ok) results.shutdown = 'in progress';
      await Promise.all(
        Object.entries(deps.checks).map(async ([name, check]) => {
          try {
            await Promise.race([check(), new Promise((_, rej) => setTimeout(() => rej(new Error('timed out after 2 s')), 2000).unref())]);
            results[name] = 'ok';
          } catch (err) {
            ok = false;
            results[name] = (err as Error).message || 'unreachable';
          }
        }),
      );
      if (ok) return c.json({ status: 'ready', mode: deps.mode, checks: results });
      const detail = Object.entries(results)
        .filter(([, v]) => v !== 'ok')
        .map(([k, v]) => `${k}: ${v}`)
        .join('; ');
      return c.body(JSON.stringify(problemBody('not-ready', detail, { extra: { checks: results } })), 503, { 'content-type': PROBLEM_MEDIA_TYPE });
    },
  );

  if (opts.metrics === false) return;
  book.add(
    'get',
    '/metrics',
    {
      operationId: 'metrics',
      summary: 'Prometheus metrics',
      tags: ['operations'],
      description: 'With WASLA_METRICS_TOKEN set, only for `Authorization: Bearer <token>`; with WASLA_METRICS_PORT set, served there and not on the API port.',
      // open unless the operator set a token
      security: [{}, { metricsToken: [] }],
      responses: {
        200: { description: 'Prometheus text exposition format 0.0.4', content: { 'text/plain': { schema: { type: 'string', pattern: '^# (HELP|TYPE) ' } } } },
        401: { ...problem('WASLA_METRICS_TOKEN is set and the request does not bear it (metrics-token-required)'), headers: { 'WWW-Authenticate': headerRef('WWW-Authenticate') } },
      },
    },
    async (c: Context) => {
      if (!bearsToken(c, deps.metricsToken)) {
        const body = problemBody('metrics-token-required', 'this hub serves its metrics only to `Authorization: Bearer <WASLA_METRICS_TOKEN>`', { instance: c.req.path });
        return c.body(JSON.stringify(body), 401, { 'content-type': PROBLEM_MEDIA_TYPE, 'www-authenticate': 'Bearer realm="wasla-metrics"' });
      }
      await deps.sample().catch((err) => deps.log.warn({ err: (err as Error).message }, 'metrics sampling failed'));
      return c.body(await deps.metrics.registry.metrics(), 200, { 'content-type': deps.metrics.registry.contentType });
    },
  );
}

/** /openapi.json and /docs */
function documentRoutes(book: RouteBook, openapi: () => Record<string, unknown>): void {
  book.add(
    'get',
    '/openapi.json',
    {
      operationId: 'openapi',
      summary: 'This OpenAPI document',
      tags: ['operations'],
      security: PUBLIC,
      responses: { 200: json('OpenAPI 3.1', schemaRef('OpenApiDocument')) },
    },
    (c: Context) => c.json(openapi()),
  );

  book.add(
    'get',
    '/docs',
    {
      operationId: 'reference',
      summary: 'The API reference, rendered from the OpenAPI document',
      tags: ['operations'],
      security: PUBLIC,
      responses: { 200: { description: 'A self-contained HTML page (no script, no external resource)', content: { 'text/html': { schema: { type: 'string', pattern: '^<!doctype html>' } } } } },
    },
    (c: Context) => c.html(renderReference(openapi())),
  );
}
