/**
 * The HTTP edge's registry of problems (RFC 9457): every code the hub can answer, listed once, with
 * its status and title; the problem type is PROBLEM_BASE + code. Errors elsewhere carry only their
 * code, whether a retry can help and their faults (src/errors.ts); this is the one place that knows
 * what they become over HTTP, and the one shape of a problem+json body. A code the registry does
 * not know cannot be built (the registry's type names every request and operator code).
 */
import type { OperatorErrorCode, RequestErrorCode, WaslaError } from '../errors.js';

export const PROBLEM_BASE = 'https://wasla.dev/problems/';
export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

export interface ProblemSpec {
  status: number;
  title: string;
}

export type ProblemCode = RequestErrorCode | OperatorErrorCode;

const MALFORMED: ProblemSpec = { status: 400, title: 'The request is malformed' };
const UNAUTHENTICATED: ProblemSpec = { status: 401, title: 'The request is not authenticated' };
const NOT_ALLOWED: ProblemSpec = { status: 403, title: 'No agreement allows this' };
const NOT_FOUND: ProblemSpec = { status: 404, title: 'Not found' };
const INVALID: ProblemSpec = { status: 422, title: 'The message does not validate' };
const UNAVAILABLE: ProblemSpec = { status: 503, title: 'The hub is temporarily unavailable' };

