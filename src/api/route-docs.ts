/**
 * Routes are registered together with their OpenAPI operation, so the document served at
 * /openapi.json (and committed as contracts/openapi.json) is generated from the routes themselves.
 * An operation must say who may call it (`security`: SIGNED or PUBLIC) and give each answer a
 * schema; tests/unit/api/openapi-rules.test.ts holds every route to it, and
 * tests/shared/openapi-conformance.suite.ts checks real answers against the schemas.
 */
import type { Hono, Handler, MiddlewareHandler } from 'hono';

/** an OpenAPI security requirement: scheme name -> scopes (none for ours) */
export type SecurityRequirement = Record<string, string[]>;

export interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  parameters?: unknown[];
  requestBody?: unknown;
  responses: Record<string, unknown>;
  /** SIGNED, PUBLIC, or another list of requirements naming schemes of openapi-components.ts */
  security: SecurityRequirement[];
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

/** the name of the RFC 9421 signature scheme in components.securitySchemes */
export const SIGNATURE_SCHEME = 'httpSignature';
/** signed by an institution's certified key (RFC 9421; docs/trust.md) */
export const SIGNED: SecurityRequirement[] = [{ [SIGNATURE_SCHEME]: [] }];
/** open to anyone who reaches the port: no signature */
export const PUBLIC: SecurityRequirement[] = [];

/** `{ $ref }` to a schema in components.schemas */
export const schemaRef = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const problemRef = schemaRef('Problem');
export const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: problemRef } } });
export const json = (description: string, schema: unknown, headers?: Record<string, unknown>) => ({
  description,
  ...(headers && { headers }),
  content: { 'application/json': { schema } },
});
/** `{ $ref }` to a header in components.headers */
export const headerRef = (name: string) => ({ $ref: `#/components/headers/${name}` });
/** a problem answer a retry can cure: it says when, in Retry-After */
export const problemWithRetry = (description: string) => ({ ...problem(description), headers: { 'Retry-After': headerRef('Retry-After') } });
