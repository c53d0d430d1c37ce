export { openDatabase, type Database, type Db, type DbOrTx } from './db.js';
export { DataDirLockedError } from './data-dir-lock.js';
export * as tables from './schema.js';
export type { DeliveryState } from './schema.js';
export { DELIVERY_STATES } from './schema.js';
export { commitMessage, commitMessages, findIdempotent, type CommitInput, purgeIdempotencyKeys, IdempotencyRace, type NewDelivery, type NewMessage } from './intake.js';
export { originsOf } from './origins.js';
export {
  claimMany,
  claimWithMessage,
  openClaim,
  openClaims,
  deferDelivery,
  endUnattempted,
  recordAttempt,
  recordAttempts,
  releaseExpiredLeases,
  findDue,
  countOpenByState,
  dueBacklog,
  waitingByRecipient,
  LEASE_LAPSED,
  MAX_ERROR_CHARS,
  type Claim,
  type ClaimWithMessage,
  type AttemptOutcome,
  type DeliveryRow,
  type DueDelivery,
  type OpenState,
  type WaitingDeliveries,
} from './deliveries.js';
export { analyzeIfYoung } from './young-tables.js';
export { getMessageView, type MessageRow } from './messages.js';
export {
  listDeliveries,
  replayDeliveries,
  getDelivery,
  PURGED,
  WAITING_STATES,
  type DeliveryFilter,
  type ReplayCandidate,
  type ReplayCheck,
  type ReplayResult,
  type StateFilter,
} from './delivery-admin.js';
export { recordCertificates } from './certificate-ledger.js';
export { DatabaseReplayGuard, type DatabaseReplayGuardOptions } from './replay-signatures.js';
// issue 22: the pull inbox
export { expireInbox, inboxDelivery, leaseInbox, INBOX_EXPIRED } from './inbox.js';
export { StoreIndex } from './case-index.js';
export type { CaseIndexRow } from './intake.js';
// issue 25: deadlines
export {
  claimDueDeadlines,
  recordFired,
  listDeadlines,
  deadlineCounts,
  type DeadlineRow,
  type DueDeadline,
  type DeadlineFired,
  type DeadlineFilter,
  type DeadlineChanges,
  type DeadlineOpenInput,
  type DeadlineAnswerInput,
} from './deadlines.js';
export { DEADLINE_STATES, type DeadlineState } from './schema.js';
// issue 26: confidential payloads at rest
export {
  assertSealed,
  isSealed,
  openStored,
  payloadKeyCounts,
  rewrapPayloadKeys,
  sealClearPayloads,
  sealMessage,
  SEALED_CLEAR_ATTRIBUTES,
  type PayloadColumns,
  type PayloadVault,
  type RewrapResult,
  type SealBackfillResult,
} from './payload-store.js';
// issue 26.7: retention and legal holds
export { liftLegalHold, listLegalHolds, placeLegalHold, purgePayloads, type LegalHold, type PurgedMessage, type PurgeOptions, type PurgeRuleRow } from './retention.js';
