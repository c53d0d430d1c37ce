/**
 * The record at intake (issue 26), in both modes over real HTTP: the hub computes the classification
 * from the schema's rules and may raise the sender's, never lower it (a child born in 2012 marked
 * `juvenile: false` reaches only recipients cleared for juvenile); a field naming an institution must
 * name the signer, or the request is refused with `issuer-mismatch` and nothing is stored.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Hub } from '../../src/hub.js';
import { makeHubEnv, startTestHub, type Mode, type TestHubEnv } from '../helpers/hub.js';
import { ok, startReceiver, type Receiver } from '../helpers/receiver.js';
import { contractsWithRetry, endpointEnv } from '../helpers/contracts.js';
import { counts, COURT, post, waitForStates, warrant } from './spine.suite.js';
import { sharedFederation } from '../helpers/federation.js';
import { verifyOrigin } from '../../src/record/index.js';
import { verifySealSignatures } from '../../src/audit/seal-signing.js';
import { verifyAuditBundle } from '../../src/record/index.js';
import { HUB_INSTITUTION_ID } from '../../src/federation/index.js';
import { dbRows } from '../helpers/operator.js';
import { exportHubBundle } from '../helpers/audit-bundle.js';

const POLICE = 'ps.police.judicial';

/** a warrant whose subject is born on `dateOfBirth`, with the sender's own `juvenile` flag */
export function warrantFor(dateOfBirth: string, opts: { juvenile?: boolean; number: string; offences?: unknown[]; court?: string }) {
  const w = warrant({ warrantNumber: opts.number }) as any;
  w.data.subject = { ...w.data.subject, dateOfBirth, juvenile: opts.juvenile ?? false };
  w.data.issuedOn = '2026-02-14';
  if (opts.offences) w.data.offences = opts.offences;
  if (opts.court) w.data.issuingCourt = { ...w.data.issuingCourt, id: opts.court };
  return w;
}

