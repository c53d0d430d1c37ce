/** POST /v1/messages (intake) and GET /v1/messages/{id} (status, deliveries, attempts): parse, call the service, map its answer. */
import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import { NotFoundError, RequestRefusedError } from '../../errors.js';
import type { MessageReading } from '../../services/index.js';
import { UUID_RE } from '../../ids.js';
import type { RouteBook } from '../route-docs.js';
import { SIGNED, headerRef, json, problem, problemWithRetry, schemaRef } from '../route-docs.js';
import type { ApiDeps } from '../deps.js';
import { readBody } from '../body.js';
import { inboundAdapterFor } from '../../adapters/index.js';

export function messageRoutes(book: RouteBook, deps: ApiDeps): void {
  book.add(
    'post',
    '/v1/messages',
    {
      operationId: 'sendMessage',
      summary: 'Send a message',
      description:
        'Validates the envelope and its data against the schema version, authorizes the sender by the agreements, routes to every entitled recipient, and commits message, deliveries and audit entry in one transaction before answering 202.',
      tags: ['messages'],
      security: SIGNED,
      parameters: [
        {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,200}$' },
          description: 'same key + same body answers the same and stores nothing new; same key + other body is refused (422)',
        },
      ],
      requestBody: {
        required: true,
        content: {
          'application/cloudevents+json': { schema: schemaRef('Envelope') },
          'application/json': { schema: schemaRef('Envelope') },
          // issue 22: XML, read through its type's mapping (docs/adapters.md)
          'application/xml': {
            schema: {
              type: 'string',
              description:
                "An XML document as its message type's mapping in contracts/mappings declares it, in UTF-8. Optional media type parameters: dataschema (the schema URI; required when the document fits several mappings) and classification.",
            },
          },
        },
      },
      responses: {
        202: json('Accepted: durable and routed', schemaRef('Accepted'), { Location: headerRef('Location'), 'Idempotent-Replayed': headerRef('Idempotent-Replayed') }),
        400: problem(
          'The body is not strict JSON (invalid-utf8, malformed-json, too-deeply-nested, nul-character, duplicate-member), an XML body the hostile-XML reader refuses (xml-doctype-forbidden, xml-entity-forbidden, xml-processing-instruction-forbidden, xml-too-deep, xml-malformed...), or the envelope or Idempotency-Key is malformed',
        ),
        401: problem('Not authenticated'),
        403: problem('No agreement allows this sender to send this'),
        413: problem('Body too large (body-too-large, xml-too-large)'),
        415: problem('Unsupported media type'),
        422: problem(
          'Unknown type or version, schema violation, an XML document no mapping fits or that breaks its mapping (xml-mapping-unknown, xml-mapping-ambiguous, xml-structure-mismatch, mapping-value-invalid), or Idempotency-Key reused with another body',
        ),
        503: problemWithRetry(
          'Send again after Retry-After, signed anew, under the same Idempotency-Key. delivery-backlog: deliveries to a recipient of this message are too far behind; the request was held up to WASLA_INTAKE_HOLD_MS first and nothing was stored. unavailable: the database is unreachable; if it was lost during the commit the message may have been stored, and the key makes the resend safe. resource-exhausted: the database is out of disk space, memory or connections (`resource` says which); nothing was stored',
        ),
      },
    },
    async (c: Context) => {
      // the body is read (within its limit) before anything else because the signature covers its digest
      const body = await readBody(c, deps.maxBodyBytes);
      const principal = await deps.authenticate({ method: 'POST', url: c.req.url, headers: c.req.raw.headers, body });
      const mediaType = c.req.header('content-type') ?? '';
      if (!inboundAdapterFor(mediaType)) {
        throw new RequestRefusedError('unsupported-media-type', 'send application/cloudevents+json, application/json or application/xml');
      }
      const { answer, replayed } = await deps.services.intake.accept({
        sender: principal.institution,
        credential: principal.credential,
        body,
        mediaType,
        origin: principal.evidence?.(),
        idempotencyKey: c.req.header('idempotency-key'),
      });
      if (!replayed) deps.metrics.messagesAccepted.inc({ type: answer.type });
      c.header('location', `/v1/messages/${answer.id}`);
      if (replayed) c.header('idempotent-replayed', 'true');
      return c.json(answer, 202);
    },
  );

  book.add(
    'get',
    '/v1/messages/:id',
    {
      operationId: 'getMessage',
      summary: 'A message, its routing decision, each delivery and every attempt',
      description:
        'The sender sees everything (once retention purged the payload, `purgedAt` says when and the envelope has no `data`), including, for a message sent as XML, the document exactly as received (`received`: media type, SHA-256, base64). A recipient sees the message metadata and its own delivery only, when the agreement that carried the message to it grants it the `message-status` query; anyone else gets 404. Each read is written to the audit log.',
      tags: ['messages'],
      security: SIGNED,
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' }, description: 'the message id the hub assigned' }],
      responses: {
        200: json('The message with its deliveries, as this reader may see it', schemaRef('MessageRead')),
        401: problem('Not authenticated'),
        403: problem('A recipient whom the agreement that carried the message does not grant the message-status query'),
        404: problem('No such message'),
      },
    },
    async (c: Context) => {
      const id = c.req.param('id') ?? '';
      const principal = await deps.authenticate({ method: 'GET', url: c.req.url, headers: c.req.raw.headers, body: Buffer.alloc(0) });
      if (!UUID_RE.test(id)) throw new NotFoundError('message-not-found', `no message ${id}`);
      return c.json(messageJson(await deps.services.messages.read(principal, id)));
    },
  );
}

