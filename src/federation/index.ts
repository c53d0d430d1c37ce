/**
 * The federation's model: what its members agree on, as types and constants — the envelope and the
 * schema URI, the classes a message may carry, institutions, agreements, and retry defaults. Pure
 * data: it imports nothing of the hub, and every other part of the hub (and the SDK) may import it.
 */
export { ENVELOPE_ATTRIBUTES, SCHEMA_URI_BASE, SCHEMA_URI_FORM, parseSchemaUri, schemaUri, type Envelope, type EnvelopeAttribute } from './envelope.js';
export { CLASSIFICATIONS, CLASSIFICATION_RANK, CLEARANCES, isClassification, isClearance, type Classification, type Clearance } from './classification.js';
export { ADAPTER_NAMES, HUB_INSTITUTION_ID, INSTITUTION_KINDS, isOperator, type AdapterName, type Institution, type Iso20022Debtor, type InstitutionKind } from './institution.js';
// issue 22: pull delivery
export { DELIVERY_MODES, inboxTarget, pulls, type DeliveryMode } from './institution.js';
export { DEFAULT_RETRY, MAX_DELAY_MS, type RateLimit, type RetryPolicy } from './retry.js';
export type { Agreement, Condition, ConditionOp, Grant, GrantTarget, QueryGrant, QueryGrantEntry, StatementGrant } from './agreement.js';
export { grantedName } from './agreement.js';
export type { Correlation, DueRule, Expectation, MessageMatch } from './expectation.js';
export { addDuration, parseDuration, type Duration } from './duration.js';
