/**
 * Operator roles enforced over real HTTP (issue 26), in both modes: operator certificates of the
 * hub's institution carry a role; an auditor reads but cannot replay or reload contracts, an
 * operator replays but cannot change contracts, an admin reloads them, a certificate of the hub's
 * institution without a role may do no operator action at all; every operator action is on the
 * audit log with the operator's identity.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Hub } from '../../src/hub.js';
import { makeHubEnv, startTestHub, type Mode, type TestHubEnv } from '../helpers/hub.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { contractsWithRetry, endpointEnv } from '../helpers/contracts.js';
import { DUTY_OPERATOR, OPERATOR_INSTITUTION, sharedFederation, type TestKey } from '../helpers/federation.js';
import { post, waitForStates, warrant } from './spine.suite.js';
import { operatorCall } from '../helpers/operator.js';

export function operatorRolesSuite(mode: Mode) {
  describe(`operator roles (${mode} mode)`, () => {
    let henv: TestHubEnv;
    let hub: Hub;
    let police: Receiver;
    let admin: TestKey;
    let auditor: TestKey;
    let roleless: TestKey;
    let deadId: string;
    const operatorKey = () => sharedFederation().keys.get(OPERATOR_INSTITUTION)!;

    beforeAll(async () => {
      const fed = sharedFederation();
      admin = fed.enrollOperator('admin', `ada-${mode}`);
      auditor = fed.enrollOperator('auditor', `aud-${mode}`);
      roleless = fed.enroll(OPERATOR_INSTITUTION);
      henv = await makeHubEnv(mode);
      police = await startReceiver(() => ({ status: 400, body: 'bad format' }));
      hub = await startTestHub(henv, { WASLA_CONTRACTS_DIR: contractsWithRetry({ schedule: [0.2], jitter: 0 }) }, { contractsEnv: { ...process.env, ...endpointEnv(police.url) } });
      const r = await post(hub, warrant({ warrantNumber: 'W-ROLES-1' }));
      deadId = (await waitForStates(hub, r.json.id, ['dead'])).deliveries[0].id;
    });
    afterAll(async () => {
      await hub?.stop();
      await police?.close();
      await henv?.cleanup();
    });

    const call = (key: TestKey, method: string, path: string, body?: unknown) => operatorCall(hub, key, method, path, body);
    const actors = async (action: string) => {
      const r = await hub.database.db.execute(sql`select actor from audit_log where action = ${action} order by id`);
      return (((r as any).rows ?? r) as Array<{ actor: string }>).map((a) => a.actor);
    };
    const stateOf = async () => {
      const r = await hub.database.db.execute(sql`select state, attempts from deliveries where id = ${deadId}`);
      return ((r as any).rows ?? r)[0] as { state: string; attempts: number };
    };

    it('an auditor reads deliveries, and cannot replay (one or in bulk) nor reload contracts: nothing changes', async () => {
      const before = await stateOf();
      const listed = await call(auditor, 'GET', '/v1/deliveries?state=dead');
      expect(listed.status).toBe(200);
      expect(listed.json.items.map((d: any) => d.id)).toContain(deadId);
      expect(await actors('deliveries.listed')).toContain(`aud-${mode}@${OPERATOR_INSTITUTION}`);

      for (const [method, path, body] of [
        ['POST', `/v1/deliveries/${deadId}/replay`, undefined],
        ['POST', '/v1/deliveries/replay', { recipient: 'ps.police.judicial' }],
        ['POST', '/v1/admin/contracts/reload', undefined],
      ] as const) {
        const r = await call(auditor, method, path, body);
        expect([path, r.status, r.json.type]).toEqual([path, 403, 'https://wasla.dev/problems/role-not-allowed']);
      }
      expect(await stateOf()).toEqual(before);
      expect(await actors('delivery.replayed')).toEqual([]);
      expect(await actors('contracts.reloaded')).toEqual([]);
    });

    it('an operator cannot change contracts, and replays with the audit log naming them', async () => {
      const reload = await call(operatorKey(), 'POST', '/v1/admin/contracts/reload');
      expect(reload.status).toBe(403);
      expect(reload.json.type).toBe('https://wasla.dev/problems/role-not-allowed');
      expect(await actors('contracts.reloaded')).toEqual([]);
      const r = await call(operatorKey(), 'POST', `/v1/deliveries/${deadId}/replay`);
      expect(r.status).toBe(200);
      expect(await actors('delivery.replayed')).toEqual([`${DUTY_OPERATOR.id}@${OPERATOR_INSTITUTION}`]);
    });

    it('an admin reloads the contracts, on the audit log as that admin', async () => {
      const r = await call(admin, 'POST', '/v1/admin/contracts/reload');
      expect(r.status).toBe(200);
      expect(r.json.institutions).toBeGreaterThan(10);
      expect(await actors('contracts.reloaded')).toEqual([`ada-${mode}@${OPERATOR_INSTITUTION}`]);
    });

    it("a certificate of the hub's institution without a role may do no operator action (least privilege)", async () => {
      const listed = await call(roleless, 'GET', '/v1/deliveries?state=dead');
      expect(listed.status).toBe(403);
      expect(listed.json.type).toBe('https://wasla.dev/problems/role-not-allowed');
      expect((await call(roleless, 'POST', '/v1/deliveries/replay', {})).status).toBe(403);
    });

    it('puts each refused operator action on the audit log with the operator', async () => {
      const end = Date.now() + 5_000;
      let rows: Array<{ actor: string; data: any }> = [];
      while (Date.now() < end) {
        const r = await hub.database.db.execute(sql`select actor, data from audit_log where action = 'request.refused' and data->>'reason' = 'role-not-allowed'`);
        rows = (r as any).rows ?? r;
        if (rows.length >= 6) break;
        await new Promise((res) => setTimeout(res, 25));
      }
      expect(rows.map((r) => r.data.operator)).toEqual(expect.arrayContaining([`aud-${mode}`, DUTY_OPERATOR.id]));
    });
  });
}
