import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  CertificateKeyResolver,
  MemoryCertificateStore,
  createCa,
  enroll,
  recordFromPem,
  signPlainRequest,
  verifyPlainRequest,
  type CaMaterial,
  type CertificateStore,
  type EnrolledInstitution,
  type PlainRequest,
} from '../../../src/trust/index.js';
import { codeOf } from '../../helpers/errors.js';
import { problemOf } from '../../../src/api/problems.js';

const ID = 'ps.hjc.court.ramallah';
const DAY = 86_400_000;

let ca: CaMaterial;
let otherCa: CaMaterial;
beforeAll(() => {
  ca = createCa({ commonName: 'Wasla Test CA', validityDays: 3650, keyBits: 2048, notBefore: new Date(Date.now() - 30 * DAY) });
  otherCa = createCa({ commonName: 'Rogue CA', validityDays: 3650, keyBits: 2048 });
});

async function setup(...certs: EnrolledInstitution[]) {
  const store = new MemoryCertificateStore();
  for (const c of certs) await store.add(recordFromPem(c.certPem));
  return store;
}

describe('MemoryCertificateStore', () => {
  it('adds, lists, gets, revokes and lists per institution', async () => {
    const a = enroll({ ca, institutionId: ID, keyType: 'ed25519' });
    const b = enroll({ ca, institutionId: 'ps.police', keyType: 'ec-p256' });
    const store = await setup(a, b);
    expect((await store.list()).map((r) => r.serial).sort()).toEqual([a.serial, b.serial].sort());
    expect((await store.get(a.serial.toUpperCase()))?.institutionId).toBe(ID);
    expect(await store.get('abcdef')).toBeNull();
    expect((await store.listForInstitution('ps.police')).map((r) => r.serial)).toEqual([b.serial]);
    const t1 = new Date('2026-01-02T00:00:00Z');
    const t0 = new Date('2026-01-01T00:00:00Z');
    expect((await store.revoke(a.serial, t1))?.revokedAt).toEqual(t1);
    // revocation is one-way and keeps the earliest time
    expect((await store.revoke(a.serial, new Date('2027-01-01')))?.revokedAt).toEqual(t1);
    expect((await store.revoke(a.serial, t0))?.revokedAt).toEqual(t0);
    expect(await store.revoke('abcdef', t0)).toBeNull();
    const duplicate = await store.add(recordFromPem(a.certPem)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(duplicate).toMatchObject({ code: 'certificate-duplicate' });
    expect(problemOf(duplicate as { code: 'certificate-duplicate' }).status).toBe(409);
  });

  it('hands out copies', async () => {
    const a = enroll({ ca, institutionId: ID, keyType: 'ed25519' });
    const store = await setup(a);
    const r = (await store.get(a.serial))!;
    r.revokedAt = new Date();
    r.notAfter.setFullYear(1999);
    const again = (await store.get(a.serial))!;
    expect(again.revokedAt).toBeNull();
    expect(again.notAfter.getFullYear()).not.toBe(1999);
  });
});

describe('CertificateKeyResolver', () => {
  it('resolves a keyid (the serial) to the institution and its public key', async () => {
    const a = enroll({ ca, institutionId: ID, keyType: 'ed25519' });
    const resolver = new CertificateKeyResolver({ store: await setup(a), caCertPems: ca.certPem });
    const k = await resolver.resolve(a.serial);
    expect(k.institutionId).toBe(ID);
    expect(k.serial).toBe(a.serial);
    expect(k.publicKey.asymmetricKeyType).toBe('ed25519');
    expect(k.key).toBe(k.publicKey);
    // keyid case does not matter
    expect((await resolver.resolve(a.serial.toUpperCase())).serial).toBe(a.serial);
  });

  it('rotation: two valid certificates of one institution both resolve', async () => {
    const old = enroll({ ca, institutionId: ID, keyType: 'ed25519' });
    const next = enroll({ ca, institutionId: ID, keyType: 'ec-p256' });
    const store = await setup(old, next);
    const resolver = new CertificateKeyResolver({ store, caCertPems: [ca.certPem] });
    expect((await resolver.resolve(old.serial)).institutionId).toBe(ID);
    expect((await resolver.resolve(next.serial)).institutionId).toBe(ID);
    expect((await store.listForInstitution(ID)).length).toBe(2);
    // retiring the old one leaves the new one working
    await store.revoke(old.serial, new Date(Date.now() - 1000));
    resolver.invalidate(old.serial);
    expect(await codeOf(resolver.resolve(old.serial))).toBe('certificate-revoked');
    expect((await resolver.resolve(next.serial)).serial).toBe(next.serial);
  });

  it('refuses unknown, untrusted, expired and not-yet-valid certificates', async () => {
    const rogue = enroll({ ca: otherCa, institutionId: ID, keyType: 'ed25519' });
    const expired = enroll({ ca, institutionId: ID, keyType: 'ed25519', validityDays: 1, notBefore: new Date(Date.now() - 5 * DAY) });
    const future = enroll({ ca, institutionId: ID, keyType: 'ed25519', notBefore: new Date(Date.now() + DAY) });
    const resolver = new CertificateKeyResolver({ store: await setup(rogue, expired, future), caCertPems: ca.certPem });
    expect(await codeOf(resolver.resolve('0123456789abcdef'))).toBe('signature-key-unknown');
    expect(await codeOf(resolver.resolve(undefined))).toBe('signature-key-unknown');
    expect(await codeOf(resolver.resolve('not hex'))).toBe('signature-key-unknown');
    expect(await codeOf(resolver.resolve(rogue.serial))).toBe('certificate-untrusted');
    expect(await codeOf(resolver.resolve(expired.serial))).toBe('certificate-expired');
    expect(await codeOf(resolver.resolve(future.serial))).toBe('certificate-not-yet-valid');
    // a historical verification time inside the validity resolves
    expect((await resolver.resolve(expired.serial, { now: new Date(expired.notBefore.getTime() + 1000) })).serial).toBe(expired.serial);
  });

  it('caches the record for recordTtlMs, and invalidate() drops it at once', async () => {
    const a = enroll({ ca, institutionId: ID, keyType: 'ed25519' });
    const store = await setup(a);
    const get = vi.spyOn(store, 'get');
    let clock = 0;
    const resolver = new CertificateKeyResolver({ store, caCertPems: ca.certPem, recordTtlMs: 30_000, clock: () => clock });
    await resolver.resolve(a.serial);
    await resolver.resolve(a.serial);
    expect(get).toHaveBeenCalledTimes(1);

    // revoked elsewhere: still served from cache until the TTL ...
    await store.revoke(a.serial, new Date(Date.now() - 1000));
    expect((await resolver.resolve(a.serial)).serial).toBe(a.serial);
    // ... and refused once it runs out
    clock += 30_000;
    expect(await codeOf(resolver.resolve(a.serial))).toBe('certificate-revoked');
    expect(get).toHaveBeenCalledTimes(2);

    const b = enroll({ ca, institutionId: ID, keyType: 'ed25519' });
    await store.add(recordFromPem(b.certPem));
    await resolver.resolve(b.serial);
    await store.revoke(b.serial, new Date(Date.now() - 1000));
    resolver.invalidate(b.serial);
    expect(await codeOf(resolver.resolve(b.serial))).toBe('certificate-revoked');
  });

  it('honours a revocation time: signatures verified as of before it still resolve', async () => {
    const a = enroll({ ca, institutionId: ID, keyType: 'ed25519', notBefore: new Date(Date.now() - DAY) });
    const store = await setup(a);
    const at = new Date(Date.now() - 60_000);
    await store.revoke(a.serial, at);
    const resolver = new CertificateKeyResolver({ store, caCertPems: ca.certPem });
    expect(await codeOf(resolver.resolve(a.serial))).toBe('certificate-revoked');
    expect((await resolver.resolve(a.serial, { now: new Date(at.getTime() - 1000) })).serial).toBe(a.serial);
  });

  it('asks the store once for concurrent lookups of one serial', async () => {
    const a = enroll({ ca, institutionId: ID, keyType: 'ed25519' });
    const store = await setup(a);
    const get = vi.spyOn(store, 'get');
    const resolver = new CertificateKeyResolver({ store, caCertPems: ca.certPem });
    await Promise.all(Array.from({ length: 20 }, () => resolver.resolve(a.serial)));
    expect(get).toHaveBeenCalledTimes(1);
  });

  it('refuses a store record that does not match its certificate', async () => {
    const a = enroll({ ca, institutionId: ID, keyType: 'ed25519' });
    const store: CertificateStore = new MemoryCertificateStore([{ ...recordFromPem(a.certPem), institutionId: 'ps.someone.else' }]);
    const resolver = new CertificateKeyResolver({ store, caCertPems: ca.certPem });
    expect(await codeOf(resolver.resolve(a.serial))).toBe('certificate-untrusted');
  });

  it('plugs into verification: a request signed with an enrolled key verifies; a revoked one does not', async () => {
    for (const keyType of ['ed25519', 'ec-p256', 'rsa-2048'] as const) {
      const inst = enroll({ ca, institutionId: ID, keyType });
      const store = await setup(inst);
      const resolver = new CertificateKeyResolver({ store, caCertPems: ca.certPem });
      const alg = keyType === 'ed25519' ? 'ed25519' : keyType === 'ec-p256' ? 'ecdsa-p256-sha256' : 'rsa-pss-sha512';
      const req: PlainRequest = { method: 'POST', url: 'https://hub.test/v1/messages', headers: { 'content-type': 'application/json' }, body: '{}' };
      const s = signPlainRequest(req, { key: inst.keyPem, alg, keyid: inst.serial });
      const r = await verifyPlainRequest({ ...req, headers: s.headers }, { resolveKey: resolver.resolveKey });
      expect(r.resolved.institutionId).toBe(ID);
      expect(r.keyid).toBe(inst.serial);
      await store.revoke(inst.serial, new Date(Date.now() - 1000));
      resolver.invalidate(inst.serial);
      expect(await codeOf(verifyPlainRequest({ ...req, headers: s.headers }, { resolveKey: resolver.resolveKey }))).toBe('certificate-revoked');
    }
  });
});
