/**
 * What a process in the worker role serves over HTTP: liveness, readiness and its metrics. A worker
 * takes no requests, but its counters (attempts by outcome, attempt latency, parked deliveries,
 * process metrics) exist only in it, so Prometheus must be able to scrape each worker.
 */
import { Hono } from 'hono';
import { RouteBook } from './route-docs.js';
import { healthRoutes, type HealthDeps } from './routes/operations.js';
import { problemResponse, internalErrorResponse } from './problem.js';
import { NotFoundError } from '../errors.js';

export function createOperationsApp(deps: HealthDeps): Hono {
  const app = new Hono();
  healthRoutes(new RouteBook(app), deps);
  app.notFound((c) => problemResponse(c, new NotFoundError('route-not-found', `no route ${c.req.method} ${c.req.path}: a worker serves /healthz, /readyz and /metrics`)));
  app.onError((err, c) => {
    deps.log.error({ err, path: c.req.path }, 'unhandled error');
    return internalErrorResponse(c);
  });
  return app;
}
