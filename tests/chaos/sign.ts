/**
 * The one place that makes an intake request's authentication headers. The hub requires RFC 9421
 * signatures (invariant 5), so each send is signed with the sender's key over method, target URI,
 * Content-Digest and Content-Type. Without a key it falls back to the loopback-era `Wasla-Sender`
 * header (accepted only by a hub run with WASLA_INSECURE_ALLOW_UNSIGNED).
 *
 * Headers are made per send, never reused: the api's replay guard refuses a signature it has seen,
 * and ed25519 is deterministic with `created` in whole seconds, so a retry of the same request in
 * the same second would carry the very same signature. A fresh nonce makes every send unique.
 */
import { createPrivateKey, randomUUID, type KeyObject } from 'node:crypto';
import { signPlainRequest } from '../../src/client/index.js';

export interface OutgoingRequest {
  method: string;
  /** absolute URL the request goes to */
  url: string;
  headers: Record<string, string>;
  body: Buffer;
}

export interface SenderKey {
  institutionId: string;
  key: KeyObject;
  serial: string;
}

export function senderKey(institutionId: string, keyPem: string, serial: string): SenderKey {
  return { institutionId, key: createPrivateKey(keyPem), serial };
}

/** the request's headers with authentication added */
export function authHeaders(sender: SenderKey | string, req: OutgoingRequest): Record<string, string> {
  if (typeof sender === 'string') return { ...req.headers, 'wasla-sender': sender };
  return signPlainRequest(req, { key: sender.key, keyid: sender.serial, alg: 'ed25519', nonce: randomUUID() }).headers;
}
