/**
 * The delivery worker: take a place in the recipient's line (or, while the line is full, wait in
 * memory for one without holding a worker slot), claim one due delivery (with its message, in one
 * round trip), ask the contracts in force whether the recipient may still receive it, wait for the
 * recipient's slot, build what its recipient may see (translated to the pinned major, projected to
 * the granted fields and envelope attributes), encode it with the recipient's adapter, sign it,
 * send it, check the receipt and record the attempt.
 *
 * Guarantees: one attempt at a time per delivery (the claim is an atomic conditional UPDATE with a
 * lease); message id and delivery id never change across retries. Need to know holds at every
 * attempt (issue 19): a recipient the contracts no longer entitle gets nothing — the delivery ends
 * dead as `no-longer-entitled: <why>`, on the audit log — and what it gets is derived from the
 * grants in force now, never from what intake planned. The retry schedule bounds a delivery in time
 * as well as in attempts, deferrals by the breaker and the rate limit included, unless its agreement
 * says store and forward (retry-policy.ts); one that runs out of time without an attempt ends dead
 * (`delivery.expired` on the audit log). What can never succeed is not retried (issue 21): a
 * delivery whose request cannot be built — its payload cannot be translated to the recipient's
 * major, the recipient has no adapter or is no longer a member — ends dead at its first attempt,
 * with the error's code and detail as its reason; only errors that say a retry can help (a recipient
 * that did not answer) and answers the recipient's adapter calls retryable are tried again.
 */
import type { Logger } from 'pino';
import { adapterFor, type Envelope, type Transport, type OutboundRequest, type Outcome, type TransportResponse } from '../adapters/index.js';
import { WaslaError } from '../errors.js';
import type { Contracts, PlannedDelivery } from '../routing/types.js';
import type { RateLimit, RetryPolicy } from '../federation/index.js';
import { entitlementOfStored, project, projectEnvelope, type EntitlementDecision } from '../routing/index.js';
import type { AttemptOutcome, Claim, ClaimWithMessage, DeliveryRow, DeliveryState } from '../store/index.js';
import { Batcher } from '../batcher.js';
import type { Dispatcher, DispatchJob, HandlerContext } from '../queue/index.js';
import type { Metrics } from '../metrics.js';
import { afterFailure, deferral } from './retry-policy.js';
import type { DeliveryStore } from './delivery-store.js';
import { pulls, schemaUri } from '../federation/index.js';
import type { Admission, RecipientGate } from './recipient-gate.js';
import type { ReceiptCheck } from './delivery-signing.js';
import type { AuditAction } from '../audit/writer.js';

/** Signs an outbound request (the hub key); tests may replace it. */
export type OutboundSigner = (req: OutboundRequest) => OutboundRequest;