export const PROBLEMS: Readonly<Record<ProblemCode, ProblemSpec>> = {
  // 400
  'malformed-json': MALFORMED,
  'invalid-utf8': MALFORMED,
  'nul-character': MALFORMED,
  'duplicate-member': MALFORMED,
  'too-deeply-nested': MALFORMED,
  'invalid-envelope': MALFORMED,
  'invalid-filter': MALFORMED,
  'invalid-idempotency-key': { status: 400, title: 'Invalid Idempotency-Key' },
  // 401
  'sender-missing': UNAUTHENTICATED,
  'sender-unknown': UNAUTHENTICATED,
  'metrics-token-required': { status: 401, title: 'A bearer token is required' },
  'signature-missing': UNAUTHENTICATED,
  'signature-input-malformed': UNAUTHENTICATED,
  'signature-component-missing': UNAUTHENTICATED,
  'signature-param-missing': UNAUTHENTICATED,
  'signature-expired': UNAUTHENTICATED,
  'signature-from-future': UNAUTHENTICATED,
  'signature-invalid': UNAUTHENTICATED,
  'signature-key-unknown': UNAUTHENTICATED,
  'signature-alg-mismatch': UNAUTHENTICATED,
  'signature-replayed': UNAUTHENTICATED,
  'signature-wrong-authority': UNAUTHENTICATED,
  'digest-missing': UNAUTHENTICATED,
  'digest-mismatch': UNAUTHENTICATED,
  'digest-unsupported': UNAUTHENTICATED,
  'digest-malformed': UNAUTHENTICATED,
  'certificate-expired': UNAUTHENTICATED,
  'certificate-not-yet-valid': UNAUTHENTICATED,
  'certificate-revoked': UNAUTHENTICATED,
  'certificate-untrusted': UNAUTHENTICATED,
  // 403
  'no-agreement': NOT_ALLOWED,
  'no-recipient': NOT_ALLOWED,
  'no-cleared-recipient': NOT_ALLOWED,
  'query-not-granted': NOT_ALLOWED,
  'not-your-delivery': NOT_ALLOWED,
  'operator-only': NOT_ALLOWED,
  'no-longer-entitled': { status: 403, title: 'The contracts in force no longer entitle the recipient to this message' },
  // 404
  'message-not-found': NOT_FOUND,
  'delivery-not-found': NOT_FOUND,
  'schema-not-found': NOT_FOUND,
  'route-not-found': NOT_FOUND,
  // 409
  'delivery-not-dead': { status: 409, title: 'Only dead deliveries are replayed' },
  // 413, 415
  'body-too-large': { status: 413, title: 'Body too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  // 422
  'unknown-type': INVALID,
  'unknown-version': INVALID,
  'unknown-message-version': INVALID,
  'schema-violation': INVALID,
  'message-invalid': INVALID,
  'not-translatable': INVALID,
  'idempotency-key-reused': { status: 422, title: 'Idempotency-Key reused with a different body' },
  // 500
  internal: { status: 500, title: 'Internal error' },
  // 503: the client may send again after Retry-After
  unavailable: UNAVAILABLE,
  'resource-exhausted': { status: 503, title: 'The hub is temporarily out of resources; try again shortly' },
  'delivery-backlog': { status: 503, title: 'The hub is behind on deliveries; try again shortly' },
  'not-ready': { status: 503, title: 'Not ready' },

  // operator tools: the CLI prints these today; an operator API would answer them so
  'config-invalid': { status: 500, title: 'Invalid configuration' },
  'contract-invalid': { status: 500, title: 'The contract set is invalid' },
  'ca-exists': { status: 409, title: 'A CA already exists' },
  'certificate-duplicate': { status: 409, title: 'The certificate is already registered' },
  'ca-key-mismatch': MALFORMED,
  'ca-key-missing': MALFORMED,
  'ca-key-unsupported': MALFORMED,
  'certificate-malformed': MALFORMED,
  'certificate-not-ca': MALFORMED,
  'certificate-key-missing': MALFORMED,
  'certificate-key-unsupported': MALFORMED,
  'certificate-validity-invalid': MALFORMED,
  'csr-invalid': MALFORMED,
  'csr-subject-mismatch': MALFORMED,
  'institution-id-invalid': MALFORMED,
  // issue 22: the pull inbox
  'not-a-pull-institution': { status: 403, title: 'This institution receives its deliveries by push, not from the inbox' },
  'delivery-not-leased': { status: 409, title: 'The delivery is not leased to you' },
  'receipt-invalid': { status: 422, title: 'The receipt does not prove delivery' },
  // issue 23: bank statements and reconciliations
  'statement-not-granted': { status: 403, title: 'No agreement lets you send statements' },
  'statement-account-unknown': { status: 403, title: 'The statement is about an account you do not report for' },
  'statement-xml-refused': { status: 400, title: 'The XML is refused' },
  'statement-unsupported': { status: 422, title: 'Not a supported camt.053 or camt.054 document' },
  'statement-invalid': { status: 422, title: 'The statement cannot be read' },
  'reconciliation-not-found': NOT_FOUND,

  // issue 22: XML intake — each refusal of the hostile-XML reader and of the mappings its own type
  'xml-too-large': { status: 413, title: 'The XML document is too large' },
  'xml-encoding-invalid': { status: 400, title: 'The XML document is not valid UTF-8' },
  'xml-encoding-unsupported': { status: 400, title: 'XML is accepted in UTF-8 only' },
  'xml-character-forbidden': { status: 400, title: 'The XML document holds a character XML 1.0 forbids' },
  'xml-doctype-forbidden': { status: 400, title: 'A DOCTYPE or markup declaration is not accepted' },
  'xml-entity-forbidden': { status: 400, title: 'Only the five predefined XML entities are accepted' },
  'xml-processing-instruction-forbidden': { status: 400, title: 'The XML document holds a processing instruction' },
  'xml-xinclude-forbidden': { status: 400, title: 'XInclude is not accepted' },
  'xml-too-deep': { status: 400, title: 'The XML document nests too deeply' },
  'xml-too-many-elements': { status: 400, title: 'The XML document has too many elements' },
  'xml-too-many-attributes': { status: 400, title: 'An XML element has too many attributes' },
  'xml-malformed': { status: 400, title: 'The XML document is not well-formed' },
  'xml-structure-mismatch': { status: 422, title: 'The XML document does not have the structure its mapping declares' },
  'mapping-value-invalid': { status: 422, title: 'An XML value cannot be read in the format its mapping declares' },
  'xml-mapping-unknown': { status: 422, title: 'No XML mapping fits this document' },
  'xml-mapping-ambiguous': { status: 422, title: 'The XML document fits several mappings' },
  // issue 24: case queries
  'unknown-query': NOT_FOUND,
  'query-parameters-invalid': { status: 400, title: 'The query parameters do not hold' },
  'cursor-invalid': { status: 400, title: 'The pagination cursor is not valid; run the query again from its first page' },

  // issue 26: the record
  'issuer-mismatch': { status: 403, title: 'The message names another institution as its issuer' },
  'role-not-allowed': { status: 403, title: "The operator's role does not allow this" },
  // issue 26.7: retention and legal holds
  'message-purged': { status: 410, title: "The message's payload was purged by retention" },
  'legal-hold-invalid': { status: 400, title: 'The legal hold request does not hold' },
  'legal-hold-not-found': { status: 404, title: 'No legal hold in force with that id' },
  'retention-run-invalid': { status: 400, title: 'The retention run request does not hold' },
};

export interface ProblemOf extends ProblemSpec {
  /** the problem type URI */
  type: string;
  code: ProblemCode;
}

export function isProblemCode(code: string): code is ProblemCode {
  return Object.hasOwn(PROBLEMS, code);
}

/** What an error becomes over HTTP; an error whose code the registry does not hold is an internal error. */
export function problemOf(err: Pick<WaslaError, 'code'>): ProblemOf {
  const code: ProblemCode = isProblemCode(err.code) ? err.code : 'internal';
  return { ...PROBLEMS[code], code, type: PROBLEM_BASE + code };
}

/** The problem details object (RFC 9457 §3) of a code, with the detail, the faults and any further members. */
export function problemBody(code: ProblemCode, detail: string, more: { instance?: string; faults?: readonly unknown[]; extra?: Record<string, unknown> } = {}): Record<string, unknown> {
  const spec = PROBLEMS[code];
  const p: Record<string, unknown> = { type: PROBLEM_BASE + code, title: spec.title, status: spec.status, detail, ...more.extra };
  if (more.instance) p.instance = more.instance;
  if (more.faults && more.faults.length > 0) p.errors = more.faults;
  return p;
}

/** The problem details object of an error (an error the registry does not hold says nothing of itself). */
export function problemOfError(err: WaslaError, instance?: string): Record<string, unknown> {
  if (!isProblemCode(err.code)) return problemBody('internal', INTERNAL_DETAIL, { instance });
  return problemBody(err.code, err.message, { instance, faults: err.faults, extra: err.extra });
}

export const INTERNAL_DETAIL = 'the hub failed to handle this request; it has been logged';
