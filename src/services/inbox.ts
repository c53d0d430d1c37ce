/**
 * The pull inbox (issue 22): deliveries to an institution that pulls instead of receiving pushes.
 *
 * Guarantees:
 * - only a pulling institution pulls, and only its own deliveries (`not-a-pull-institution`);
 * - a pull leases each delivery it returns: one attempt, counted as a push attempt is; need to know
 *   is checked with the contracts in force before each is handed out (a recipient no longer
 *   entitled gets nothing: the delivery ends dead, `delivery.withdrawn` on the audit log), and what
 *   it is handed is built by the same code as a push — translated, projected, encoded by its
 *   adapter and signed with the hub key — so the institution verifies it with `verifyDelivery`;
 * - a long poll waits at most `maxWaitMs`, wakes at the bell (a commit for this institution) and
 *   polls PostgreSQL every `pollMs` on its own, so a lost ring costs at most that;
 * - a receipt counts only from the delivery's own recipient, for a delivery leased to it
 *   (`delivery-not-leased` otherwise, whoever's it is, so that nobody learns of another's
 *   deliveries); a 2xx receipt must be signed by the recipient (`receipt-invalid`), unless its
 *   agreement accepts unsigned receipts; what the receipt's status means — delivered, retried,
 *   dead — is what the same answer to a push would mean (the recipient's adapter decides). The
 *   attempt is recorded as a push attempt is: attempt row, state and audit entry in one statement.
 */
import type { Logger } from 'pino';
import { adapterFor, type OutboundRequest, type Outcome, type TransportResponse } from '../adapters/index.js';
import { ForbiddenError, RequestRefusedError, WaslaError } from '../errors.js';
import { pulls } from '../federation/index.js';
import type { Metrics } from '../metrics.js';
import type { InboxBell } from '../queue/index.js';
import { entitlementOfStored } from '../routing/index.js';
import type { Contracts, PlannedDelivery } from '../routing/types.js';
import { endUnattempted, inboxDelivery, leaseInbox, openClaims, recordAttempt, type AttemptOutcome, type ClaimWithMessage, type Db, type DeliveryRow, type PayloadVault } from '../store/index.js';
import type { Principal } from './principal.js';

/** One delivery as the inbox hands it out: the request a push would have made, signature and all. */
export interface PulledDelivery {
  deliveryId: string;
  messageId: string;
  attempt: number;
  /** when the lease lapses and the delivery returns to the inbox, unless acknowledged */
  leaseUntil: string;
  request: { method: string; url: string; headers: Record<string, string>; body: string };
}

