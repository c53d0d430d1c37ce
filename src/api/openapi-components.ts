/**
 * The reusable parts of the OpenAPI document: the signature scheme, the response headers, the
 * answers every operation can give, and the schema of every body the API takes or answers. Each
 * schema is written from the TypeScript shape that produces the body (named beside it) and holds
 * that body exactly (`additionalProperties: false` where the hub writes the object), so that
 * tests/shared/openapi-conformance.suite.ts, which validates real answers of a running hub
 * against these schemas, fails when code and document drift apart; where the shape has a
 * TypeScript type, `satisfies Members<T>` makes a member added to or dropped from either side a
 * compile error.
 */
import type { Fault } from '../errors.js';
import { CLASSIFICATIONS, schemaUri, type Envelope, type RetryPolicy } from '../federation/index.js';
import type { PlannedDelivery, RoutingDecision } from '../routing/types.js';
import type { DeliveryListing, IntakeService } from '../services/index.js';
import { DELIVERY_STATES, type ReplayResult } from '../store/index.js';
import { REQUEST_COMPONENTS } from '../trust/index.js';
import { SIGNATURE_SCHEME, headerRef, problemRef, schemaRef } from './route-docs.js';

type AcceptedMessage = Awaited<ReturnType<IntakeService['accept']>>['answer'];

/** an object schema whose `properties` name exactly the members of T (a compile error otherwise) */
type Members<T> = { type: 'object'; properties: { [K in keyof Required<T>]: unknown }; [keyword: string]: unknown };

const uuid = { type: 'string', format: 'uuid' } as const;
const instant = { type: 'string', format: 'date-time' } as const;
const instantOrNull = { type: ['string', 'null'], format: 'date-time' } as const;
const institutionId = { type: 'string', description: 'an institution id of the federation, e.g. ps.hjc.court.ramallah' } as const;
const classification = { enum: [...CLASSIFICATIONS] } as const;

export const SECURITY_SCHEMES = {
  [SIGNATURE_SCHEME]: {
    type: 'apiKey',
    in: 'header',
    name: 'Signature',
    description: [
      'HTTP Message Signatures (RFC 9421) with a key certified by the federation CA; OpenAPI has no type for them, so they are declared as the header that carries the signature. Every signed request carries three headers:',
      '',
      '- `Content-Digest` (RFC 9530): `sha-256=:<base64>:` (or sha-512) of the body, of the empty body on a GET;',
      `- \`Signature-Input\`: one signature, any label, covering \`${REQUEST_COMPONENTS.join('` `')}\` when there is a body (\`@method\` \`@target-uri\` \`content-digest\` without one), with the parameters \`created\`, \`keyid\` (the certificate serial, hex) and \`alg\` (\`ed25519\`, \`ecdsa-p256-sha256\`, \`rsa-pss-sha512\` or \`rsa-v1_5-sha256\`), and a \`nonce\` when the same request may be sent twice within a second;`,
      '- `Signature`: that label with the signature, `wasla=:<base64>:`.',
      '',
      "`@target-uri` is the hub's public URL (WASLA_PUBLIC_URL) with the request's path and query. The signature must be at most WASLA_SIGNATURE_MAX_AGE_S (default 300) seconds old, never seen before, and its certificate valid and not revoked; the sender is the institution the certificate names. Anything else is refused with 401 and a problem type naming why (docs/trust.md). The SDK (@wasla/sdk, `signRequest`) writes all three headers. The hub's own answers are not signed: deliveries to institutions are (see docs/trust.md).",
    ].join('\n'),
  },
  metricsToken: {
    type: 'http',
    scheme: 'bearer',
    description: 'WASLA_METRICS_TOKEN, when the operator set one: then /metrics answers only `Authorization: Bearer <token>`.',
  },
} as const;

