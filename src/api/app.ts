/**
 * The Hono application: request ids, problem+json for every refusal, and the routes. Built from
 * ApiDeps so tests call it in-process with `app.request()` and the server mounts the same object.
 */
import { Hono, type Context } from 'hono';
import { AUDITED_REFUSALS, type Principal, type Refusal } from '../services/index.js';
import { randomUUID } from 'node:crypto';
import type { ApiDeps } from './deps.js';
import { RouteBook } from './route-docs.js';
import { buildOpenApi } from './openapi.js';
import { internalErrorResponse, problemResponse, toWaslaError } from './problem.js';
import { isProblemCode, problemOf } from './problems.js';
import { messageRoutes } from './routes/messages.js';
import { operationsRoutes } from './routes/operations.js';
import { deadlineRoutes } from './routes/deadlines.js';
import { deliveryRoutes } from './routes/deliveries.js';
import { queryRoutes } from './routes/queries.js';
import { schemaRoutes } from './routes/schemas.js';
import { trustRoutes } from './routes/trust.js';
import { inboxRoutes } from './routes/inbox.js';
import { statementRoutes } from './routes/statements.js';
import { adminRoutes, payloadKeyRoutes } from './routes/admin.js';
import { retentionRoutes } from './routes/retention.js';
import { NotFoundError, ResourceExhaustedError } from '../errors.js';
import { queryTextGuard } from './request-text.js';

export type RouteRegistrar = (book: RouteBook, deps: ApiDeps) => void;

export interface App {
  app: Hono;
  openapi: () => Record<string, unknown>;
}

export interface AppOptions {
  /** serve /metrics on this app (default true); false when WASLA_METRICS_PORT gives it a listener of its own */
  metrics?: boolean;
}

/**
 * What a refusal says of who sent it, for the audit log (services/refusals.ts): the institution the
 * request was authenticated as, if it got that far, and what it claimed — the signature's keyid, the
 * Wasla-Sender header. Never the body.
 */
function refusalOf(c: Context, status: number, reason: string, principal: Principal | undefined): Refusal {
  const keyid = /;\s*keyid="([^"]{1,256})"/.exec(c.req.header('signature-input') ?? '')?.[1];
  return {
    status,
    reason,
    method: c.req.method,
    path: c.req.path,
    ...(principal && { sender: principal.institution, credential: principal.credential }),
    ...(principal?.operator && { operator: principal.operator.operatorId }),
    claimed: { keyid, sender: c.req.header('wasla-sender') },
  };
}

export function createApp(depsIn: ApiDeps, extraRoutes: RouteRegistrar[] = [], opts: AppOptions = {}): App {
  // the principal each request was authenticated as, by its Headers object, for its refusal's audit entry
  const principals = new WeakMap<Headers, Principal>();
  const deps: ApiDeps = {
    ...depsIn,
    authenticate: async (facts) => {
      const p = await depsIn.authenticate(facts);
      principals.set(facts.headers, p);
      return p;
    },
  };
  const app = new Hono();
  const book = new RouteBook(app);

  app.use('*', async (c, next) => {
    const id = c.req.header('x-request-id')?.slice(0, 100) || randomUUID();
    c.header('x-request-id', id);
    await next();
    // a refusal answered by onError below is a Response of its own, without the header set above
    if (!c.res.headers.has('x-request-id')) c.res.headers.set('x-request-id', id);
  });
  app.use('*', queryTextGuard());

  let doc: Record<string, unknown> | undefined;
  const openapi = () => (doc ??= buildOpenApi(book.docs, deps.version));
  messageRoutes(book, deps);
  deliveryRoutes(book, deps);
  queryRoutes(book, deps);
  deadlineRoutes(book, deps);
  schemaRoutes(book, deps);
  trustRoutes(book, deps);
  inboxRoutes(book, deps);
  statementRoutes(book, deps);
  adminRoutes(book, deps);
  payloadKeyRoutes(book, deps);
  retentionRoutes(book, deps);
  for (const register of extraRoutes) register(book, deps);
  operationsRoutes(book, deps, openapi, { metrics: opts.metrics });

  app.notFound((c) => problemResponse(c, new NotFoundError('route-not-found', `no route ${c.req.method} ${c.req.path}`)));
  app.onError((err, c) => {
    const known = toWaslaError(err);
    if (known && isProblemCode(known.code)) {
      deps.metrics.messagesRefused.inc({ reason: known.code });
      if (known instanceof ResourceExhaustedError) {
        deps.metrics.resourceExhausted.inc({ resource: known.resource });
        deps.log.error(
          { code: known.code, resource: known.resource, err: (err as Error).message, path: c.req.path },
          `the database is out of ${known.resource === 'disk' ? 'disk space' : known.resource}: requests are answered 503 until it is freed`,
        );
      } else if (problemOf(known).status >= 500) deps.log.warn({ code: known.code, err: (err as Error).message, path: c.req.path }, 'request failed');
      const status = problemOf(known).status;
      if (AUDITED_REFUSALS.has(status)) void deps.services.refusals.record(refusalOf(c, status, known.code, principals.get(c.req.raw.headers)));
      return problemResponse(c, known);
    }
    deps.log.error({ err, path: c.req.path }, 'unhandled error');
    deps.metrics.messagesRefused.inc({ reason: 'internal' });
    return internalErrorResponse(c);
  });
  return { app, openapi };
}