const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;

/** The answer to GET /v1/messages/{id}: everything for the sender; metadata and its own delivery for a recipient. */
export function messageJson(r: MessageReading): Record<string, unknown> {
  const m = r.message;
  const head = { id: m.id, sender: m.sender, type: m.type, version: m.version, classification: m.classification, receivedAt: m.receivedAt.toISOString(), purgedAt: iso(m.purgedAt) };
  if (r.as === 'recipient') {
    const own = r.delivery;
    return { ...head, deliveries: [{ id: own.id, recipient: own.recipient, state: own.state, attempts: own.attempts, deliveredAt: iso(own.deliveredAt) }] };
  }
  return {
    id: m.id,
    sender: m.sender,
    type: m.type,
    version: m.version,
    classification: m.classification,
    receivedAt: m.receivedAt.toISOString(),
    // issue 26.7: once retention purged the payload, the envelope keeps its attributes and no data
    purgedAt: iso(m.purgedAt),
    envelope: m.envelope,
    // issue 22: a document sent in another format than the JSON envelope, as received (evidence)
    ...(m.receivedBody && { received: { mediaType: m.receivedMediaType, sha256: createHash('sha256').update(m.receivedBody).digest('hex'), base64: Buffer.from(m.receivedBody).toString('base64') } }),
    routing: m.routing,
    deliveries: r.deliveries.map((d) => ({
      id: d.id,
      recipient: d.recipient,
      agreement: d.agreement,
      grant: d.grant,
      major: d.major,
      fields: d.fields,
      state: d.state,
      attempts: d.attempts,
      nextAttemptAt: iso(d.nextAttemptAt),
      // when it is given up if not delivered by then (null: not attempted yet, or store and forward)
      givesUpAt: iso(d.givesUpAt),
      storeAndForward: (d.retry as { storeAndForward?: boolean } | null)?.storeAndForward === true,
      lastError: d.lastError,
      deliveredAt: iso(d.deliveredAt),
      attemptLog: d.attemptLog.map((a) => ({
        number: a.number,
        startedAt: a.startedAt.toISOString(),
        durationMs: a.durationMs,
        statusCode: a.statusCode,
        outcome: a.outcome,
        error: a.error,
        receipt: a.receipt,
        worker: a.worker,
      })),
    })),
  };
}