export const HEADERS = {
  'X-Request-Id': {
    description: "this request's id: the X-Request-Id the client sent (its first 100 characters), or one the hub made; in the hub's log lines about the request",
    schema: { type: 'string', minLength: 1, maxLength: 100 },
  },
  'Retry-After': { description: 'seconds to wait before sending again (signed anew, under the same Idempotency-Key)', schema: { type: 'integer', minimum: 0 } },
  Location: { description: 'where to read the message: /v1/messages/{id}', schema: { type: 'string', pattern: '^/v1/messages/[0-9a-f-]{36}$' } },
  'Idempotent-Replayed': { description: 'present (`true`) when this answer repeats the first answer to the same Idempotency-Key and body; nothing new was stored', schema: { const: 'true' } },
  'WWW-Authenticate': { description: 'the bearer scheme /metrics asks for', schema: { type: 'string' } },
} as const;

/** answers any operation of the API can give, whatever its route (see COMMON_RESPONSES in openapi.ts) */
export const RESPONSES = {
  QueryTextRefused: {
    description: 'A query parameter is not storable text (invalid-utf8: not Unicode; nul-character: holds U+0000); `errors` points at it. Checked before any route runs.',
    headers: { 'X-Request-Id': headerRef('X-Request-Id') },
    content: { 'application/problem+json': { schema: problemRef } },
  },
  Internal: {
    description: 'The hub failed to handle the request (internal); the detail is in its log, never in the answer',
    headers: { 'X-Request-Id': headerRef('X-Request-Id') },
    content: { 'application/problem+json': { schema: problemRef } },
  },
} as const;

const fault = {
  type: 'object',
  description: 'one fault of the request (src/errors.ts Fault)',
  required: ['pointer', 'detail'],
  properties: {
    pointer: { type: 'string', description: 'JSON pointer (RFC 6901) of the faulty value, in the body, or /query/<name> for a query parameter' },
    detail: { type: 'string' },
  },
  additionalProperties: false,
} as const satisfies Members<Fault>;

/** src/api/problems.ts problemBody: RFC 9457 with the hub's extension members */
const problemSchema = {
  type: 'object',
  description: 'RFC 9457 problem details. Every refusal and failure of the hub is answered with one, as application/problem+json.',
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: {
      type: 'string',
      format: 'uri',
      pattern: '^https://wasla\\.dev/problems/[a-z0-9-]+$',
      description: 'stable problem type, https://wasla.dev/problems/<code> (the codes: docs/api.md#refusals)',
    },
    title: { type: 'string', description: 'the same for every problem of this type' },
    status: { type: 'integer', minimum: 400, maximum: 599 },
    detail: { type: 'string', description: 'what happened to this request, in a sentence' },
    instance: { type: 'string', description: 'the path of the request' },
    errors: { type: 'array', items: schemaRef('Fault'), description: 'each fault of a document or filter, when the problem is about its content' },
    refused: { type: 'array', items: schemaRef('ReplayRefusal'), description: 'no-longer-entitled: each delivery not replayed and why' },
    recipients: { type: 'array', items: institutionId, description: 'delivery-backlog: the recipients whose deliveries are too far behind' },
    resource: { enum: ['disk', 'memory', 'connections', 'resources'], description: 'resource-exhausted: what the database is out of' },
    checks: {
      type: 'object',
      description: 'not-ready: each dependency (database, redis, shutdown) and `ok` or why not',
      additionalProperties: { type: 'string' },
    },
    // issue 22
    xpath: { type: 'string', description: 'an XML refusal (xml-*, mapping-value-invalid): the XPath of the node at fault, e.g. /ext:WarrantExecutionReport[1]/nc:Case[1]' },
  },
  additionalProperties: false,
} as const;

/** what an institution sends (src/intake/envelope.ts readEnvelope) */
const envelope = {
  type: 'object',
  description: 'CloudEvents 1.0 structured JSON. The hub assigns id (UUIDv7); source, if given, must be the sender.',
  required: ['specversion', 'type', 'dataschema', 'data'],
  properties: {
    specversion: { const: '1.0' },
    id: { type: 'string', description: 'your own event id; kept as sourceeventid' },
    source: { type: 'string', description: 'your institution id' },
    type: { type: 'string', examples: ['warrant.issued'] },
    dataschema: { type: 'string', format: 'uri', examples: [schemaUri('warrant.issued', '2.0')], description: 'the $id of the schema version the data follows' },
    time: instant,
    subject: { type: 'string' },
    datacontenttype: { const: 'application/json' },
    classification: { ...classification, default: 'restricted' },
    casereference: { type: 'string' },
    correlationid: { type: 'string' },
    causationid: { type: 'string' },
    data: { type: 'object', description: 'the payload: valid against the schema dataschema names (GET /v1/schemas/{type}/{version})' },
  },
  additionalProperties: false,
} as const;

