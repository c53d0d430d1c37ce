/**
 * Evidence of origin (issue 26, item 4): requests signed by the SDK, kept as evidence, verified
 * offline with the institution's certificate — also a year later, when the certificate has expired
 * and been revoked since.
 */
import { createHash } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { signRequest } from '../../../src/client/index.js';
import { OriginError } from '../../../src/record/errors.js';
import { captureOrigin, verifyOrigin, type OriginEvidence } from '../../../src/record/origin.js';
import { createCa, enroll, type CaMaterial, type EnrolledInstitution, type SignatureAlgorithm } from '../../../src/trust/index.js';

const DAY = 86_400_000;
const HUB = 'https://wasla.hjc.example/v1/messages';
let ca: CaMaterial;
let otherCa: CaMaterial;
let court: EnrolledInstitution;
let police: EnrolledInstitution;
let rsaCourt: EnrolledInstitution;
let stranger: EnrolledInstitution;

beforeAll(() => {
  const notBefore = new Date(Date.now() - 10 * DAY);
  ca = createCa({ commonName: 'Test Federation CA', validityDays: 3650, keyBits: 2048, notBefore: new Date(Date.now() - 400 * DAY) });
  otherCa = createCa({ commonName: 'Another CA', validityDays: 3650, keyBits: 2048 });
  // valid for 30 days from ten days ago: expired well before "a year later"
  court = enroll({ ca, institutionId: 'ps.hjc.court.ramallah', keyType: 'ed25519', validityDays: 30, notBefore });
  police = enroll({ ca, institutionId: 'ps.police.judicial', keyType: 'ec-p256', validityDays: 30, notBefore });
  rsaCourt = enroll({ ca, institutionId: 'ps.hjc.court.nablus', keyType: 'rsa-2048', validityDays: 30, notBefore });
  stranger = enroll({ ca: otherCa, institutionId: 'ps.hjc.court.ramallah', keyType: 'ed25519' });
});

afterEach(() => {
  vi.useRealTimers();
});

const algOf = (e: EnrolledInstitution): SignatureAlgorithm => (e.keyType === 'ed25519' ? 'ed25519' : e.keyType === 'ec-p256' ? 'ecdsa-p256-sha256' : 'rsa-pss-sha512');
const BODY = JSON.stringify({ specversion: '1.0', type: 'warrant.issued', data: { warrantNumber: 'RAM-W-2026-00604' } });

/** What the hub does at intake: the SDK's signed request in, the evidence out. */
async function signedEvidence(who: EnrolledInstitution, body = BODY, receivedAt = new Date()): Promise<OriginEvidence> {
  const signed = await signRequest(new Request(HUB, { method: 'POST', headers: { 'content-type': 'application/cloudevents+json' }, body }), who.keyPem, { keyid: who.serial, alg: algOf(who) });
  const headers: Record<string, string> = {};
  signed.headers.forEach((v, k) => {
    headers[k] = v;
  });
  const bytes = new Uint8Array(await signed.arrayBuffer());
  return captureOrigin({ method: signed.method, url: signed.url, headers, body: bytes }, { label: 'wasla', institution: who.institutionId, certificate: who.serial, receivedAt });
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(OriginError);
    return (e as OriginError).code;
  }
  return undefined;
}

