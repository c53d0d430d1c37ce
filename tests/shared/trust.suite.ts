/**
 * Invariant 5 over real HTTP: every way a request signature can fail is refused with a 401
 * problem naming the reason, and nothing is stored; certificate rotation works; deliveries are
 * signed and a receipt counts only when signed by the recipient, unless the agreement accepts an
 * unsigned 2xx.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrivateKey } from 'node:crypto';
import type { Hub } from '../../src/hub.js';
import { createCa, enroll, FileCertificateStore, loadCa, registerCertificate, signPlainRequest } from '../../src/trust/index.js';
import { makeHubEnv, startTestHub, type Mode, type TestHubEnv } from '../helpers/hub.js';
import { sharedFederation, type TestKey } from '../helpers/federation.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { contractsWithGrants, endpointEnv } from '../helpers/contracts.js';
import { COURT, counts, getMessage, post, waitForStates, warrant } from './spine.suite.js';

export function trustSuite(mode: Mode) {
  describe(`signed requests (${mode} mode)`, () => {
    let henv: TestHubEnv;
    let hub: Hub;
    const fed = sharedFederation();
    beforeAll(async () => {
      henv = await makeHubEnv(mode);
      hub = await startTestHub(henv);
    });
    afterAll(async () => {
      await hub?.stop();
      await henv?.cleanup();
    });

    const body = () => JSON.stringify(warrant());
    const url = () => `${hub.url}/v1/messages`;

    function sign(key: TestKey, opts: { body?: string; created?: number; components?: string[]; keyid?: string } = {}) {
      const b = opts.body ?? body();
      const signed = signPlainRequest(
        { method: 'POST', url: url(), headers: { 'content-type': 'application/cloudevents+json' }, body: Buffer.from(b) },
        {
          key: key.key,
          keyid: opts.keyid ?? key.serial,
          alg: 'ed25519',
          nonce: String(Math.random()),
          ...(opts.created !== undefined && { created: opts.created }),
          ...(opts.components && { components: opts.components }),
        },
      );
      return { headers: signed.headers, body: b };
    }

    async function send(req: { headers: Record<string, string>; body: string }) {
      const before = await counts(hub);
      const res = await fetch(url(), { method: 'POST', headers: req.headers, body: req.body });
      const json = (await res.json()) as any;
      expect(await counts(hub)).toEqual(before);
      return { status: res.status, code: String(json.type).replace('https://wasla.dev/problems/', ''), json, type: res.headers.get('content-type') };
    }

    function foreignKey(institutionId: string, opts: { notBefore?: Date; validityDays?: number; ca?: ReturnType<typeof createCa> } = {}): TestKey {
      const e = enroll({ ca: opts.ca ?? loadCa(fed.pkiDir), institutionId, keyType: 'ed25519', validityDays: opts.validityDays ?? 30, notBefore: opts.notBefore });
      return { institutionId, keyPem: e.keyPem, key: createPrivateKey(e.keyPem), serial: e.serial, certPem: e.certPem };
    }

    const court = () => fed.keys.get(COURT)!;

    it('accepts a correctly signed request', async () => {
      const r = await fetch(url(), { method: 'POST', ...sign(court()) });
      expect(r.status).toBe(202);
    });

    it('refuses an unsigned request', async () => {
      const r = await send({ headers: { 'content-type': 'application/cloudevents+json', 'wasla-sender': COURT }, body: body() });
      expect([r.status, r.code]).toEqual([401, 'signature-missing']);
      expect(r.type).toContain('application/problem+json');
      const noDigest = sign(court());
      delete noDigest.headers['content-digest'];
      expect((await send(noDigest)).code).toMatch(/^(digest-missing|signature-component-missing)$/);
    });

    it('refuses a replayed signature', async () => {
      const req = sign(court());
      expect((await fetch(url(), { method: 'POST', ...req })).status).toBe(202);
      const again = await send(req);
      expect([again.status, again.code]).toEqual([401, 'signature-replayed']);
    });

    it('refuses a digest that does not match the body', async () => {
      const req = sign(court());
      const tampered = { headers: req.headers, body: req.body.replace('"arrest"', '"search"') };
      expect((await send(tampered)).code).toBe('digest-mismatch');
    });

    it('refuses a stale signature and one from the future', async () => {
      const now = Math.floor(Date.now() / 1000);
      expect((await send(sign(court(), { created: now - 3600 }))).code).toBe('signature-expired');
      expect((await send(sign(court(), { created: now + 3600 }))).code).toBe('signature-from-future');
    });

    it('refuses a signature that leaves out a required component', async () => {
      const r = await send(sign(court(), { components: ['@method', '@target-uri', 'content-digest'] }));
      expect([r.status, r.code]).toEqual([401, 'signature-component-missing']);
    });

    it('refuses an unknown keyid', async () => {
      expect((await send(sign(court(), { keyid: 'abcdef0123' }))).code).toBe('signature-key-unknown');
    });

    it('refuses a certificate from another CA, an expired one and a revoked one', async () => {
      const otherCa = createCa({ commonName: 'Rogue CA', validityDays: 30, keyBits: 2048 });
      const rogue = foreignKey(COURT, { ca: otherCa });
      expect((await send(sign(rogue))).code).toBe('signature-key-unknown');
      registerCertificate(fed.pkiDir, rogue.certPem);
      expect((await send(sign(rogue))).code).toBe('certificate-untrusted');

      const old = foreignKey(COURT, { notBefore: new Date(Date.now() - 10 * 86_400_000), validityDays: 2 });
      registerCertificate(fed.pkiDir, old.certPem);
      expect((await send(sign(old))).code).toBe('certificate-expired');

      const doomed = fed.enroll(COURT);
      expect((await fetch(url(), { method: 'POST', ...sign(doomed) })).status).toBe(202);
      await new FileCertificateStore(fed.pkiDir).revoke(doomed.serial, new Date());
      await hub.reloadContracts('operator:test'); // what `wasla cert revoke` asks running hubs to do
      expect((await send(sign(doomed))).code).toBe('certificate-revoked');
    });

    it('accepts both certificates of an institution during rotation, each naming the sender', async () => {
      const next = fed.enroll(COURT);
      for (const key of [court(), next]) {
        const r = await fetch(url(), { method: 'POST', ...sign(key) });
        expect(r.status).toBe(202);
        const { id } = (await r.json()) as any;
        const m = await getMessage(hub, id);
        expect(m.json.sender).toBe(COURT);
      }
    });

    it('takes the sender from the certificate: a body claiming another source is refused', async () => {
      const w = warrant();
      const r = await send(sign(court(), { body: JSON.stringify({ ...w, source: 'ps.hjc.court.nablus' }) }));
      expect([r.status, r.code]).toEqual([400, 'invalid-envelope']);
    });
  });

  describe(`signed deliveries and receipts (${mode} mode)`, () => {
    let henv: TestHubEnv;
    let hub: Hub;
    let unsignedReceiver: Receiver;
    beforeAll(async () => {
      henv = await makeHubEnv(mode);
      unsignedReceiver = await startReceiver(undefined, 0, { federation: false });
    });
    afterAll(async () => {
      await hub?.stop();
      await unsignedReceiver?.close();
      await henv?.cleanup();
    });

    it('does not count an unsigned 2xx as delivered unless the agreement says so', async () => {
      const strict = contractsWithGrants((g) => {
        g.retry = { schedule: [0.2, 0.2], jitter: 0 };
      });
      hub = await startTestHub(henv, { WASLA_CONTRACTS_DIR: strict }, { contractsEnv: { ...process.env, ...endpointEnv(unsignedReceiver.url) } });
      const r = await post(hub, warrant({ warrantNumber: 'W-NORECEIPT' }));
      const m = await waitForStates(hub, r.json.id, ['dead']);
      expect(m.deliveries[0].attemptLog[0].error).toContain('without a valid receipt');
      // the hub still signed every delivery it sent
      for (const a of unsignedReceiver.arrivals) expect(a.headers['signature-input']).toMatch(/"wasla-delivery-id"/);
      await hub.stop();

      const lenient = contractsWithGrants((g) => {
        g.acceptUnsignedReceipt = true;
      });
      hub = await startTestHub(henv, { WASLA_CONTRACTS_DIR: lenient }, { contractsEnv: { ...process.env, ...endpointEnv(unsignedReceiver.url) } });
      const r2 = await post(hub, warrant({ warrantNumber: 'W-UNSIGNED-OK' }));
      const m2 = await waitForStates(hub, r2.json.id, ['delivered']);
      expect(m2.deliveries[0].attemptLog[0].receipt).toMatchObject({ unsigned: true });
    });
  });
}
