/**
 * The OpenAPI 3.1 document, built from the registered routes, the shared components
 * (openapi-components.ts) and what the hub sends institutions (openapi-webhooks.ts). What every route shares is added here, once: the X-Request-Id header on
 * every answer (app.ts sets it on all), the 400 of the query-text check that runs before any route
 * (request-text.ts) and the 500 of an unexpected failure, unless the operation documents its own.
 */
import type { RouteDoc } from './route-docs.js';
import { headerRef } from './route-docs.js';
import { HEADERS, RESPONSES, SCHEMAS, SECURITY_SCHEMES } from './openapi-components.js';
import { QUERY_SCHEMAS } from './routes/query-schemas.js';
import { PAYOUT_WEBHOOK, WEBHOOK_HEADERS, WEBHOOK_SECURITY_SCHEMES, WEBHOOKS } from './openapi-webhooks.js';

export function toOpenApiPath(honoPath: string): string {
  return honoPath.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, '{$1}');
}

const TAGS = [
  { name: 'messages', description: 'Send a message; read it, its routing and its deliveries' },
  { name: 'deliveries', description: 'List deliveries (dead letters above all) and replay dead ones' },
  { name: 'catalogue', description: "The federation's message schemas, as published (public)" },
  { name: 'trust', description: 'The certificates to verify deliveries with (public)' },
  { name: 'operations', description: 'Liveness, readiness, metrics and this document' },
  // issue 24: case queries
  { name: 'queries', description: 'Case queries: what became of a case, a fine, a warrant, a payout — signed answers from the case index' },
  // issue 22: the pull inbox
  { name: 'inbox', description: 'For institutions that pull their deliveries instead of receiving pushes: lease them, acknowledge them' },
];

const COMMON_RESPONSES: Record<string, unknown> = {
  400: { $ref: '#/components/responses/QueryTextRefused' },
  500: { $ref: '#/components/responses/Internal' },
};

/** the operation with the answers every route shares, and X-Request-Id on each answer it writes */
function withCommon(op: RouteDoc['operation']): RouteDoc['operation'] {
  const responses: Record<string, unknown> = {};
  for (const [code, r] of Object.entries({ ...COMMON_RESPONSES, ...op.responses }).sort(([a], [b]) => a.localeCompare(b))) {
    const res = r as { $ref?: string; headers?: Record<string, unknown> };
    responses[code] = res.$ref ? res : { ...res, headers: { 'X-Request-Id': headerRef('X-Request-Id'), ...res.headers } };
  }
  return { ...op, responses };
}

export function buildOpenApi(docs: RouteDoc[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const d of [...docs].sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method))) {
    const p = toOpenApiPath(d.path);
    (paths[p] ??= {})[d.method] = withCommon(d.operation);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Wasla integration hub API',
      version,
      description:
        'Institutions push signed CloudEvents messages; Wasla validates, authorizes, routes, translates and delivers them with an audit trail. Requests to /v1 are signed (RFC 9421, the httpSignature scheme); the catalogue, the trust anchors and the operations endpoints are public. Every refusal is application/problem+json (RFC 9457).',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: '/', description: 'this hub: its public URL (WASLA_PUBLIC_URL), which signatures cover as @target-uri' }],
    tags: TAGS,
    paths,
    webhooks: { ...WEBHOOKS, payout: PAYOUT_WEBHOOK },
    components: {
      schemas: { ...SCHEMAS, ...QUERY_SCHEMAS },
      responses: RESPONSES,
      headers: { ...HEADERS, ...WEBHOOK_HEADERS },
      securitySchemes: { ...SECURITY_SCHEMES, ...WEBHOOK_SECURITY_SCHEMES },
    },
  };
}