/** The institution's signed receipt, as it would have answered a push. */
export interface InboxReceipt {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface Acknowledged {
  deliveryId: string;
  /** the delivery's state after the receipt: delivered, or retrying/dead when the receipt refuses it */
  state: string;
  /** true when the delivery was already delivered (a receipt sent again) */
  already?: boolean;
}

export interface InboxService {
  /** lease up to `limit` deliveries, waiting up to `waitMs` for one to arrive */
  pull(p: Principal, o: { limit: number; waitMs: number; signal?: AbortSignal }): Promise<PulledDelivery[]>;
  /** the institution's receipt for a delivery leased to it */
  acknowledge(p: Principal, deliveryId: string, receipt: InboxReceipt): Promise<Acknowledged>;
}

export type ReceiptCheckResult = { ok: true; receipt: unknown } | { ok: false; reason: string };

export interface InboxServiceDeps {
  db: Db;
  contracts: () => Contracts;
  log: Logger;
  metrics?: Metrics;
  bell: InboxBell;
  leaseMs: number;
  attemptTimeoutMs: number;
  /** the fallback poll of a waiting pull */
  pollMs: number;
  /** the longest a pull waits, whatever it asks (WASLA_INBOX_MAX_WAIT_S) */
  maxWaitMs: number;
  /** false once the hub is shutting down: a waiting pull answers with what it has instead of holding the listener open */
  accepting?: () => boolean;
  /** opens sealed payloads (issue 26) */
  vault?: PayloadVault;
  /** what a push would have sent: translated, projected, encoded, signed (workers/delivery.ts buildOutbound) */
  build: (claim: ClaimWithMessage, planned: PlannedDelivery) => OutboundRequest;
  /** checks a receipt is signed by `recipient` for the delivery request `req` (workers/delivery-signing.ts) */
  checkReceipt: (recipient: string, req: OutboundRequest, res: TransportResponse) => Promise<ReceiptCheckResult>;
  /**
   * records an attempt and moves its delivery on (default: store recordAttempt); the composition
   * gives the worker's recorder, which groups concurrent receipts into one statement and records
   * an attempt whose record fails without what the institution sent (workers/attempt-recorder.ts)
   */
  record?: (claim: { delivery: DeliveryRow; leaseToken: string }, outcome: AttemptOutcome) => Promise<string | undefined>;
  /** what an outcome makes of the delivery, by its retry schedule (workers/delivery.ts attemptRecord) */
  attemptRecord: (d: DeliveryRow, outcome: Outcome, exchange: { startedAt: Date; durationMs: number; statusCode?: number; receipt?: unknown; worker: string }) => AttemptOutcome;
}

const notLeased = (id: string) => new RequestRefusedError('delivery-not-leased', `delivery ${id} is not leased to you: pull it from GET /v1/inbox first`);

export function inboxService(deps: InboxServiceDeps): InboxService {
  const record = deps.record ?? ((claim, outcome) => recordAttempt(deps.db, claim, outcome));
  const pulling = (p: Principal) => {
    const inst = deps.contracts().institution(p.institution);
    if (!pulls(inst)) throw new ForbiddenError('not-a-pull-institution', `${p.institution} receives its deliveries by push: its contract entry does not say "delivery": "pull"`);
    return inst!;
  };
  const worker = (p: Principal) => `inbox:${p.institution}`;

  /** hand out what this claim may carry now, or end it (not entitled, cannot be built) */
  async function handOut(p: Principal, claim: ClaimWithMessage): Promise<PulledDelivery | undefined> {
    const d = claim.delivery;
    const entitled = entitlementOfStored(deps.contracts(), claim.message, d.recipient, new Date());
    if (!entitled.entitled) {
      if (await endUnattempted(deps.db, claim, `no-longer-entitled: ${entitled.reason}`, 'delivery.withdrawn', worker(p))) deps.metrics?.attempts.inc({ outcome: 'withdrawn' });
      return undefined;
    }
    let req: OutboundRequest;
    try {
      req = deps.build(claim, entitled.delivery);
    } catch (err) {
      // building is deterministic (translation, adapter): what fails now fails again
      const e = err instanceof WaslaError ? err : undefined;
      const outcome: Outcome = e && !e.retryable ? { kind: 'dead', reason: `${e.code}: ${e.message}` } : { kind: 'retry', reason: `internal: ${(err as Error).message}` };
      await record(claim, deps.attemptRecord(d, outcome, { startedAt: new Date(), durationMs: 0, worker: worker(p) }));
      deps.log.warn({ deliveryId: d.id, err: (err as Error).message }, 'a pulled delivery could not be built');
      return undefined;
    }
    deps.metrics?.inboxLeased.inc();
    return {
      deliveryId: d.id,
      messageId: d.messageId,
      attempt: d.attempts,
      leaseUntil: new Date(d.leaseUntil ?? Date.now() + deps.leaseMs).toISOString(),
      request: { method: req.method, url: req.url, headers: req.headers, body: req.body.toString('base64') },
    };
  }

  return {
    async pull(p, o) {
      pulling(p);
      const until = Date.now() + Math.min(Math.max(0, o.waitMs), deps.maxWaitMs);
      for (;;) {
        const leased = await leaseInbox(deps.db, p.institution, o.limit, deps.leaseMs, deps.attemptTimeoutMs);
        const claims = await openClaims(deps.db, deps.vault, leased, (c, e) =>
          deps.log.error({ code: e.code, err: e.message, deliveryId: c.delivery.id, messageId: c.delivery.messageId }, 'the payload of a pulled delivery does not open; it waits'),
        );
        const out: PulledDelivery[] = [];
        for (const claim of claims) {
          if (!claim) continue;
          const item = await handOut(p, claim);
          if (item) out.push(item);
        }
        const left = until - Date.now();
        if (out.length > 0 || left <= 0 || o.signal?.aborted || deps.accepting?.() === false) return out;
        // the bell rings at a commit for this institution; the poll catches what it cannot hear
        // (a lease lapsed, a retry come due, a ring lost)
        deps.metrics?.inboxPollsWaiting.inc();
        try {
          await deps.bell.wait(p.institution, Math.min(left, deps.pollMs), o.signal);
        } finally {
          deps.metrics?.inboxPollsWaiting.dec();
        }
      }
    },

    async acknowledge(p, id, receipt) {
      const inst = pulling(p);
      const claim = await inboxDelivery(deps.db, id);
      const d = claim?.delivery;
      if (!claim || !d || d.recipient !== p.institution) throw notLeased(id);
      if (d.state === 'delivered') return { deliveryId: id, state: 'delivered', already: true };
      // leased to it: held now, or held before and returned when the lease lapsed (the receipt
      // still proves delivery, as a push's answer after a lapsed lease does)
      const leased = d.state === 'in_flight' || ((d.state === 'pending' || d.state === 'retrying') && d.attempts > 0);
      if (!leased) throw notLeased(id);
      const adapter = adapterFor(inst.adapter);
      const answer: TransportResponse = { status: receipt.status, headers: receipt.headers, body: receipt.body };
      const outcome: Outcome = adapter ? adapter.decode(answer) : { kind: 'dead', reason: `adapter-unknown: no adapter "${inst.adapter}"` };
      let proof: unknown;
      if (outcome.kind === 'delivered') {
        const req: OutboundRequest = { method: 'POST', url: inst.endpoints.deliveries, headers: { 'wasla-delivery-id': d.id, 'wasla-message-id': d.messageId }, body: Buffer.alloc(0) };
        const rc = await deps.checkReceipt(d.recipient, req, answer);
        if (rc.ok) proof = rc.receipt;
        else if (d.acceptUnsignedReceipt) proof = { unsigned: true, reason: rc.reason };
        else throw new RequestRefusedError('receipt-invalid', `the receipt does not prove delivery: ${rc.reason}`, { faults: [{ pointer: '/headers', detail: rc.reason }] });
      }
      // a refusal (retry, dead) counts only under the lease it answers; a proof of delivery always
      if (outcome.kind !== 'delivered' && d.state !== 'in_flight') throw notLeased(id);
      const startedAt = new Date(d.updatedAt ?? Date.now());
      const attempt = deps.attemptRecord(d, outcome, { startedAt, durationMs: Math.max(0, Date.now() - startedAt.getTime()), statusCode: receipt.status, receipt: proof, worker: worker(p) });
      // a delivery no longer held (its lease lapsed) keeps its lease token null: the record
      // statement then writes a success only (delivered over pending or retrying)
      const state = await record({ delivery: d, leaseToken: claim.leaseToken || '00000000-0000-0000-0000-000000000000' }, attempt);
      if (state === undefined) throw notLeased(id);
      deps.metrics?.attempts.inc({ outcome: attempt.outcome });
      return { deliveryId: id, state };
    },
  };
}
