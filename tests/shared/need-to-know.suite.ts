/**
 * Need to know at every attempt and every replay (issue 19), in both modes: once the contracts are
 * reloaded without a recipient's clearance, a retry already scheduled sends it nothing (the
 * delivery ends dead as no-longer-entitled, on the audit log, and its sender sees why), a replay of
 * its dead delivery is refused with 403 and audited, and a recipient whose grant was narrowed gets
 * only what the grant in force gives it — fields and envelope attributes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Hub } from '../../src/hub.js';
import { makeHubEnv, startTestHub, type Mode, type TestHubEnv } from '../helpers/hub.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { contractsWithRetry, endpointEnv } from '../helpers/contracts.js';
import { signedFetch } from '../helpers/federation.js';
import { COURT, getMessage, post, waitForStates, warrant } from './spine.suite.js';
import { OPERATOR, OPERATOR_ACTOR } from './dead-letters.suite.js';

const POLICE = 'ps.police.judicial';

function editJson(file: string, change: (doc: any) => void): void {
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  change(doc);
  writeFileSync(file, JSON.stringify(doc, null, 2));
}

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function needToKnowSuite(mode: Mode) {
  describe(`need to know at every attempt and replay (${mode} mode)`, () => {
    let henv: TestHubEnv;
    let hub: Hub;
    let police: Receiver;
    let dir: string;
    /** warrant number -> what the police answer it */
    const answers = new Map<string, number>();

    beforeAll(async () => {
      henv = await makeHubEnv(mode);
      police = await startReceiver((a) => ({ status: answers.get(a.json?.data?.warrantNumber) ?? 200, body: 'not now' }));
      dir = contractsWithRetry({ schedule: [1, 1, 1], jitter: 0 });
      // the judicial police start out cleared for juvenile cases
      editJson(join(dir, 'institutions', `${POLICE}.json`), (d) => void (d.clearances = ['juvenile']));
      hub = await startTestHub(henv, { WASLA_CONTRACTS_DIR: dir }, { contractsEnv: { ...process.env, ...endpointEnv(police.url) } });
    });
    afterAll(async () => {
      await hub?.stop();
      await police?.close();
      await henv?.cleanup();
    });

    const arrivalsFor = (deliveryId: string) => police.arrivals.filter((a) => a.deliveryId === deliveryId).length;
    const audit = async (action: string, subject: string) => {
      const r = await hub.database.db.execute(sql`select actor, data from audit_log where action = ${action} and subject = ${subject}`);
      return ((r as any).rows ?? r) as Array<{ actor: string; data: any }>;
    };
    /** a warrant the court classifies juvenile: only a recipient cleared for juvenile may get it */
    const juvenileWarrant = (n: string) => ({ ...warrant({ warrantNumber: n }), classification: 'juvenile' });

    it('sends nothing more to a de-cleared recipient: a scheduled retry ends dead, a dead delivery is not replayed', async () => {
      answers.set('W-NTK-RETRY', 503);
      answers.set('W-NTK-DEAD', 400);
      const retrying = await post(hub, juvenileWarrant('W-NTK-RETRY'));
      const dead = await post(hub, juvenileWarrant('W-NTK-DEAD'));
      expect(retrying.status).toBe(202);
      expect(retrying.json.classification).toBe('juvenile');
      expect(retrying.json.deliveries.map((d: any) => d.recipient)).toEqual([POLICE]);
      const retryId = retrying.json.deliveries[0].id;
      const deadId = dead.json.deliveries[0].id;
      await waitForStates(hub, dead.json.id, ['dead']);
      await until('the first attempt of the retried warrant', () => arrivalsFor(retryId) >= 1);

      // the police lose their juvenile clearance; the hub reloads its contracts
      editJson(join(dir, 'institutions', `${POLICE}.json`), (d) => void (d.clearances = []));
      await hub.reloadContracts('operator');
      answers.delete('W-NTK-RETRY');
      answers.delete('W-NTK-DEAD');
      const arrivedBefore = arrivalsFor(retryId);

      // the retry already scheduled comes due: nothing reaches the police, the delivery ends dead
      const seen = await waitForStates(hub, retrying.json.id, ['dead']);
      const d = seen.deliveries[0];
      expect(d.lastError).toBe(`no-longer-entitled: ${POLICE} is not cleared for juvenile`);
      expect(arrivalsFor(retryId)).toBe(arrivedBefore);
      expect(d.attempts).toBe(d.attemptLog.length);
      const withdrawn = await audit('delivery.withdrawn', retryId);
      expect(withdrawn).toHaveLength(1);
      expect(typeof withdrawn[0].data === 'string' ? JSON.parse(withdrawn[0].data) : withdrawn[0].data).toMatchObject({ recipient: POLICE });

      // the dead one: its sender's replay and an operator's bulk replay are refused, and audited
      const one = await signedFetch(`${hub.url}/v1/deliveries/${deadId}/replay`, { method: 'POST' }, COURT);
      expect(one.status).toBe(403);
      expect(one.headers.get('content-type')).toMatch(/application\/problem\+json/);
      const problem = (await one.json()) as any;
      expect(problem).toMatchObject({
        type: 'https://wasla.dev/problems/no-longer-entitled',
        status: 403,
        refused: [{ id: deadId, recipient: POLICE, reason: `${POLICE} is not cleared for juvenile` }],
      });
      const bulk = await signedFetch(
        `${hub.url}/v1/deliveries/replay`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ recipient: POLICE, reason: 'try again' }),
        },
        OPERATOR,
      );
      expect(bulk.status).toBe(403);
      expect(((await bulk.json()) as any).refused.map((r: any) => r.id)).toContain(deadId);
      expect((await audit('delivery.replay-refused', deadId)).map((a) => a.actor).sort()).toEqual([COURT, OPERATOR_ACTOR].sort());
      expect((await getMessage(hub, dead.json.id)).json.deliveries[0].state).toBe('dead');
      expect(arrivalsFor(deadId)).toBe(1);
    });

    it('sends a recipient only what the grant in force gives it now: fields and envelope attributes', async () => {
      answers.set('W-NTK-NARROW', 503);
      const sent = warrant({ warrantNumber: 'W-NTK-NARROW' });
      const r = await post(hub, { ...sent, subject: 'warrant against Ahmad Khalil', casereference: 'RAM/2026/77', correlationid: 'corr-77' });
      expect(r.status).toBe(202);
      const id = r.json.deliveries[0].id;
      await until('the first attempt', () => arrivalsFor(id) >= 1);
      const first = police.arrivals.find((a) => a.deliveryId === id)!.json;
      // a projected grant: the case reference and correlation id it names, never the free-text subject
      expect(first.subject).toBeUndefined();
      expect(first).toMatchObject({ casereference: 'RAM/2026/77', correlationid: 'corr-77' });
      expect(first.data.subject).toBeDefined();
      expect(first.data.judge).toBeDefined();

      // the agreement is narrowed: no more subject (the person) or judge, and no envelope attributes
      editJson(join(dir, 'agreements', 'warrants-courts-police.json'), (a) => {
        const t = a.grants.find((g: any) => g.id === 'warrants-to-police').to[0];
        t.fields = t.fields.filter((f: string) => f !== '/subject' && f !== '/judge');
        t.envelope = [];
      });
      await hub.reloadContracts('operator');
      answers.delete('W-NTK-NARROW');
      await waitForStates(hub, r.json.id, ['delivered']);
      const last = police.arrivals.filter((a) => a.deliveryId === id).at(-1)!.json;
      expect(last.data.subject).toBeUndefined();
      expect(last.data.judge).toBeUndefined();
      expect(last.data.warrantNumber).toBe('W-NTK-NARROW');
      expect(last.casereference).toBeUndefined();
      expect(last.correlationid).toBeUndefined();
      expect(last.id).toBe(r.json.id);
    });
  });
}
