/**
 * The one place the load generator makes a request's headers. `none` names the sender in
 * `Wasla-Sender` (what the hub accepts unsigned on loopback today); any other `--alg` adds an
 * RFC 9421 signature with RFC 9530 Content-Digest made by the trust layer's `signPlainRequest`,
 * with the bench sender's key and its certificate serial as keyid. `Wasla-Sender` is sent in both
 * cases, so a hub that does not verify signatures yet still knows who is calling.
 */
import { createPrivateKey } from 'node:crypto';
import { signPlainRequest, type SignatureAlgorithm } from '../src/trust/index.js';
import type { Alg } from './options.js';

export interface SignerConfig {
  alg: Alg;
  sender: string;
  /** PKCS#8 PEM of the sender's private key (when alg is not none) */
  keyPem?: string;
  /** the sender certificate's serial (when alg is not none) */
  keyid?: string;
}

export type MakeHeaders = (url: string, body: Buffer, idempotencyKey: string) => Record<string, string>;

export function headerMaker(cfg: SignerConfig): MakeHeaders {
  const base = (body: Buffer, idempotencyKey: string): Record<string, string> => ({
    'content-type': 'application/cloudevents+json',
    'content-length': String(body.length),
    'idempotency-key': idempotencyKey,
    'wasla-sender': cfg.sender,
  });
  if (cfg.alg === 'none') return (_url, body, key) => base(body, key);
  if (!cfg.keyPem || !cfg.keyid) throw new Error(`signing with ${cfg.alg} needs the sender's key and keyid`);
  // parsed once: handing signPlainRequest the PEM costs ~0.6 ms a request here, the KeyObject ~0.08 ms
  const opts = { key: createPrivateKey(cfg.keyPem), alg: cfg.alg as SignatureAlgorithm, keyid: cfg.keyid };
  return (url, body, key) => signPlainRequest({ method: 'POST', url, headers: base(body, key), body }, opts).headers;
}
