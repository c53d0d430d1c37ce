/** POST /v1/messages (intake) and GET /v1/messages/{id} (status, deliveries, attempts): parse, call the service, map its answer. */
import type { Context } from 'hono';
import { NotFoundError, RequestRefusedError } from '../../errors.js';
import type { MessageReading } from '../../services/index.js';
import { UUID_RE } from '../../ids.js';
import type { RouteBook } from '../route-docs.js';
import { json, problem } from '../route-docs.js';
import type { ApiDeps } from '../deps.js';
import { readBody } from '../body.js';

const MEDIA = /^application\/(cloudevents\+)?json\s*(;|$)/i;

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
      parameters: [
        {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          schema: { type: 'string', maxLength: 200 },
          description: 'same key + same body answers the same and stores nothing new; same key + other body is refused (422)',
        },
      ],
      requestBody: {
        required: true,
        content: { 'application/cloudevents+json': { schema: { $ref: '#/components/schemas/Envelope' } }, 'application/json': { schema: { $ref: '#/components/schemas/Envelope' } } },
      },
      responses: {
        202: json('Accepted: durable and routed', { $ref: '#/components/schemas/Accepted' }),
        400: problem('The body is not strict JSON (invalid-utf8, malformed-json, too-deeply-nested, nul-character, duplicate-member), or the envelope or Idempotency-Key is malformed'),
        401: problem('Not authenticated'),
        403: problem('No agreement allows this sender to send this'),
        413: problem('Body too large'),
        415: problem('Unsupported media type'),
        422: problem('Unknown type or version, schema violation, or Idempotency-Key reused with another body'),
        503: problem(
          'Send again after Retry-After, signed anew, under the same Idempotency-Key. delivery-backlog: deliveries to a recipient of this message are too far behind; the request was held up to WASLA_INTAKE_HOLD_MS first and nothing was stored. unavailable: the database is unreachable; if it was lost during the commit the message may have been stored, and the key makes the resend safe. resource-exhausted: the database is out of disk space, memory or connections (`resource` says which); nothing was stored',
        ),
      },
    },
    async (c: Context) => {
      // the body is read (within its limit) before anything else because the signature covers its digest
      const body = await readBody(c, deps.maxBodyBytes);
      const principal = await deps.authenticate({ method: 'POST', url: c.req.url, headers: c.req.raw.headers, body });
      if (!MEDIA.test(c.req.header('content-type') ?? '')) {
        throw new RequestRefusedError('unsupported-media-type', 'send application/cloudevents+json or application/json');
      }
      const { answer, replayed } = await deps.services.intake.accept({
        sender: principal.institution,
        credential: principal.credential,
        body,
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
        'The sender sees everything. A recipient sees the message metadata and its own delivery only, when the agreement that carried the message to it grants it the `message-status` query; anyone else gets 404. Each read is written to the audit log.',
      tags: ['messages'],
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
      responses: {
        200: json('The message with its deliveries', { type: 'object' }),
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
  const head = { id: m.id, sender: m.sender, type: m.type, version: m.version, classification: m.classification, receivedAt: m.receivedAt.toISOString() };
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
    envelope: m.envelope,
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