describe('captureOrigin and verifyOrigin', () => {
  it.each([
    ['ed25519', () => court],
    ['ecdsa-p256-sha256', () => police],
    ['rsa-pss-sha512', () => rsaCourt],
  ])('a request signed by the SDK (%s) verifies from its evidence, kept as JSON', async (_alg, who) => {
    const e = await signedEvidence(who());
    expect(Object.keys(e.fields).sort()).toEqual(['content-digest', 'content-type', 'signature', 'signature-input']);
    expect(e.bodySha256).toBe(createHash('sha256').update(BODY).digest('hex'));
    const stored = JSON.parse(JSON.stringify(e));
    const r = await verifyOrigin(stored, who().certPem, { ca: ca.certPem, body: Buffer.from(BODY) });
    expect(r.institution).toBe(who().institutionId);
    expect(r.certificate).toBe(who().serial);
    expect(r.covered).toEqual(['@method', '@target-uri', 'content-digest', 'content-type']);
    expect(r.at.toISOString()).toBe(e.receivedAt);
  });

  it('a year later, with the certificate expired and revoked since, it still verifies: it was valid when the hub received it', async () => {
    const receivedAt = new Date();
    const e = await signedEvidence(court, BODY, receivedAt);
    vi.useFakeTimers({ now: Date.now() + 365 * DAY, toFake: ['Date'] });
    expect(Date.now()).toBeGreaterThan(court.notAfter.getTime());
    const r = await verifyOrigin(e, court.certPem, { ca: ca.certPem, revokedAt: new Date(receivedAt.getTime() + 5 * DAY) });
    expect(r.institution).toBe('ps.hjc.court.ramallah');
  });

  it('refuses evidence received after the revocation, or after the certificate expired', async () => {
    const receivedAt = new Date();
    const e = await signedEvidence(court, BODY, receivedAt);
    expect(await codeOf(verifyOrigin(e, court.certPem, { ca: ca.certPem, revokedAt: new Date(receivedAt.getTime() - 1000) }))).toBe('origin-certificate-revoked');
    expect(await codeOf(verifyOrigin(e, court.certPem, { ca: ca.certPem, revokedAt: receivedAt }))).toBe('origin-certificate-revoked');
    // a hub's record that says it arrived after notAfter
    expect(await codeOf(verifyOrigin(e, court.certPem, { ca: ca.certPem, at: new Date(court.notAfter.getTime() + 1000) }))).toBe('origin-certificate-expired');
  });

  it('refuses a signature created after the hub says it arrived (a backdated receipt)', async () => {
    const e = await signedEvidence(court, BODY, new Date(Date.now() - 60_000));
    expect(await codeOf(verifyOrigin(e, court.certPem, { ca: ca.certPem }))).toBe('origin-signature-invalid');
  });

  it("refuses another institution's certificate, and one the federation CA did not issue", async () => {
    const e = await signedEvidence(court);
    expect(await codeOf(verifyOrigin(e, police.certPem, { ca: ca.certPem }))).toBe('origin-certificate-mismatch');
    expect(await codeOf(verifyOrigin({ ...e, certificate: stranger.serial }, stranger.certPem, { ca: ca.certPem }))).toBe('origin-certificate-untrusted');
    expect(await codeOf(verifyOrigin(e, 'not a certificate', { ca: ca.certPem }))).toBe('origin-certificate-untrusted');
  });

  it('refuses evidence whose signed components were changed', async () => {
    const e = await signedEvidence(court);
    const cases: Array<[string, Partial<OriginEvidence>, string]> = [
      ['method', { method: 'PUT' }, 'origin-signature-invalid'],
      ['target', { targetUri: 'https://other-hub.example/v1/messages' }, 'origin-signature-invalid'],
      ['content-type', { fields: { ...e.fields, 'content-type': 'application/json' } }, 'origin-signature-invalid'],
      ['content-digest', { fields: { ...e.fields, 'content-digest': `sha-256=:${Buffer.alloc(32).toString('base64')}:` } }, 'origin-signature-invalid'],
      ['signature', { fields: { ...e.fields, signature: e.fields.signature.replace(/:(.)/, (_m, c: string) => `:${c === 'A' ? 'B' : 'A'}`) } }, 'origin-signature-invalid'],
      ['body hash', { bodySha256: createHash('sha256').update('{}').digest('hex') }, 'origin-digest-mismatch'],
      ['label', { label: 'other' }, 'origin-signature-invalid'],
      ['an unknown member', { extra: 1 } as Partial<OriginEvidence>, 'origin-evidence-malformed'],
      ['receivedAt spelt otherwise', { receivedAt: e.receivedAt.replace('Z', '+00:00') }, 'origin-evidence-malformed'],
    ];
    for (const [what, change, code] of cases) {
      expect([what, await codeOf(verifyOrigin({ ...e, ...change }, court.certPem, { ca: ca.certPem }))]).toEqual([what, code]);
    }
  });

  it('refuses a body other than the one signed', async () => {
    const e = await signedEvidence(court);
    expect(await codeOf(verifyOrigin(e, court.certPem, { ca: ca.certPem, body: Buffer.from(BODY.replace('00604', '00605')) }))).toBe('origin-digest-mismatch');
  });

  it('refuses a signature that does not cover the target URI', async () => {
    const signed = await signRequest(new Request(HUB, { method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY }), court.keyPem, {
      keyid: court.serial,
      alg: 'ed25519',
      components: ['@method', 'content-digest'],
    });
    const headers: Record<string, string> = {};
    signed.headers.forEach((v, k) => {
      headers[k] = v;
    });
    const e = captureOrigin({ method: 'POST', url: HUB, headers, body: Buffer.from(BODY) }, { label: 'wasla', institution: court.institutionId, certificate: court.serial, receivedAt: new Date() });
    expect(await codeOf(verifyOrigin(e, court.certPem, { ca: ca.certPem }))).toBe('origin-signature-invalid');
  });
});
