/**
 * Signing and verifying plain Node objects — method, url, a header record, a body Buffer — for
 * the hub's own hot paths (the delivery worker signs with `http.request`, which costs far less
 * than building Fetch objects; see STACK.md). The SDK in src/client wraps the same functions for
 * Fetch Request/Response.
 *
 * Guarantees: the Content-Digest added is computed over exactly the bytes given; signing never
 * mutates the caller's header record (a new one is returned); verification checks the digest
 * against the body it is given before the signature (see http-signatures.ts for the order).
 */
import { createContentDigest, type Body, type DigestAlgorithm } from './content-digest.js';
import { appendSignatureMember, signMessage, verifyMessage, type MessageSignature, type ResolvedKey, type SignMessageOptions, type VerifyOptions, type VerifyResult } from './http-signatures.js';
import { headersFromRecord, type HeaderRecord, type SignableMessage } from './message.js';
import { DELIVERY_COMPONENTS, LABELS, QUERY_ANSWER_COMPONENTS, RECEIPT_COMPONENTS, REQUEST_COMPONENTS, REQUIRED_PARAMS } from './profiles.js';

export interface PlainRequest {
  method: string;
  /** absolute URL */
  url: string;
  headers: HeaderRecord;
  body?: Body;
}

export interface PlainResponse {
  status: number;
  headers: HeaderRecord;
  body?: Body;
}

export type PlainSignOptions = Omit<SignMessageOptions, 'components'> & {
  components?: SignMessageOptions['components'];
  /** Content-Digest algorithm(s) (default sha-256); false to leave Content-Digest alone */
  digestAlg?: DigestAlgorithm | readonly DigestAlgorithm[] | false;
};

export interface PlainSigned {
  /** the caller's headers plus content-digest, signature-input and signature */
  headers: Record<string, string>;
  /** only the fields that were added or replaced */
  added: { 'content-digest'?: string; 'signature-input': string; signature: string };
  signature: MessageSignature;
}

function flatten(record: HeaderRecord): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(record)) {
    if (v === undefined) continue;
    const key = k.toLowerCase();
    const value = Array.isArray(v) ? v.join(', ') : String(v);
    out[key] = out[key] === undefined ? value : `${out[key]}, ${value}`;
  }
  return out;
}

function signPlain(
  message: { method?: string; url?: string; status?: number; headers: HeaderRecord; body?: Body },
  opts: PlainSignOptions,
  defaults: readonly string[],
  defaultLabel: string,
  request?: SignableMessage,
): PlainSigned {
  const headers = flatten(message.headers);
  const added: PlainSigned['added'] = { 'signature-input': '', signature: '' };
  if (opts.digestAlg !== false) {
    added['content-digest'] = createContentDigest(message.body ?? new Uint8Array(0), opts.digestAlg ?? 'sha-256');
    headers['content-digest'] = added['content-digest'];
  }
  const signable: SignableMessage = {
    ...(message.method !== undefined ? { method: message.method } : {}),
    ...(message.url !== undefined ? { url: message.url } : {}),
    ...(message.status !== undefined ? { status: message.status } : {}),
    headers: headersFromRecord(headers),
    ...(request ? { request } : {}),
  };
  const signature = signMessage(signable, { ...opts, components: opts.components ?? defaults, label: opts.label ?? defaultLabel });
  added['signature-input'] = appendSignatureMember(headers['signature-input'], signature.signatureInput);
  added.signature = appendSignatureMember(headers.signature, signature.signature);
  headers['signature-input'] = added['signature-input'];
  headers.signature = added.signature;
  return { headers, added, signature };
}

export function toSignable(m: { method?: string; url?: string; status?: number; headers: HeaderRecord }, request?: SignableMessage): SignableMessage {
  // assigned one by one rather than spread from conditional objects: this runs for every request,
  // delivery and receipt
  const out: { -readonly [K in keyof SignableMessage]: SignableMessage[K] } = { headers: headersFromRecord(m.headers) };
  if (m.method !== undefined) out.method = m.method;
  if (m.url !== undefined) out.url = m.url;
  if (m.status !== undefined) out.status = m.status;
  if (request) out.request = request;
  return out;
}

