import { X509Certificate, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  INSTITUTION_URN_PREFIX,
  createCa,
  createCsr,
  enroll,
  importCa,
  issueCertificate,
  normalizeSerial,
  parseCertificate,
  verifyChain,
  type CaMaterial,
  type CertificateAuthority,
} from '../../../src/trust/index.js';

const ID = 'ps.hjc.court.ramallah';
const DAY = 86_400_000;

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

let ca: CaMaterial;
let authority: CertificateAuthority;
let otherCa: CaMaterial;

beforeAll(() => {
  // valid from 30 days ago, so certificates can be placed in the past
  ca = createCa({ commonName: 'Wasla Test Federation CA', validityDays: 3650, keyBits: 2048, notBefore: new Date(Date.now() - 30 * DAY) });
  authority = importCa(ca.certPem, ca.keyPem);
  otherCa = createCa({ commonName: 'Wasla Test Federation CA', validityDays: 3650, keyBits: 2048 });
});

describe('the CA', () => {
  it('is a self-signed RSA CA certificate', () => {
    const x = new X509Certificate(ca.certPem);
    expect(x.ca).toBe(true);
    expect(x.verify(x.publicKey)).toBe(true);
    expect(x.publicKey.asymmetricKeyType).toBe('rsa');
    expect(x.subject).toContain('CN=Wasla Test Federation CA');
    expect(createPrivateKey(ca.keyPem).asymmetricKeyType).toBe('rsa');
  });

  it('importCa refuses a non-CA certificate and a key that is not the CA key', () => {
    const leaf = enroll({ ca, institutionId: ID, keyType: 'ed25519' });
    expect(codeOf(() => importCa(leaf.certPem))).toBe('certificate-not-ca');
    expect(codeOf(() => importCa(ca.certPem, otherCa.keyPem))).toBe('ca-key-mismatch');
    expect(importCa(ca.certPem).keyPem).toBeUndefined();
  });
});

describe.each(['ed25519', 'ec-p256', 'rsa-2048'] as const)('enrolment with a %s key', (keyType) => {
  it('issues a certificate signed by the CA that names the institution', () => {
    const e = enroll({ ca, institutionId: ID, keyType, validityDays: 30 });
    const x = new X509Certificate(e.certPem);
    const caX = new X509Certificate(ca.certPem);
    expect(x.verify(caX.publicKey)).toBe(true);
    expect(x.checkIssued(caX)).toBe(true);
    expect(x.ca).toBe(false);
    expect(x.subject).toBe(`CN=${ID}`);
    expect(x.subjectAltName).toBe(`URI:${INSTITUTION_URN_PREFIX}${ID}`);
    expect(x.checkPrivateKey(createPrivateKey(e.keyPem))).toBe(true);
    expect(e.serial).toBe(x.serialNumber.toLowerCase());
    expect(e.serial).toMatch(/^[0-9a-f]{32}$/);
    expect(e.notAfter.getTime() - e.notBefore.getTime()).toBe(30 * DAY);
  });

  it('parseCertificate reads serial, institution, validity, key and fingerprint', () => {
    const e = enroll({ ca, institutionId: ID, keyType });
    const p = parseCertificate(e.certPem);
    expect(p.serial).toBe(e.serial);
    expect(p.institutionId).toBe(ID);
    expect(p.notBefore).toEqual(e.notBefore);
    expect(p.notAfter).toEqual(e.notAfter);
    expect(p.fingerprint).toBe(e.fingerprint);
    expect(p.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(p.publicKey.asymmetricKeyType).toBe(keyType === 'ec-p256' ? 'ec' : keyType === 'rsa-2048' ? 'rsa' : 'ed25519');
    expect(p.isCa).toBe(false);
  });

  it('issues from a CSR, checking its proof of possession', () => {
    const { privateKey } = generateKeyPairSync(
      ...((keyType === 'ed25519' ? ['ed25519'] : keyType === 'ec-p256' ? ['ec', { namedCurve: 'prime256v1' }] : ['rsa', { modulusLength: 2048 }]) as ['ed25519']),
    );
    const csrPem = createCsr({ keyPem: privateKey, institutionId: ID });
    expect(csrPem).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----\n/);
    const issued = issueCertificate({ ca, csrPem, institutionId: ID, validityDays: 10 });
    const x = new X509Certificate(issued.certPem);
    expect(x.checkPrivateKey(privateKey)).toBe(true);
    expect(verifyChain(issued.certPem, ca.certPem).institutionId).toBe(ID);
  });
});

