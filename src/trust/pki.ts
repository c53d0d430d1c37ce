/**
 * The federation PKI: a CA (node-forge), institution certificates, enrolment, and the chain check
 * every signature verification relies on (DESIGN invariant 5).
 *
 * Guarantees:
 * - the CA key is RSA (3072 bits by default) and signs with sha256WithRSAEncryption through
 *   node-forge; key pairs are generated with node:crypto (fast, and the only way to get Ed25519 /
 *   EC P-256 keys), and leaf certificates are assembled with forge.asn1 (see x509-asn1.ts) so any
 *   of Ed25519, EC P-256 and RSA keys can be certified;
 * - a certificate names its institution twice: subject CN = institution id, and a URI SAN
 *   `urn:wasla:institution:<id>`; parseCertificate refuses one whose two names disagree;
 * - the keyid an institution signs with is its certificate serial in lowercase hex (normalizeSerial);
 * - verifyChain refuses, in this order: not issued by a configured CA (`certificate-untrusted`),
 *   CA not valid at `now`, leaf revoked, leaf not yet valid, leaf expired.
 * Only one level is supported: the federation CA issues institution certificates directly.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { BadRequestError } from '../errors.js';
import { TrustError } from './errors.js';
import { buildCsr, buildLeafCertificate, certificateParts, readCsr, toDer } from './x509-asn1.js';

export const INSTITUTION_URN_PREFIX = 'urn:wasla:institution:';
const INSTITUTION_ID_RE = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,126}[A-Za-z0-9])?$/;
const DAY_MS = 86_400_000;

export type EnrollKeyType = 'ed25519' | 'ec-p256' | 'rsa-2048';

/** CA material as created or stored: both PEMs (keep keyPem offline in production). */
export interface CaMaterial {
  certPem: string;
  keyPem: string;
}

/** An imported CA certificate: a trust anchor, and an issuer when its key is present. */
export interface CertificateAuthority {
  certPem: string;
  keyPem?: string;
  subject: string;
  serial: string;
  fingerprint: string;
  notBefore: Date;
  notAfter: Date;
  publicKey: KeyObject;
  x509: X509Certificate;
}

export interface ParsedCertificate {
  /** lowercase hex, no leading zero bytes: the keyid */
  serial: string;
  institutionId: string;
  notBefore: Date;
  notAfter: Date;
  publicKey: KeyObject;
  /** SHA-256 of the DER, lowercase hex */
  fingerprint: string;
  pem: string;
  isCa: boolean;
  x509: X509Certificate;
}

export interface IssuedCertificate {
  certPem: string;
  serial: string;
  institutionId: string;
  notBefore: Date;
  notAfter: Date;
  fingerprint: string;
}

export interface EnrolledInstitution extends IssuedCertificate {
  /** PKCS#8 PEM of the new private key: hand it to the institution, never store it in the hub */
  keyPem: string;
  publicKeyPem: string;
  keyType: EnrollKeyType;
}

/** Canonical serial: lowercase hex, leading zeros removed, padded to whole bytes. */
export function normalizeSerial(serial: string): string {
  let s = serial
    .toLowerCase()
    .replace(/[^0-9a-f]/g, '')
    .replace(/^0+/, '');
  if (s === '') s = '00';
  return s.length % 2 === 1 ? '0' + s : s;
}

/** 16 random bytes, first byte 0x10..0x7f: positive (RFC 5280 §4.1.2.2) and always 32 hex digits */
export function randomSerial(): string {
  const b = randomBytes(16);
  b[0] = (b[0] & 0x7f) | 0x10;
  return b.toString('hex');
}

function wholeSeconds(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 1000) * 1000);
}

function assertInstitutionId(id: string): void {
  if (!INSTITUTION_ID_RE.test(id)) {
    throw new BadRequestError('institution-id-invalid', `institution id ${JSON.stringify(id)} must be 1-128 characters of A-Z a-z 0-9 . _ -`);
  }
}

function fingerprintOf(x: X509Certificate): string {
  return x.fingerprint256.replace(/:/g, '').toLowerCase();
}