/** Signs an institution -> hub request (default components: REQUEST_COMPONENTS). */
export function signPlainRequest(req: PlainRequest, opts: PlainSignOptions): PlainSigned {
  return signPlain(req, opts, REQUEST_COMPONENTS, LABELS.request);
}

/** Signs a hub -> institution delivery (components: DELIVERY_COMPONENTS, which the SDK requires). */
export function signPlainDelivery(req: PlainRequest, opts: PlainSignOptions): PlainSigned {
  return signPlain(req, opts, DELIVERY_COMPONENTS, LABELS.delivery);
}

/** Signs a receipt: a response bound to the delivery request it answers. */
export function signPlainReceipt(res: PlainResponse, request: PlainRequest, opts: PlainSignOptions): PlainSigned {
  return signPlain(res, opts, RECEIPT_COMPONENTS, LABELS.receipt, toSignable(request));
}

export type PlainVerifyOptions<K extends ResolvedKey> = Omit<VerifyOptions<K>, 'body'>;

/** Verifies a signed plain request, its Content-Digest against `req.body` included. */
export function verifyPlainRequest<K extends ResolvedKey>(req: PlainRequest, opts: PlainVerifyOptions<K>): Promise<VerifyResult<K>> {
  return verifyMessage(toSignable(req), {
    ...opts,
    // explicit, so an option present but undefined can never switch the profile off
    requiredComponents: opts.requiredComponents ?? REQUEST_COMPONENTS,
    requiredParams: opts.requiredParams ?? REQUIRED_PARAMS,
    body: req.body ?? new Uint8Array(0),
  });
}

/** Verifies a receipt (plain response) against the request that was sent. */
export function verifyPlainReceipt<K extends ResolvedKey>(res: PlainResponse, request: PlainRequest, opts: PlainVerifyOptions<K>): Promise<VerifyResult<K>> {
  return verifyMessage(toSignable(res, toSignable(request)), {
    ...opts,
    // explicit, so an option present but undefined can never switch the profile off
    requiredComponents: opts.requiredComponents ?? RECEIPT_COMPONENTS,
    requiredParams: opts.requiredParams ?? REQUIRED_PARAMS,
    body: res.body ?? new Uint8Array(0),
  });
}

/**
 * Signs the hub's answer to a case query (QUERY_ANSWER_COMPONENTS), bound to the request it
 * answers. A request with no Signature (only an insecure, unsigned hub takes one) cannot have it
 * covered: the answer then covers the rest.
 */
export function signPlainAnswer(res: PlainResponse, request: PlainRequest, opts: PlainSignOptions): PlainSigned {
  const signed = Object.keys(request.headers).some((k) => k.toLowerCase() === 'signature');
  const components = opts.components ?? (signed ? QUERY_ANSWER_COMPONENTS : QUERY_ANSWER_COMPONENTS.filter((c) => c !== '"signature";req'));
  return signPlain(res, { ...opts, components }, QUERY_ANSWER_COMPONENTS, LABELS.answer, toSignable(request));
}

/** Verifies a query answer (plain response) against the request that was sent. */
export function verifyPlainAnswer<K extends ResolvedKey>(res: PlainResponse, request: PlainRequest, opts: PlainVerifyOptions<K>): Promise<VerifyResult<K>> {
  return verifyMessage(toSignable(res, toSignable(request)), {
    ...opts,
    requiredComponents: opts.requiredComponents ?? QUERY_ANSWER_COMPONENTS,
    requiredParams: opts.requiredParams ?? REQUIRED_PARAMS,
    body: res.body ?? new Uint8Array(0),
  });
}
