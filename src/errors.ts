/**
 * The hub's errors, apart from any transport. Each carries a stable `code`, whether trying the same
 * thing again can help (`retryable`: what a worker reads to retry or give up at once, and what a
 * client is told through the answer it gets), the JSON pointer of each fault for a document that
 * does not hold, and a detail for people. What a code becomes over HTTP — status, title, problem
 * type — is the HTTP edge's business: src/api/problems.ts maps every code the API can answer, once.
 * Never throw strings; anything that is not a WaslaError is a 500 with no detail leaked.
 */

/** The refusals an institution can get from the API (docs/api.md lists them with their status). */
export const REQUEST_ERROR_CODES = [
  // the request cannot be read
  'malformed-json',
  'invalid-utf8',
  'nul-character',
  'duplicate-member',
  'too-deeply-nested',
  'invalid-envelope',
  'invalid-filter',
  'invalid-idempotency-key',
  'body-too-large',
  'unsupported-media-type',
  // who is calling
  'sender-missing',
  'sender-unknown',
  'metrics-token-required',
  // RFC 9421 signatures
  'signature-missing', // no Signature / Signature-Input, or not the label asked for
  'signature-input-malformed', // a field is not valid RFC 8941, or a component / parameter is invalid
  'signature-component-missing', // a required component is not covered, or a covered one is absent
  'signature-param-missing', // a required signature parameter (created, keyid, alg, ...) is absent
  'signature-expired', // created older than the window, or past `expires`
  'signature-from-future', // created later than now + allowed clock skew
  'signature-invalid', // the cryptographic check failed
  'signature-key-unknown', // resolveKey found no key for keyid
  'signature-alg-mismatch', // alg parameter, key type and key's registered alg disagree
  'signature-replayed', // the replay guard has seen this signature before
  'signature-wrong-authority', // the request names another hub and its signature does not hold for this one
  // RFC 9530 digests
  'digest-missing', // no Content-Digest although the body must be checked
  'digest-mismatch', // a known algorithm's digest differs from the body's
  'digest-unsupported', // Content-Digest names only algorithms we do not accept (e.g. md5)
  'digest-malformed', // Content-Digest is not a dictionary of byte sequences
  // X.509
  'certificate-expired',
  'certificate-not-yet-valid',
  'certificate-revoked',
  'certificate-untrusted', // not issued by (or not verifiable against) a configured CA
  // what the agreements allow
  'no-agreement',
  'no-recipient',
  'no-cleared-recipient',
  'query-not-granted',
  'not-your-delivery',
  'operator-only',
  'no-longer-entitled',
  // what does not exist
  'message-not-found',
  'delivery-not-found',
  'schema-not-found',
  'route-not-found',
  // the message against the catalogue
  'unknown-type',
  'unknown-version',
  'unknown-message-version',
  'schema-violation',
  'message-invalid',
  'not-translatable',
  // state
  'idempotency-key-reused',
  'delivery-not-dead',
  // try again later
  'unavailable',
  'resource-exhausted',
  'delivery-backlog',
  'not-ready',
  'internal',
  // issue 22: the pull inbox
  'not-a-pull-institution',
  'delivery-not-leased',
  'receipt-invalid',
  // issue 23: bank statements and reconciliations
  'statement-not-granted', // no agreement in force lets this institution send statements
  'statement-account-unknown', // the statement's account is not one the bank holds for an institution it may report for
  'statement-xml-refused', // the hostile-XML reader refused the body (DTD, entities, depth, size, encoding...)
  'statement-unsupported', // not a camt.053 or camt.054 of versions 001.02 to 001.08
  'statement-invalid', // a camt document whose amounts, indicators or identifiers cannot be read
  'reconciliation-not-found',
  // issue 22: XML intake — the hostile-XML reader's refusals and the mappings'
  // the hostile-XML reader's (src/formats/errors.ts XML_READER_CODES, written out: the SDK carries this
  // file and not the format core; tests/unit/formats/reader-codes.test.ts holds the two lists equal)
  'xml-too-large',
  'xml-encoding-invalid',
  'xml-encoding-unsupported',
  'xml-character-forbidden',
  'xml-doctype-forbidden',
  'xml-entity-forbidden',
  'xml-processing-instruction-forbidden',
  'xml-xinclude-forbidden',
  'xml-too-deep',
  'xml-too-many-elements',
  'xml-too-many-attributes',
  'xml-malformed',
  'xml-structure-mismatch',
  'mapping-value-invalid',
  'xml-mapping-unknown',
  'xml-mapping-ambiguous',
  // issue 24: case queries
  'unknown-query', // no query of that name (a built-in's name says which route answers it)
  'query-parameters-invalid', // a parameter is missing, unknown, repeated or breaks its schema
  'cursor-invalid', // a pagination cursor was altered, is another caller's, query's or parameters', or expired
  // issue 26: the record
  'issuer-mismatch', // a field naming an institution in the payload does not name the signer
  'role-not-allowed', // an operator whose role does not allow the action (or a hub certificate without a role)
  // issue 26.7: retention and legal holds
  'message-purged', // the message's payload was purged by retention: nothing is left to replay
  'legal-hold-invalid', // a legal hold request without an issuer, a case reference or a reason, or too long
  'legal-hold-not-found', // no legal hold in force with that id
  'retention-run-invalid', // a retention run request that does not hold (an unknown member, a bad limit)
] as const;

