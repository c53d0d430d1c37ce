/**
 * The hub's side of signed deliveries (invariant 5): every outbound request is signed with the hub
 * key over method, target URI, digest, content type and the message and delivery id headers; the
 * recipient's answer is a receipt, signed by the recipient over status, digest, content type and
 * the delivery id it answers. A receipt counts only when the certificate that signed it names the
 * recipient the delivery was for.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import type { OutboundRequest, TransportResponse } from '../adapters/index.js';
import { signingAlgorithmOf, signPlainDelivery, verifyPlainReceipt, type CertificateKeyResolver, type SignatureAlgorithm } from '../trust/index.js';

export interface HubSigningKey {
  keyPem: string;
  serial: string;
  /** default: the algorithm the key implies (RSA: rsa-pss-sha512) */
  alg?: SignatureAlgorithm;
}

export function deliverySigner(hub: HubSigningKey): (req: OutboundRequest) => OutboundRequest {
  const key: KeyObject = createPrivateKey(hub.keyPem);
  const alg = hub.alg ?? signingAlgorithmOf(key);
  return (req) => {
    const signed = signPlainDelivery({ method: req.method, url: req.url, headers: req.headers, body: req.body }, { key, keyid: hub.serial, alg });
    return { ...req, headers: signed.headers };
  };
}

export type ReceiptCheck = { ok: true; receipt: { keyid: string; institution: string; created: number | undefined; signatureInput: string; signature: string } } | { ok: false; reason: string };

export async function checkReceipt(resolver: CertificateKeyResolver, recipient: string, req: OutboundRequest, res: TransportResponse): Promise<ReceiptCheck> {
  if (res.headers.signature === undefined) return { ok: false, reason: 'the receipt is not signed' };
  try {
    const r = await verifyPlainReceipt(
      { status: res.status, headers: res.headers as Record<string, string | string[]>, body: res.body },
      { method: req.method, url: req.url, headers: req.headers, body: req.body },
      { resolveKey: resolver.resolveKey },
    );
    if (r.resolved.institutionId !== recipient) return { ok: false, reason: `the receipt is signed by ${r.resolved.institutionId}, not by the recipient ${recipient}` };
    return {
      ok: true,
      receipt: {
        keyid: r.resolved.serial,
        institution: r.resolved.institutionId,
        created: r.params.created as number | undefined,
        signatureInput: String(res.headers['signature-input']),
        signature: String(res.headers.signature),
      },
    };
  } catch (err) {
    return { ok: false, reason: `the receipt signature does not verify: ${(err as Error).message}` };
  }
}
