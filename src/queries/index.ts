/**
 * Case-level signed queries (issue 24), the pure core: the case index's keys and normal forms,
 * named queries as contracts (load and check), status derivation, grants, answers projected to the
 * grant, the walk over the index port, and pagination cursors. No HTTP, no SQL, no clock: the API,
 * the store (index tables written at intake), the CLI and the SDK build on this.
 */
export { QueryError, QueryContractError, type QueryErrorCode, type QueryFault } from './errors.js';
export { foldDigits, normaliseName, canonicalReference, canonicalSerialYear, canonicalNationalId, canonicalIssuer } from './normalise.js';
export {
  indexKeys,
  indexRows,
  indexValue,
  canonicalValue,
  keyedValue,
  assertIndexSecret,
  PERSONAL_KINDS,
  MIN_SECRET_BYTES,
  type IndexKey,
  type IndexRow,
  type IndexKind,
} from './index-keys.js';
export type * from './contract.js';
export { MONTH_PATTERN } from './contract.js';
export { loadQueries, checkQueries, inspectQueries, type LoadedQueries, type QueryParams, type QueryInspection } from './load.js';
export { checkQuery, kindsProvided } from './check.js';
export { BUILTIN_QUERIES, isBuiltinQuery, type BuiltinQuery } from './builtins.js';
export { deriveStatus, countMessages, parseTime, type StoredMessage, type DeriveContext, type DerivedStatus, type Counted } from './derive.js';
export {
  grantFor,
  grantedQueries,
  checkQueryGrants,
  matchesInstitution,
  agreementInForce,
  type AgreementQueryGrants,
  type CallerGrant,
  type GrantScope,
  type Caller,
  type Clearance,
  type RawGrantEntry,
} from './grants.js';
export { answerRecord, answerRecords, scopeClears, clearedClasses, type AnswerRecord, type RecordHistory, type AnswerContext } from './answer.js';
export { resolveRecords, type IndexPort, type IndexHit, type Lookup, type IndexFilter, type RecordKeysRequest, type ResolveRequest, type ResolvedPage } from './resolve.js';
export { MemoryIndex } from './memory-index.js';
export { encodeCursor, decodeCursor, MAX_CURSOR_LENGTH, type CursorPosition, type CursorBinding } from './cursor.js';
export {
  runQuery,
  auditParameters,
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  MAX_MESSAGES_PER_RECORD,
  type QueryDeps,
  type QueryRequest,
  type QueryAnswer,
  type QueryAuditEntry,
} from './run.js';
