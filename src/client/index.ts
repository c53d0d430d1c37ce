/**
 * The Wasla SDK for institutions: sign requests to the hub, verify the deliveries the hub sends,
 * sign receipts for them, and verify receipts. Works on standard Fetch Request/Response (Node 20
 * globals) and on plain `{ method, url, status, headers, body }` objects.
 */
export { signRequest, verifyRequest, type SignRequestOptions, type VerifiedRequest, type VerifyRequestOptions } from './requests.js';
export { verifyDelivery, type VerifiedDelivery, type VerifyDeliveryOptions } from './delivery.js';
export { signReceipt, verifyReceipt, type SignReceiptOptions, type VerifiedReceipt, type VerifyReceiptOptions } from './receipt.js';
export { hubKeyResolver, type HubKey, type HubResolvedKey } from './hub-keys.js';
export { readBody, requestMessage, responseMessage, type PlainMessage, type RequestLike, type ResponseLike } from './fetch-message.js';

import { buildSignatureBase, type ComponentId, type Parameters, type SignatureParams } from '../trust/index.js';
import { requestMessage, responseMessage, type RequestLike, type ResponseLike } from './fetch-message.js';

/**
 * The RFC 9421 §2.5 signature base of a message, for debugging a signature that does not verify:
 * compare it with the base the other side computed. Pass `request` for a response with `;req` components.
 */
export function signatureBase(
  message: RequestLike | ResponseLike,
  components: readonly (string | ComponentId)[],
  params: SignatureParams | Parameters,
  request?: RequestLike,
): string {
  const isResponse = message instanceof Response || (!(message instanceof Request) && message.status !== undefined);
  const m = isResponse ? responseMessage(message, request) : requestMessage(message as RequestLike);
  return buildSignatureBase(m, components, params).base;
}

// what the hub's own code needs on plain Node objects, re-exported for institutions that prefer them
export {
  DELIVERY_COMPONENTS,
  DELIVERY_ID_HEADER,
  MESSAGE_ID_HEADER,
  RECEIPT_COMPONENTS,
  REQUEST_COMPONENTS,
  SIGNATURE_ALGORITHMS,
  TrustError,
  createContentDigest,
  createCsr,
  generateInstitutionKey,
  signPlainDelivery,
  signPlainReceipt,
  signPlainRequest,
  verifyContentDigest,
  verifyPlainReceipt,
  verifyPlainRequest,
  type KeyInput,
  type PlainRequest,
  type PlainResponse,
  type ResolveKey,
  type ResolvedKey,
  type SignatureAlgorithm,
  type TrustErrorCode,
  type VerifyResult,
} from '../trust/index.js';
