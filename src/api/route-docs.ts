/**
 * Routes are registered together with their OpenAPI operation, so the document served at
 * /openapi.json (and committed as contracts/openapi.json) is generated from the routes themselves.
 */
import type { Hono, Handler, MiddlewareHandler } from 'hono';

export interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  parameters?: unknown[];
  requestBody?: unknown;
  responses: Record<string, unknown>;
  security?: unknown[];
}

export interface RouteDoc {
  method: 'get' | 'post' | 'put' | 'delete';
  /** Hono path, e.g. /v1/messages/:id */
  path: string;
  operation: Operation;
}

export class RouteBook {
  readonly docs: RouteDoc[] = [];

  constructor(private readonly app: Hono<any>) {}

  add(method: RouteDoc['method'], path: string, operation: Operation, ...handlers: Array<Handler | MiddlewareHandler>): void {
    this.docs.push({ method, path, operation });
    (this.app[method] as (p: string, ...h: Array<Handler | MiddlewareHandler>) => unknown).call(this.app, path, ...handlers);
  }
}

export const problemRef = { $ref: '#/components/schemas/Problem' };
export const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: problemRef } } });
export const json = (description: string, schema: unknown) => ({ description, content: { 'application/json': { schema } } });
