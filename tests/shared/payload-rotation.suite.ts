/**
 * Rotating the key-encryption key without downtime (issue 26, docs/record.md): payloads written
 * under k1; the hub restarted with k2,k1 (k2 current) reads them and wraps new ones under k2; the
 * rewrap (an admin's request, as the worker's background pass does) moves every data key under k2,
 * on the audit log; restarted with k2 alone, the old payloads are still read by their sender and a
 * delivery left waiting under k1 is delivered whole. A hub holding only k1's successor cannot open
 * what k1 alone wraps: status names the unknown key, the delivery waits, nothing is lost.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Hub } from '../../src/hub.js';
import { makeHubEnv, startTestHub, type Mode, type TestHubEnv } from '../helpers/hub.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { contractsWithRetry, endpointEnv } from '../helpers/contracts.js';
import { OPERATOR_INSTITUTION, sharedFederation, signedFetch, type TestKey } from '../helpers/federation.js';
import { getMessage, post } from './spine.suite.js';
import { delivered, GBV_WORDS, gbvOrder, MAGISTRATE } from './payload-at-rest.suite.js';

const key = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;

export function payloadRotationSuite(mode: Mode) {
  describe(`payload key rotation (${mode} mode)`, () => {
    let henv: TestHubEnv;
    let receiver: Receiver;
    let admin: TestKey;
    let dir: string;
    let answer = 200;
    const hubs: Hub[] = [];
    const k1 = key('k1');
    const k2 = key('k2');

    /** `rewrapMs`: the background pass's interval (default: an hour, so that the admin's rewrap is the one measured) */
    const start = async (keys: string, rewrapMs = 3_600_000) => {
      const hub = await startTestHub(
        henv,
        { WASLA_CONTRACTS_DIR: dir, WASLA_PAYLOAD_KEYS: keys, WASLA_PAYLOAD_REWRAP_INTERVAL_MS: String(rewrapMs) },
        { contractsEnv: { ...process.env, ...endpointEnv(receiver.url) } },
      );
      hubs.push(hub);
      return hub;
    };
    const kekIds = async (hub: Hub) => {
      const r = await hub.database.db.execute(sql`select payload_kek_id as k, count(*)::int as n from messages where payload_kek_id is not null group by 1 order by 1`);
      return Object.fromEntries((((r as any).rows ?? r) as Array<{ k: string; n: number }>).map((x) => [x.k, Number(x.n)]));
    };
    const asAdmin = (hub: Hub, method: string, path: string) => signedFetch(`${hub.url}${path}`, { method }, OPERATOR_INSTITUTION, sharedFederation(), admin);

    beforeAll(async () => {
      henv = await makeHubEnv(mode);
      admin = sharedFederation().enrollOperator('admin', `rotation-admin-${mode}`);
      receiver = await startReceiver(() => ({ status: answer, body: answer === 200 ? '{"ok":true}' : 'not now' }));
      dir = contractsWithRetry({ schedule: Array.from({ length: 50 }, () => 1), jitter: 0 });
    });
    // a test that fails or times out leaves no hub holding the data directory for the next
    afterEach(async () => {
      for (const h of hubs.splice(0)) await h.stop().catch(() => {});
    });
    afterAll(async () => {
      await receiver?.close();
      await henv?.cleanup();
    });

    it('writes under k1, reads under k2,k1, rewraps every data key to k2, then reads and delivers under k2 alone', async () => {
      // 1. k1 alone: one payload delivered, one left waiting (its recipient answers 503)
      let hub = await start(k1);
      const first = await post(hub, gbvOrder(), {}, MAGISTRATE);
      expect(first.status).toBe(202);
      await delivered(hub, first.json.id, MAGISTRATE);
      answer = 503;
      const waiting = await post(hub, gbvOrder(`${GBV_WORDS}, second order`), {}, MAGISTRATE);
      expect(waiting.status).toBe(202);
      expect(await kekIds(hub)).toEqual({ k1: 2 });
      await hub.stop();

      // 2. k2 first, k1 second: old payloads still open; a new one is wrapped by k2
      hub = await start(`${k2},${k1}`);
      expect((await getMessage(hub, first.json.id, MAGISTRATE)).json.envelope.data.conditions[0].description).toBe(GBV_WORDS);
      const third = await post(hub, gbvOrder(`${GBV_WORDS}, third order`), {}, MAGISTRATE);
      expect(third.status).toBe(202);
      expect(await kekIds(hub)).toEqual({ k1: 2, k2: 1 });
      const before = await asAdmin(hub, 'GET', '/v1/admin/payload-keys');
      expect(before.status).toBe(200);
      const status = (await before.json()) as any;
      expect(status.current).toBe('k2');
      expect(status.toRewrap).toBe(2);
      // an operator whose role does not allow it is refused
      expect((await signedFetch(`${hub.url}/v1/admin/payload-keys/rewrap`, { method: 'POST' }, OPERATOR_INSTITUTION)).status).toBe(403);
      const rewrap = await asAdmin(hub, 'POST', '/v1/admin/payload-keys/rewrap');
      expect(rewrap.status).toBe(200);
      const done = (await rewrap.json()) as any;
      expect(done.rewrapped).toBe(2);
      expect(done.failed).toBe(0);
      expect(done.status.toRewrap).toBe(0);
      expect(await kekIds(hub)).toEqual({ k2: 3 });
      const audit = await hub.database.db.execute(sql`select actor, data from audit_log where action = 'payload-keys.rewrapped'`);
      const entries = ((audit as any).rows ?? audit) as Array<{ actor: string; data: any }>;
      expect(entries.some((e) => e.actor.includes('rotation-admin'))).toBe(true);
      expect(entries.reduce((n, e) => n + e.data.rewrapped, 0)).toBe(2);
      await hub.stop();

      // 3. k2 alone: k1 is gone, everything still opens and the waiting delivery goes out whole
      answer = 200;
      hub = await start(k2);
      expect((await getMessage(hub, first.json.id, MAGISTRATE)).json.envelope.data.conditions[0].description).toBe(GBV_WORDS);
      await delivered(hub, waiting.json.id, MAGISTRATE, 30_000);
      const arrivedWhole = receiver.arrivals.filter((a) => a.messageId === waiting.json.id && a.body.toString('utf8').includes(`${GBV_WORDS}, second order`));
      expect(arrivedWhole.length).toBeGreaterThan(0);
      await hub.stop();
    }, 120_000);

    it('the worker rewraps in the background, a bounded pass at a time, on the audit log', async () => {
      const k5 = key('k5');
      let hub = await start(k5);
      const msg = await post(hub, gbvOrder(`${GBV_WORDS}, background`), {}, MAGISTRATE);
      expect(msg.status).toBe(202);
      await hub.stop();
      hub = await start(`${key('k6')},${k5}`, 50);
      const end = Date.now() + 20_000;
      while ((await kekIds(hub)).k5 !== undefined) {
        if (Date.now() > end) throw new Error('the background rewrap did not move the k5 data key');
        await new Promise((r) => setTimeout(r, 50));
      }
      const audit = await hub.database.db.execute(sql`select actor, data from audit_log where action = 'payload-keys.rewrapped' and actor like 'worker:%'`);
      const entries = ((audit as any).rows ?? audit) as Array<{ actor: string; data: any }>;
      expect(entries.some((e) => e.data.current === 'k6' && e.data.rewrapped >= 1)).toBe(true);
      expect((await getMessage(hub, msg.json.id, MAGISTRATE)).json.envelope.data.conditions[0].description).toBe(`${GBV_WORDS}, background`);
      await hub.stop();
    }, 90_000);

    it('seals a gbv payload an earlier version stored in clear, in the background, its plate keyed, on the audit log', async () => {
      answer = 200;
      const hub = await start(key('k7'), 50);
      const msg = await post(hub, gbvOrder(`${GBV_WORDS}, stored before 0016`), {}, MAGISTRATE);
      expect(msg.status).toBe(202);
      await delivered(hub, msg.json.id, MAGISTRATE);
      const whole = (await getMessage(hub, msg.json.id, MAGISTRATE)).json.envelope;
      // what a hub before migration 0016 left: the whole envelope in clear, a plate in clear in the index
      const db = hub.database.db;
      // one transaction, as the old hub committed them: the worker's pass (every 50 ms) must not
      // seal the message between the two and leave the plate, written after it, in clear
      await db.transaction(async (tx) => {
        await tx.execute(sql`update messages set envelope = ${JSON.stringify(whole)}::json, payload_ciphertext = null, payload_key = null, payload_kek_id = null where id = ${msg.json.id}`);
        await tx.execute(sql`insert into case_index (kind, issuer, value, message_id, type, classification) values ('plate', '', 'P-BACKFILL-7', ${msg.json.id}, 'protection-order.issued', 'gbv')`);
      });
      const row = async () => {
        const r = await db.execute(sql`select envelope::text as env, payload_kek_id as kek,
          (select value from case_index c where c.message_id = m.id and c.kind = 'plate') as plate from messages m where id = ${msg.json.id}`);
        return (((r as any).rows ?? r) as Array<{ env: string; kek: string | null; plate: string }>)[0];
      };
      const end = Date.now() + 20_000;
      while ((await row()).kek === null) {
        if (Date.now() > end) throw new Error('the background pass did not seal the payload stored in clear');
        await new Promise((r) => setTimeout(r, 50));
      }
      const after = await row();
      expect(after.kek).toBe('k7');
      expect(after.env).not.toContain('stored before 0016');
      expect(JSON.parse(after.env).data).toBeUndefined();
      expect(after.plate).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const audit = await db.execute(sql`select actor, data from audit_log where action = 'payloads.sealed'`);
      const entries = ((audit as any).rows ?? audit) as Array<{ actor: string; data: any }>;
      expect(entries.some((e) => e.actor.startsWith('worker:') && e.data.messageIds.includes(msg.json.id))).toBe(true);
      // the sender reads it back whole, opened from the ciphertext
      expect((await getMessage(hub, msg.json.id, MAGISTRATE)).json.envelope).toEqual(whole);
      await hub.stop();
    }, 90_000);

    it('a hub without the key a payload is wrapped by names that key and opens nothing; the delivery waits', async () => {
      // a payload under k0; a hub given only k3 cannot open it
      answer = 503;
      let hub = await start(key('k0'));
      const stranded = await post(hub, gbvOrder(`${GBV_WORDS}, stranded`), {}, MAGISTRATE);
      expect(stranded.status).toBe(202);
      await hub.stop();
      answer = 200;
      const triedUnderK0 = receiver.arrivals.filter((a) => a.messageId === stranded.json.id).length;
      hub = await start(key('k3'));
      const s = (await (await asAdmin(hub, 'GET', '/v1/admin/payload-keys')).json()) as any;
      expect(s.messages).toContainEqual({ kekId: 'k0', messages: 1, configured: false });
      // the sender's read fails closed (no payload in the answer), and the row is untouched
      const read = await getMessage(hub, stranded.json.id, MAGISTRATE);
      expect(read.status).toBe(500);
      expect(JSON.stringify(read.json)).not.toContain(GBV_WORDS);
      expect(await kekIds(hub)).toMatchObject({ k0: 1 });
      // the worker claims the delivery, cannot open it, and hands it back for later: no attempt, not dead
      const deliveryId = stranded.json.deliveries[0].id;
      const end = Date.now() + 20_000;
      for (;;) {
        const r = await hub.database.db.execute(sql`select state, last_error from deliveries where id = ${deliveryId}`);
        const d = (((r as any).rows ?? r) as Array<{ state: string; last_error: string | null }>)[0];
        if (d.last_error?.includes('does not open')) {
          expect(d.state).toBe('retrying');
          expect(d.last_error).toContain('payload-key-unknown');
          break;
        }
        if (Date.now() > end) throw new Error(`the stranded delivery was not handed back: ${JSON.stringify(d)}`);
        await new Promise((res) => setTimeout(res, 50));
      }
      expect(receiver.arrivals.filter((a) => a.messageId === stranded.json.id).length).toBe(triedUnderK0);
      await hub.stop();
    }, 90_000);
  });
}