describe('CSR refusals', () => {
  const key = generateKeyPairSync('ed25519').privateKey;

  it('refuses a CSR naming another institution', () => {
    const csrPem = createCsr({ keyPem: key, institutionId: 'ps.other' });
    expect(codeOf(() => issueCertificate({ ca, csrPem, institutionId: ID, validityDays: 1 }))).toBe('csr-subject-mismatch');
  });

  it('refuses a CSR whose signature does not verify', () => {
    const csrPem = createCsr({ keyPem: key, institutionId: ID });
    const der = Buffer.from(forge.pem.decode(csrPem)[0].body, 'binary');
    der[der.length - 1] ^= 1;
    const tampered = forge.pem.encode({ type: 'CERTIFICATE REQUEST', body: der.toString('binary') });
    expect(codeOf(() => issueCertificate({ ca, csrPem: tampered, institutionId: ID, validityDays: 1 }))).toBe('csr-invalid');
  });

  it('refuses keys it cannot certify and invalid institution ids', () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
    expect(codeOf(() => issueCertificate({ ca, publicKeyPem: p384, institutionId: ID, validityDays: 1 }))).toBe('certificate-key-unsupported');
    expect(codeOf(() => enroll({ ca, institutionId: 'bad id, O=evil', keyType: 'ed25519' }))).toBe('institution-id-invalid');
    expect(codeOf(() => issueCertificate({ ca: { certPem: ca.certPem } as CaMaterial, publicKeyPem: p384, institutionId: ID, validityDays: 1 }))).toBe('ca-key-missing');
  });
});

describe('verifyChain', () => {
  it('accepts a certificate of the CA, at any time inside its validity', () => {
    const e = enroll({ ca, institutionId: ID, keyType: 'ed25519', validityDays: 10 });
    expect(verifyChain(e.certPem, ca.certPem).serial).toBe(e.serial);
    expect(verifyChain(e.certPem, [otherCa.certPem, authority], { now: new Date(e.notBefore.getTime() + 5 * DAY) }).serial).toBe(e.serial);
  });

  it('certificate-expired after notAfter', () => {
    const e = enroll({ ca, institutionId: ID, keyType: 'ed25519', validityDays: 1, notBefore: new Date(Date.now() - 3 * DAY) });
    expect(codeOf(() => verifyChain(e.certPem, ca.certPem))).toBe('certificate-expired');
    expect(codeOf(() => verifyChain(e.certPem, ca.certPem, { now: new Date(e.notAfter.getTime() + 1000) }))).toBe('certificate-expired');
  });

  it('certificate-not-yet-valid before notBefore', () => {
    const e = enroll({ ca, institutionId: ID, keyType: 'ec-p256', validityDays: 10, notBefore: new Date(Date.now() + 2 * DAY) });
    expect(codeOf(() => verifyChain(e.certPem, ca.certPem))).toBe('certificate-not-yet-valid');
  });

  it('certificate-revoked when the revocation check says so', () => {
    const e = enroll({ ca, institutionId: ID, keyType: 'ed25519' });
    expect(codeOf(() => verifyChain(e.certPem, ca.certPem, { isRevoked: (s) => s === e.serial }))).toBe('certificate-revoked');
  });

  it('certificate-untrusted for another CA, even one with the same name', () => {
    const e = enroll({ ca: otherCa, institutionId: ID, keyType: 'ed25519' });
    expect(codeOf(() => verifyChain(e.certPem, ca.certPem))).toBe('certificate-untrusted');
  });

  it('certificate-untrusted for a certificate whose signature was altered', () => {
    const e = enroll({ ca, institutionId: ID, keyType: 'ed25519' });
    const der = new X509Certificate(e.certPem).raw;
    der[der.length - 5] ^= 1;
    const pem = `-----BEGIN CERTIFICATE-----\n${der.toString('base64')}\n-----END CERTIFICATE-----\n`;
    expect(codeOf(() => verifyChain(pem, ca.certPem))).toBe('certificate-untrusted');
  });

  it('certificate-expired when the CA itself has expired', () => {
    const oldCa = createCa({ commonName: 'Old CA', validityDays: 1, keyBits: 2048, notBefore: new Date(Date.now() - 10 * DAY) });
    const e = enroll({ ca: oldCa, institutionId: ID, keyType: 'ed25519', notBefore: new Date(Date.now() - 10 * DAY), validityDays: 100 });
    expect(codeOf(() => verifyChain(e.certPem, oldCa.certPem))).toBe('certificate-expired');
  });
});

describe('serials', () => {
  it('normalise to lowercase hex without leading zero bytes', () => {
    expect(normalizeSerial('00AB:CD')).toBe('abcd');
    expect(normalizeSerial('0abc')).toBe('0abc');
    expect(normalizeSerial('ABC')).toBe('0abc');
  });

  it('a chosen serial with the high bit set stays positive and reads back the same', () => {
    const e = enroll({ ca, institutionId: ID, keyType: 'ed25519', serial: 'FF0102' });
    expect(e.serial).toBe('ff0102');
    expect(parseCertificate(e.certPem).serial).toBe('ff0102');
  });
});
