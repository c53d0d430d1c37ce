/**
 * SDK: the receipt — your signed response to a delivery — and its verification (the hub uses
 * verifyPlainReceipt from src/trust for the same check on plain objects).
 *
 * Guarantees: signReceipt returns a NEW Response whose signature covers `@status`,
 * `content-digest`, `content-type` and `"wasla-delivery-id";req` (RFC 9421 §2.4): the delivery id
 * is read from the REQUEST being answered, so a receipt cannot be replayed as the receipt of
 * another delivery. verifyReceipt checks those components, the digest and the signature.
 */
import type { KeyInput, SignatureAlgorithm } from '../trust/algorithms.js';
import type { ComponentId } from '../trust/components.js';
import { createContentDigest, type DigestAlgorithm } from '../trust/content-digest.js';
import { appendSignatureMember, signMessage, verifyMessage, type ResolveKey, type ResolvedKey, type VerifyOptions, type VerifyResult } from '../trust/http-signatures.js';
import { headersFromFetch } from '../trust/message.js';
import { DELIVERY_ID_HEADER, LABELS, RECEIPT_COMPONENTS, REQUIRED_PARAMS } from '../trust/profiles.js';
import { headersOf, readBody, requestMessage, responseMessage, type RequestLike, type ResponseLike } from './fetch-message.js';

export interface SignReceiptOptions {
  keyid: string;
  alg: SignatureAlgorithm;
  /** the delivery request this receipt answers */
  request: RequestLike;
  components?: readonly (string | ComponentId)[];
  created?: number | Date;
  label?: string;
  digestAlg?: DigestAlgorithm | readonly DigestAlgorithm[];
}

// Fetch forbids a body on these statuses (Fetch §5.5 "null body status")
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

export async function signReceipt(response: ResponseLike, key: KeyInput, opts: SignReceiptOptions): Promise<Response> {
  const body = await readBody(response);
  const headers = headersOf(response);
  const status = response.status ?? 200;
  headers.set('content-digest', createContentDigest(body, opts.digestAlg ?? 'sha-256'));
  const sig = signMessage(
    { status, headers: headersFromFetch(headers), request: requestMessage(opts.request) },
    {
      key,
      alg: opts.alg,
      keyid: opts.keyid,
      components: opts.components ?? RECEIPT_COMPONENTS,
      label: opts.label ?? LABELS.receipt,
      ...(opts.created !== undefined ? { created: opts.created } : {}),
    },
  );
  headers.set('signature-input', appendSignatureMember(headers.get('signature-input'), sig.signatureInput));
  headers.set('signature', appendSignatureMember(headers.get('signature'), sig.signature));
  return new Response(NULL_BODY_STATUS.has(status) ? null : new Uint8Array(body), { status, headers });
}

export type VerifyReceiptOptions<K extends ResolvedKey> = Omit<VerifyOptions<K>, 'resolveKey' | 'body'>;

export interface VerifiedReceipt<K extends ResolvedKey> {
  status: number;
  deliveryId: string;
  body: Buffer;
  signature: VerifyResult<K>;
}

/**
 * Verifies a receipt against the delivery request it answers. `signature.resolved` says whose key
 * signed it: the caller must check that it is the delivery's recipient.
 */
export async function verifyReceipt<K extends ResolvedKey>(response: ResponseLike, request: RequestLike, resolveKey: ResolveKey<K>, opts: VerifyReceiptOptions<K> = {}): Promise<VerifiedReceipt<K>> {
  const body = await readBody(response);
  const message = responseMessage(response, request);
  const signature = await verifyMessage(message, {
    ...opts,
    resolveKey,
    body,
    requiredComponents: opts.requiredComponents ?? RECEIPT_COMPONENTS,
    requiredParams: opts.requiredParams ?? REQUIRED_PARAMS,
  });
  return { status: message.status!, deliveryId: message.request!.headers.get(DELIVERY_ID_HEADER)!, body, signature };
}
