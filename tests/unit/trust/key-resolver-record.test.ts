/**
 * No certificate resolves before it is on the record (issue 19.6): the resolver calls onRecord,
 * and waits for it, before a certificate's first use and when its revocation first shows; a failed
 * onRecord fails the resolution and is tried again at the next one.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CertificateKeyResolver, MemoryCertificateStore, createCa, enroll, recordFromPem, type CaMaterial, type CertificateRecord } from '../../../src/trust/index.js';

const DAY = 86_400_000;
let ca: CaMaterial;
beforeAll(() => {
  ca = createCa({ commonName: 'Wasla Test CA', validityDays: 3650, keyBits: 2048, notBefore: new Date(Date.now() - DAY) });
});

function setup(recordTtlMs = 0) {
  const store = new MemoryCertificateStore();
  const recorded: Array<{ serial: string; revoked: boolean }> = [];
  let failing = false;
  let order: string[] = [];
  const resolver = new CertificateKeyResolver({
    store,
    caCertPems: [ca.certPem],
    recordTtlMs,
    onRecord: async (r: CertificateRecord) => {
      order.push('record');
      await new Promise((res) => setTimeout(res, 5)); // the ledger is a database write
      if (failing) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      recorded.push({ serial: r.serial, revoked: r.revokedAt !== null });
    },
  });
  const use = async (serial: string) => {
    const k = await resolver.resolve(serial);
    order.push('use');
    return k;
  };
  return { store, resolver, recorded, use, fail: (f: boolean) => (failing = f), order: () => order, reset: () => (order = []) };
}

describe('certificates on the record before their first use', () => {
  it('records a certificate enrolled after the resolver started, before resolving it, once', async () => {
    const s = setup();
    const c = enroll({ ca, institutionId: 'ps.hjc.court.ramallah', keyType: 'ed25519' });
    await s.store.add(recordFromPem(c.certPem)); // enrolled while the hub runs
    await s.use(c.serial);
    expect(s.order()).toEqual(['record', 'use']);
    expect(s.recorded).toEqual([{ serial: c.serial, revoked: false }]);
    // later uses, concurrent or not, do not record it again
    await Promise.all([s.use(c.serial), s.use(c.serial), s.use(c.serial)]);
    expect(s.recorded).toHaveLength(1);
  });

  it('shares one record among concurrent first uses', async () => {
    const s = setup();
    const c = enroll({ ca, institutionId: 'ps.police.judicial', keyType: 'ed25519' });
    await s.store.add(recordFromPem(c.certPem));
    await Promise.all(Array.from({ length: 10 }, () => s.use(c.serial)));
    expect(s.recorded).toHaveLength(1);
    expect(s.order().indexOf('record')).toBe(0);
  });

  it('refuses the certificate while it cannot be recorded, and records it when it can', async () => {
    const s = setup();
    const c = enroll({ ca, institutionId: 'ps.mof', keyType: 'ed25519' });
    await s.store.add(recordFromPem(c.certPem));
    s.fail(true);
    await expect(s.use(c.serial)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(s.order()).not.toContain('use');
    s.fail(false);
    await s.use(c.serial);
    expect(s.recorded).toEqual([{ serial: c.serial, revoked: false }]);
  });

  it('records a revocation when it first shows, before refusing the certificate', async () => {
    const s = setup();
    const c = enroll({ ca, institutionId: 'ps.mot', keyType: 'ed25519' });
    await s.store.add(recordFromPem(c.certPem));
    await s.use(c.serial);
    await s.store.revoke(c.serial, new Date(Date.now() - 1000));
    s.reset();
    await expect(s.use(c.serial)).rejects.toMatchObject({ code: 'certificate-revoked' });
    expect(s.order()).toEqual(['record']);
    expect(s.recorded).toEqual([
      { serial: c.serial, revoked: false },
      { serial: c.serial, revoked: true },
    ]);
  });
});
