/**
 * Evidence of origin (issue 26, item 4): what the hub keeps of an institution's signed request so
 * that anyone can later prove, offline and with only the institution's certificate and the
 * federation CA, that this institution sent these bytes.
 *
 * Kept: the method and the target URI the hub verified the signature against (its public URL with
 * the request's path and query), the value of every header field the signature covers plus
 * Signature-Input and Signature themselves, the signature's label, the certificate serial and
 * institution, the SHA-256 of the body, and when the hub received it. The body is not kept here: its
 * hash is, and Content-Digest — which the signature covers — binds it.
 *
 * `verifyOrigin` rebuilds the RFC 9421 signature base from those components with src/trust (the
 * same code that verified the request at intake) and checks, in order:
 *  1. the evidence is well formed                                    origin-evidence-malformed
 *  2. the certificate is the one the evidence names (serial, institution) origin-certificate-mismatch
 *  3. it was issued by the federation CA                              origin-certificate-untrusted
 *  4. it was valid when the hub received the request: not before its notBefore, not after its
 *     notAfter, not revoked at or before that time (a later revocation or expiry does not undo a
 *     signature made while the certificate was good)                  origin-certificate-revoked /
 *                                                                     -expired / -not-yet-valid
 *  5. the signature covers @method, @target-uri and content-digest, names the certificate as keyid,
 *     was not created after it was received, and verifies             origin-signature-invalid
 *  6. Content-Digest agrees with the recorded body hash, and with the body when one is given
 *                                                                     origin-digest-mismatch
 * The time used is the hub's time of receipt, not the signature's own `created`: a thief with a
 * revoked key could backdate `created`, but not the hub's record of when it arrived (in an audit
 * bundle, the sealed and signed log entry of the message gives that time).
 *
 * Pure and offline: no clock, no network, no store. Usable by the SDK.
 */
import { createHash } from 'node:crypto';
import { isTrustError } from '../trust/errors.js';
import { selectSignature, verifyMessage } from '../trust/http-signatures.js';
import { headersFromRecord, type SignableMessage } from '../trust/message.js';
import { checkStatus, findIssuer, normalizeSerial, parseCertificate, toAnchors, type ParsedCertificate, type TrustAnchors } from '../trust/pki.js';
import { parseDictionary } from '../trust/structured-fields.js';
import { OriginError, type OriginErrorCode } from './errors.js';

export const ORIGIN_FORMAT = 'wasla-origin/1';
/** what the evidence must cover to bind a sender to a body at a hub */
export const ORIGIN_REQUIRED_COMPONENTS = ['@method', '@target-uri', 'content-digest'] as const;
const DEFAULT_SKEW_SECONDS = 30;
const MAX_FIELDS = 32;
const MAX_FIELD_CHARS = 16_384;

export interface OriginEvidence {
  format: typeof ORIGIN_FORMAT;
  /** the institution the certificate names: the sender */
  institution: string;
  /** the certificate serial (lowercase hex), the signature's keyid */
  certificate: string;
  /** the label of the signature in Signature-Input / Signature */
  label: string;
  method: string;
  /** the target URI the signature was verified against */
  targetUri: string;
  /** lowercase field name -> value as verified: every covered field, Signature-Input and Signature */
  fields: Record<string, string>;
  /** SHA-256 of the body, lowercase hex */
  bodySha256: string;
  /** when the hub received the request, ISO 8601 UTC with milliseconds */
  receivedAt: string;
}

export interface CapturedRequest {
  method: string;
  /** the target URI the hub verified the signature against (its public URL, not the Host header) */
  url: string;
  headers: Record<string, string | readonly string[] | undefined>;
  body: Uint8Array;
}

function fail(code: OriginErrorCode, message: string): never {
  throw new OriginError(code, message);
}

function asMessage(e: Pick<OriginEvidence, 'method' | 'targetUri' | 'fields'>): SignableMessage {
  return { method: e.method, url: e.targetUri, headers: headersFromRecord(e.fields) };
}

