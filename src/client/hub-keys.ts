/**
 * SDK: the hub's verification key(s), from what an institution is given — the hub certificate
 * PEM (or several during a hub key rotation), or a bare public key.
 *
 * Guarantees: with certificates, only a keyid equal to one of their serials resolves, and only
 * while that certificate is valid at the verification time (and, when the federation CA is
 * given, chains to it); a bare public key resolves whatever the keyid (you trust the key itself).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { TrustError } from '../trust/errors.js';
import type { ResolveKey, ResolvedKey } from '../trust/http-signatures.js';
import { checkStatus, findIssuer, normalizeSerial, parseCertificate, toAnchors, type ParsedCertificate, type TrustAnchors } from '../trust/pki.js';

export type HubKey = string | KeyObject;

export interface HubResolvedKey extends ResolvedKey {
  /** the hub certificate that matched, when certificates were given */
  certificate?: ParsedCertificate;
}

export function hubKeyResolver(hub: HubKey | readonly HubKey[], caCertPems?: TrustAnchors): ResolveKey<HubResolvedKey> {
  const list = Array.isArray(hub) ? (hub as readonly HubKey[]) : [hub as HubKey];
  const certs: ParsedCertificate[] = [];
  const keys: KeyObject[] = [];
  for (const h of list) {
    if (typeof h === 'string' && h.includes('-----BEGIN CERTIFICATE-----')) certs.push(parseCertificate(h));
    else keys.push(typeof h === 'string' ? createPublicKey(h) : h);
  }
  const anchors = caCertPems === undefined ? undefined : toAnchors(caCertPems);
  // Which CA issued a certificate never changes, and finding it verifies the certificate's own
  // signature (as costly as verifying the delivery): done once per certificate, on first use.
  // Validity and the CA's validity are still checked on every call, against its time.
  const issuers = new Map<ParsedCertificate, ReturnType<typeof findIssuer>>();
  const issuerOf = (cert: ParsedCertificate, cas: NonNullable<typeof anchors>) => {
    let ca = issuers.get(cert);
    if (!ca) issuers.set(cert, (ca = findIssuer(cert, cas)));
    return ca;
  };
  return (keyid, _alg, { now }) => {
    const cert = keyid === undefined ? undefined : certs.find((c) => c.serial === normalizeSerial(keyid));
    if (cert) {
      if (anchors) checkStatus(cert, issuerOf(cert, anchors), { now });
      else if (now < cert.notBefore) throw new TrustError('certificate-not-yet-valid', `hub certificate ${cert.serial} is not valid yet`);
      else if (now > cert.notAfter) throw new TrustError('certificate-expired', `hub certificate ${cert.serial} expired`);
      return { key: cert.publicKey, certificate: cert };
    }
    if (keys.length === 1) return { key: keys[0] };
    return null;
  };
}
