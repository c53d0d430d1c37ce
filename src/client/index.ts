/**
 * The Wasla SDK for institutions: sign requests to the hub, verify the deliveries the hub sends,
 * sign receipts for them, verify receipts, run case queries whose signed answers it verifies, and
 * verify an exported audit bundle offline. Works on standard Fetch Request/Response (Node 20
 * globals) and on plain `{ method, url, status, headers, body }` objects. It is built on the
 * hub's trust primitives (src/trust: signatures, digests, certificates) and the record's offline
 * verification (src/record/bundle.ts, origin.ts), never on its server code; the dependency rules
 * (.dependency-cruiser.cjs) hold it to that.
 */
export { signRequest, verifyRequest, type SignRequestOptions, type VerifiedRequest, type VerifyRequestOptions } from './requests.js';
export { verifyDelivery, type VerifiedDelivery, type VerifyDeliveryOptions } from './delivery.js';
export { signReceipt, verifyReceipt, type SignReceiptOptions, type VerifiedReceipt, type VerifyReceiptOptions } from './receipt.js';
export { hubKeyResolver, type HubKey, type HubResolvedKey } from './hub-keys.js';
// issue 22: pull delivery
export { pullDeliveries, type HandlerAnswer, type InboxCredentials, type PullOptions, type PullSummary, type PulledDelivery } from './inbox.js';
export { query, listQueries, queryUrl, verifyQueryAnswer, QueryRefused, type QueryOptions, type QueryAnswerBody, type VerifiedAnswer, type VerifyAnswerOptions } from './query.js';
export { readBody, requestMessage, responseMessage, type PlainMessage, type RequestLike, type ResponseLike } from './fetch-message.js';
// issue 26: what an auditor verifies offline, without the hub — an exported audit bundle, and the
// evidence of origin of one message (the bundle holds it for the messages it covers)
export { bundleFingerprint, verifyAuditBundle, type BundleProblem, type BundleVerification, type VerifyBundleOptions } from '../record/bundle.js';
export { readOriginEvidence, verifyOrigin, type OriginEvidence } from '../record/origin.js';
export { BundleError, OriginError, type OriginErrorCode } from '../record/errors.js';

import type { ComponentId } from '../trust/components.js';
import { buildSignatureBase, type SignatureParams } from '../trust/signature-base.js';
import type { Parameters } from '../trust/structured-fields.js';
import { requestMessage, responseMessage, type RequestLike, type ResponseLike } from './fetch-message.js';

/**
 * The RFC 9421 §2.5 signature base of a message, for debugging a signature that does not verify:
 * compare it with the base the other side computed. Pass `request` for a response with `;req` components.
 */
export function signatureBase(message: RequestLike | ResponseLike, components: readonly (string | ComponentId)[], params: SignatureParams | Parameters, request?: RequestLike): string {
  const isResponse = message instanceof Response || (!(message instanceof Request) && message.status !== undefined);
  const m = isResponse ? responseMessage(message, request) : requestMessage(message as RequestLike);
  return buildSignatureBase(m, components, params).base;
}

// what the hub's own code needs on plain Node objects, re-exported for institutions that prefer
// them: only trust primitives (signatures, digests, certificates), never the hub's server code
export { DELIVERY_COMPONENTS, DELIVERY_ID_HEADER, MESSAGE_ID_HEADER, QUERY_ANSWER_COMPONENTS, RECEIPT_COMPONENTS, REQUEST_COMPONENTS } from '../trust/profiles.js';
export { SIGNATURE_ALGORITHMS, signingAlgorithmOf, type KeyInput, type SignatureAlgorithm } from '../trust/algorithms.js';
export { TrustError, type TrustErrorCode } from '../trust/errors.js';
export { createContentDigest, verifyContentDigest } from '../trust/content-digest.js';
export { createCsr, generateInstitutionKey } from '../trust/pki.js';
export { signPlainDelivery, signPlainReceipt, signPlainRequest, verifyPlainReceipt, verifyPlainRequest, type PlainRequest, type PlainResponse } from '../trust/plain-messages.js';
export type { ResolveKey, ResolvedKey, VerifyResult } from '../trust/http-signatures.js';
