/**
 * SDK: verify a delivery the hub POSTed to you.
 *
 * Guarantees: a delivery is accepted only if the hub's signature covers `@method`, `@target-uri`,
 * `content-digest`, `content-type`, `wasla-message-id` and `wasla-delivery-id` with `created`,
 * `keyid` and `alg`, the body matches its Content-Digest, and the key is the hub's (see
 * hub-keys.ts). The ids returned are the signed ones: dedupe on `deliveryId` (the hub retries with
 * the same ids, DESIGN invariant 3).
 */
import type { VerifyOptions, VerifyResult } from '../trust/http-signatures.js';
import { verifyMessage } from '../trust/http-signatures.js';
import type { TrustAnchors } from '../trust/pki.js';
import { DELIVERY_COMPONENTS, DELIVERY_ID_HEADER, MESSAGE_ID_HEADER, REQUIRED_PARAMS } from '../trust/profiles.js';
import { readBody, requestMessage, type RequestLike } from './fetch-message.js';
import { hubKeyResolver, type HubKey, type HubResolvedKey } from './hub-keys.js';

export interface VerifyDeliveryOptions extends Omit<VerifyOptions<HubResolvedKey>, 'resolveKey' | 'body' | 'requiredComponents'> {
  /** the federation CA certificate(s): when given, the hub certificate must chain to one */
  caCertPems?: TrustAnchors;
}

export interface VerifiedDelivery {
  messageId: string;
  deliveryId: string;
  body: Buffer;
  signature: VerifyResult<HubResolvedKey>;
}

// Parsing the hub and CA certificates costs more than the verification itself; receivers pass the
// same PEMs on every delivery, so the resolver built from them is kept (a bounded number). It is
// found by the PEM strings themselves (a Map hashes a string once; serialising them to one key
// cost ~12 µs a delivery); only lists, as during a hub key rotation, are serialised.
const MAX_RESOLVERS = 64;
const resolvers = new Map<string, Map<string, ReturnType<typeof hubKeyResolver>>>();
let resolverCount = 0;
const keyOf = (x: unknown): string => (typeof x === 'string' ? x : JSON.stringify(x ?? null));
function resolverFor(hub: HubKey | readonly HubKey[], caCertPems: VerifyDeliveryOptions['caCertPems']): ReturnType<typeof hubKeyResolver> {
  const all = [hub, caCertPems].flat(2);
  if (!all.every((x) => x === undefined || typeof x === 'string')) return hubKeyResolver(hub, caCertPems);
  let byCa = resolvers.get(keyOf(hub));
  let r = byCa?.get(keyOf(caCertPems));
  if (!r) {
    if (resolverCount >= MAX_RESOLVERS) {
      resolvers.clear();
      resolverCount = 0;
      byCa = undefined;
    }
    if (!byCa) resolvers.set(keyOf(hub), (byCa = new Map()));
    byCa.set(keyOf(caCertPems), (r = hubKeyResolver(hub, caCertPems)));
    resolverCount++;
  }
  return r;
}

export async function verifyDelivery(request: RequestLike, hub: HubKey | readonly HubKey[], opts: VerifyDeliveryOptions = {}): Promise<VerifiedDelivery> {
  const body = await readBody(request);
  const message = requestMessage(request);
  const { caCertPems, ...rest } = opts;
  const signature = await verifyMessage(message, {
    ...rest,
    resolveKey: resolverFor(hub, caCertPems),
    body,
    requiredComponents: DELIVERY_COMPONENTS,
    requiredParams: opts.requiredParams ?? REQUIRED_PARAMS,
  });
  // both are covered (required above) and therefore present
  return {
    messageId: message.headers.get(MESSAGE_ID_HEADER)!,
    deliveryId: message.headers.get(DELIVERY_ID_HEADER)!,
    body,
    signature,
  };
}
