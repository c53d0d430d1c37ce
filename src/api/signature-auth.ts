/**
 * Authentication by HTTP Message Signature (RFC 9421, invariant 5): the request's Content-Digest
 * must match its body, its signature must cover method, target URI, digest (and content type when
 * there is a body) with `created`, `keyid` and `alg`, be fresh and never seen before (the replay
 * guard is shared by every api process), and be made with a key whose certificate chains to the
 * federation CA and is neither expired nor revoked. The sender is the institution the certificate
 * names — never anything the body or a header claims.
 */
import { AuthenticationError } from '../errors.js';
import type { Contracts } from '../routing/types.js';
import { HUB_INSTITUTION_ID, REQUEST_COMPONENTS, verifyPlainRequest, type CertificateKeyResolver, type ReplayGuard } from '../trust/index.js';
import type { Authenticator } from './auth.js';

export interface SignatureAuthOptions {
  resolver: CertificateKeyResolver;
  replayGuard: ReplayGuard;
  contracts: () => Contracts;
  maxAgeSeconds: number;
  clockSkewSeconds: number;
}

const BODYLESS_COMPONENTS = ['@method', '@target-uri', 'content-digest'] as const;

export function signatureAuthenticator(o: SignatureAuthOptions): Authenticator {
  return async (req) => {
    const headers: Record<string, string> = {};
    req.headers.forEach((v, k) => {
      headers[k] = v;
    });
    const hasBody = req.body.length > 0 || headers['content-type'] !== undefined;
    const r = await verifyPlainRequest({ method: req.method, url: req.url, headers, body: req.body }, {
      resolveKey: o.resolver.resolveKey,
      replayGuard: o.replayGuard,
      maxAgeSeconds: o.maxAgeSeconds,
      clockSkewSeconds: o.clockSkewSeconds,
      requiredComponents: hasBody ? REQUEST_COMPONENTS : BODYLESS_COMPONENTS,
    });
    const id = r.resolved.institutionId;
    if (id === HUB_INSTITUTION_ID || !o.contracts().institution(id)) {
      throw new AuthenticationError('sender-unknown', `the certificate names "${id}", which is not an institution of this federation`);
    }
    return { institution: id, credential: `cert:${r.resolved.serial}` };
  };
}