export function recordIntakeSuite(mode: Mode) {
  describe(`the hub decides classification and issuer at intake (${mode} mode)`, () => {
    let henv: TestHubEnv;
    let hub: Hub;
    let police: Receiver;

    beforeAll(async () => {
      henv = await makeHubEnv(mode);
      police = await startReceiver(ok);
      const dir = contractsWithRetry({ schedule: [0.2, 0.2], jitter: 0 });
      // the judicial police are cleared for juvenile cases, not for gender-based violence
      const file = join(dir, 'institutions', `${POLICE}.json`);
      const inst = JSON.parse(readFileSync(file, 'utf8'));
      inst.clearances = ['juvenile'];
      writeFileSync(file, JSON.stringify(inst, null, 2));
      hub = await startTestHub(henv, { WASLA_CONTRACTS_DIR: dir }, { contractsEnv: { ...process.env, ...endpointEnv(police.url) } });
    });
    afterAll(async () => {
      await hub?.stop();
      await police?.close();
      await henv?.cleanup();
    });

    const rows = (q: ReturnType<typeof sql>) => dbRows(hub, q);
    /** the refusals on the audit log for this path, once the (asynchronous) write has landed */
    const refusalsFor = async (reason: string, n = 1) => {
      const end = Date.now() + 5_000;
      for (;;) {
        const found = await rows(sql`select actor, subject, data from audit_log where action = 'request.refused' and data->>'reason' = ${reason} order by id`);
        if (found.length >= n || Date.now() > end) return found;
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    const accepted = async (id: string) => {
      const r = await hub.database.db.execute(sql`select data from audit_log where action = 'message.accepted' and subject = ${id}`);
      return (((r as any).rows ?? r) as Array<{ data: any }>)[0]?.data;
    };

    it('raises a child marked juvenile:false to juvenile, delivers it to a cleared recipient, and says why without the date of birth', async () => {
      const r = await post(hub, warrantFor('2012-05-10', { number: 'W-REC-CHILD' }));
      expect(r.status).toBe(202);
      expect(r.json.classification).toBe('juvenile');
      expect(r.json.deliveries.map((d: any) => d.recipient)).toEqual([POLICE]);
      await waitForStates(hub, r.json.id, ['delivered']);
      const arrived = police.arrivals.find((a) => a.json?.data?.warrantNumber === 'W-REC-CHILD');
      expect(arrived?.json.classification).toBe('juvenile');
      const data = await accepted(r.json.id);
      expect(data.classification).toBe('juvenile');
      expect(data.classificationReasons).toContainEqual({ class: 'juvenile', source: 'date-of-birth', pointer: '/subject/dateOfBirth', detail: 'aged 13 on the date at /issuedOn' });
      expect(JSON.stringify(data)).not.toContain('2012-05-10');
    });

    it('keeps the evidence of origin with the message, and it verifies offline with the sender certificate', async () => {
      const r = await post(hub, warrantFor('1990-01-01', { number: 'W-REC-ORIGIN' }));
      expect(r.status).toBe(202);
      const [row] = await rows(sql`select institution, certificate, evidence from message_origins where message_id = ${r.json.id}`);
      const fed = sharedFederation();
      const court = fed.keys.get(COURT)!;
      expect(row.institution).toBe(COURT);
      expect(row.evidence.fields['signature-input']).toContain('keyid=');
      expect(row.evidence.fields['content-digest']).toMatch(/^sha-(256|512)=/);
      expect(row.evidence.targetUri).toBe(`${hub.url}/v1/messages`);
      // the hash the audit entry carries is the hash the evidence binds through Content-Digest
      expect(row.evidence.bodySha256).toBe((await accepted(r.json.id)).bodySha256);
      const v = await verifyOrigin(row.evidence, court.certPem, { ca: fed.caCertPem });
      expect(v.institution).toBe(COURT);
      // a changed field does not verify
      const forged = structuredClone(row.evidence);
      forged.fields['content-digest'] = forged.fields['content-digest'].replace(/.=:$/, 'A=:');
      await expect(verifyOrigin(forged, court.certPem, { ca: fed.caCertPem })).rejects.toThrow();
    });

    it('never lowers: an adult the sender calls juvenile stays juvenile', async () => {
      const r = await post(hub, { ...warrantFor('1988-11-03', { number: 'W-REC-CLAIM' }), classification: 'juvenile' });
      expect(r.status).toBe(202);
      expect(r.json.classification).toBe('juvenile');
      const plain = await post(hub, warrantFor('1988-11-03', { number: 'W-REC-ADULT' }));
      expect(plain.status).toBe(202);
      expect(plain.json.classification).not.toBe('juvenile');
    });

    it('raises a listed offence to gbv and refuses it when no recipient is cleared, storing nothing', async () => {
      const before = await counts(hub);
      const base = warrantFor('1988-11-03', { number: 'W-REC-GBV' }) as any;
      base.data.offences = [{ ...base.data.offences[0], code: 'PC60-292' }];
      const r = await post(hub, base);
      expect(r.status).toBe(403);
      expect(r.type).toContain('application/problem+json');
      expect(r.json.type).toBe('https://wasla.dev/problems/no-cleared-recipient');
      expect(r.json.detail).toContain('gbv');
      expect(await counts(hub)).toEqual(before);
    });

    it('refuses a message naming another court as its issuer with issuer-mismatch, storing nothing', async () => {
      const before = await counts(hub);
      const r = await post(hub, warrantFor('1988-11-03', { number: 'W-REC-ISSUER', court: 'ps.hjc.court.nablus' }));
      expect(r.status).toBe(403);
      expect(r.json.type).toBe('https://wasla.dev/problems/issuer-mismatch');
      expect(r.json.errors).toEqual([{ pointer: '/data/issuingCourt/id', detail: expect.stringContaining('ps.hjc.court.nablus') }]);
      expect(await counts(hub)).toEqual(before);
      const [entry] = await refusalsFor('issuer-mismatch');
      expect(entry.actor).toBe(COURT);
      expect(entry.data).toMatchObject({ status: 403, reason: 'issuer-mismatch', method: 'POST', path: '/v1/messages', credential: expect.stringMatching(/^cert:/) });
      // the payload stays out of the log: no warrant number, no name, no court it claimed
      expect(JSON.stringify(entry)).not.toContain('W-REC-ISSUER');
      expect(JSON.stringify(entry)).not.toContain('ps.hjc.court.nablus');
    });

    it('signs each seal of the audit chain with the hub key, and an altered seal fails', async () => {
      await post(hub, warrantFor('1990-01-01', { number: 'W-REC-SEAL' }));
      const end = Date.now() + 15_000;
      let signed = 0;
      while (Date.now() < end) {
        [{ n: signed }] = await rows(sql`select count(*)::int as n from audit_seals where signature is not null`);
        const [{ n: unsigned }] = await rows(sql`select count(*)::int as n from audit_seals where signature is null`);
        if (signed > 0 && Number(unsigned) === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const hubCert = sharedFederation().hubCertPem;
      const report = await verifySealSignatures(hub.database.db, HUB_INSTITUTION_ID, [hubCert]);
      expect(report.invalid).toBeUndefined();
      expect(report.signed).toBeGreaterThan(0);
      expect(report.unsigned).toBe(0);
      // the statement is over the seal's own columns: move its time by a millisecond and it no longer verifies
      const [{ seal }] = await rows(sql`select min(seal) as seal from audit_seals`);
      await hub.database.db.execute(sql`update audit_seals set sealed_at = sealed_at + interval '1 millisecond' where seal = ${seal}`);
      const altered = await verifySealSignatures(hub.database.db, HUB_INSTITUTION_ID, [hubCert]);
      expect(altered.invalid?.seal).toBe(Number(seal));
      await hub.database.db.execute(sql`update audit_seals set sealed_at = sealed_at - interval '1 millisecond' where seal = ${seal}`);
      expect((await verifySealSignatures(hub.database.db, HUB_INSTITUTION_ID, [hubCert])).invalid).toBeUndefined();
    });

    it('exports a signed bundle that verifies offline, a year later, with the origin of a since-revoked certificate; any changed byte fails', async () => {
      const fed = sharedFederation();
      const sent = await post(hub, warrantFor('1990-01-01', { number: 'W-REC-EXPORT' }));
      expect(sent.status).toBe(202);
      const from = new Date(Date.now() - 60_000);
      const end = Date.now() + 15_000;
      for (;;) {
        const [{ n }] = await rows(sql`select count(*)::int as n from audit_log a join audit_seals s on a.id = any(s.entry_ids)
          where a.action = 'message.accepted' and a.subject = ${sent.json.id} and s.signature is not null`);
        if (Number(n) > 0 || Date.now() > end) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const court = fed.keys.get(COURT)!;
      const { text, origins } = await exportHubBundle(hub.database.db, from);
      expect(origins).toBeGreaterThan(0);
      expect(JSON.parse(text).origins[sent.json.id].institution).toBe(COURT);

      // a year later, the court's certificate revoked since: what it signed while valid still proves its origin
      vi.useFakeTimers({ toFake: ['Date'] });
      try {
        vi.setSystemTime(Date.now() + 366 * 86_400_000);
        const later = await verifyAuditBundle(text, { trustedCa: [fed.caCertPem], revoked: { [court.serial]: new Date() } });
        expect(later.problems).toEqual([]);
        expect(later.ok).toBe(true);
        expect(later.trust).toBe('pinned');
        expect(later.origins.verified).toBe(origins);
      } finally {
        vi.useRealTimers();
      }
      // revoked before it was received: that evidence no longer proves anything
      const early = await verifyAuditBundle(text, { trustedCa: [fed.caCertPem], revoked: { [court.serial]: from } });
      expect(early.ok).toBe(false);

      // any changed byte fails: a spread of positions, and every byte of the court's signature
      const bytes = Buffer.from(text);
      const sigAt = text.indexOf(JSON.parse(text).origins[sent.json.id].fields.signature);
      const positions = new Set<number>([...Array(120)].map((_, i) => Math.floor((i * bytes.length) / 120)));
      for (let i = 0; i < 20; i++) positions.add(sigAt + 10 + i);
      for (const at of positions) {
        const changed = Buffer.from(bytes);
        changed[at] = changed[at] === 0x41 ? 0x42 : 0x41;
        const r = await verifyAuditBundle(changed, { trustedCa: [fed.caCertPem] });
        expect([at, r.ok]).toEqual([at, false]);
      }
    }, 120_000);

    it('puts an unauthenticated refusal on the audit log with what it claimed, without its payload', async () => {
      const sent = JSON.stringify(warrantFor('1990-01-01', { number: 'W-REC-FORGED' }));
      // signed for another body: the digest does not match what arrives
      const res = await fetch(`${hub.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/cloudevents+json', 'signature-input': 'sig=("@method");keyid="ab:cd:ef";created=1', signature: 'sig=:AAAA:' },
        body: sent,
      });
      expect(res.status).toBe(401);
      const reason = ((await res.json()) as any).type.split('/').pop();
      const [entry] = await refusalsFor(reason);
      expect(entry.actor).toBe('unauthenticated');
      expect(entry.data).toMatchObject({ status: 401, reason, claimed: { keyid: 'ab:cd:ef' } });
      expect(JSON.stringify(entry)).not.toContain('W-REC-FORGED');
    });
  });
}
