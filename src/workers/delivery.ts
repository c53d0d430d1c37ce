/**
 * The delivery worker: claim one due delivery, build what its recipient may see (translated to the
 * pinned major, projected to the granted fields), encode it with the recipient's adapter, sign it,
 * send it, and record the attempt. Guarantees: one attempt at a time per delivery (the claim is an
 * atomic conditional UPDATE with a lease); message id and delivery id never change across retries.
 */
import type { Logger } from 'pino';
import { adapterFor, HttpTransport, TransportError, type Envelope, type OutboundRequest, type Outcome, type TransportResponse } from '../adapters/index.js';
import type { ReceiptCheck } from './delivery-signing.js';
import type { Contracts, RetryPolicy } from '../routing/types.js';
import { project } from '../routing/index.js';
import { claimDelivery, deferDelivery, getMessage, recordAttempt, type Db } from '../store/index.js';
import type { RecipientGate } from './recipient-gate.js';
import type { RateLimit } from '../routing/types.js';
import type { Dispatcher } from '../queue/index.js';
import type { Metrics } from '../metrics.js';
import { nextDelayMs } from './retry-policy.js';
import { schemaUri } from '../envelope.js';

/** Signs an outbound request in place (issue 3); the spine runs without one. */
export type OutboundSigner = (req: OutboundRequest) => OutboundRequest;

export interface DeliveryWorkerDeps {
  db: Db;
  contracts: () => Contracts;
  dispatcher: Dispatcher;
  transport: HttpTransport;
  metrics: Metrics;
  log: Logger;
  workerId: string;
  leaseMs: number;
  attemptTimeoutMs: number;
  sign?: OutboundSigner;
  /** verifies the recipient's signed receipt; without it any 2xx counts */
  checkReceipt?: (recipient: string, req: OutboundRequest, res: TransportResponse) => Promise<ReceiptCheck>;
  gate: RecipientGate;
}

export function createDeliveryHandler(deps: DeliveryWorkerDeps) {
  return async function deliver(deliveryId: string): Promise<void> {
    const claim = await claimDelivery(deps.db, deliveryId, deps.leaseMs);
    if (!claim) return; // not due, held by another worker, or finished: nothing to do
    const d = claim.delivery;
    const log = deps.log.child({ messageId: d.messageId, deliveryId: d.id, recipient: d.recipient, attempt: d.attempts });
    const admission = deps.gate.admit(d.recipient, d.rateLimit as RateLimit | null);
    if (!admission.ok) {
      // not an attempt: hand it back and look again later, leaving the worker slot to others
      if (await deferDelivery(deps.db, claim, admission.retryInMs, admission.reason)) {
        deps.metrics.attempts.inc({ outcome: 'deferred' });
        log.debug({ reason: admission.reason, retryInMs: admission.retryInMs }, 'delivery deferred');
        await deps.dispatcher.dispatch([{ deliveryId: d.id, attempt: d.attempts - 1, delayMs: admission.retryInMs, tag: `d${Date.now()}` }]).catch(() => {});
      }
      return;
    }
    const startedAt = new Date();
    const t0 = performance.now();
    let outcome: Outcome;
    let statusCode: number | undefined;
    let receipt: unknown;
    try {
      const { req, decode } = await buildRequest(deps, d.messageId, d, d.attempts);
      const res = await deps.transport.send(req, deps.attemptTimeoutMs);
      statusCode = res.status;
      outcome = decode(res);
      if (outcome.kind === 'delivered' && deps.checkReceipt) {
        const rc = await deps.checkReceipt(d.recipient, req, res);
        if (rc.ok) receipt = rc.receipt;
        // the agreement decides whether an unsigned 2xx is proof enough
        else if (d.acceptUnsignedReceipt) receipt = { unsigned: true, reason: rc.reason };
        else outcome = { kind: 'retry', reason: `HTTP ${res.status} without a valid receipt: ${rc.reason}` };
      }
    } catch (err) {
      outcome = err instanceof TransportError
        ? { kind: 'retry', reason: err.message }
        : err instanceof PermanentDeliveryError
          ? { kind: 'dead', reason: err.message }
          : { kind: 'retry', reason: `internal: ${(err as Error).message}` };
    }
    const durationMs = performance.now() - t0;
    // a refusal (4xx) says nothing about the recipient's health; timeouts and 5xx do
    admission.release(outcome.kind !== 'retry');

    let retryInMs: number | undefined;
    let kind = outcome.kind === 'delivered' ? 'delivered' : outcome.kind === 'dead' ? 'dead' : 'retry';
    if (outcome.kind === 'retry') {
      retryInMs = nextDelayMs(d.retry as RetryPolicy, d.attempts - d.scheduleOffset, outcome.retryAfterMs);
      if (retryInMs === undefined) kind = 'dead';
    }
    const reason = outcome.kind === 'delivered' ? undefined : outcome.reason + (kind === 'dead' && outcome.kind === 'retry' ? ' (retries exhausted)' : '');
    const state = await recordAttempt(deps.db, claim, {
      outcome: kind as 'delivered' | 'retry' | 'dead',
      startedAt,
      durationMs,
      statusCode,
      error: reason,
      receipt,
      retryInMs,
      worker: deps.workerId,
    });
    deps.metrics.attempts.inc({ outcome: kind });
    deps.metrics.attemptSeconds.observe({ outcome: kind }, durationMs / 1000);
    log.info({ outcome: kind, status: statusCode, ms: Math.round(durationMs), error: reason, state: state ?? 'lease-lost' }, 'delivery attempt');
    if (state === 'retrying' && retryInMs !== undefined) {
      await deps.dispatcher.dispatch([{ deliveryId: d.id, attempt: d.attempts, delayMs: retryInMs }]).catch((err) => {
        // the sweeper will find it in PostgreSQL
        log.warn({ err: (err as Error).message }, 'could not schedule the retry; the sweeper will');
      });
    }
  };
}

/** A delivery that can never succeed as configured (unknown recipient or adapter). */
export class PermanentDeliveryError extends Error {}

async function buildRequest(deps: DeliveryWorkerDeps, messageId: string, d: { id: string; recipient: string; major: number; fields: unknown }, attempt: number): Promise<{ req: OutboundRequest; decode: (res: TransportResponse) => Outcome }> {
  const contracts = deps.contracts();
  const recipient = contracts.institution(d.recipient);
  if (!recipient) throw new PermanentDeliveryError(`recipient ${d.recipient} is no longer a member of the federation`);
  const adapter = adapterFor(recipient.adapter);
  if (!adapter) throw new PermanentDeliveryError(`no adapter "${recipient.adapter}" for ${d.recipient}`);
  const m = await getMessage(deps.db, messageId);
  if (!m) throw new PermanentDeliveryError(`message ${messageId} not found`);
  const stored = m.envelope as Envelope;
  const translated = contracts.catalogue.translate(m.type, m.version, d.major, stored.data);
  const data = project(translated.data, d.fields as string[]);
  const envelope: Envelope = {
    ...stored,
    dataschema: schemaUri(m.type, translated.version),
    data,
  };
  const req = adapter.encode({ envelope, deliveryId: d.id, attempt }, recipient);
  return { req: deps.sign ? deps.sign(req) : req, decode: (res) => adapter.decode(res) };
}