/** URI entries of the subject alternative name; node quotes values with special characters */
function sanUris(x: X509Certificate): string[] {
  return (x.subjectAltName ?? '')
    .split(', ')
    .filter((e) => e.startsWith('URI:'))
    .map((e) => e.slice(4))
    .map((v) => (v.startsWith('"') && v.endsWith('"') ? (JSON.parse(v) as string) : v));
}

function commonName(x: X509Certificate): string | undefined {
  for (const line of x.subject.split('\n')) if (line.startsWith('CN=')) return line.slice(3);
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// CA
// ---------------------------------------------------------------------------------------------

export interface CreateCaOptions {
  commonName: string;
  validityDays: number;
  /** RSA modulus length (default 3072) */
  keyBits?: number;
  notBefore?: Date;
}

/** A self-signed RSA CA certificate made and signed with node-forge. */
export function createCa(opts: CreateCaOptions): CaMaterial {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: opts.keyBits ?? 3072 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }) as string);
  cert.serialNumber = randomSerial();
  const notBefore = wholeSeconds(opts.notBefore ?? new Date(Date.now() - 60_000));
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = new Date(notBefore.getTime() + opts.validityDays * DAY_MS);
  const attrs = [{ name: 'commonName', value: opts.commonName }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}

/** Reads a CA certificate (and optionally its key, to issue with). */
export function importCa(certPem: string, keyPem?: string): CertificateAuthority {
  let x: X509Certificate;
  try {
    x = new X509Certificate(certPem);
  } catch (e) {
    throw new BadRequestError('certificate-malformed', `the CA certificate cannot be read: ${(e as Error).message}`);
  }
  if (!x.ca) throw new BadRequestError('certificate-not-ca', 'the certificate is not a CA certificate (basicConstraints cA is not true)');
  if (keyPem !== undefined) {
    const key = createPrivateKey(keyPem);
    if (!x.checkPrivateKey(key)) throw new BadRequestError('ca-key-mismatch', 'the CA key does not belong to the CA certificate');
    if (key.asymmetricKeyType !== 'rsa') throw new BadRequestError('ca-key-unsupported', 'the CA key must be RSA (node-forge signs certificates)');
  }
  return {
    certPem: x.toString(),
    ...(keyPem !== undefined ? { keyPem } : {}),
    subject: x.subject,
    serial: normalizeSerial(x.serialNumber),
    fingerprint: fingerprintOf(x),
    notBefore: new Date(x.validFrom),
    notAfter: new Date(x.validTo),
    publicKey: x.publicKey,
    x509: x,
  };
}

function asAuthority(ca: CaMaterial | CertificateAuthority): CertificateAuthority {
  return 'x509' in ca ? ca : importCa(ca.certPem, ca.keyPem);
}

// ---------------------------------------------------------------------------------------------
// Issuing
// ---------------------------------------------------------------------------------------------

export interface IssueOptions {
  ca: CaMaterial | CertificateAuthority;
  institutionId: string;
  /** a PKCS#10 request (its signature is checked) ... */
  csrPem?: string;
  /** ... or the institution's public key (SPKI PEM) */
  publicKeyPem?: string;
  validityDays: number;
  /** hex; default a random 128-bit serial */
  serial?: string;
  /** default: one minute ago, to absorb clock skew between hub nodes */
  notBefore?: Date;
}

