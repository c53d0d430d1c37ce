/**
 * The trust layer's refusals. Every failed signature, digest or certificate check throws a
 * TrustError: an AuthenticationError (401, see src/errors.ts) whose `code` names the one reason,
 * so the API can map it to a stable problem type and tests can assert on it.
 * Nothing in src/trust throws an AuthenticationError with a code outside TRUST_ERROR_CODES.
 */
import { AuthenticationError, REQUEST_ERROR_CODES, type RequestErrorCode } from '../errors.js';

/** the codes of TrustErrors: signature, digest and certificate refusals (each listed, with why, in src/errors.ts) */
export type TrustErrorCode = Extract<RequestErrorCode, `signature-${string}` | `digest-${string}` | `certificate-${string}`>;

export const TRUST_ERROR_CODES: readonly TrustErrorCode[] = REQUEST_ERROR_CODES.filter((c): c is TrustErrorCode => /^(signature|digest|certificate)-/.test(c));

export class TrustError extends AuthenticationError {
  declare readonly code: TrustErrorCode;

  constructor(code: TrustErrorCode, detail: string) {
    super(code, detail);
  }
}

export function isTrustError(e: unknown, code?: TrustErrorCode): e is TrustError {
  return e instanceof TrustError && (code === undefined || e.code === code);
}
