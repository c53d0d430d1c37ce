/**
 * The record: what lets the federation prove, years later and without the hub, who sent, received,
 * read or changed what — and keeps children's and gender-based-violence cases confidential at rest.
 * Pure modules (no database, no HTTP, no clock of their own) that intake, delivery, the store, the
 * audit sealer, the CLI and the SDK wire in. See docs/record.md.
 */
export {
  BundleError,
  DeclarationError,
  KeyConfigError,
  OriginError,
  PayloadCryptoError,
  RecordError,
  RoleError,
  TimeZoneError,
  type OriginErrorCode,
  type PayloadErrorCode,
} from './errors.js';

export {
  PayloadKeyring,
  loadEncryptionPolicy,
  loadPayloadKeyring,
  mustEncrypt,
  newPayloadKeyEntry,
  parsePayloadKeys,
  type EncryptionPolicy,
  type KeyFileReader,
} from './payload-keys.js';
export { PAYLOAD_FORMAT_VERSION, decryptPayload, encryptPayload, rewrapPayloadKey, wrappingKeyId, type EncryptedPayload } from './payload-crypto.js';

export {
  GBV_WHEN,
  ISSUER,
  JUVENILE_WHEN,
  RECORD_ANNOTATION_KEYWORDS,
  inspectDeclarations,
  readDeclarations,
  withoutRecordAnnotations,
  type ClassificationDeclaration,
  type DeclarationFault,
  type GbvRule,
  type IssuerField,
  type JuvenileRule,
  type RecordDeclarations,
  type TypeClass,
} from './annotations.js';
export { ageOn, anniversary, calendarDateOf, dateInZone, parseDate, type CalendarDate, type LeapDayRule } from './calendar.js';
export { MAJORITY_AGE, computeClassification, type Classification, type ClassificationReason, type ClassificationResult, type ClassifyOptions, type Clearance } from './classify.js';
export { actingForEntry, checkIssuer, type ActingFor, type IssuerContext, type IssuerFault } from './issuer.js';

export {
  ORIGIN_FORMAT,
  ORIGIN_REQUIRED_COMPONENTS,
  captureOrigin,
  readOriginEvidence,
  verifyOrigin,
  type CapturedRequest,
  type OriginEvidence,
  type OriginVerification,
  type VerifyOriginOptions,
} from './origin.js';
export {
  BUNDLE_FORMAT,
  SEAL_STATEMENT_FORMAT,
  buildAuditBundle,
  bundleFingerprint,
  sealStatementBytes,
  signSeal,
  verifyAuditBundle,
  type AuditBundle,
  type BuildBundleInput,
  type BundleCertificate,
  type BundleEntry,
  type BundleProblem,
  type BundleSeal,
  type BundleVerification,
  type SealStatement,
  type SignatureValue,
  type VerifyBundleOptions,
} from './bundle.js';

export { ACTIONS, ROLES, actionsOf, isAction, isRole, may, type Action, type Role } from './roles.js';
export { OPERATOR_ROLE_OID, OPERATOR_URN_PREFIX, issueOperatorCertificate, readOperator, type OperatorIdentity } from './operator-cert.js';
