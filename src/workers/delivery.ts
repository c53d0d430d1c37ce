/**
 * The delivery worker: take a place in the recipient's line (or, while the line is full, wait in
 * memory for one without holding a worker slot), claim one due delivery (with its message, in one
 * round trip), wait for the recipient's slot, build what its recipient may see (translated to the
 * pinned major, projected to the granted fields), encode it with the recipient's adapter, sign it,
 * send it, check the receipt and record the attempt. Guarantees: one attempt at a time per delivery (the claim is an atomic
 * conditional UPDATE with a lease); message id and delivery id never change across retries.
 */
import type { Logger } from 'pino';
import { adapterFor, HttpTransport, TransportError, type Envelope, type OutboundRequest, type Outcome, type TransportResponse } from '../adapters/index.js';
import type { Contracts, RateLimit, RetryPolicy } from '../routing/types.js';
import { project } from '../routing/index.js';
import { claimMany, deferDelivery, recordAttempts, type AttemptOutcome, type Claim, type ClaimWithMessage, type Db, type DeliveryState } from '../store/index.js';
import { Batcher } from '../batcher.js';
import type { Dispatcher, DispatchJob, HandlerContext } from '../queue/index.js';
import type { Metrics } from '../metrics.js';
import { nextDelayMs } from './retry-policy.js';
import { schemaUri } from '../envelope.js';
import type { Admission, RecipientGate } from './recipient-gate.js';
import type { ReceiptCheck } from './delivery-signing.js';

/** Signs an outbound request (the hub key); tests may replace it. */
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

/** A delivery that can never succeed as configured (unknown recipient or adapter). */
export class PermanentDeliveryError extends Error {}

export function createDeliveryHandler(deps: DeliveryWorkerDeps) {
  // Group commit: concurrent handlers share one claim statement and one record statement.
  const claims = new Batcher<string, ClaimWithMessage | undefined>((ids) => claimMany(deps.db, ids, deps.leaseMs), { maxItems: 64, maxWaitMs: 2, eagerBelow: 1 });
  const records = new Batcher<{ claim: Claim; outcome: AttemptOutcome }, DeliveryState | undefined>((items) => recordAttempts(deps.db, items), { maxItems: 64, maxWaitMs: 2, eagerBelow: 1 });
  const wdeps = { ...deps, record: (claim: Claim, outcome: AttemptOutcome) => records.submit({ claim, outcome }) };
  const requeue = (job: DispatchJob, delayMs: number) =>
    deps.dispatcher.dispatch([{ ...job, delayMs, tag: `q${Date.now()}${Math.floor(Math.random() * 1000)}` }]).catch(() => {});

  type Place = ReturnType<RecipientGate['reserve']>;

  async function deliver(job: DispatchJob, ctx?: HandlerContext): Promise<void> {
    // A place in the recipient's line before touching the database, when the job says who it is
    // for; the slot itself is taken after the claim, so that it covers only the exchange.
    const place = job.recipient ? deps.gate.reserve(job.recipient) : undefined;
    if (place && !place.ok && !place.defer) {
      // Busy: wait in memory for a place without holding a worker slot (the dispatcher runs the
      // job again when the gate hands it one; see the gate for when it waits for room to park);
      // where that cannot be, back on the queue. Nothing is written either way.
      const recipient = job.recipient!;
      const parked = ctx !== undefined && await deps.gate.park(recipient, (reservation) => {
        if (!ctx.later(() => proceed(job, { ok: true, reservation }))) reservation.cancel();
      });
      if (!parked) await requeue(job, place.retryInMs);
      return;
    }
    await proceed(job, place);
  }

  async function proceed(job: DispatchJob, firstPlace: Place | undefined): Promise<void> {
    let place = firstPlace;
    let claim: ClaimWithMessage | undefined;
    try {
      claim = await claims.submit(job.deliveryId);
    } finally {
      if (!claim && place?.ok) place.reservation.cancel();
    }
    if (!claim) return; // not due, held by another worker, or finished: nothing to do
    const claimedAt = Date.now();
    const d = claim.delivery;
    if (place?.ok && d.recipient !== job.recipient) {
      place.reservation.cancel(); // a job naming the wrong recipient: queue for the right one
      place = undefined;
    }
    place ??= deps.gate.reserve(d.recipient);
    const admission: Admission = place.ok ? await place.reservation.enter(d.rateLimit as RateLimit | null) : place;
    const log = deps.log.child({ messageId: d.messageId, deliveryId: d.id, recipient: d.recipient, attempt: d.attempts });
    // A delivery that waited so long for its slot that the attempt could outlive the lease is
    // handed back due now, rather than risk a second worker claiming it mid-attempt.
    const lateForLease = admission.ok && Date.now() - claimedAt + deps.attemptTimeoutMs > deps.leaseMs * 0.9;
    if (!admission.ok || lateForLease) {
      if (admission.ok) admission.release();
      const delayMs = admission.ok ? 0 : admission.retryInMs;
      const reason = admission.ok ? 'waited past its lease for a slot' : admission.reason;
      // paused recipient (breaker, rate) or busy: hand it back without an attempt, due again later
      if (await deferDelivery(deps.db, claim, delayMs, reason)) {
        deps.metrics.attempts.inc({ outcome: 'deferred' });
        log.debug({ reason, retryInMs: delayMs }, 'delivery deferred');
        await deps.dispatcher.dispatch([{ deliveryId: d.id, attempt: d.attempts - 1, delayMs, tag: `d${Date.now()}`, recipient: d.recipient }]).catch(() => {});
      }
      return;
    }
    await attempt(wdeps, claim, admission, log);
  }

  return deliver;
}