/** the envelope as the hub stores and forwards it (src/federation/envelope.ts Envelope) */
const storedEnvelope = {
  type: 'object',
  description: 'The envelope as the hub stored it: its own id, the verified source, the effective classification. Without `data` once retention purged the payload (`purgedAt` on the message).',
  required: ['specversion', 'id', 'source', 'type', 'dataschema', 'time', 'classification'],
  properties: {
    specversion: { const: '1.0' },
    id: uuid,
    source: institutionId,
    type: { type: 'string' },
    dataschema: { type: 'string', format: 'uri' },
    time: instant,
    datacontenttype: { const: 'application/json' },
    classification,
    subject: { type: 'string' },
    casereference: { type: 'string' },
    correlationid: { type: 'string' },
    causationid: { type: 'string' },
    sourceeventid: { type: 'string', description: 'the id the sender gave its event' },
    data: { type: 'object', description: 'the payload, valid against the schema dataschema names' },
  },
  additionalProperties: false,
} as const satisfies Members<Envelope>;

/** src/intake/accept.ts AcceptedMessage */
const accepted = {
  type: 'object',
  description: 'The message is durable and routed: message, deliveries and audit entry are committed.',
  required: ['id', 'type', 'version', 'classification', 'receivedAt', 'deliveries'],
  properties: {
    id: { ...uuid, description: 'the message id the hub assigned (UUIDv7)' },
    type: { type: 'string' },
    version: { type: 'string', pattern: '^\\d+\\.\\d+$' },
    classification,
    receivedAt: instant,
    deliveries: {
      type: 'array',
      description: 'one per entitled recipient',
      items: {
        type: 'object',
        required: ['id', 'recipient', 'agreement', 'grant', 'major', 'state'],
        properties: {
          id: uuid,
          recipient: institutionId,
          agreement: { type: 'string' },
          grant: { type: 'string' },
          major: { type: 'integer', description: 'the schema major the recipient reads' },
          state: { const: 'pending' },
        },
        additionalProperties: false,
      } satisfies Members<AcceptedMessage['deliveries'][number]>,
    },
  },
  additionalProperties: false,
} as const satisfies Members<AcceptedMessage>;

/** src/routing/types.ts PlannedDelivery, as stored with the message */
const plannedDelivery = {
  type: 'object',
  required: ['recipient', 'agreement', 'grant', 'major', 'fields', 'retry', 'acceptUnsignedReceipt'],
  properties: {
    recipient: institutionId,
    agreement: { type: 'string' },
    grant: { type: 'string' },
    major: { type: 'integer' },
    fields: { type: 'array', items: { type: 'string' }, description: "JSON pointers into the payload the recipient may see; ['*'] or [''] is everything" },
    envelope: { type: 'array', items: { type: 'string' }, description: 'the envelope attributes carrying sender-written data it receives' },
    retry: {
      type: 'object',
      required: ['schedule', 'jitter'],
      properties: { schedule: { type: 'array', items: { type: 'number' } }, jitter: { type: 'number' }, storeAndForward: { type: 'boolean' } },
      additionalProperties: false,
    } satisfies Members<RetryPolicy>,
    rateLimit: { type: 'object', required: ['perSecond', 'burst'], properties: { perSecond: { type: 'number' }, burst: { type: 'number' } }, additionalProperties: false },
    acceptUnsignedReceipt: { type: 'boolean' },
    entitledBy: {
      type: 'array',
      items: { type: 'object', required: ['agreement', 'grant'], properties: { agreement: { type: 'string' }, grant: { type: 'string' } }, additionalProperties: false },
    },
  },
  additionalProperties: false,
} as const satisfies Members<PlannedDelivery>;

