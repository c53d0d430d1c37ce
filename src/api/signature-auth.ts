/**
 * Authentication by HTTP Message Signature (RFC 9421, invariant 5): the request's Content-Digest
 * must match its body, its signature must cover method, target URI — this hub's public URL with the
 * request's path and query, never what the Host header claims (public-url.ts) —, digest (and content type when
 * there is a body) with `created`, `keyid` and `alg`, be fresh and never seen before (the replay
 * guard is shared by every api process), and be made with a key whose certificate chains to the
 * federation CA and is neither expired nor revoked. The sender is the institution the certificate
 * names — never anything the body or a header claims.
 */
import { AuthenticationError } from '../errors.js';
import type { Contracts } from '../routing/types.js';
import {
  HUB_INSTITUTION_ID,
  REQUEST_COMPONENTS,
  TrustError,
  isTrustError,
  verifyPlainRequest,
  type CertificateKeyResolver,
  type InstitutionKey,
  type ReplayGuard,
  type VerifyResult,
} from '../trust/index.js';
import type { Authenticator } from './auth.js';
import { captureOrigin } from '../record/origin.js';
import { readOperator, type OperatorIdentity } from '../record/operator-cert.js';
import { isOperator } from '../federation/index.js';
import { boundTarget, publicBase, type PublicBase } from './public-url.js';

export interface SignatureAuthOptions {
  resolver: CertificateKeyResolver;
  replayGuard: ReplayGuard;
  contracts: () => Contracts;
  maxAgeSeconds: number;
  clockSkewSeconds: number;
  /** the URLs institutions reach this hub at, the canonical one first (read at each request: known once the hub listens) */
  publicUrls: () => readonly string[];
}

const BODYLESS_COMPONENTS = ['@method', '@target-uri', 'content-digest'] as const;

/**
 * The operator a certificate of the hub's institution names, with their role (issue 26); undefined
 * for one without (it gets no operator right: services/operators.ts). A certificate whose role cannot
 * be read — not critical, twice, unknown — is no usable certificate at all.
 */
function operatorOf(certPem: string | undefined): OperatorIdentity | undefined {
  if (!certPem) return undefined;
  try {
    return readOperator(certPem) ?? undefined;
  } catch {
    throw new AuthenticationError('certificate-untrusted', 'the certificate names an operator role that cannot be used');
  }
}

export function signatureAuthenticator(o: SignatureAuthOptions): Authenticator {
  let bases: { of: readonly string[]; parsed: PublicBase[] } | undefined;
  const publicBases = () => {
    const urls = o.publicUrls();
    if (bases?.of !== urls) bases = { of: urls, parsed: urls.map(publicBase) };
    return bases.parsed;
  };
  return async (req) => {
    const headers: Record<string, string> = {};
    req.headers.forEach((v, k) => {
      headers[k] = v;
    });
    const hasBody = req.body.length > 0 || headers['content-type'] !== undefined;
    const here = publicBases();
    const { target, authority, named } = boundTarget(req.url, here);
    let r: VerifyResult<InstitutionKey>;
    try {
      r = await verifyPlainRequest(
        { method: req.method, url: target, headers, body: req.body },
        {
          resolveKey: o.resolver.resolveKey,
          replayGuard: o.replayGuard,
          maxAgeSeconds: o.maxAgeSeconds,
          clockSkewSeconds: o.clockSkewSeconds,
          requiredComponents: hasBody ? REQUEST_COMPONENTS : BODYLESS_COMPONENTS,
        },
      );
    } catch (err) {
      // Host named another hub and the signature does not hold for this one: most likely a request
      // signed for that hub (same federation CA), relayed here. Say so rather than "invalid".
      if (!named && isTrustError(err, 'signature-invalid')) {
        throw new TrustError(
          'signature-wrong-authority',
          `the request is addressed to ${authority}, and its signature does not cover this hub's target ${target}; sign the URL of this hub (${here.map((b) => b.prefix).join(', ')})`,
        );
      }
      throw err;
    }
    const id = r.resolved.institutionId;
    const institution = o.contracts().institution(id);
    if (id === HUB_INSTITUTION_ID || !institution) {
      throw new AuthenticationError('sender-unknown', `the certificate names "${id}", which is not an institution of this federation`);
    }
    const operator = isOperator(institution) ? operatorOf(r.resolved.certPem) : undefined;
    const receivedAt = new Date();
    const verified = { method: req.method, url: target, headers, body: req.body };
    return {
      institution: id,
      credential: `cert:${r.resolved.serial}`,
      ...(operator && { operator }),
      // the very request the signature was verified on: its target is this hub's URL, not the Host header's
      evidence: () => captureOrigin(verified, { label: r.label, institution: id, certificate: r.resolved.serial, receivedAt }),
    };
  };
}