async function attempt(deps: DeliveryWorkerDeps & { record: (c: Claim, o: AttemptOutcome) => Promise<DeliveryState | undefined> }, claim: ClaimWithMessage, admission: Extract<Admission, { ok: true }>, log: Logger): Promise<void> {
  const d = claim.delivery;
  const startedAt = new Date();
  const t0 = performance.now();
  let outcome: Outcome;
  let statusCode: number | undefined;
  let receipt: unknown;
  try {
    const { req, decode } = buildRequest(deps, claim);
    const res = await deps.transport.send(req, deps.attemptTimeoutMs);
    statusCode = res.status;
    outcome = decode(res);
    // The recipient has answered: its slot is free for the next delivery while the receipt is
    // checked. Its health is how it answered; a receipt that fails the check is retried but says
    // nothing about whether the recipient is up.
    admission.release(outcome.kind !== 'retry');
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
  // (when the exchange itself failed) a refusal (4xx) says nothing about the recipient's health;
  // timeouts and 5xx do
  admission.release(outcome.kind !== 'retry');

  let retryInMs: number | undefined;
  let kind: 'delivered' | 'retry' | 'dead' = outcome.kind;
  if (outcome.kind === 'retry') {
    retryInMs = nextDelayMs(d.retry as RetryPolicy, d.attempts - d.scheduleOffset, outcome.retryAfterMs);
    if (retryInMs === undefined) kind = 'dead';
  }
  const reason = outcome.kind === 'delivered' ? undefined : outcome.reason + (kind === 'dead' && outcome.kind === 'retry' ? ' (retries exhausted)' : '');
  const state = await deps.record(claim, { outcome: kind, startedAt, durationMs, statusCode, error: reason, receipt, retryInMs, worker: deps.workerId });
  deps.metrics.attempts.inc({ outcome: kind });
  deps.metrics.attemptSeconds.observe({ outcome: kind }, durationMs / 1000);
  log.info({ outcome: kind, status: statusCode, ms: Math.round(durationMs), error: reason, state: state ?? 'lease-lost' }, 'delivery attempt');
  if (state === 'retrying' && retryInMs !== undefined) {
    await deps.dispatcher.dispatch([{ deliveryId: d.id, attempt: d.attempts, delayMs: retryInMs, recipient: d.recipient }]).catch((err) => {
      // the sweeper will find it in PostgreSQL
      log.warn({ err: (err as Error).message }, 'could not schedule the retry; the sweeper will');
    });
  }
}

function buildRequest(deps: DeliveryWorkerDeps, claim: ClaimWithMessage): { req: OutboundRequest; decode: (res: TransportResponse) => Outcome } {
  const d = claim.delivery;
  const contracts = deps.contracts();
  const recipient = contracts.institution(d.recipient);
  if (!recipient) throw new PermanentDeliveryError(`recipient ${d.recipient} is no longer a member of the federation`);
  const adapter = adapterFor(recipient.adapter);
  if (!adapter) throw new PermanentDeliveryError(`no adapter "${recipient.adapter}" for ${d.recipient}`);
  const m = claim.message;
  const stored = m.envelope as Envelope;
  const translated = contracts.catalogue.translate(m.type, m.version, d.major, stored.data);
  const data = project(translated.data, d.fields as string[]);
  const envelope: Envelope = { ...stored, dataschema: schemaUri(m.type, translated.version), data };
  const req = adapter.encode({ envelope, deliveryId: d.id, attempt: d.attempts }, recipient);
  return { req: deps.sign ? deps.sign(req) : req, decode: (res) => adapter.decode(res) };
}
