/**
 * The trust layer's public surface: RFC 9421 signatures, RFC 9530 digests, the federation PKI,
 * the certificate store port, the key resolver and the replay guards. Pure code: no database, no
 * HTTP server; the api, workers, store and cli wire it in. Import from here, not from the files.
 */
export { TRUST_ERROR_CODES, TrustError, isTrustError, type TrustErrorCode } from './errors.js';

export {
  SfDecimal,
  SfParseError,
  SfSerializeError,
  SfToken,
  isInnerList,
  parseDictionary,
  parseItem,
  parseList,
  serializeBareItem,
  serializeDictionary,
  serializeInnerList,
  serializeItem,
  serializeList,
  serializeParameters,
  type BareItem,
  type Dictionary,
  type InnerList,
  type Item,
  type List,
  type Member,
  type Parameters,
} from './structured-fields.js';

export {
  DIGEST_ALGORITHMS,
  createContentDigest,
  digest,
  verifyContentDigest,
  type Body,
  type DigestAlgorithm,
  type DigestCheck,
} from './content-digest.js';

export { headersFromFetch, headersFromRecord, type HeaderRecord, type HeadersLike, type SignableMessage } from './message.js';

export {
  SIGNATURE_ALGORITHMS,
  impliedAlgorithm,
  signingAlgorithmOf,
  isSignatureAlgorithm,
  keyFitsAlgorithm,
  signatureFingerprint,
  toPrivateKey,
  toPublicKey,
  type KeyInput,
  type SignatureAlgorithm,
} from './algorithms.js';

export { DERIVED_COMPONENTS, componentValue, encodeQueryComponent, parseComponentId, serializeComponentId, type ComponentId } from './components.js';

export {
  buildSignatureBase,
  paramsFromSf,
  paramsToSf,
  serializeSignatureParams,
  signatureBase,
  type SignatureBase,
  type SignatureParams,
} from './signature-base.js';

export {
  DEFAULT_CLOCK_SKEW_SECONDS,
  DEFAULT_LABEL,
  DEFAULT_MAX_AGE_SECONDS,
  DEFAULT_REQUIRED_PARAMS,
  appendSignatureMember,
  componentLabel,
  selectSignature,
  signMessage,
  toUnixSeconds,
  verifyMessage,
  type MessageSignature,
  type ResolveKey,
  type ResolveKeyContext,
  type ResolvedKey,
  type SignMessageOptions,
  type SignatureParamName,
  type VerifyOptions,
  type VerifyResult,
} from './http-signatures.js';

export {
  DELIVERY_COMPONENTS,
  DELIVERY_ID_HEADER,
  LABELS,
  MESSAGE_ID_HEADER,
  QUERY_ANSWER_COMPONENTS,
  RECEIPT_COMPONENTS,
  REQUEST_COMPONENTS,
  REQUIRED_PARAMS,
} from './profiles.js';

export {
  signPlainAnswer,
  signPlainDelivery,
  signPlainReceipt,
  signPlainRequest,
  toSignable,
  verifyPlainAnswer,
  verifyPlainReceipt,
  verifyPlainRequest,
  type PlainRequest,
  type PlainResponse,
  type PlainSignOptions,
  type PlainSigned,
  type PlainVerifyOptions,
} from './plain-messages.js';

export {
  INSTITUTION_URN_PREFIX,
  checkStatus,
  createCa,
  createCsr,
  enroll,
  findIssuer,
  generateInstitutionKey,
  importCa,
  issueCertificate,
  normalizeSerial,
  parseCertificate,
  randomSerial,
  toAnchors,
  verifyChain,
  type CaMaterial,
  type CertificateAuthority,
  type CreateCaOptions,
  type EnrollKeyType,
  type EnrolledInstitution,
  type IssueOptions,
  type IssuedCertificate,
  type ParsedCertificate,
  type StatusOptions,
  type TrustAnchors,
} from './pki.js';

export type { CertificateRecord, CertificateStore } from './types.js';
export { MemoryCertificateStore, recordFromPem } from './certificate-store.js';
export { CertificateKeyResolver, type InstitutionKey, type KeyResolverOptions } from './key-resolver.js';
export { LayeredReplayGuard, MemoryReplayGuard, type MemoryReplayGuardOptions, type ReplayGuard } from './replay-guard.js';
export { RedisReplayGuard, type RedisReplayGuardOptions } from './replay-guard-redis.js';
export {
  DEFAULT_HUB_KEY_TYPE,
  FileCertificateStore,
  HUB_INSTITUTION_ID,
  ensureHubCertificate,
  hasCa,
  importCaCertificate,
  initCa,
  issueToDir,
  loadCa,
  registerCertificate,
} from './pki-dir.js';
export { answerSigner, type AnswerSigner, type AnswerToSign } from './answer-signing.js';