export interface DeliveryWorkerDeps {
  /** the database, as the worker uses it (delivery-store.ts) */
  store: DeliveryStore;
  contracts: () => Contracts;
  dispatcher: Dispatcher;
  transport: Transport;
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

/** The reason a delivery ends with when the contracts in force no longer entitle its recipient. */
export const NO_LONGER_ENTITLED = 'no-longer-entitled';

/** Whether the contracts in force entitle the claimed delivery's recipient to its message now. */
export function entitlementOf(contracts: Contracts, claim: ClaimWithMessage, now = new Date()): EntitlementDecision {
  return entitlementOfStored(contracts, claim.message, claim.delivery.recipient, now);
}

export function createDeliveryHandler(deps: DeliveryWorkerDeps) {
  // Group commit: concurrent handlers share one claim statement and one record statement.
  const claims = new Batcher<string, ClaimWithMessage | undefined>((ids) => deps.store.claimMany(ids, deps.leaseMs, deps.attemptTimeoutMs), { maxItems: 64, maxWaitMs: 2, eagerBelow: 1 });

  /** end a claimed delivery without an attempt (nothing is sent), on the audit log */
  async function end(claim: Claim, reason: string, action: AuditAction, outcome: string, log: Logger): Promise<void> {
    if (await deps.store.endUnattempted(claim, reason, action, `worker:${deps.workerId}`)) {
      deps.metrics.attempts.inc({ outcome });
      log.warn({ reason }, 'delivery ended without an attempt');
    }
  }
  const requeue = (job: DispatchJob, delayMs: number) => deps.dispatcher.dispatch([{ ...job, delayMs, tag: `q${Date.now()}${Math.floor(Math.random() * 1000)}` }]).catch(() => {});

  type Place = ReturnType<RecipientGate['reserve']>;

  async function deliver(job: DispatchJob, ctx?: HandlerContext): Promise<void> {
    // A place in the recipient's line before touching the database, when the job says who it is
    // for; the slot itself is taken after the claim, so that it covers only the exchange.
    // A pulling institution's deliveries wait in the inbox (issue 22): no worker sends them.
    if (job.recipient && pulls(deps.contracts().institution(job.recipient))) return;
    const place = job.recipient ? deps.gate.reserve(job.recipient) : undefined;
    if (place && !place.ok && !place.defer) {
      // Busy: wait in memory for a place without holding a worker slot (the dispatcher runs the
      // job again when the gate hands it one; see the gate for when it waits for room to park);
      // where that cannot be, back on the queue. Nothing is written either way.
      const recipient = job.recipient!;
      const parked =
        ctx !== undefined &&
        (await deps.gate.park(recipient, (reservation) => {
          if (!ctx.later(() => proceed(job, { ok: true, reservation }))) reservation.cancel();
        }));
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
    const log = deps.log.child({ messageId: d.messageId, deliveryId: d.id, recipient: d.recipient, attempt: d.attempts });
    // a job that did not say its recipient, for one that pulls: back to the inbox, not an attempt
    if (pulls(deps.contracts().institution(d.recipient))) {
      if (place?.ok) place.reservation.cancel();
      await deps.store.defer(claim, 0, 'waits in the inbox: its recipient pulls its deliveries');
      return;
    }
    // Need to know at every attempt: the contracts in force now, not those of intake, decide.
    const entitled = entitlementOf(deps.contracts(), claim);
    if (!entitled.entitled) {
      if (place?.ok) place.reservation.cancel();
      await end(claim, `${NO_LONGER_ENTITLED}: ${entitled.reason}`, 'delivery.withdrawn', 'withdrawn', log);
      return;
    }
    if (place?.ok && d.recipient !== job.recipient) {
      place.reservation.cancel(); // a job naming the wrong recipient: queue for the right one
      place = undefined;
    }
    place ??= deps.gate.reserve(d.recipient);
    const admission: Admission = place.ok ? await place.reservation.enter(d.rateLimit as RateLimit | null) : place;
    // A delivery that waited so long for its slot that the attempt could outlive the lease is
    // handed back due now, rather than risk a second worker claiming it mid-attempt.
    const lateForLease = admission.ok && Date.now() - claimedAt + deps.attemptTimeoutMs > deps.leaseMs * 0.9;
    if (!admission.ok || lateForLease) {
      if (admission.ok) admission.release();
      const reason = admission.ok ? 'waited past its lease for a slot' : admission.reason;
      // The schedule's time runs on while the recipient cannot be tried (breaker, rate limit, its
      // line full): past it the delivery ends, unless store and forward; before it, it is looked at
      // again by the deadline at the latest. One that only waited for a slot goes again at once.
      const later = admission.ok ? { retry: true as const, inMs: 0 } : deferral(d.givesUpAt, admission.retryInMs);
      if (!later.retry) {
        await end(claim, `${reason}; ${later.why}`, 'delivery.expired', 'expired', log);
        return;
      }
      const delayMs = later.inMs;
      // paused recipient (breaker, rate) or busy: hand it back without an attempt, due again later
      if (await deps.store.defer(claim, delayMs, reason)) {
        deps.metrics.attempts.inc({ outcome: 'deferred' });
        log.debug({ reason, retryInMs: delayMs }, 'delivery deferred');
        await deps.dispatcher.dispatch([{ deliveryId: d.id, attempt: d.attempts - 1, delayMs, tag: `d${Date.now()}`, recipient: d.recipient }]).catch(() => {});
      }
      return;
    }
    await attempt(deps, claim, admission, entitled.delivery, log);
  }

  return deliver;
}

async function attempt(deps: DeliveryWorkerDeps, claim: ClaimWithMessage, admission: Extract<Admission, { ok: true }>, planned: PlannedDelivery, log: Logger): Promise<void> {
  const d = claim.delivery;
  const startedAt = new Date();
  const t0 = performance.now();
  let outcome: Outcome;
  let statusCode: number | undefined;
  let receipt: unknown;
  try {
    // building is deterministic: what fails here fails again (failureOutcome says dead)
    let built: ReturnType<typeof buildOutbound>;
    try {
      built = buildOutbound(deps.contracts(), deps.sign, claim, planned);
    } catch (err) {
      throw err instanceof WaslaError ? err : new WaslaError('internal', `the request could not be built: ${(err as Error).message}`, { cause: err });
    }
    const { req, decode } = built;
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
    outcome = failureOutcome(err);
  }
  const durationMs = performance.now() - t0;
  // (when the exchange itself failed) a refusal (4xx) says nothing about the recipient's health;
  // timeouts and 5xx do
  admission.release(outcome.kind !== 'retry');

  const record = attemptRecord(d, outcome, { startedAt, durationMs, statusCode, receipt, worker: deps.workerId });
  const { outcome: kind, retryInMs, error: reason } = record;
  let state: DeliveryState | undefined;
  try {
    state = await deps.store.recordAttempt(claim, record);
  } catch (err) {
    // logged by the recorder; the lease lapses and the sweeper records the attempt as abandoned
    log.error({ err: (err as Error).message }, 'the attempt could not be recorded');
    return;
  }
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

/**
 * What a failed attempt makes of the delivery: a WaslaError says whether trying again can help — a
 * recipient that did not answer, yes; a payload that cannot be translated, an adapter that does
 * not exist, no: dead at once, its code and detail the reason. Anything else went wrong in the
 * hub while sending and is retried.
 */
export function failureOutcome(err: unknown): Outcome {
  if (err instanceof WaslaError) return err.retryable ? { kind: 'retry', reason: err.message } : { kind: 'dead', reason: `${err.code}: ${err.message}` };
  return { kind: 'retry', reason: `internal: ${(err as Error).message}` };
}

/**
 * What an exchange's outcome makes of the delivery: delivered, retried after a delay (the
 * recipient's Retry-After honoured up to the schedule's deadline, never past it) or dead — with why.
 */
export function attemptRecord(
  d: Pick<DeliveryRow, 'retry' | 'attempts' | 'scheduleOffset' | 'givesUpAt'>,
  outcome: Outcome,
  exchange: { startedAt: Date; durationMs: number; statusCode?: number; receipt?: unknown; worker: string },
  now = Date.now(),
): AttemptOutcome {
  if (outcome.kind !== 'retry') return { ...exchange, outcome: outcome.kind, error: outcome.kind === 'dead' ? outcome.reason : undefined };
  const next = afterFailure(d.retry as RetryPolicy, {
    attemptsMade: d.attempts - d.scheduleOffset,
    deadline: d.givesUpAt,
    retryAfterMs: outcome.retryAfterMs,
    now,
  });
  return next.retry ? { ...exchange, outcome: 'retry', error: outcome.reason, retryInMs: next.inMs } : { ...exchange, outcome: 'dead', error: `${outcome.reason} (${next.why})` };
}

/**
 * What the recipient may see, as the grants in force give it (`planned`): major, fields, envelope
 * attributes — encoded by its adapter and signed. The pull inbox (issue 22) builds what it hands
 * out with this same function, so a pulled delivery is exactly what a push would have carried.
 */
export function buildOutbound(
  contracts: Contracts,
  sign: OutboundSigner | undefined,
  claim: ClaimWithMessage,
  planned: PlannedDelivery,
): { req: OutboundRequest; decode: (res: TransportResponse) => Outcome } {
  const d = claim.delivery;
  const recipient = contracts.institution(d.recipient);
  if (!recipient) throw new WaslaError('recipient-not-member', `recipient ${d.recipient} is no longer a member of the federation`);
  const adapter = adapterFor(recipient.adapter);
  if (!adapter) throw new WaslaError('adapter-unknown', `no adapter "${recipient.adapter}" for ${d.recipient}`);
  const m = claim.message;
  const stored = m.envelope as Envelope;
  const translated = contracts.catalogue.translate(m.type, m.version, planned.major, stored.data);
  const data = project(translated.data, planned.fields);
  const envelope = { ...projectEnvelope(stored, planned.envelope), dataschema: schemaUri(m.type, translated.version), data } as Envelope;
  const req = adapter.encode({ envelope, deliveryId: d.id, attempt: d.attempts }, recipient, { mappings: contracts.mappings });
  return { req: sign ? sign(req) : req, decode: (res) => adapter.decode(res) };
}
