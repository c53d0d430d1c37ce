/**
 * The delivery worker's port to the database: claim, defer, end without an attempt, record an
 * attempt. Over PostgreSQL or PGlite it is store/deliveries.ts (attempts grouped and recorded
 * resiliently, attempt-recorder.ts); a unit test gives the worker a fake.
 */
import type { Logger } from 'pino';
import type { AuditAction } from '../audit/writer.js';
import { claimMany, deferDelivery, endUnattempted, openClaims, type Claim, type ClaimWithMessage, type Db, type PayloadVault } from '../store/index.js';
import { gathering } from '../batcher.js';
import { attemptRecorder, type RecordAttempt } from './attempt-recorder.js';
import { endTelling, type NoticeDeps, recordTelling } from './delivery-notices.js';

export interface DeliveryStore {
  /** claim due deliveries with their messages; undefined for each not claimed (see store claimMany) */
  claimMany(ids: string[], leaseMs: number, attemptTimeoutMs: number): Promise<Array<ClaimWithMessage | undefined>>;
  /** give a claimed delivery back without an attempt, due again after `delayMs` */
  defer(claim: Claim, delayMs: number, reason: string): Promise<boolean>;
  /** end a claimed delivery dead without an attempt, on the audit log as `action` */
  endUnattempted(claim: Claim, reason: string, action: AuditAction, actor: string): Promise<boolean>;
  /** record an attempt and move its delivery on; resolves with the delivery's new state (undefined: the lease was lost) */
  recordAttempt: RecordAttempt;
}

/**
 * `notices`: tell senders of dead and recovered deliveries (issue 25, delivery-notices.ts); `vault`
 * opens sealed payloads (issue 26); `recordGatherMs`: how long a finished attempt waits for others
 * to share its record statement (issue 29; 0: at once when no record is running).
 */
export function databaseDeliveryStore(db: Db, log: Logger, notices?: NoticeDeps, vault?: PayloadVault, recordGatherMs = 0): DeliveryStore {
  return {
    claimMany: async (ids, leaseMs, attemptTimeoutMs) =>
      openClaims(db, vault, await claimMany(db, ids, leaseMs, attemptTimeoutMs), (c, e) =>
        log.error({ code: e.code, err: e.message, deliveryId: c.delivery.id, messageId: c.delivery.messageId }, 'the payload of a delivery does not open; it waits'),
      ),
    defer: (claim, delayMs, reason) => deferDelivery(db, claim, delayMs, reason),
    endUnattempted: (claim, reason, action, actor) => (notices ? endTelling(db, notices, claim, reason, action, actor) : endUnattempted(db, claim, reason, action, actor)),
    // one attempt whose record fails never fails the others recorded with it
    recordAttempt: attemptRecorder(db, log, { ...(notices && { record: recordTelling(notices) }), batch: gathering(recordGatherMs, 64) }),
  };
}
