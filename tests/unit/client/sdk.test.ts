/**
 * The SDK end to end, on Fetch Request/Response: an institution signs a request and the hub
 * verifies it; the hub signs a delivery (with the plain-object helper it uses on its hot path) and
 * the institution verifies it; the institution signs a receipt and the hub verifies it.
 */
import { X509Certificate, randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { hubKeyResolver, signReceipt, type HubResolvedKey, signRequest, signatureBase, verifyDelivery, verifyReceipt, verifyRequest } from '../../../src/client/index.js';
import {
  CertificateKeyResolver,
  MemoryCertificateStore,
  createCa,
  enroll,
  recordFromPem,
  signPlainDelivery,
  signPlainRequest,
  verifyPlainReceipt,
  type CaMaterial,
  type EnrolledInstitution,
  type PlainRequest,
  type SignatureAlgorithm,
} from '../../../src/trust/index.js';
import { codeOf } from '../../helpers/errors.js';

const DAY = 86_400_000;
const COURT = 'ps.hjc.court.ramallah';
const POLICE = 'ps.police.ramallah';

const algFor = (e: EnrolledInstitution): SignatureAlgorithm => (e.keyType === 'ed25519' ? 'ed25519' : e.keyType === 'ec-p256' ? 'ecdsa-p256-sha256' : 'rsa-pss-sha512');

let ca: CaMaterial;
let court: EnrolledInstitution;
let police: EnrolledInstitution;
let hub: EnrolledInstitution;
let store: MemoryCertificateStore;
let resolver: CertificateKeyResolver;

beforeAll(async () => {
  ca = createCa({ commonName: 'Wasla Test Federation CA', validityDays: 3650, keyBits: 2048, notBefore: new Date(Date.now() - 400 * DAY) });
  court = enroll({ ca, institutionId: COURT, keyType: 'ed25519', notBefore: new Date(Date.now() - 400 * DAY), validityDays: 800 });
  police = enroll({ ca, institutionId: POLICE, keyType: 'ec-p256' });
  hub = enroll({ ca, institutionId: 'wasla.hub', keyType: 'ed25519' });
  store = new MemoryCertificateStore();
  for (const e of [court, police]) await store.add(recordFromPem(e.certPem));
  resolver = new CertificateKeyResolver({ store, caCertPems: ca.certPem });
});

function messageRequest(body = JSON.stringify({ type: 'warrant.issued', data: { case: '2026/17' } })): Request {
  return new Request('https://hub.wasla.test/v1/messages', {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents+json', 'idempotency-key': randomUUID() },
    body,
  });
}

describe('signRequest -> verifyRequest', () => {
  it.each(['ed25519', 'ec-p256', 'rsa-2048'] as const)('round trip with an enrolled %s key', async (keyType) => {
    const inst = enroll({ ca, institutionId: 'ps.mosd', keyType });
    const s = new MemoryCertificateStore([recordFromPem(inst.certPem)]);
    const r = new CertificateKeyResolver({ store: s, caCertPems: ca.certPem });
    const original = messageRequest();
    const signed = await signRequest(original, inst.keyPem, { keyid: inst.serial, alg: algFor(inst) });
    expect(original.bodyUsed).toBe(false);
    expect(signed.headers.get('content-digest')).toMatch(/^sha-256=:/);
    expect(signed.headers.get('signature-input')).toMatch(
      new RegExp(`^wasla=\\("@method" "@target-uri" "content-digest" "content-type"\\);created=\\d+;nonce="[^"]+";keyid="${inst.serial}";alg="${algFor(inst)}"$`),
    );
    const v = await verifyRequest(signed, r.resolveKey);
    expect(v.resolved.institutionId).toBe('ps.mosd');
    expect(v.body.toString()).toContain('warrant.issued');
    expect(signed.bodyUsed).toBe(false);
  });

  it('signs and sends a URL with an empty query without its "?" (fetch implementations disagree on it)', async () => {
    const signed = await signRequest(new Request('https://hub.wasla.test/v1/reconciliations?'), court.keyPem, { keyid: court.serial, alg: 'ed25519' });
    expect(signed.url).toBe('https://hub.wasla.test/v1/reconciliations');
    expect(signed.method).toBe('GET');
    const v = await verifyRequest(signed, resolver.resolveKey, { requiredComponents: ['@method', '@target-uri', 'content-digest'] });
    expect(v.base.split('\n')[1]).toBe('"@target-uri": https://hub.wasla.test/v1/reconciliations');
    // a query that says something is signed and sent as it is
    const withQuery = await signRequest(new Request('https://hub.wasla.test/v1/reconciliations?limit=5'), court.keyPem, { keyid: court.serial, alg: 'ed25519' });
    expect(withQuery.url).toBe('https://hub.wasla.test/v1/reconciliations?limit=5');
  });

  it('signs a bodiless GET without content-type', async () => {
    const signed = await signRequest(new Request('https://hub.wasla.test/v1/messages/123/status'), court.keyPem, { keyid: court.serial, alg: 'ed25519' });
    expect(signed.headers.get('signature-input')).toContain('("@method" "@target-uri" "content-digest")');
    const v = await verifyRequest(signed, resolver.resolveKey, { requiredComponents: ['@method', '@target-uri', 'content-digest'] });
    expect(v.body).toHaveLength(0);
    // the hub's default profile asks for content-type as well
    expect(await codeOf(verifyRequest(signed, resolver.resolveKey))).toBe('signature-component-missing');
  });

  it('refuses a changed body, a replay, and a request signed by an unknown certificate', async () => {
    const signed = await signRequest(messageRequest(), court.keyPem, { keyid: court.serial, alg: 'ed25519' });
    const swapped = new Request(signed, { body: '{"type":"warrant.cancelled"}' });
    expect(await codeOf(verifyRequest(swapped, resolver.resolveKey))).toBe('digest-mismatch');

    const { MemoryReplayGuard } = await import('../../../src/trust/index.js');
    const replayGuard = new MemoryReplayGuard();
    await verifyRequest(signed, resolver.resolveKey, { replayGuard });
    expect(await codeOf(verifyRequest(signed, resolver.resolveKey, { replayGuard }))).toBe('signature-replayed');

    const stranger = enroll({ ca, institutionId: 'ps.stranger', keyType: 'ed25519' });
    const s2 = await signRequest(messageRequest(), stranger.keyPem, { keyid: stranger.serial, alg: 'ed25519' });
    expect(await codeOf(verifyRequest(s2, resolver.resolveKey))).toBe('signature-key-unknown');
  });

  it('signatureBase shows the base the verifier computed', async () => {
    const signed = await signRequest(messageRequest(), court.keyPem, { keyid: court.serial, alg: 'ed25519', created: 1_772_000_000 });
    const v = await verifyRequest(signed, resolver.resolveKey, { now: new Date(1_772_000_010_000) });
    const base = signatureBase(signed, ['@method', '@target-uri', 'content-digest', 'content-type'], v.params);
    expect(base).toBe(v.base);
    expect(base.split('\n').slice(0, 2)).toEqual(['"@method": POST', '"@target-uri": https://hub.wasla.test/v1/messages']);
  });
});

function delivery(messageId: string = randomUUID(), deliveryId: string = randomUUID()): PlainRequest {
  return {
    method: 'POST',
    url: 'https://police.example.ps/wasla/deliveries',
    headers: { 'content-type': 'application/json', 'wasla-message-id': messageId, 'wasla-delivery-id': deliveryId },
    body: Buffer.from(JSON.stringify({ warrant: { case: '2026/17' } })),
  };
}

function asFetch(req: PlainRequest, headers: Record<string, string>): Request {
  return new Request(req.url, { method: req.method, headers, body: new Uint8Array(req.body as Buffer) });
}

describe('delivery: the hub signs (plain objects) -> the institution verifies (verifyDelivery)', () => {
  it('returns the signed message id, delivery id and body', async () => {
    const d = delivery('m-1', 'd-1');
    const s = signPlainDelivery(d, { key: hub.keyPem, alg: 'ed25519', keyid: hub.serial });
    expect(s.added['signature-input']).toContain('"wasla-message-id" "wasla-delivery-id"');
    const v = await verifyDelivery(asFetch(d, s.headers), hub.certPem, { caCertPems: ca.certPem });
    expect(v.messageId).toBe('m-1');
    expect(v.deliveryId).toBe('d-1');
    expect(JSON.parse(v.body.toString())).toEqual({ warrant: { case: '2026/17' } });
    expect(v.signature.resolved.certificate?.institutionId).toBe('wasla.hub');
    // plain objects work as well, and so does a bare public key
    await expect(verifyDelivery({ ...d, headers: s.headers }, hub.publicKeyPem)).resolves.toMatchObject({ deliveryId: 'd-1' });
  });

  it('accepts either hub certificate during a hub key rotation', async () => {
    const hub2 = enroll({ ca, institutionId: 'wasla.hub', keyType: 'ec-p256' });
    const d = delivery();
    const s = signPlainDelivery(d, { key: hub2.keyPem, alg: 'ecdsa-p256-sha256', keyid: hub2.serial });
    await expect(verifyDelivery(asFetch(d, s.headers), [hub.certPem, hub2.certPem])).resolves.toBeTruthy();
    expect(await codeOf(verifyDelivery(asFetch(d, s.headers), hub.certPem))).toBe('signature-key-unknown');
  });

  it('refuses a delivery whose signature does not cover the ids', async () => {
    const d = delivery();
    const s = signPlainRequest(d, { key: hub.keyPem, alg: 'ed25519', keyid: hub.serial });
    expect(await codeOf(verifyDelivery(asFetch(d, s.headers), hub.certPem))).toBe('signature-component-missing');
  });

  it('refuses a changed delivery id, a signature by someone else, and an expired or foreign hub certificate', async () => {
    const d = delivery();
    const s = signPlainDelivery(d, { key: hub.keyPem, alg: 'ed25519', keyid: hub.serial });
    expect(await codeOf(verifyDelivery(asFetch(d, { ...s.headers, 'wasla-delivery-id': 'other' }), hub.certPem))).toBe('signature-invalid');

    const forged = signPlainDelivery(d, { key: court.keyPem, alg: 'ed25519', keyid: hub.serial });
    expect(await codeOf(verifyDelivery(asFetch(d, forged.headers), hub.certPem))).toBe('signature-invalid');

    expect(await codeOf(verifyDelivery(asFetch(d, s.headers), hub.certPem, { now: new Date(Date.now() + 400 * DAY), maxAgeSeconds: Infinity }))).toBe('certificate-expired');
    const rogueCa = createCa({ commonName: 'Rogue', validityDays: 10, keyBits: 2048 });
    const rogueHub = enroll({ ca: rogueCa, institutionId: 'wasla.hub', keyType: 'ed25519' });
    const r = signPlainDelivery(d, { key: rogueHub.keyPem, alg: 'ed25519', keyid: rogueHub.serial });
    expect(await codeOf(verifyDelivery(asFetch(d, r.headers), rogueHub.certPem, { caCertPems: ca.certPem }))).toBe('certificate-untrusted');
  });
});

describe('hubKeyResolver: the chain once, the validity every time', () => {
  const at = (now: Date) => ({ now, label: 'sig1', params: {} });

  it("checks who issued the hub certificate once, and its validity and the CA's at every delivery", () => {
    const resolve = hubKeyResolver(hub.certPem, ca.certPem);
    const verifySpy = vi.spyOn(X509Certificate.prototype, 'verify');
    try {
      for (let i = 0; i < 3; i++) expect((resolve(hub.serial, 'ed25519', at(new Date())) as HubResolvedKey | null)?.certificate?.institutionId).toBe('wasla.hub');
      expect(verifySpy).toHaveBeenCalledTimes(1);
    } finally {
      verifySpy.mockRestore();
    }
    // a resolved certificate is not trusted beyond its time, nor beyond its CA's
    expect(() => resolve(hub.serial, 'ed25519', at(new Date(Date.now() + 400 * DAY)))).toThrow(/expired/);
    expect(() => resolve(hub.serial, 'ed25519', at(new Date(Date.now() + 3700 * DAY)))).toThrow(/CA certificate expired/);
  });

  it('keeps refusing a hub certificate that no federation CA issued', () => {
    const rogueCa = createCa({ commonName: 'Rogue', validityDays: 10, keyBits: 2048 });
    const rogueHub = enroll({ ca: rogueCa, institutionId: 'wasla.hub', keyType: 'ed25519' });
    const resolve = hubKeyResolver(rogueHub.certPem, ca.certPem);
    for (let i = 0; i < 2; i++) expect(() => resolve(rogueHub.serial, 'ed25519', at(new Date()))).toThrow(/not issued by a federation CA/);
  });
});

describe('receipt: the institution signs (signReceipt) -> the hub verifies', () => {
  async function receiptFor(d: PlainRequest, s: { headers: Record<string, string> }, opts: { created?: number } = {}) {
    const deliveryRequest = asFetch(d, s.headers);
    const response = new Response(JSON.stringify({ status: 'accepted' }), { status: 202, headers: { 'content-type': 'application/json' } });
    const receipt = await signReceipt(response, police.keyPem, { keyid: police.serial, alg: 'ecdsa-p256-sha256', request: deliveryRequest, ...opts });
    return { deliveryRequest, receipt };
  }

  it('binds the receipt to the delivery id of the request, and verifies with Fetch objects or plain ones', async () => {
    const d = delivery('m-9', 'd-9');
    const s = signPlainDelivery(d, { key: hub.keyPem, alg: 'ed25519', keyid: hub.serial });
    const { deliveryRequest, receipt } = await receiptFor(d, s);
    expect(receipt.status).toBe(202);
    expect(receipt.headers.get('signature-input')).toMatch(/^wasla-receipt=\("@status" "content-digest" "content-type" "wasla-delivery-id";req\)/);

    const v = await verifyReceipt(receipt, deliveryRequest, resolver.resolveKey);
    expect(v.deliveryId).toBe('d-9');
    expect(v.status).toBe(202);
    expect(v.signature.resolved.institutionId).toBe(POLICE);
    expect(JSON.parse(v.body.toString())).toEqual({ status: 'accepted' });

    // the hub, on its hot path: plain objects only
    const plainResponse = { status: receipt.status, headers: Object.fromEntries(receipt.headers), body: Buffer.from(await receipt.clone().arrayBuffer()) };
    const h = await verifyPlainReceipt(plainResponse, { ...d, headers: s.headers }, { resolveKey: resolver.resolveKey });
    expect(h.resolved.institutionId).toBe(POLICE);
  });

  it('a receipt cannot be passed off as the receipt of another delivery, or with another status', async () => {
    const d = delivery();
    const s = signPlainDelivery(d, { key: hub.keyPem, alg: 'ed25519', keyid: hub.serial });
    const { receipt } = await receiptFor(d, s);
    const other = delivery();
    const so = signPlainDelivery(other, { key: hub.keyPem, alg: 'ed25519', keyid: hub.serial });
    expect(await codeOf(verifyReceipt(receipt, asFetch(other, so.headers), resolver.resolveKey))).toBe('signature-invalid');
    const changed = new Response(await receipt.clone().text(), { status: 200, headers: receipt.headers });
    expect(await codeOf(verifyReceipt(changed, asFetch(d, s.headers), resolver.resolveKey))).toBe('signature-invalid');
  });

  it('signs a plain { status, headers, body } response, and a bodiless 204', async () => {
    const d = delivery();
    const s = signPlainDelivery(d, { key: hub.keyPem, alg: 'ed25519', keyid: hub.serial });
    const req = asFetch(d, s.headers);
    const r1 = await signReceipt({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' }, police.keyPem, {
      keyid: police.serial,
      alg: 'ecdsa-p256-sha256',
      request: req,
    });
    await expect(verifyReceipt(r1, req, resolver.resolveKey)).resolves.toMatchObject({ status: 200 });
    const r2 = await signReceipt({ status: 204, headers: { 'content-type': 'application/json' } }, police.keyPem, {
      keyid: police.serial,
      alg: 'ecdsa-p256-sha256',
      request: req,
    });
    expect(r2.body).toBeNull();
    await expect(verifyReceipt(r2, req, resolver.resolveKey)).resolves.toMatchObject({ status: 204 });
  });

  it('a historical receipt verifies with the clock of its time, even after its certificate was revoked later', async () => {
    const d = delivery();
    const s = signPlainDelivery(d, { key: hub.keyPem, alg: 'ed25519', keyid: hub.serial });
    const created = Math.floor((Date.now() - 300 * DAY) / 1000);
    const deliveryRequest = asFetch(d, s.headers);
    const receipt = await signReceipt(new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } }), court.keyPem, {
      keyid: court.serial,
      alg: 'ed25519',
      request: deliveryRequest,
      created,
    });
    expect(await codeOf(verifyReceipt(receipt, deliveryRequest, resolver.resolveKey))).toBe('signature-expired');
    const then = new Date((created + 5) * 1000);
    await expect(verifyReceipt(receipt, deliveryRequest, resolver.resolveKey, { now: then })).resolves.toMatchObject({ deliveryId: d.headers['wasla-delivery-id'] });

    const localStore = new MemoryCertificateStore([recordFromPem(court.certPem)]);
    await localStore.revoke(court.serial, new Date(Date.now() - 10 * DAY));
    const local = new CertificateKeyResolver({ store: localStore, caCertPems: ca.certPem });
    await expect(verifyReceipt(receipt, deliveryRequest, local.resolveKey, { now: then })).resolves.toBeTruthy();
    expect(await codeOf(verifyReceipt(receipt, deliveryRequest, local.resolveKey, { maxAgeSeconds: Infinity }))).toBe('certificate-revoked');
  });
});
