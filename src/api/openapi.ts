/** The OpenAPI 3.1 document, built from the registered routes. */
import type { RouteDoc } from './route-docs.js';
import { CLASSIFICATIONS, schemaUri } from '../federation/index.js';
import { DELIVERY_STATES } from '../store/index.js';
import { QUERY_SCHEMAS, SIGNATURE_SCHEME } from './routes/query-schemas.js';

export function toOpenApiPath(honoPath: string): string {
  return honoPath.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, '{$1}');
}

export function buildOpenApi(docs: RouteDoc[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const d of [...docs].sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method))) {
    const p = toOpenApiPath(d.path);
    (paths[p] ??= {})[d.method] = d.operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Wasla integration hub API',
      version,
      description:
        'Institutions push signed CloudEvents messages; Wasla validates, authorizes, routes, translates and delivers them with an audit trail. Every refusal is application/problem+json (RFC 9457).',
    },
    paths,
    components: {
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status'],
          properties: {
            type: { type: 'string', format: 'uri', description: 'stable problem type, https://wasla.dev/problems/<code>' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            instance: { type: 'string' },
            errors: {
              type: 'array',
              items: { type: 'object', required: ['pointer', 'detail'], properties: { pointer: { type: 'string', description: 'JSON pointer (RFC 6901) of the fault' }, detail: { type: 'string' } } },
            },
          },
        },
        Envelope: {
          type: 'object',
          description: 'CloudEvents 1.0 structured JSON. The hub assigns id (UUIDv7); source, if given, must be the sender.',
          required: ['specversion', 'type', 'dataschema', 'data'],
          properties: {
            specversion: { const: '1.0' },
            id: { type: 'string', description: 'your own event id; kept as sourceeventid' },
            source: { type: 'string', description: 'your institution id' },
            type: { type: 'string', examples: ['warrant.issued'] },
            dataschema: { type: 'string', format: 'uri', examples: [schemaUri('warrant.issued', '2.0')] },
            time: { type: 'string', format: 'date-time' },
            subject: { type: 'string' },
            datacontenttype: { const: 'application/json' },
            classification: { enum: [...CLASSIFICATIONS] },
            casereference: { type: 'string' },
            correlationid: { type: 'string' },
            causationid: { type: 'string' },
            data: { type: 'object' },
          },
          additionalProperties: false,
        },
        Accepted: {
          type: 'object',
          required: ['id', 'type', 'version', 'classification', 'receivedAt', 'deliveries'],
          properties: {
            id: { type: 'string', format: 'uuid' },
            type: { type: 'string' },
            version: { type: 'string' },
            classification: { type: 'string' },
            receivedAt: { type: 'string', format: 'date-time' },
            deliveries: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  id: { type: 'string', format: 'uuid' },
                  recipient: { type: 'string' },
                  agreement: { type: 'string' },
                  grant: { type: 'string' },
                  major: { type: 'integer' },
                  state: { type: 'string' },
                },
              },
            },
          },
        },
        Delivery: {
          type: 'object',
          properties: {
            id: { type: 'string', format: 'uuid' },
            messageId: { type: 'string', format: 'uuid' },
            recipient: { type: 'string' },
            agreement: { type: 'string' },
            grant: { type: 'string' },
            major: { type: 'integer' },
            state: { enum: [...DELIVERY_STATES] },
            attempts: { type: 'integer' },
            nextAttemptAt: { type: ['string', 'null'], format: 'date-time' },
            givesUpAt: { type: ['string', 'null'], format: 'date-time', description: 'when it is given up (dead) if not delivered by then; null before its first attempt and under store and forward' },
            storeAndForward: { type: 'boolean', description: 'its agreement says: wait for the recipient however long it takes' },
            lastError: {
              type: ['string', 'null'],
              description: 'why it is not delivered yet, or why it is dead (no-longer-entitled: <why> when the contracts in force no longer entitle its recipient)',
            },
            deliveredAt: { type: ['string', 'null'], format: 'date-time' },
            attemptLog: { type: 'array', items: { type: 'object' } },
          },
        },
        // issue 24: case queries
        ...QUERY_SCHEMAS,
      },
      securitySchemes: {
        [SIGNATURE_SCHEME]: {
          type: 'apiKey',
          in: 'header',
          name: 'Signature',
          description:
            'HTTP Message Signatures (RFC 9421) with Signature-Input: the institution signs `@method` and `@target-uri` (and `content-digest`, `content-type` with a body) with the key its federation certificate certifies; `keyid` is the certificate serial, `created` and `alg` are required.',
        },
      },
    },
  };
}