/** The refusals of operator tools (`wasla ca`, `wasla cert`, configuration, the contract set). */
export const OPERATOR_ERROR_CODES = [
  'config-invalid',
  'contract-invalid',
  'ca-exists',
  'ca-key-mismatch',
  'ca-key-missing',
  'ca-key-unsupported',
  'certificate-duplicate',
  'certificate-malformed',
  'certificate-not-ca',
  'certificate-key-missing',
  'certificate-key-unsupported',
  'certificate-validity-invalid',
  'csr-invalid',
  'csr-subject-mismatch',
  'institution-id-invalid',
] as const;

/** Why a delivery attempt failed on the hub's side of the exchange; never answered over HTTP. */
export const DELIVERY_ERROR_CODES = [
  'recipient-unreachable',
  'recipient-timeout',
  'recipient-not-member',
  'adapter-unknown',
  // issue 23: a payout the iso20022 adapter will not send (bad IBAN, amount, no debtor account)
  'payout-invalid',
  // issue 22: the recipient's adapter cannot write this message (no mapping, a value its format refuses)
  'adapter-cannot-encode',
] as const;

export type RequestErrorCode = (typeof REQUEST_ERROR_CODES)[number];
export type OperatorErrorCode = (typeof OPERATOR_ERROR_CODES)[number];
export type DeliveryErrorCode = (typeof DELIVERY_ERROR_CODES)[number];
export type ErrorCode = RequestErrorCode | OperatorErrorCode | DeliveryErrorCode;

export interface Fault {
  /** JSON pointer (RFC 6901) of the faulty value, relative to the document named by the problem */
  pointer: string;
  detail: string;
}

export interface ErrorOptions {
  /** whether the same request or attempt can succeed later (default false) */
  retryable?: boolean;
  faults?: Fault[];
  /** further members of the problem details object */
  extra?: Record<string, unknown>;
  cause?: unknown;
}

export class WaslaError extends Error {
  /** stable, machine-readable; the last segment of the problem type URI */
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly faults: Fault[];
  readonly extra: Record<string, unknown>;

  constructor(code: ErrorCode, detail: string, opts: ErrorOptions = {}) {
    super(detail, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = opts.retryable ?? false;
    this.faults = opts.faults ?? [];
    this.extra = opts.extra ?? {};
  }
}

/** The request cannot be read (malformed JSON, bad envelope, a bad filter). */
export class BadRequestError extends WaslaError {
  constructor(code: ErrorCode, detail: string, faults: Fault[] = []) {
    super(code, detail, { faults });
  }
}

/** Well-formed, but the payload breaks its schema or a rule. */
export class ValidationError extends WaslaError {
  constructor(code: ErrorCode, detail: string, faults: Fault[] = []) {
    super(code, detail, { faults });
  }
}

/** The request's signature, digest or certificate does not hold. */
export class AuthenticationError extends WaslaError {
  constructor(code: ErrorCode, detail: string) {
    super(code, detail);
  }
}

/** Authenticated, but no agreement entitles the sender to this. */
export class ForbiddenError extends WaslaError {
  constructor(code: ErrorCode, detail: string, faults: Fault[] = [], extra: Record<string, unknown> = {}) {
    super(code, detail, { faults, extra });
  }
}

export class NotFoundError extends WaslaError {
  constructor(code: ErrorCode, detail: string) {
    super(code, detail);
  }
}

/** Refused for the state of things: a key reused with another body, a delivery not dead, a duplicate, a size or media type. */
export class RequestRefusedError extends WaslaError {}

/** A dependency (PostgreSQL, Redis) is unreachable; trying again can help. */
export class UnavailableError extends WaslaError {
  constructor(detail: string, cause?: unknown) {
    super('unavailable', detail, { retryable: true, cause });
  }
}

/** what ran out, for a ResourceExhaustedError */
export type ExhaustedResource = 'disk' | 'memory' | 'connections' | 'resources';

/**
 * The database has run out of something — disk space, memory, connections (PostgreSQL's class 53,
 * or ENOSPC from PGlite's files). Transient: nothing was stored, and the same request can succeed
 * once the operator (or the load) frees it; `retryAfterSeconds` says when to try.
 */
export class ResourceExhaustedError extends WaslaError {
  constructor(
    readonly resource: ExhaustedResource,
    readonly retryAfterSeconds: number,
    cause?: unknown,
  ) {
    const what = { disk: 'out of disk space', memory: 'out of memory', connections: 'out of connections', resources: 'out of resources' }[resource];
    super('resource-exhausted', `the database is ${what}; nothing was stored, send again after Retry-After (under the same Idempotency-Key)`, {
      retryable: true,
      cause,
      extra: { resource },
    });
  }
}

/**
 * Deliveries to a recipient of this message are too far behind (flow control). Nothing was stored;
 * the client may send the message again after `retryAfterSeconds`, signed anew (the replay guard
 * has seen the first signature).
 */
export class BacklogError extends WaslaError {
  constructor(
    detail: string,
    readonly retryAfterSeconds: number,
    recipients: string[],
  ) {
    super('delivery-backlog', detail, { retryable: true, extra: { recipients } });
  }
}

/** A contract set (messages, institutions, agreements) that does not hold; stops the start. */
export class ContractError extends WaslaError {
  constructor(
    detail: string,
    faults: Fault[] = [],
    public readonly file?: string,
  ) {
    super('contract-invalid', detail, { faults });
  }
}

/** A configuration variable with a wrong value; stops the start, naming the variable. */
export class ConfigError extends WaslaError {
  constructor(
    public readonly variable: string,
    detail: string,
  ) {
    super('config-invalid', `${variable}: ${detail}`);
  }
}