/** The evidence to keep for a request whose signature `label` the hub has verified. */
export function captureOrigin(req: CapturedRequest, meta: { label: string; institution: string; certificate: string; receivedAt: Date }): OriginEvidence {
  const headers = headersFromRecord(req.headers);
  const sel = selectSignature({ method: req.method, url: req.url, headers }, meta.label);
  const fields: Record<string, string> = {};
  for (const name of ['signature-input', 'signature', ...sel.components.filter((c) => !c.name.startsWith('@')).map((c) => c.name)]) {
    const v = headers.get(name);
    if (v !== null) fields[name] = v;
  }
  return {
    format: ORIGIN_FORMAT,
    institution: meta.institution,
    certificate: normalizeSerial(meta.certificate),
    label: sel.label,
    method: req.method,
    targetUri: req.url,
    fields,
    bodySha256: createHash('sha256').update(req.body).digest('hex'),
    receivedAt: meta.receivedAt.toISOString(),
  };
}

const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** An ISO 8601 UTC instant with milliseconds, exactly as Date writes it (one spelling per instant). */
export function isIsoInstant(v: unknown): v is string {
  return typeof v === 'string' && ISO_RE.test(v) && !Number.isNaN(Date.parse(v)) && new Date(v).toISOString() === v;
}

/** The evidence if `x` is well formed; throws origin-evidence-malformed naming the first fault. */
export function readOriginEvidence(x: unknown): OriginEvidence {
  const bad = (what: string): never => fail('origin-evidence-malformed', `origin evidence: ${what}`);
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return bad('not an object');
  const e = x as Record<string, unknown>;
  const keys = ['format', 'institution', 'certificate', 'label', 'method', 'targetUri', 'fields', 'bodySha256', 'receivedAt'];
  for (const k of Object.keys(e)) if (!keys.includes(k)) bad(`unknown member ${JSON.stringify(k.slice(0, 40))}`);
  if (e.format !== ORIGIN_FORMAT) bad(`format must be "${ORIGIN_FORMAT}"`);
  const str = (k: string, re: RegExp) => {
    if (typeof e[k] !== 'string' || !re.test(e[k] as string)) bad(`${k} is missing or malformed`);
  };
  str('institution', /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/);
  str('certificate', /^([0-9a-f]{2}){1,32}$/);
  str('label', /^[a-z*][a-z0-9_\-.*]{0,63}$/);
  str('method', /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,20}$/);
  str('targetUri', /^https?:\/\/[\x21-\x7e]{1,4096}$/);
  str('bodySha256', /^[0-9a-f]{64}$/);
  if (!isIsoInstant(e.receivedAt)) bad('receivedAt must be an ISO 8601 UTC instant with milliseconds');
  const f = e.fields;
  if (typeof f !== 'object' || f === null || Array.isArray(f)) return bad('fields must be an object');
  const entries = Object.entries(f as Record<string, unknown>);
  if (entries.length > MAX_FIELDS) bad(`more than ${MAX_FIELDS} fields`);
  for (const [name, value] of entries) {
    if (!/^[a-z0-9!#$%&'*+.^_`|~-]{1,64}$/.test(name)) bad(`field name ${JSON.stringify(name.slice(0, 40))} is not a lowercase HTTP field name`);
    if (typeof value !== 'string' || value.length > MAX_FIELD_CHARS || /[\r\n\0]/.test(value)) bad(`field ${name} is not a single-line string`);
  }
  for (const name of ['signature-input', 'signature', 'content-digest']) if (!(name in (f as object))) bad(`fields lack ${name}`);
  return e as unknown as OriginEvidence;
}

export interface VerifyOriginOptions {
  /** the federation CA certificate(s) */
  ca: TrustAnchors;
  /** when the certificate was revoked, if it was (null or absent: not revoked) */
  revokedAt?: Date | null;
  /** the body, when the verifier has it: it must match Content-Digest */
  body?: Uint8Array;
  /** the time of receipt to check against (default the evidence's receivedAt); an audit bundle passes its log entry's time */
  at?: Date;
  /** how far `created` may lie after the time of receipt (default 30 s) */
  clockSkewSeconds?: number;
}

export interface OriginVerification {
  institution: string;
  certificate: string;
  label: string;
  alg: string;
  /** the signature's own creation time */
  created: Date;
  /** the time the certificate was checked at: the hub's receipt */
  at: Date;
  covered: string[];
}

const STATUS_CODES: Record<string, OriginErrorCode> = {
  'certificate-revoked': 'origin-certificate-revoked',
  'certificate-expired': 'origin-certificate-expired',
  'certificate-not-yet-valid': 'origin-certificate-not-yet-valid',
  'certificate-untrusted': 'origin-certificate-untrusted',
};

function sha256Member(contentDigest: string): string | undefined {
  try {
    const m = parseDictionary(contentDigest).get('sha-256');
    if (m && !('items' in m) && m.value instanceof Uint8Array) return Buffer.from(m.value).toString('hex');
  } catch {
    fail('origin-digest-mismatch', 'Content-Digest is not a structured dictionary');
  }
  return undefined;
}

/** Verifies evidence of origin with the certificate it names; see the module comment for the checks. */
export async function verifyOrigin(evidence: unknown, certificatePem: string, opts: VerifyOriginOptions): Promise<OriginVerification> {
  const e = readOriginEvidence(evidence);

  let cert: ParsedCertificate;
  try {
    cert = parseCertificate(certificatePem);
  } catch {
    return fail('origin-certificate-untrusted', 'the certificate cannot be read');
  }
  if (cert.serial !== e.certificate) fail('origin-certificate-mismatch', `the evidence names certificate ${e.certificate}, not ${cert.serial}`);
  if (cert.institutionId !== e.institution) fail('origin-certificate-mismatch', `the evidence names ${e.institution}, the certificate ${cert.institutionId}`);

  const at = opts.at ?? new Date(e.receivedAt);
  try {
    const ca = findIssuer(cert, toAnchors(opts.ca));
    const revokedAt = opts.revokedAt ?? null;
    checkStatus(cert, ca, { now: at, isRevoked: () => revokedAt !== null && revokedAt.getTime() <= at.getTime() });
  } catch (err) {
    if (isTrustError(err)) fail(STATUS_CODES[err.code] ?? 'origin-certificate-untrusted', `${err.message} (checked at ${at.toISOString()}, when the hub received the request)`);
    throw err;
  }

  let result: Awaited<ReturnType<typeof verifyMessage>>;
  try {
    result = await verifyMessage(asMessage(e), {
      resolveKey: (keyid) => (keyid !== undefined && normalizeSerial(keyid) === cert.serial ? { key: cert.publicKey } : null),
      label: e.label,
      now: at,
      // freshness was the hub's business at intake; what matters now is only that it was not made after it arrived
      maxAgeSeconds: Number.POSITIVE_INFINITY,
      clockSkewSeconds: opts.clockSkewSeconds ?? DEFAULT_SKEW_SECONDS,
      requiredComponents: ORIGIN_REQUIRED_COMPONENTS,
      requiredParams: ['created', 'keyid', 'alg'],
      ...(opts.body !== undefined ? { body: opts.body } : {}),
    });
  } catch (err) {
    if (isTrustError(err)) {
      if (err.code.startsWith('digest-')) fail('origin-digest-mismatch', err.message);
      if (err.code === 'signature-key-unknown') fail('origin-certificate-mismatch', `the signature was not made with certificate ${cert.serial}`);
      fail('origin-signature-invalid', err.message);
    }
    throw err;
  }

  const recorded = sha256Member(e.fields['content-digest']);
  if (recorded !== undefined && recorded !== e.bodySha256) fail('origin-digest-mismatch', 'the recorded body hash is not the one Content-Digest names');
  if (opts.body !== undefined && createHash('sha256').update(opts.body).digest('hex') !== e.bodySha256) {
    fail('origin-digest-mismatch', 'the body given is not the one the evidence records');
  }

  return {
    institution: e.institution,
    certificate: cert.serial,
    label: result.label,
    alg: result.alg,
    created: new Date((result.params.created ?? 0) * 1000),
    at,
    covered: result.covered,
  };
}
