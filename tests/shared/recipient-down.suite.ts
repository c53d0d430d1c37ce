/**
 * A recipient down for good (issue 20), in both modes. The retry schedule bounds a delivery in time:
 * deliveries to a recipient that answers 500 forever, or hangs, end dead once their schedule's time
 * has run out, though the circuit breaker stays open far longer and defers them without an attempt.
 * Under an agreement that says store and forward they wait instead, past their schedule, visibly:
 * listed as waiting, counted per recipient in the metrics; and they go once the recipient is back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Hub } from '../../src/hub.js';
import { makeHubEnv, startTestHub, type Mode, type TestHubEnv } from '../helpers/hub.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { contractsWithGrants, endpointEnv } from '../helpers/contracts.js';
import { signedFetch } from '../helpers/federation.js';
import { getMessage, post, waitForStates, warrant, contestedFine } from './spine.suite.js';
import { OPERATOR } from './dead-letters.suite.js';

const POLICE = 'ps.police.judicial';

export function recipientDownSuite(mode: Mode) {
  describe(`a recipient down for good (${mode} mode)`, () => {
    let henv: TestHubEnv | undefined;
    let hub: Hub | undefined;
    const receivers: Receiver[] = [];
    afterEach(async () => {
      await hub?.stop();
      for (const r of receivers.splice(0)) await r.close();
      await henv?.cleanup();
    });

    const query = async <T>(q: ReturnType<typeof sql>) => {
      const r = await hub!.database.db.execute(q);
      return ((r as any).rows ?? r) as T[];
    };

    it("ends deliveries dead when their schedule's time runs out, the breaker open throughout (500 forever, and hanging)", async () => {
      henv = await makeHubEnv(mode);
      const failing = await startReceiver(() => ({ status: 500, body: 'down' }));
      const hanging = await startReceiver(() => 'hang');
      receivers.push(failing, hanging);
      // 0.5 s, 0.5 s and attempts of at most 1 s: given up 4 s after the first attempt; the breaker
      // opens at the first failure and stays open ten minutes
      const dir = contractsWithGrants((g) => void (g.retry = { schedule: [0.5, 0.5], jitter: 0 }));
      hub = await startTestHub(
        henv,
        {
          WASLA_CONTRACTS_DIR: dir,
          WASLA_ATTEMPT_TIMEOUT_MS: '1000',
          WASLA_LEASE_MS: '3000',
          WASLA_SWEEP_INTERVAL_MS: '200',
          WASLA_BREAKER_FAILURES: '1',
          WASLA_BREAKER_OPEN_MS: '600000',
        },
        { contractsEnv: { ...process.env, ...endpointEnv(hanging.url, { [POLICE]: failing.url }) } },
      );
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push((await post(hub, warrant({ warrantNumber: `W-DOWN-${i}` }))).json.id);
      const contested = contestedFine();
      for (let i = 0; i < 3; i++) ids.push((await post(hub, contested)).json.id);

      for (const id of ids) await waitForStates(hub, id, ['dead'], 45_000);
      const rows = await query<{ recipient: string; attempts: number; rows: number; last_error: string; gives_up_at: unknown }>(sql`
        select d.recipient, d.attempts, (select count(*)::int from attempts a where a.delivery_id = d.id) as rows, d.last_error, d.gives_up_at
        from deliveries d join messages m on m.id = d.message_id where m.sender <> 'ps.wasla.hub'`);
      expect(new Set(rows.map((r) => r.recipient))).toEqual(new Set([POLICE, 'ps.mof', 'ps.mot']));
      // each death was told to the sender, in the transaction that recorded it (issue 25)
      const told = await query<{ n: number }>(sql`select count(*)::int as n from messages where sender = 'ps.wasla.hub' and type = 'delivery.failed'`);
      expect(Number(told[0].n)).toBe(rows.length);
      for (const r of rows) {
        expect(r.gives_up_at).not.toBeNull();
        expect(r.last_error).toMatch(/time ran out|retries exhausted/);
        // every attempt made is on the record; deferrals by the breaker are not attempts
        expect(Number(r.rows)).toBe(Number(r.attempts));
      }
      // most never got an attempt: the breaker held them, and their time ran out meanwhile
      expect(rows.filter((r) => /while the recipient could not be tried/.test(r.last_error)).length).toBeGreaterThan(0);
      // the sender sees when each was to be given up, and why it is dead
      const seen = await getMessage(hub, ids[0]);
      expect(seen.json.deliveries[0]).toMatchObject({ state: 'dead', storeAndForward: false, givesUpAt: expect.any(String) });
    }, 90_000);

    it('under store and forward keeps deliveries waiting past their schedule, visibly, and delivers them when the recipient returns', async () => {
      henv = await makeHubEnv(mode);
      let up = false;
      const police = await startReceiver(() => (up ? { status: 200, body: '{"ok":true}' } : { status: 503, body: 'closed for maintenance' }));
      receivers.push(police);
      const dir = contractsWithGrants((g) => void (g.retry = { schedule: [0.3], jitter: 0, storeAndForward: true }));
      hub = await startTestHub(
        henv,
        {
          WASLA_CONTRACTS_DIR: dir,
          WASLA_ATTEMPT_TIMEOUT_MS: '1000',
          WASLA_LEASE_MS: '3000',
          WASLA_BREAKER_FAILURES: '1000',
        },
        { contractsEnv: { ...process.env, ...endpointEnv(police.url) } },
      );
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await post(hub, warrant({ warrantNumber: `W-SAF-${i}` }))).json.id);

      // past what the schedule allows: more attempts than it has, and older than its time would be
      // without store and forward (0.3 s and two attempts of at most 1 s)
      const end = Date.now() + 30_000;
      for (;;) {
        const [r] = await query<{ fewest: number; youngest: number }>(sql`select min(attempts)::int as fewest,
          min(extract(epoch from now() - created_at))::float8 as youngest from deliveries`);
        if (Number(r.fewest) >= 4 && Number(r.youngest) > 2.5) break;
        if (Date.now() > end) throw new Error(`store and forward: ${JSON.stringify(r)}`);
        await new Promise((res) => setTimeout(res, 100));
      }
      for (const id of ids) {
        // still tried every 0.3 s: between attempts (retrying) or, now and then, during one (in_flight)
        const d = (await getMessage(hub, id)).json.deliveries[0];
        expect(d).toMatchObject({ storeAndForward: true, givesUpAt: null });
        expect(['retrying', 'in_flight']).toContain(d.state);
      }
      // operators see them: listed as waiting, counted and aged per recipient in the metrics
      const listed = await signedFetch(`${hub.url}/v1/deliveries?state=waiting&recipient=${POLICE}`, {}, OPERATOR);
      expect(listed.status).toBe(200);
      const items = ((await listed.json()) as any).items;
      expect(items.map((i: any) => i.messageId).sort()).toEqual([...ids].sort());
      for (const i of items) expect(i).toMatchObject({ storeAndForward: true, givesUpAt: null });
      const metrics = await (await fetch(`${hub.url}/metrics`)).text();
      expect(metrics).toContain(`wasla_deliveries_waiting{recipient="${POLICE}"} 3`);
      const oldest = Number(new RegExp(`wasla_delivery_oldest_waiting_seconds\\{recipient="${POLICE.replace(/\./g, '\\.')}"\\} ([0-9.e+-]+)`).exec(metrics)?.[1]);
      expect(oldest).toBeGreaterThan(2.5);

      up = true;
      for (const id of ids) await waitForStates(hub, id, ['delivered'], 30_000);
      const after = await (await fetch(`${hub.url}/metrics`)).text();
      expect(after).not.toContain(`wasla_deliveries_waiting{recipient="${POLICE}"}`);
    }, 90_000);
  });
}