function acceptedKey(key: KeyObject): void {
  const t = key.asymmetricKeyType;
  const ok = t === 'ed25519' || (t === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') || ((t === 'rsa' || t === 'rsa-pss') && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048);
  if (!ok) throw new BadRequestError('certificate-key-unsupported', `keys of type ${t} cannot be certified (Ed25519, EC P-256 or RSA >= 2048)`);
}

/** Issues a certificate naming `institutionId` for the key in the CSR or `publicKeyPem`. */
export function issueCertificate(opts: IssueOptions): IssuedCertificate {
  assertInstitutionId(opts.institutionId);
  const ca = asAuthority(opts.ca);
  if (!ca.keyPem) throw new BadRequestError('ca-key-missing', 'issuing needs the CA private key');
  let publicKey: KeyObject;
  if (opts.csrPem !== undefined) {
    let csr: ReturnType<typeof readCsr>;
    try {
      const der = forge.pem.decode(opts.csrPem).find((m) => m.type === 'CERTIFICATE REQUEST' || m.type === 'NEW CERTIFICATE REQUEST');
      if (!der) throw new Error('no CERTIFICATE REQUEST block');
      csr = readCsr(Buffer.from(der.body, 'binary'));
    } catch (e) {
      throw new BadRequestError('csr-invalid', `the certificate request cannot be used: ${(e as Error).message}`);
    }
    // the operator names the institution; a CSR that claims another one is a mistake, not a detail
    if (csr.commonName !== undefined && csr.commonName !== opts.institutionId) {
      throw new BadRequestError('csr-subject-mismatch', `the CSR names ${csr.commonName}, not ${opts.institutionId}`);
    }
    publicKey = csr.publicKey;
  } else if (opts.publicKeyPem !== undefined) {
    publicKey = createPublicKey(opts.publicKeyPem);
  } else {
    throw new BadRequestError('certificate-key-missing', 'issueCertificate needs csrPem or publicKeyPem');
  }
  acceptedKey(publicKey);
  const serial = normalizeSerial(opts.serial ?? randomSerial());
  const notBefore = wholeSeconds(opts.notBefore ?? new Date(Date.now() - 60_000));
  const notAfter = new Date(notBefore.getTime() + opts.validityDays * DAY_MS);
  if (!(opts.validityDays > 0)) throw new BadRequestError('certificate-validity-invalid', 'validityDays must be positive');
  const caDer = ca.x509.raw;
  const forgeCa = forge.pki.certificateFromPem(ca.certPem);
  const ski = forgeCa.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | null;
  const der = buildLeafCertificate(
    {
      serialHex: serial,
      notBefore,
      notAfter,
      subjectCommonName: opts.institutionId,
      subjectAltNameUri: INSTITUTION_URN_PREFIX + opts.institutionId,
      spkiDer: publicKey.export({ type: 'spki', format: 'der' }),
      issuerNameDer: toDer(certificateParts(caDer).subject),
      ...(ski?.subjectKeyIdentifier ? { issuerKeyId: Buffer.from(ski.subjectKeyIdentifier, 'hex') } : {}),
    },
    forge.pki.privateKeyFromPem(ca.keyPem) as forge.pki.rsa.PrivateKey,
  );
  const x = new X509Certificate(der);
  return { certPem: x.toString(), serial, institutionId: opts.institutionId, notBefore, notAfter, fingerprint: fingerprintOf(x) };
}

/** A PKCS#10 request for an institution's own key: what it sends instead of a key. */
export function createCsr(opts: { keyPem: string | KeyObject; institutionId: string }): string {
  assertInstitutionId(opts.institutionId);
  const key = typeof opts.keyPem === 'string' ? createPrivateKey(opts.keyPem) : opts.keyPem;
  const der = buildCsr(key, opts.institutionId);
  return forge.pem.encode({ type: 'CERTIFICATE REQUEST', body: der.toString('binary') }).replace(/\r\n/g, '\n');
}

export function generateInstitutionKey(keyType: EnrollKeyType): { privateKey: KeyObject; publicKey: KeyObject } {
  switch (keyType) {
    case 'ed25519':
      return generateKeyPairSync('ed25519');
    case 'ec-p256':
      return generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    case 'rsa-2048':
      return generateKeyPairSync('rsa', { modulusLength: 2048 });
  }
}

/** A key pair and its certificate in one step (test federations and the demo). */
export function enroll(opts: { ca: CaMaterial | CertificateAuthority; institutionId: string; keyType: EnrollKeyType; validityDays?: number; serial?: string; notBefore?: Date }): EnrolledInstitution {
  const { privateKey, publicKey } = generateInstitutionKey(opts.keyType);
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const issued = issueCertificate({
    ca: opts.ca,
    institutionId: opts.institutionId,
    publicKeyPem,
    validityDays: opts.validityDays ?? 365,
    ...(opts.serial !== undefined ? { serial: opts.serial } : {}),
    ...(opts.notBefore !== undefined ? { notBefore: opts.notBefore } : {}),
  });
  return { ...issued, keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, publicKeyPem, keyType: opts.keyType };
}

// ---------------------------------------------------------------------------------------------
// Reading and checking
// ---------------------------------------------------------------------------------------------

/** Reads an institution certificate; throws BadRequestError `certificate-malformed`. */
export function parseCertificate(pem: string): ParsedCertificate {
  let x: X509Certificate;
  try {
    x = new X509Certificate(pem);
  } catch (e) {
    throw new BadRequestError('certificate-malformed', `the certificate cannot be read: ${(e as Error).message}`);
  }
  const cn = commonName(x);
  const uri = sanUris(x).find((u) => u.startsWith(INSTITUTION_URN_PREFIX));
  const sanId = uri?.slice(INSTITUTION_URN_PREFIX.length);
  if (sanId !== undefined && cn !== undefined && sanId !== cn) {
    throw new BadRequestError('certificate-malformed', `the certificate names two institutions: CN ${cn} and SAN ${sanId}`);
  }
  const institutionId = sanId ?? cn;
  if (institutionId === undefined) throw new BadRequestError('certificate-malformed', 'the certificate names no institution');
  return {
    serial: normalizeSerial(x.serialNumber),
    institutionId,
    notBefore: new Date(x.validFrom),
    notAfter: new Date(x.validTo),
    publicKey: x.publicKey,
    fingerprint: fingerprintOf(x),
    pem: x.toString(),
    isCa: x.ca,
    x509: x,
  };
}

export type TrustAnchors = string | readonly (string | CertificateAuthority)[] | CertificateAuthority;

export function toAnchors(cas: TrustAnchors): CertificateAuthority[] {
  const list = typeof cas === 'string' || !Array.isArray(cas) ? [cas as string | CertificateAuthority] : (cas as readonly (string | CertificateAuthority)[]);
  return list.map((c) => (typeof c === 'string' ? importCa(c) : c));
}

/** Which configured CA issued `cert` (name chaining and signature); throws `certificate-untrusted`. */
export function findIssuer(cert: ParsedCertificate, anchors: readonly CertificateAuthority[]): CertificateAuthority {
  for (const ca of anchors) {
    if (cert.x509.checkIssued(ca.x509) && cert.x509.verify(ca.publicKey)) return ca;
  }
  throw new TrustError('certificate-untrusted', `certificate ${cert.serial} was not issued by a federation CA`);
}

export interface StatusOptions {
  now?: Date;
  /** true when the serial is revoked at `now` */
  isRevoked?: (serial: string) => boolean;
}

/** Revocation and validity of an already chained certificate and its CA at `now`. */
export function checkStatus(cert: ParsedCertificate, ca: CertificateAuthority, opts: StatusOptions = {}): void {
  const now = opts.now ?? new Date();
  if (now < ca.notBefore) throw new TrustError('certificate-not-yet-valid', `the CA certificate is valid only from ${ca.notBefore.toISOString()}`);
  if (now > ca.notAfter) throw new TrustError('certificate-expired', `the CA certificate expired on ${ca.notAfter.toISOString()}`);
  if (opts.isRevoked?.(cert.serial)) throw new TrustError('certificate-revoked', `certificate ${cert.serial} is revoked`);
  if (now < cert.notBefore) throw new TrustError('certificate-not-yet-valid', `certificate ${cert.serial} is valid only from ${cert.notBefore.toISOString()}`);
  if (now > cert.notAfter) throw new TrustError('certificate-expired', `certificate ${cert.serial} expired on ${cert.notAfter.toISOString()}`);
}

/** The full check: issued by one of `cas`, not revoked, valid at `now`. Returns the parsed certificate. */
export function verifyChain(cert: string | ParsedCertificate, cas: TrustAnchors, opts: StatusOptions = {}): ParsedCertificate {
  const parsed = typeof cert === 'string' ? parseCertificate(cert) : cert;
  const ca = findIssuer(parsed, toAnchors(cas));
  checkStatus(parsed, ca, opts);
  return parsed;
}
