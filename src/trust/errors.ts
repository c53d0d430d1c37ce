/**
 * The trust layer's refusals. Every failed signature, digest or certificate check throws a
 * TrustError: an AuthenticationError (401, see src/errors.ts) whose `code` names the one reason,
 * so the API can map it to a stable problem type and tests can assert on it.
 * The codes are listed once here; nothing in src/trust throws an AuthenticationError with a code
 * outside this list.
 */
import { AuthenticationError } from '../errors.js';

export const TRUST_ERROR_CODES = [
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
] as const;

export type TrustErrorCode = (typeof TRUST_ERROR_CODES)[number];

export class TrustError extends AuthenticationError {
  declare readonly code: TrustErrorCode;

  constructor(code: TrustErrorCode, detail: string) {
    super(code, detail);
  }
}

export function isTrustError(e: unknown, code?: TrustErrorCode): e is TrustError {
  return e instanceof TrustError && (code === undefined || e.code === code);
}
