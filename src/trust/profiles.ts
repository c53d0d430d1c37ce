/**
 * Wasla's signature profiles: which components each kind of signed message must cover, and the
 * header names that carry the hub's stable identities. Signers and verifiers on both sides (hub
 * and SDK) take these from here, so the two can never drift apart.
 *
 * - request: an institution calling the hub — method, target, body digest, media type (DESIGN
 *   invariant 5); `created`, `keyid`, `alg` required.
 * - delivery: the hub calling an institution — the same, plus the message and delivery ids
 *   (invariant 3), so a receiver can dedupe on ids the hub vouches for.
 * - receipt: the institution's signed response to a delivery — status, body digest, media type,
 *   and the delivery id taken from the request (`;req`, RFC 9421 §2.4), which binds the receipt
 *   to the delivery it acknowledges.
 * - query answer (issue 24): the hub's signed answer to a case query — status, body digest, media
 *   type, and from the request its method, target URI (the query and its parameters) and the
 *   caller's own signature, so the answer is evidence of what the hub said, to whom, about what,
 *   and when (`created` is the answer's `asOf`).
 */
import type { SignatureParamName } from './http-signatures.js';

export const MESSAGE_ID_HEADER = 'wasla-message-id';
export const DELIVERY_ID_HEADER = 'wasla-delivery-id';

export const REQUEST_COMPONENTS = ['@method', '@target-uri', 'content-digest', 'content-type'] as const;
export const DELIVERY_COMPONENTS = [...REQUEST_COMPONENTS, MESSAGE_ID_HEADER, DELIVERY_ID_HEADER] as const;
export const RECEIPT_COMPONENTS = ['@status', 'content-digest', 'content-type', `"${DELIVERY_ID_HEADER}";req`] as const;

export const QUERY_ANSWER_COMPONENTS = ['@status', 'content-digest', 'content-type', '"@method";req', '"@target-uri";req', '"signature";req'] as const;

export const REQUIRED_PARAMS: readonly SignatureParamName[] = ['created', 'keyid', 'alg'];

/** the signature labels Wasla writes (any label verifies; these only make traces readable) */
export const LABELS = { request: 'wasla', delivery: 'wasla-hub', receipt: 'wasla-receipt', answer: 'wasla-answer' } as const;
