/**
 * Retention and legal holds (issue 26.7) over real HTTP, in both modes: a payload is purged after
 * its type's period (received_at backdated: no clock to wait for), never before, never while a
 * delivery is still to be made, never while a legal hold covers its case; a dry run changes
 * nothing; only an admin runs retention or sets holds; a purged message still reads (without its
 * data), is not replayed, and the audit chain and an exported bundle covering it still verify.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Hub } from '../../src/hub.js';
import { makeHubEnv, startTestHub, type Mode, type TestHubEnv } from '../helpers/hub.js';
import { ok, startReceiver, type Receiver } from '../helpers/receiver.js';
import { contractsWithRetry, endpointEnv } from '../helpers/contracts.js';
import { DUTY_OPERATOR, OPERATOR_INSTITUTION, sharedFederation, type TestKey } from '../helpers/federation.js';
import { COURT, getMessage, post, waitForStates, warrant } from './spine.suite.js';
import { delivered, gbvOrder, MAGISTRATE } from './payload-at-rest.suite.js';
import { loadContracts, purgeRules } from '../../src/routing/index.js';
import { purgePayloads, StoreIndex } from '../../src/store/index.js';
import { purgeBatch } from '../../src/services/index.js';
import { Sweeper } from '../../src/workers/sweeper.js';
import { createLogger } from '../../src/log.js';
import { verifyAudit } from '../../src/audit/log.js';
import { verifyAuditBundle } from '../../src/record/index.js';
import { dbRows, operatorCall } from '../helpers/operator.js';
import { exportHubBundle } from '../helpers/audit-bundle.js';

const PROBLEM = 'https://wasla.dev/problems/';

export function retentionSuite(mode: Mode) {
  describe(`retention and legal holds (${mode} mode)`, () => {
    let henv: TestHubEnv;
    let hub: Hub;
    let receiver: Receiver;
    let contractsDir: string;
    let admin: TestKey;
    let auditor: TestKey;
    const operator = () => sharedFederation().keys.get(OPERATOR_INSTITUTION)!;
    const adminActor = () => `ret-admin-${mode}@${OPERATOR_INSTITUTION}`;
    let n = 0;

    beforeAll(async () => {
      const fed = sharedFederation();
      admin = fed.enrollOperator('admin', `ret-admin-${mode}`);
      auditor = fed.enrollOperator('auditor', `ret-aud-${mode}`);
      henv = await makeHubEnv(mode);
      receiver = await startReceiver(ok);
      // a retry an hour away: a delivery its recipient refused with 503 stays retrying for the test
      contractsDir = contractsWithRetry({ schedule: [3600], jitter: 0 });
      // the sweeper purges nothing here: the tests run retention themselves (the sweeper's own test calls it)
      hub = await startTestHub(henv, { WASLA_CONTRACTS_DIR: contractsDir, WASLA_RETENTION_BATCH: '0' }, { contractsEnv: { ...process.env, ...endpointEnv(receiver.url) } });
    });
    afterAll(async () => {
      await hub?.stop();
      await receiver?.close();
      await henv?.cleanup();
    });

    const rows = (q: ReturnType<typeof sql>) => dbRows(hub, q);
    const call = (key: TestKey, method: string, path: string, body?: unknown) => operatorCall(hub, key, method, path, body);
    /** a warrant, its deliveries settled in `states` (the receiver answering `status`), received `years` ago */
    const sent = async (opts: { years: number; status?: number; states?: string[]; caseNumber?: string }) => {
      receiver.behave(() => ({ status: opts.status ?? 200, body: '{"ok":true}' }));
      n += 1;
      const r = await post(hub, warrant({ warrantNumber: `W-RET-${mode === 'server' ? 'S' : 'E'}-${n}`, ...(opts.caseNumber && { caseNumber: opts.caseNumber }) }));
      expect(r.status).toBe(202);
      await waitForStates(hub, r.json.id, opts.states ?? ['delivered']);
      receiver.behave(ok);
      await hub.database.db.execute(sql`update messages set received_at = received_at - make_interval(years => ${opts.years}) where id = ${r.json.id}`);
      return r.json.id as string;
    };
    const stored = async (id: string) => {
      const [m] = await rows(sql`select envelope, purged_at from messages where id = ${id}`);
      const envelope = typeof m.envelope === 'string' ? JSON.parse(m.envelope) : m.envelope;
      return { hasData: envelope.data !== undefined, purged: m.purged_at !== null, envelope };
    };
    const actions = async (action: string, subject?: string) =>
      rows(
        subject === undefined
          ? sql`select actor, subject, data from audit_log where action = ${action} order by id`
          : sql`select actor, subject, data from audit_log where action = ${action} and subject = ${subject} order by id`,
      );
    const run = (key: TestKey, query = '') => call(key, 'POST', `/v1/admin/retention/run${query}`);

    it('only an admin runs retention or places and lifts holds; auditors and operators are refused and change nothing', async () => {
      const hold = { issuer: COURT, caseRef: '1/2026', reason: 'litigation' };
      for (const key of [auditor, operator()]) {
        for (const [method, path, body] of [
          ['POST', '/v1/admin/retention/run', undefined],
          ['POST', '/v1/admin/retention/run?dryRun=true', undefined],
          ['POST', '/v1/admin/legal-holds', hold],
          ['POST', '/v1/admin/legal-holds/0190a3c2-0000-7000-8000-000000000000/lift', { reason: 'done' }],
        ] as const) {
          const r = await call(key, method, path, body);
          expect([path, r.status, r.json.type]).toEqual([path, 403, `${PROBLEM}role-not-allowed`]);
        }
      }
      expect(await actions('retention.run')).toEqual([]);
      expect(await rows(sql`select id from legal_holds`)).toEqual([]);
      // reading the holds is every operator role's
      expect((await call(auditor, 'GET', '/v1/admin/legal-holds')).status).toBe(200);
      expect((await call(admin, 'GET', '/v1/admin/legal-holds')).json).toEqual({ items: [] });
    });

    it('purges after the period, not before, not while a delivery is still to be made; a dry run changes nothing; a second run purges nothing new', async () => {
      const past = await sent({ years: 11 });
      const within = await sent({ years: 9 });
      const fresh = await sent({ years: 0 });
      const pending = await sent({ years: 11, status: 503, states: ['retrying'] });

      // as if sent as XML: the document as received is purged too
      await hub.database.db.execute(sql`update messages set received_body = convert_to('<warrant/>', 'UTF8'), received_media_type = 'application/xml' where id = ${past}`);

      const dry = await run(admin, '?dryRun=true');
      expect(dry.status).toBe(200);
      const dryIds = dry.json.messages.map((m: any) => m.id);
      expect(dryIds).toContain(past);
      for (const id of [within, fresh, pending]) expect(dryIds).not.toContain(id);
      expect(dry.json.messages.find((m: any) => m.id === past)).toMatchObject({ type: 'warrant.issued', keep: 'P10Y' });
      expect(await stored(past)).toMatchObject({ hasData: true, purged: false });
      expect(await actions('message.purged')).toEqual([]);

      const done = await run(admin);
      expect(done.status).toBe(200);
      expect(done.json.dryRun).toBe(false);
      expect(done.json.messages.map((m: any) => m.id)).toContain(past);
      const after = await stored(past);
      expect(after).toMatchObject({ hasData: false, purged: true });
      expect((await rows(sql`select received_body is null as gone, received_media_type from messages where id = ${past}`))[0]).toEqual({ gone: true, received_media_type: 'application/xml' });
      // its case-index rows go with the payload (names, plates, keyed ids are what found it); the
      // message kept is found as before, and a status is derived only from payloads still held
      expect(await rows(sql`select kind from case_index where message_id = ${past}`)).toHaveLength(0);
      expect((await rows(sql`select kind from case_index where message_id = ${within}`)).length).toBeGreaterThan(0);
      expect((await new StoreIndex(hub.database.db).load([past, within])).map((m) => m.id)).toEqual([within]);
      // the envelope's attributes stay
      expect(after.envelope).toMatchObject({ id: past, type: 'warrant.issued', source: COURT, specversion: '1.0' });
      for (const id of [within, fresh, pending]) expect(await stored(id)).toMatchObject({ hasData: true, purged: false });

      // one audit entry per purged message, naming the admin and the body's hash of message.accepted
      const [accepted] = await actions('message.accepted', past);
      const [purged] = await actions('message.purged', past);
      expect(purged.actor).toBe(adminActor());
      expect(purged.data).toMatchObject({ type: 'warrant.issued', keep: 'P10Y', bodySha256: accepted.data.bodySha256 });
      expect((await actions('retention.run')).map((r) => [r.actor, r.data.dryRun])).toEqual([
        [adminActor(), true],
        [adminActor(), false],
      ]);

      // idempotent: nothing purged twice
      const again = await run(admin);
      expect(again.json.messages.map((m: any) => m.id)).not.toContain(past);
      expect(await actions('message.purged', past)).toHaveLength(1);

      // the message still reads: when it was purged, no data, deliveries and attempts kept
      const read = await getMessage(hub, past);
      expect(read.status).toBe(200);
      expect(read.json.purgedAt).toEqual(expect.any(String));
      expect(read.json.envelope.data).toBeUndefined();
      expect(read.json.deliveries.every((d: any) => d.state === 'delivered' && d.attemptLog.length > 0)).toBe(true);
      expect((await getMessage(hub, within)).json.purgedAt).toBeNull();
    });

    it('purges a sealed (gbv) payload whole: ciphertext, wrapped data key and case-index rows go', async () => {
      receiver.behave(ok);
      const r = await post(hub, gbvOrder(), {}, MAGISTRATE);
      expect([r.status, r.json.classification]).toEqual([202, 'gbv']);
      await delivered(hub, r.json.id, MAGISTRATE);
      const sealed = async () =>
        (
          await rows(sql`select payload_ciphertext is not null as ct, payload_key is not null as wk, payload_kek_id is not null as kek, purged_at is not null as purged,
          (select count(*)::int from case_index c where c.message_id = m.id) as indexed from messages m where id = ${r.json.id}`)
        )[0];
      const before = await sealed();
      expect(before).toMatchObject({ ct: true, wk: true, kek: true, purged: false });
      expect(before.indexed).toBeGreaterThan(0);
      // protection orders are kept five years
      await hub.database.db.execute(sql`update messages set received_at = received_at - make_interval(years => 6) where id = ${r.json.id}`);
      const done = await run(admin);
      expect(done.json.messages.map((m: any) => m.id)).toContain(r.json.id);
      expect(await sealed()).toEqual({ ct: false, wk: false, kek: false, purged: true, indexed: 0 });
      const read = await getMessage(hub, r.json.id, MAGISTRATE);
      expect([read.status, read.json.envelope.data, read.json.purgedAt]).toEqual([200, undefined, expect.any(String)]);
    });

    it('a legal hold on the case stops the purge; lifting it lets the next run purge', async () => {
      const held = await sent({ years: 11, caseNumber: '7001/2026' });
      const placed = await call(admin, 'POST', '/v1/admin/legal-holds', { issuer: COURT, caseRef: '7001/2026', reason: 'appeal pending' });
      expect(placed.status).toBe(200);
      expect(placed.json).toMatchObject({ placed: true, hold: { issuer: COURT, caseRef: '7001/2026', placedBy: adminActor(), liftedAt: null } });
      // placing it again answers the hold in force
      const twice = await call(admin, 'POST', '/v1/admin/legal-holds', { issuer: COURT, caseRef: '07001/2026', reason: 'again' });
      expect(twice.json).toMatchObject({ placed: false, hold: { id: placed.json.hold.id } });

      expect((await run(admin)).json.messages.map((m: any) => m.id)).not.toContain(held);
      expect(await stored(held)).toMatchObject({ hasData: true, purged: false });
      expect((await call(auditor, 'GET', '/v1/admin/legal-holds')).json.items.map((h: any) => h.id)).toEqual([placed.json.hold.id]);

      const lifted = await call(admin, 'POST', `/v1/admin/legal-holds/${placed.json.hold.id}/lift`, { reason: 'appeal decided' });
      expect(lifted.status).toBe(200);
      expect(lifted.json).toMatchObject({ liftedBy: adminActor(), liftReason: 'appeal decided' });
      const liftAgain = await call(admin, 'POST', `/v1/admin/legal-holds/${placed.json.hold.id}/lift`, { reason: 'again' });
      expect([liftAgain.status, liftAgain.json.type]).toEqual([404, `${PROBLEM}legal-hold-not-found`]);
      expect((await call(admin, 'GET', '/v1/admin/legal-holds')).json.items).toEqual([]);
      expect((await call(admin, 'GET', '/v1/admin/legal-holds?all=true')).json.items.map((h: any) => h.id)).toEqual([placed.json.hold.id]);

      expect((await run(admin)).json.messages.map((m: any) => m.id)).toContain(held);
      expect(await stored(held)).toMatchObject({ hasData: false, purged: true });
      expect((await actions('legal-hold.placed')).map((r) => r.actor)).toEqual([adminActor()]);
      expect((await actions('legal-hold.lifted')).map((r) => [r.actor, r.data.reason])).toEqual([[adminActor(), 'appeal decided']]);
    });

    it('refuses a bad hold request precisely', async () => {
      const missing = await call(admin, 'POST', '/v1/admin/legal-holds', { issuer: COURT, caseRef: '1/2026' });
      expect([missing.status, missing.json.type, missing.json.errors]).toEqual([400, `${PROBLEM}legal-hold-invalid`, [{ pointer: '/reason', detail: 'a non-empty string' }]]);
      const stranger = await call(admin, 'POST', '/v1/admin/legal-holds', { issuer: 'xx.nobody', caseRef: '1/2026', reason: 'x' });
      expect([stranger.status, stranger.json.errors[0].pointer]).toEqual([400, '/issuer']);
      const extra = await call(admin, 'POST', '/v1/admin/legal-holds', { issuer: COURT, caseRef: '1/2026', reason: 'x', until: 'never' });
      expect([extra.status, extra.json.errors[0].pointer]).toEqual([400, '/until']);
      expect((await run(admin, '?limit=0')).json.type).toBe(`${PROBLEM}retention-run-invalid`);
      expect(await rows(sql`select id from legal_holds where lifted_at is null`)).toEqual([]);
    });

    it('a dead delivery of a purged message is not replayed: 410 message-purged, on the audit log', async () => {
      const dead = await sent({ years: 11, status: 400, states: ['dead'] });
      expect((await run(admin)).json.messages.map((m: any) => m.id)).toContain(dead);
      const [{ id: deliveryId }] = await rows(sql`select id from deliveries where message_id = ${dead}`);
      const r = await call(operator(), 'POST', `/v1/deliveries/${deliveryId}/replay`);
      expect([r.status, r.json.type]).toEqual([410, `${PROBLEM}message-purged`]);
      expect((await rows(sql`select state from deliveries where id = ${deliveryId}`))[0].state).toBe('dead');
      expect((await actions('delivery.replay-refused', deliveryId)).map((a) => a.actor)).toEqual([`${DUTY_OPERATOR.id}@${OPERATOR_INSTITUTION}`]);
    });

    it('two runs at once purge each message once (skip locked)', async () => {
      const ids = [];
      for (let i = 0; i < 4; i++) ids.push(await sent({ years: 11 }));
      const rules = purgeRules(loadContracts(contractsDir).retention!, hub.contracts().catalogue, new Date());
      const [a, b] = await Promise.all([1, 2].map((k) => purgePayloads(hub.database.db, { rules, limit: 2, actor: `test:${k}` })));
      const all = [...a, ...b].map((m) => m.id);
      expect(new Set(all).size).toBe(all.length);
      const rest = await purgePayloads(hub.database.db, { rules, limit: 10, actor: 'test:3' });
      expect([...all, ...rest.map((m) => m.id)].sort()).toEqual(expect.arrayContaining([...ids].sort()));
      for (const id of ids) expect(await actions('message.purged', id)).toHaveLength(1);
    });

    it('the sweeper purges in small batches with the contract set in force', async () => {
      const id = await sent({ years: 11 });
      const sweeper = new Sweeper({
        db: hub.database.db,
        dispatcher: { dispatch: async () => {} } as any,
        log: createLogger('silent'),
        intervalMs: 1000,
        graceMs: 3_600_000,
        idempotencyRetentionMs: 86_400_000,
        purgeRetention: async () => {
          const purged = await purgeBatch({ db: hub.database.db, contracts: () => hub.contracts() }, { actor: 'hub:retention', limit: 1 });
          return { purged: purged.length, full: purged.length === 1 };
        },
      });
      // each pass purges one while batches come back full
      for (let i = 0; i < 20 && !(await stored(id)).purged; i++) await sweeper.sweep();
      expect(await stored(id)).toMatchObject({ hasData: false, purged: true });
      expect((await actions('message.purged', id)).map((a) => a.actor)).toEqual(['hub:retention']);
    });

    it('the audit chain verifies after purges, and an exported bundle covering a purged message verifies offline with its evidence of origin', async () => {
      const from = new Date(Date.now() - 60_000);
      const id = await sent({ years: 11 });
      expect((await run(admin)).json.messages.map((m: any) => m.id)).toContain(id);
      // wait for the hub's sealer to seal and sign the purge's entry (it runs on its own)
      const end = Date.now() + 20_000;
      for (;;) {
        const [{ n }] = await rows(sql`select count(*)::int as n from audit_log a join audit_seals s on a.id = any(s.entry_ids)
          where a.action = 'message.purged' and a.subject = ${id} and s.signature is not null`);
        if (Number(n) > 0) break;
        if (Date.now() > end) throw new Error('the purge entry was not sealed and signed');
        await new Promise((r) => setTimeout(r, 100));
      }
      const chain = await verifyAudit(hub.database.db);
      expect(chain.reason).toBeUndefined();
      expect(chain.ok).toBe(true);

      const fed = sharedFederation();
      const { text } = await exportHubBundle(hub.database.db, from);
      const bundle = JSON.parse(text);
      expect(bundle.origins[id].institution).toBe(COURT);
      const verified = await verifyAuditBundle(text, { trustedCa: [fed.caCertPem] });
      expect(verified.problems).toEqual([]);
      expect(verified.ok).toBe(true);
      expect(verified.origins.verified).toBeGreaterThan(0);
    }, 60_000);
  });
}
