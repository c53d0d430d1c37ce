/**
 * The operations listener: liveness, readiness and metrics on a port of their own. A process in the
 * worker role serves it on WASLA_WORKER_PORT — a worker takes no requests, but its counters
 * (attempts by outcome, attempt latency, parked deliveries, process metrics) exist only in it, so
 * Prometheus must be able to scrape each worker; an api process serves it on WASLA_METRICS_PORT, so
 * that /metrics can be kept off the port institutions reach. Both bind to WASLA_METRICS_HOST.
 */
import { Hono } from 'hono';
import { RouteBook } from './route-docs.js';
import { healthRoutes, type HealthDeps } from './routes/operations.js';
import { problemResponse, internalErrorResponse } from './problem.js';
import { NotFoundError } from '../errors.js';

export function createOperationsApp(deps: HealthDeps): Hono {
  const app = new Hono();
  healthRoutes(new RouteBook(app), deps);
  app.notFound((c) => problemResponse(c, new NotFoundError('route-not-found', `no route ${c.req.method} ${c.req.path}: this port serves /healthz, /readyz and /metrics`)));
  app.onError((err, c) => {
    deps.log.error({ err, path: c.req.path }, 'unhandled error');
    return internalErrorResponse(c);
  });
  return app;
}