/** src/routing/types.ts RoutingDecision */
const routingDecision = {
  type: 'object',
  description: 'who receives the message, by which agreement and grant',
  required: ['sender', 'type', 'version', 'classification', 'deliveries'],
  properties: {
    sender: institutionId,
    type: { type: 'string' },
    version: { type: 'string' },
    classification,
    deliveries: { type: 'array', items: schemaRef('PlannedDelivery') },
    requiredClearances: { type: 'array', items: { enum: ['juvenile', 'gbv'] } },
    classificationReasons: {
      type: 'array',
      description: 'why the hub put the message in its class (issue 26): the sender said so, its type, a date of birth under 18, an offence',
      items: {
        type: 'object',
        required: ['class', 'source', 'detail'],
        properties: {
          class: { enum: ['restricted', 'juvenile', 'gbv'] },
          source: { enum: ['sender', 'type', 'date-of-birth', 'offence'] },
          pointer: { type: 'string', description: 'the payload value that did, for date-of-birth and offence' },
          detail: { type: 'string' },
        },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const satisfies Members<RoutingDecision>;

/** src/api/routes/messages.ts messageJson, attemptLog */
const attempt = {
  type: 'object',
  required: ['number', 'startedAt', 'durationMs', 'statusCode', 'outcome', 'error', 'receipt', 'worker'],
  properties: {
    number: { type: 'integer', minimum: 1 },
    startedAt: instant,
    durationMs: { type: 'integer', minimum: 0 },
    statusCode: { type: ['integer', 'null'], description: "the recipient's HTTP status; null when no answer came" },
    outcome: { enum: ['delivered', 'retry', 'dead'] },
    error: { type: ['string', 'null'] },
    receipt: {
      description: "the recipient's verified signed receipt (src/workers/delivery-signing.ts), or null",
      oneOf: [
        { type: 'null' },
        {
          type: 'object',
          required: ['keyid', 'institution', 'signatureInput', 'signature'],
          properties: {
            keyid: { type: 'string' },
            institution: institutionId,
            created: { type: 'integer' },
            signatureInput: { type: 'string' },
            signature: { type: 'string' },
          },
          additionalProperties: false,
        },
      ],
    },
    worker: { type: 'string', description: 'the process that made the attempt' },
  },
  additionalProperties: false,
} as const;

const deliveryState = { enum: [...DELIVERY_STATES] } as const;
const lastError = {
  type: ['string', 'null'],
  description: 'why it is not delivered yet, or why it is dead (no-longer-entitled: <why> when the contracts in force no longer entitle its recipient)',
} as const;
const givesUpAt = {
  ...instantOrNull,
  description: 'when it is given up (dead) if not delivered by then; null before its first attempt and under store and forward',
} as const;
const storeAndForward = { type: 'boolean', description: 'its agreement says: wait for the recipient however long it takes' } as const;

/** src/api/routes/messages.ts messageJson, for the sender */
const deliveryDetail = {
  type: 'object',
  required: ['id', 'recipient', 'agreement', 'grant', 'major', 'fields', 'state', 'attempts', 'nextAttemptAt', 'givesUpAt', 'storeAndForward', 'lastError', 'deliveredAt', 'attemptLog'],
  properties: {
    id: uuid,
    recipient: institutionId,
    agreement: { type: 'string' },
    grant: { type: 'string' },
    major: { type: 'integer' },
    fields: { type: 'array', items: { type: 'string' } },
    state: deliveryState,
    attempts: { type: 'integer', minimum: 0 },
    nextAttemptAt: instantOrNull,
    givesUpAt,
    storeAndForward,
    lastError,
    deliveredAt: instantOrNull,
    attemptLog: { type: 'array', items: schemaRef('Attempt') },
  },
  additionalProperties: false,
} as const;

const messageHead = {
  id: uuid,
  sender: institutionId,
  type: { type: 'string' },
  version: { type: 'string' },
  classification,
  receivedAt: instant,
  purgedAt: { ...instantOrNull, description: 'when retention purged the payload (envelope data, the document as received); null while it is kept' },
} as const;

const messageForSender = {
  type: 'object',
  description: 'what the sender sees: everything',
  required: ['id', 'sender', 'type', 'version', 'classification', 'receivedAt', 'purgedAt', 'envelope', 'routing', 'deliveries'],
  properties: {
    ...messageHead,
    envelope: schemaRef('StoredEnvelope'),
    // issue 22: a message sent in another format than the JSON envelope: the document as received
    received: {
      type: 'object',
      description: 'for a message sent in another format than the JSON envelope (XML): the document exactly as received, the evidence of what was signed',
      required: ['mediaType', 'sha256', 'base64'],
      properties: { mediaType: { type: 'string' }, sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' }, base64: { type: 'string', contentEncoding: 'base64' } },
      additionalProperties: false,
    },
    routing: schemaRef('RoutingDecision'),
    deliveries: { type: 'array', items: schemaRef('DeliveryDetail') },
  },
  additionalProperties: false,
} as const;

const messageForRecipient = {
  type: 'object',
  description: 'what a recipient granted the message-status query sees: the metadata and its own delivery',
  required: ['id', 'sender', 'type', 'version', 'classification', 'receivedAt', 'purgedAt', 'deliveries'],
  properties: {
    ...messageHead,
    deliveries: {
      type: 'array',
      minItems: 1,
      maxItems: 1,
      items: {
        type: 'object',
        required: ['id', 'recipient', 'state', 'attempts', 'deliveredAt'],
        properties: { id: uuid, recipient: institutionId, state: deliveryState, attempts: { type: 'integer', minimum: 0 }, deliveredAt: instantOrNull },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;

/** src/store/delivery-admin.ts listDeliveries */
const delivery = {
  type: 'object',
  description: 'a delivery as listed',
  required: [
    'id',
    'messageId',
    'type',
    'sender',
    'recipient',
    'agreement',
    'grant',
    'state',
    'attempts',
    'lastError',
    'nextAttemptAt',
    'givesUpAt',
    'storeAndForward',
    'deliveredAt',
    'createdAt',
    'updatedAt',
  ],
  properties: {
    id: uuid,
    messageId: uuid,
    type: { type: 'string', description: 'the message type' },
    sender: institutionId,
    recipient: institutionId,
    agreement: { type: 'string' },
    grant: { type: 'string' },
    state: deliveryState,
    attempts: { type: 'integer', minimum: 0 },
    lastError,
    nextAttemptAt: instantOrNull,
    givesUpAt,
    storeAndForward,
    deliveredAt: instantOrNull,
    createdAt: instant,
    updatedAt: instant,
  },
  additionalProperties: false,
} as const satisfies Members<DeliveryListing[number]>;

/** src/store/delivery-admin.ts ReplayResult */
const replayResult = {
  type: 'object',
  required: ['replayed', 'refused'],
  properties: {
    replayed: {
      type: 'array',
      description: 'the deliveries put back to due: same ids, retry schedule restarted',
      items: {
        type: 'object',
        required: ['id', 'recipient', 'attempts'],
        properties: { id: uuid, recipient: institutionId, attempts: { type: 'integer', minimum: 0, description: 'attempts made before the replay' } },
        additionalProperties: false,
      } satisfies Members<ReplayResult['replayed'][number]>,
    },
    refused: { type: 'array', items: schemaRef('ReplayRefusal'), description: 'dead deliveries whose recipient the contracts in force no longer entitle: they stay dead' },
  },
  additionalProperties: false,
} as const satisfies Members<ReplayResult>;

const replayRefusal = {
  type: 'object',
  required: ['id', 'recipient', 'reason'],
  properties: { id: uuid, recipient: institutionId, reason: { type: 'string' } },
  additionalProperties: false,
} as const satisfies Members<ReplayResult['refused'][number]>;

/** the body of POST /v1/deliveries/replay (src/api/routes/deliveries.ts readReplayBody) */
const replayFilter = {
  type: 'object',
  description: 'which dead deliveries to replay; every member is optional ({} replays up to `limit` dead deliveries)',
  properties: {
    recipient: institutionId,
    type: { type: 'string', description: 'message type' },
    since: { ...instant, description: 'created at or after' },
    until: { ...instant, description: 'created at or before' },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 1000 },
    reason: { type: 'string', maxLength: 500, description: 'written to the audit log' },
  },
  additionalProperties: false,
} as const;

/** src/api/routes/schemas.ts GET /v1/schemas */
const catalogue = {
  type: 'object',
  required: ['types'],
  properties: {
    types: {
      type: 'array',
      items: {
        type: 'object',
        required: ['type', 'latest', 'versions'],
        properties: {
          type: { type: 'string' },
          latest: { type: 'string', description: 'the newest published version' },
          versions: {
            type: 'array',
            items: {
              type: 'object',
              required: ['version', 'dataschema'],
              properties: { version: { type: 'string' }, dataschema: { type: 'string', format: 'uri' }, title: { type: 'string' } },
              additionalProperties: false,
            },
          },
        },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;

const messageSchema = {
  type: 'object',
  description: 'a published message schema, JSON Schema 2020-12, byte for byte as published',
  required: ['$schema', '$id', 'title'],
  properties: {
    $schema: { const: 'https://json-schema.org/draft/2020-12/schema' },
    $id: { type: 'string', format: 'uri', pattern: '^https://wasla\\.dev/contracts/messages/' },
    title: { type: 'string' },
  },
} as const;

const pem = (label: string) => ({ type: 'string', pattern: `^-----BEGIN ${label}-----\\r?\\n[\\s\\S]+-----END ${label}-----\\s*$` });

const trustAnchors = {
  type: 'object',
  required: ['ca', 'hub'],
  properties: {
    ca: { ...pem('CERTIFICATE'), description: 'the federation CA certificate (PEM); compare its fingerprint with the one published out of band' },
    hub: { type: 'array', minItems: 1, items: pem('CERTIFICATE'), description: "the hub's current certificates (PEM): deliveries are signed with their keys" },
  },
  additionalProperties: false,
} as const;

const health = { type: 'object', required: ['status'], properties: { status: { const: 'ok' } }, additionalProperties: false } as const;

const readiness = {
  type: 'object',
  required: ['status', 'mode', 'checks'],
  properties: {
    status: { const: 'ready' },
    mode: { enum: ['embedded', 'server'] },
    checks: { type: 'object', description: 'each dependency checked (database; redis in server mode)', additionalProperties: { const: 'ok' } },
  },
  additionalProperties: false,
} as const;

const openApiDocument = {
  type: 'object',
  description: 'this document (OpenAPI 3.1)',
  required: ['openapi', 'info', 'paths', 'components'],
  properties: {
    openapi: { const: '3.1.0' },
    info: { type: 'object', required: ['title', 'version'], properties: { title: { type: 'string' }, version: { type: 'string' } } },
    paths: { type: 'object', additionalProperties: { type: 'object' } },
    components: { type: 'object', required: ['schemas', 'securitySchemes'], properties: { schemas: { type: 'object' }, securitySchemes: { type: 'object' } } },
  },
} as const;

export const SCHEMAS = {
  Problem: problemSchema,
  Fault: fault,
  Envelope: envelope,
  StoredEnvelope: storedEnvelope,
  Accepted: accepted,
  MessageRead: { description: 'a message as its reader may see it', oneOf: [schemaRef('MessageForSender'), schemaRef('MessageForRecipient')] },
  MessageForSender: messageForSender,
  MessageForRecipient: messageForRecipient,
  RoutingDecision: routingDecision,
  PlannedDelivery: plannedDelivery,
  DeliveryDetail: deliveryDetail,
  Attempt: attempt,
  Delivery: delivery,
  DeliveryPage: {
    type: 'object',
    required: ['items', 'next'],
    properties: { items: { type: 'array', items: schemaRef('Delivery') }, next: { type: ['string', 'null'], format: 'uuid', description: 'the cursor of the next page (?after=), null on the last' } },
    additionalProperties: false,
  },
  ReplayFilter: replayFilter,
  ReplayResult: replayResult,
  ReplayRefusal: replayRefusal,
  Catalogue: catalogue,
  MessageSchema: messageSchema,
  TrustAnchors: trustAnchors,
  Health: health,
  Readiness: readiness,
  OpenApiDocument: openApiDocument,
} as const;
