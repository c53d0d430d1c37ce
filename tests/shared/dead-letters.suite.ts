/** Dead letters: listed with filters, replayed one by one or in bulk, on the audit log. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Hub } from '../../src/hub.js';
import { makeHubEnv, startTestHub, type Mode, type TestHubEnv } from '../helpers/hub.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { endpointEnv } from '../helpers/contracts.js';
import { signedFetch, DUTY_OPERATOR } from '../helpers/federation.js';
import { COURT, post, waitForStates, warrant } from './spine.suite.js';

export const OPERATOR = 'ps.hjc.wasla-operations';
/** the audit log names the operator person, not the institution (issue 26): the shared federation's duty operator */
export const OPERATOR_ACTOR = `${DUTY_OPERATOR.id}@${OPERATOR}`;

async function call(hub: Hub, method: string, path: string, sender: string, body?: unknown) {
  const res = await signedFetch(
    `${hub.url}${path}`,
    {
      method,
      headers: body !== undefined ? { 'content-type': 'application/json' } : {},
      body: body === undefined ? undefined : JSON.stringify(body),
    },
    sender,
  );
  return { status: res.status, json: (await res.json()) as any };
}

export function deadLetterSuite(mode: Mode) {
  describe(`dead letters (${mode} mode)`, () => {
    let henv: TestHubEnv;
    let hub: Hub;
    let police: Receiver;
    // the court's own inbox: where the hub tells it of its dead and recovered deliveries (issue 25)
    let courtInbox: Receiver;
    let refusing = true;
    const dead: string[] = [];

    beforeAll(async () => {
      henv = await makeHubEnv(mode);
      police = await startReceiver(() => (refusing ? { status: 400, body: 'bad format' } : { status: 200 }));
      courtInbox = await startReceiver();
      hub = await startTestHub(henv, {}, { contractsEnv: { ...process.env, ...endpointEnv(police.url, { [COURT]: courtInbox.url }) } });
      for (let i = 0; i < 3; i++) {
        const r = await post(hub, warrant({ warrantNumber: `W-DLQ-${i}` }));
        const m = await waitForStates(hub, r.json.id, ['dead']);
        dead.push(m.deliveries[0].id);
      }
    });
    afterAll(async () => {
      await hub?.stop();
      await police?.close();
      await courtInbox?.close();
      await henv?.cleanup();
    });

    it('lists dead deliveries with filters, to operators and to the sender', async () => {
      const all = await call(hub, 'GET', '/v1/deliveries?state=dead&recipient=ps.police.judicial&type=warrant.issued', OPERATOR);
      expect(all.status).toBe(200);
      expect(all.json.items.map((d: any) => d.id).sort()).toEqual([...dead].sort());
      expect(all.json.items[0]).toMatchObject({ state: 'dead', recipient: 'ps.police.judicial', type: 'warrant.issued', attempts: 1 });
      expect(all.json.items[0].lastError).toContain('400');
      const none = await call(hub, 'GET', '/v1/deliveries?state=dead&type=traffic-fine.issued', OPERATOR);
      expect(none.json.items).toEqual([]);
      const future = await call(hub, 'GET', `/v1/deliveries?state=dead&since=${new Date(Date.now() + 60_000).toISOString()}`, OPERATOR);
      expect(future.json.items).toEqual([]);
      const page = await call(hub, 'GET', '/v1/deliveries?state=dead&limit=2', OPERATOR);
      expect(page.json.items).toHaveLength(2);
      const rest = await call(hub, 'GET', `/v1/deliveries?state=dead&limit=2&after=${page.json.next}`, OPERATOR);
      expect(rest.json.items).toHaveLength(1);
      expect((await call(hub, 'GET', '/v1/deliveries?state=dead', COURT)).json.items).toHaveLength(3);
      // the ministry of finance holds no delivery-status grant: it lists nothing at all (issue 19.9)
      expect((await call(hub, 'GET', '/v1/deliveries?state=dead', 'ps.mof')).status).toBe(403);
      const bad = await call(hub, 'GET', '/v1/deliveries?state=lost&since=yesterday', OPERATOR);
      expect(bad.status).toBe(400);
      expect(bad.json.errors.map((e: any) => e.pointer)).toEqual(['/query/state', '/query/since']);
    });

    it('replays one dead delivery, which then succeeds with the same ids', async () => {
      refusing = false;
      expect((await call(hub, 'POST', `/v1/deliveries/${dead[0]}/replay`, 'ps.mof')).status).toBe(403);
      const r = await call(hub, 'POST', `/v1/deliveries/${dead[0]}/replay`, COURT);
      expect(r.status).toBe(200);
      expect(r.json.replayed.map((x: any) => x.id)).toEqual([dead[0]]);
      const end = Date.now() + 10_000;
      while (!police.applied.has(dead[0]) && Date.now() < end) await new Promise((res) => setTimeout(res, 50));
      expect(police.applied.get(dead[0])).toBe(1);
      const again = await call(hub, 'POST', `/v1/deliveries/${dead[0]}/replay`, COURT);
      expect(again.status).toBe(409);
    });

    it('replays in bulk by filter (operators only), and puts every replay on the audit log', async () => {
      expect((await call(hub, 'POST', '/v1/deliveries/replay', COURT, { recipient: 'ps.police.judicial' })).status).toBe(403);
      const r = await call(hub, 'POST', '/v1/deliveries/replay', OPERATOR, { recipient: 'ps.police.judicial', type: 'warrant.issued', reason: 'receiver fixed its parser' });
      expect(r.status).toBe(200);
      expect(r.json.replayed.map((x: any) => x.id).sort()).toEqual(dead.slice(1).sort());
      const end = Date.now() + 10_000;
      while (police.applied.size < 3 && Date.now() < end) await new Promise((res) => setTimeout(res, 50));
      expect(police.applied.size).toBe(3);
      const rows = await hub.database.db.execute(sql`select actor, subject, data from audit_log where action = 'delivery.replayed' order by tx, id`);
      const audit = ((rows as any).rows ?? rows) as Array<{ actor: string; subject: string; data: any }>;
      expect(audit.map((a) => a.subject).sort()).toEqual([...dead].sort());
      expect(audit.find((a) => a.actor === OPERATOR_ACTOR)?.data.reason).toBe('receiver fixed its parser');
    });

    it('lists the deadlines the warrants opened, signed, to those concerned only (GET /v1/deadlines)', async () => {
      const mine = await call(hub, 'GET', '/v1/deadlines?state=open&limit=50', COURT);
      expect(mine.status).toBe(200);
      const numbers = mine.json.items.filter((d: any) => d.expectation === 'warrant-not-executed').map((d: any) => d.correlation);
      expect(numbers.sort()).toEqual(['W-DLQ-0', 'W-DLQ-1', 'W-DLQ-2']);
      expect(mine.json.items[0]).toMatchObject({ agreement: 'deadlines', kind: 'by', state: 'open', notify: expect.arrayContaining([COURT, 'ps.police.judicial']) });
      // an institution with no part in them sees none; operators see them all
      expect((await call(hub, 'GET', '/v1/deadlines', 'ps.mof')).json.items).toEqual([]);
      expect((await call(hub, 'GET', '/v1/deadlines?state=open', OPERATOR)).json.items.length).toBeGreaterThanOrEqual(3);
      const bad = await call(hub, 'GET', '/v1/deadlines?state=late', COURT);
      expect(bad.status).toBe(400);
      expect(bad.json.errors.map((e: any) => e.pointer)).toEqual(['/query/state']);
    });

    it('told the sender of each dead delivery, and of each recovered by a replay, in messages signed by the hub', async () => {
      // three delivery.failed while the police refused, three delivery.recovered after the replays
      await courtInbox.waitForApplied(6, 15_000);
      expect(courtInbox.rejected).toEqual([]);
      const byType = (t: string) => courtInbox.arrivals.filter((a) => a.json.type === t);
      const failed = byType('delivery.failed');
      expect(failed.map((a) => a.json.data.deliveryId).sort()).toEqual([...dead].sort());
      for (const a of failed) {
        expect(a.json.source).toBe('ps.wasla.hub');
        expect(a.json.data).toMatchObject({
          sender: COURT,
          recipient: 'ps.police.judicial',
          messageType: 'warrant.issued',
          replay: { method: 'POST', path: `/v1/deliveries/${a.json.data.deliveryId}/replay` },
        });
        expect(a.json.data.lastError).toContain('400');
        expect(a.json.causationid).toBe(a.json.data.messageId);
      }
      expect(
        byType('delivery.recovered')
          .map((a) => a.json.data.deliveryId)
          .sort(),
      ).toEqual([...dead].sort());
      // each notice committed with the state change it tells of: one per death, one per recovery
      const rows = await hub.database.db.execute(sql`select type, count(*)::int as n from messages where sender = 'ps.wasla.hub' group by type order by type`);
      expect((rows as any).rows ?? rows).toEqual([
        { type: 'delivery.failed', n: 3 },
        { type: 'delivery.recovered', n: 3 },
      ]);
    });
  });
}
