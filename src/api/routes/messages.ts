/** POST /v1/messages (intake) and GET /v1/messages/{id} (status, deliveries, attempts). */
import type { Context } from 'hono';
import { ForbiddenError, NotFoundError, RequestRefusedError } from '../../errors.js';
import { acceptMessage } from '../../intake/accept.js';
import { getMessageView } from '../../store/index.js';
import { authorizeQuery } from '../../routing/index.js';
import { UUID_RE } from '../../ids.js';
import type { RouteBook } from '../route-docs.js';
import { json, problem } from '../route-docs.js';
import type { ApiDeps } from '../deps.js';
import { readBody } from '../body.js';

const MEDIA = /^application\/(cloudevents\+)?json\s*(;|$)/i;

export function messageRoutes(book: RouteBook, deps: ApiDeps): void {
  book.add('post', '/v1/messages', {
    operationId: 'sendMessage',
    summary: 'Send a message',
    description: 'Validates the envelope and its data against the schema version, authorizes the sender by the agreements, routes to every entitled recipient, and commits message, deliveries and audit entry in one transaction before answering 202.',
    tags: ['messages'],
    parameters: [
      { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 200 }, description: 'same key + same body answers the same and stores nothing new; same key + other body is refused (422)' },
    ],
    requestBody: { required: true, content: { 'application/cloudevents+json': { schema: { $ref: '#/components/schemas/Envelope' } }, 'application/json': { schema: { $ref: '#/components/schemas/Envelope' } } } },
    responses: {
      202: json('Accepted: durable and routed', { $ref: '#/components/schemas/Accepted' }),
      400: problem('The body is not strict JSON (invalid-utf8, malformed-json, too-deeply-nested, nul-character, duplicate-member), or the envelope or Idempotency-Key is malformed'),
      401: problem('Not authenticated'),
      403: problem('No agreement allows this sender to send this'),
      413: problem('Body too large'),
      415: problem('Unsupported media type'),
      422: problem('Unknown type or version, schema violation, or Idempotency-Key reused with another body'),
      503: problem('Send again after Retry-After, signed anew, under the same Idempotency-Key. delivery-backlog: deliveries to a recipient of this message are too far behind; the request was held up to WASLA_INTAKE_HOLD_MS first and nothing was stored. unavailable: the database is unreachable; if it was lost during the commit the message may have been stored, and the key makes the resend safe. resource-exhausted: the database is out of disk space, memory or connections (`resource` says which); nothing was stored'),
    },
  }, async (c: Context) => {
    // the body is read (within its limit) before anything else because the signature covers its digest
    const body = await readBody(c, deps.maxBodyBytes);
    const principal = await deps.authenticate({ method: 'POST', url: c.req.url, headers: c.req.raw.headers, body });
    const ct = c.req.header('content-type') ?? '';
    if (!MEDIA.test(ct)) {
      throw new RequestRefusedError('unsupported-media-type', 'send application/cloudevents+json or application/json');
    }
    const { answer, replayed } = await acceptMessage(deps.intake, {
      sender: principal.institution,
      credential: principal.credential,
      body,
      idempotencyKey: c.req.header('idempotency-key'),
    });
    if (!replayed) deps.metrics.messagesAccepted.inc({ type: answer.type });
    c.header('location', `/v1/messages/${answer.id}`);
    if (replayed) c.header('idempotent-replayed', 'true');
    return c.json(answer, 202);
  });

  book.add('get', '/v1/messages/:id', {
    operationId: 'getMessage',
    summary: 'A message, its routing decision, each delivery and every attempt',
    description: 'The sender sees everything. A recipient sees the message metadata and its own delivery only, when the agreement that carried the message to it grants it the `message-status` query; anyone else gets 404. Each read is written to the audit log.',
    tags: ['messages'],
    parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
    responses: {
      200: json('The message with its deliveries', { type: 'object' }),
      401: problem('Not authenticated'),
      403: problem('A recipient whom the agreement that carried the message does not grant the message-status query'),
      404: problem('No such message'),
    },
  }, async (c: Context) => {
    const id = c.req.param('id') ?? '';
    const principal = await deps.authenticate({ method: 'GET', url: c.req.url, headers: c.req.raw.headers, body: Buffer.alloc(0) });
    if (!UUID_RE.test(id)) throw new NotFoundError('message-not-found', `no message ${id}`);
    const view = await getMessageView(deps.db, id);
    if (!view) throw new NotFoundError('message-not-found', `no message ${id}`);
    if (view.message.sender !== principal.institution) {
      // A recipient sees the message's metadata and its own delivery, nothing of others (need to
      // know), when the agreement that carried the message to it grants it the `message-status`
      // query — another agreement it holds does not count (issue 19.9). Anyone else cannot tell
      // the message exists.
      const own = view.deliveries.find((d) => d.recipient === principal.institution);
      if (!own) throw new NotFoundError('message-not-found', `no message ${id}`);
      if (!authorizeQuery(deps.contracts(), principal.institution, 'message-status', { agreement: own.agreement })) {
        throw new ForbiddenError('query-not-granted', `the agreement that carried this message to you (${own.agreement}) does not grant you the message-status query`);
      }
      await deps.audit({ actor: principal.institution, action: 'message.status-queried', subject: id, data: { credential: principal.credential } });
      const m = view.message;
      return c.json({
        id: m.id, sender: m.sender, type: m.type, version: m.version, classification: m.classification, receivedAt: m.receivedAt.toISOString(),
        deliveries: [{ id: own.id, recipient: own.recipient, state: own.state, attempts: own.attempts, deliveredAt: own.deliveredAt?.toISOString() ?? null }],
      });
    }
    await deps.audit({ actor: principal.institution, action: 'message.read', subject: id, data: { credential: principal.credential } });
    const m = view.message;
    return c.json({
      id: m.id,
      sender: m.sender,
      type: m.type,
      version: m.version,
      classification: m.classification,
      receivedAt: m.receivedAt.toISOString(),
      envelope: m.envelope,
      routing: m.routing,
      deliveries: view.deliveries.map((d) => ({
        id: d.id,
        recipient: d.recipient,
        agreement: d.agreement,
        grant: d.grant,
        major: d.major,
        fields: d.fields,
        state: d.state,
        attempts: d.attempts,
        nextAttemptAt: d.nextAttemptAt?.toISOString() ?? null,
        // when it is given up if not delivered by then (null: not attempted yet, or store and forward)
        givesUpAt: d.givesUpAt?.toISOString() ?? null,
        storeAndForward: (d.retry as { storeAndForward?: boolean } | null)?.storeAndForward === true,
        lastError: d.lastError,
        deliveredAt: d.deliveredAt?.toISOString() ?? null,
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
    });
  });
}
