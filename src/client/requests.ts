/**
 * SDK: sign a Fetch Request as an institution, and verify a signed request (RFC 9421 + RFC 9530).
 *
 * Guarantees: signRequest returns a NEW Request whose Content-Digest is computed over exactly the
 * body it carries and whose signature covers, by default, `@method`, `@target-uri`,
 * `content-digest` and `content-type` (content-type only when the request has one, e.g. not on a
 * bodiless GET), with `created`, `keyid` and `alg`; verifyRequest checks the digest against the
 * body and the signature as in src/trust/http-signatures.ts, and returns the body it checked.
 */
import { randomUUID } from 'node:crypto';
import type { KeyInput, SignatureAlgorithm } from '../trust/algorithms.js';
import type { ComponentId } from '../trust/components.js';
import { createContentDigest, type DigestAlgorithm } from '../trust/content-digest.js';
import { appendSignatureMember, signMessage, verifyMessage, type ResolveKey, type ResolvedKey, type VerifyOptions, type VerifyResult } from '../trust/http-signatures.js';
import { headersFromFetch } from '../trust/message.js';
import { LABELS, REQUEST_COMPONENTS, REQUIRED_PARAMS } from '../trust/profiles.js';
import { readBody, requestMessage, type RequestLike } from './fetch-message.js';

export interface SignRequestOptions {
  /** your certificate serial, lowercase hex */
  keyid: string;
  alg: SignatureAlgorithm;
  components?: readonly (string | ComponentId)[];
  /** Unix seconds or Date (default now) */
  created?: number | Date;
  expires?: number | Date;
  /**
   * Default: a random value. The hub refuses any signature it has already seen (replay guard), and
   * ed25519 is deterministic: without a nonce, re-sending the same request within one second —
   * an Idempotency-Key retry — would carry the same signature and be refused. Pass `false` to omit.
   */
  nonce?: string | false;
  tag?: string;
  label?: string;
  digestAlg?: DigestAlgorithm | readonly DigestAlgorithm[];
}

export async function signRequest(request: Request, key: KeyInput, opts: SignRequestOptions): Promise<Request> {
  const body = await readBody(request);
  const headers = new Headers(request.headers);
  headers.set('content-digest', createContentDigest(body, opts.digestAlg ?? 'sha-256'));
  const components = opts.components ?? REQUEST_COMPONENTS.filter((c) => c !== 'content-type' || headers.has('content-type'));
  // An empty query ("…/path?") is sent as it is by some fetch implementations and dropped by others
  // (Node 22's): the signature covers @target-uri, so the request is signed and sent without it.
  const target = new URL(request.url);
  if (target.search === '') target.search = '';
  const sig = signMessage(
    { method: request.method, url: target.href, headers: headersFromFetch(headers) },
    {
      key,
      alg: opts.alg,
      keyid: opts.keyid,
      components,
      label: opts.label ?? LABELS.request,
      ...(opts.created !== undefined ? { created: opts.created } : {}),
      ...(opts.expires !== undefined ? { expires: opts.expires } : {}),
      ...(opts.nonce !== false ? { nonce: opts.nonce ?? randomUUID() } : {}),
      ...(opts.tag !== undefined ? { tag: opts.tag } : {}),
    },
  );
  headers.set('signature-input', appendSignatureMember(headers.get('signature-input'), sig.signatureInput));
  headers.set('signature', appendSignatureMember(headers.get('signature'), sig.signature));
  const hasBody = request.body !== null;
  const init = { headers, body: hasBody ? new Uint8Array(body) : null };
  if (target.href === request.url) return new Request(request, init);
  return new Request(target.href, { method: request.method, redirect: request.redirect, signal: request.signal, ...init });
}

export type VerifyRequestOptions<K extends ResolvedKey> = Omit<VerifyOptions<K>, 'resolveKey' | 'body'>;

export interface VerifiedRequest<K extends ResolvedKey> extends VerifyResult<K> {
  body: Buffer;
}

/** Verifies a signed request (default required components: REQUEST_COMPONENTS). */
export async function verifyRequest<K extends ResolvedKey>(request: RequestLike, resolveKey: ResolveKey<K>, opts: VerifyRequestOptions<K> = {}): Promise<VerifiedRequest<K>> {
  const body = await readBody(request);
  const result = await verifyMessage(requestMessage(request), {
    ...opts,
    resolveKey,
    body,
    requiredComponents: opts.requiredComponents ?? REQUEST_COMPONENTS,
    requiredParams: opts.requiredParams ?? REQUIRED_PARAMS,
  });
  return { ...result, body };
}
