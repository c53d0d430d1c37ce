/**
 * The pull inbox (issue 22), in both modes: the judicial police pull their deliveries instead of
 * receiving pushes. A long poll returns within about a second of intake; what it hands out is the
 * push request, verified with the SDK; a signed receipt marks it delivered; a lapsed lease returns
 * it to the inbox; nobody else pulls or acknowledges it; a de-cleared recipient gets nothing; an
 * unpulled delivery ends dead when its schedule's time runs out, and a replay puts it back. The SDK's
 * pullDeliveries does all of it for an integrator. In server mode a second api process proves the
 * wake-up travels over Redis.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Hub } from '../../src/hub.js';
import { pullDeliveries, signReceipt, verifyDelivery, type PulledDelivery } from '../../src/client/index.js';
import { INBOX_EXPIRED } from '../../src/store/index.js';
import { makeHubEnv, startTestHub, type Mode, type TestHubEnv } from '../helpers/hub.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { contractsWithGrants, endpointEnv, envelope, example } from '../helpers/contracts.js';
import { sharedFederation, signedFetch } from '../helpers/federation.js';
import { COURT, getMessage, post, waitForStates, warrant } from './spine.suite.js';

export const POLICE = 'ps.police.judicial';
/** a second pulling institution: it must not see or acknowledge the judicial police's deliveries */
const JUVENILE_UNIT = 'ps.police.juvenile-unit';
const fed = () => sharedFederation();

function editJson(file: string, change: (doc: any) => void): void {
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  change(doc);
  writeFileSync(file, JSON.stringify(doc, null, 2));
}

/** the demo contracts, with the judicial police (and the juvenile unit) pulling; partly identified warrants given up within seconds */
export function pullingContracts(): string {
  const dir = contractsWithGrants((g) => {
    if (g.id === 'partly-identified-warrants-to-police') g.retry = { schedule: [1], jitter: 0 };
  });
  for (const id of [POLICE, JUVENILE_UNIT]) {
    editJson(join(dir, 'institutions', `${id}.json`), (d) => {
      d.delivery = 'pull';
      delete d.endpoints;
    });
  }
  editJson(join(dir, 'institutions', `${POLICE}.json`), (d) => void (d.clearances = ['juvenile']));
  return dir;
}

export interface Pulled {
  deliveryId: string;
  messageId: string;
  attempt: number;
  leaseUntil: string;
  request: { method: string; url: string; headers: Record<string, string>; body: string };
}

export async function pull(hub: Pick<Hub, 'url'>, who = POLICE, q = 'limit=10&wait=0'): Promise<{ status: number; json: any; items: Pulled[] }> {
  const res = await signedFetch(`${hub.url}/v1/inbox?${q}`, {}, who);
  const json = (await res.json()) as any;
  return { status: res.status, json, items: json.items ?? [] };
}

/** pull until delivery `id` comes (other deliveries may come due first), for at most ~`seconds` */
export async function pullFor(hub: Pick<Hub, 'url'>, id: string, seconds = 10): Promise<Pulled | undefined> {
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    const wait = Math.max(1, Math.ceil((end - Date.now()) / 1000));
    const found = (await pull(hub, POLICE, `limit=10&wait=${wait}`)).items.find((i) => i.deliveryId === id);
    if (found) return found;
  }
  return undefined;
}

export const asRequest = (p: Pulled) => new Request(p.request.url, { method: p.request.method, headers: p.request.headers, body: new Uint8Array(Buffer.from(p.request.body, 'base64')) });

/** the receipt an institution signs over a pulled delivery (with its key, or another's) */
export async function receiptFor(p: Pulled, signer = POLICE, status = 200) {
  const k = fed().keys.get(signer)!;
  const r = await signReceipt(new Response('{"ok":true}', { status, headers: { 'content-type': 'application/json' } }), k.key, { keyid: k.serial, alg: 'ed25519', request: asRequest(p) });
  const headers: Record<string, string> = {};
  r.headers.forEach((v, name) => {
    headers[name] = v;
  });
  return { status, headers, body: Buffer.from(await r.arrayBuffer()).toString('base64') };
}

export async function ack(hub: Pick<Hub, 'url'>, deliveryId: string, receipt: unknown, who = POLICE) {
  const res = await signedFetch(`${hub.url}/v1/inbox/${deliveryId}/receipt`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(receipt) }, who);
  return { status: res.status, json: (await res.json()) as any };
}

/** an adult warrant (3.0) for a person without a national id: the grant that gives up within seconds */
const partlyIdentified = (n: string) => {
  const base = example('warrant.issued', '3.0');
  const { nationalId: _drop, ...subject } = base.subject;
  return envelope('warrant.issued', '3.0', { ...base, warrantNumber: n, issuingCourt: { ...base.issuingCourt, id: COURT }, executingAuthority: POLICE, subject });
};

export function inboxSuite(mode: Mode) {
  describe(`pull inbox (${mode} mode)`, () => {
    let henv: TestHubEnv;
    let hub: Hub;
    let others: Receiver;
    let dir: string;
    // the fallback poll is 3 s: a pull answered well within it was woken by the bell
    const env = (d: string) => ({ WASLA_CONTRACTS_DIR: d, WASLA_INBOX_LEASE_MS: '1500', WASLA_INBOX_POLL_MS: '3000', WASLA_INBOX_MAX_WAIT_S: '15' });

    const audit = async (action: string, subject: string) => {
      const r = await hub.database.db.execute(sql`select actor, data from audit_log where action = ${action} and subject = ${subject}`);
      return ((r as any).rows ?? r) as Array<{ actor: string; data: any }>;
    };

    beforeAll(async () => {
      henv = await makeHubEnv(mode);
      others = await startReceiver();
      dir = pullingContracts();
      hub = await startTestHub(henv, env(dir), { contractsEnv: { ...process.env, ...endpointEnv(others.url) } });
    });
    afterAll(async () => {
      await hub?.stop();
      await others?.close();
      await henv?.cleanup();
    });

    it('a long poll returns within about a second of intake, the push request verified with verifyDelivery; a signed receipt marks it delivered', async () => {
      expect((await pull(hub)).items).toEqual([]); // nothing waits yet
      const polling = pull(hub, POLICE, 'limit=5&wait=10');
      await new Promise((r) => setTimeout(r, 300));
      const sent = Date.now();
      const r = await post(hub, warrant({ warrantNumber: 'W-INBOX-1' }));
      expect(r.status).toBe(202);
      const got = await polling;
      const tookMs = Date.now() - sent;
      expect(got.status).toBe(200);
      expect(tookMs).toBeLessThan(2000); // woken at the commit, not by the 3 s poll
      expect(got.items).toHaveLength(1);
      const item = got.items[0];
      expect(item).toMatchObject({ deliveryId: r.json.deliveries[0].id, messageId: r.json.id, attempt: 1 });
      expect(item.request.url).toBe(`urn:wasla:inbox:${POLICE}`);
      const v = await verifyDelivery(asRequest(item), fed().hubCertPem, { caCertPems: [fed().caCertPem] });
      expect(v.deliveryId).toBe(item.deliveryId);
      const envelope = JSON.parse(v.body.toString('utf8'));
      expect(envelope.data.warrantNumber).toBe('W-INBOX-1');
      // the police's grant is projected: never the free-text subject attribute, as a push would be
      expect(envelope.subject).toBeUndefined();
      expect(others.arrivals.filter((a) => a.institution === POLICE)).toHaveLength(0); // nothing was POSTed
      expect((await getMessage(hub, r.json.id)).json.deliveries[0].state).toBe('in_flight');

      const done = await ack(hub, item.deliveryId, await receiptFor(item));
      expect(done).toMatchObject({ status: 200, json: { deliveryId: item.deliveryId, state: 'delivered' } });
      const m = (await getMessage(hub, r.json.id)).json.deliveries[0];
      expect(m).toMatchObject({ state: 'delivered', attempts: 1 });
      expect(m.attemptLog.map((a: any) => a.outcome)).toEqual(['delivered']);
      expect((await audit('delivery.attempt', item.deliveryId)).map((a) => (typeof a.data === 'string' ? JSON.parse(a.data) : a.data).outcome)).toEqual(['delivered']);
      const leased = await hub.metrics.registry.getSingleMetric('wasla_inbox_leased_total')!.get();
      expect(leased.values[0].value).toBeGreaterThanOrEqual(1);
      // a receipt sent again is answered, and changes nothing
      expect((await ack(hub, item.deliveryId, await receiptFor(item))).json).toMatchObject({ state: 'delivered', already: true });
    });

    it('another institution cannot pull or acknowledge it; an unsigned or foreign receipt is refused', async () => {
      const r = await post(hub, warrant({ warrantNumber: 'W-INBOX-2' }));
      const id = r.json.deliveries[0].id;
      // acknowledged before it was ever leased
      const early = await ack(hub, id, { status: 200, headers: {} });
      expect(early.status).toBe(409);
      expect(early.json.type).toBe('https://wasla.dev/problems/delivery-not-leased');
      // a pushing institution has no inbox
      const court = await pull(hub, COURT);
      expect(court.status).toBe(403);
      expect(court.json.type).toBe('https://wasla.dev/problems/not-a-pull-institution');
      // another pulling institution sees none of the police's deliveries
      expect((await pull(hub, JUVENILE_UNIT)).items.map((i) => i.deliveryId)).not.toContain(id);
      const [item] = (await pull(hub)).items;
      expect(item.deliveryId).toBe(id);
      const foreign = await ack(hub, id, await receiptFor(item), JUVENILE_UNIT);
      expect(foreign.status).toBe(409);
      expect(foreign.json.type).toBe('https://wasla.dev/problems/delivery-not-leased');
      expect((await ack(hub, id, await receiptFor(item), COURT)).status).toBe(403);
      // the police's own request, but a receipt signed by someone else, or by nobody
      const forged = await ack(hub, id, await receiptFor(item, JUVENILE_UNIT));
      expect(forged.status).toBe(422);
      expect(forged.json.type).toBe('https://wasla.dev/problems/receipt-invalid');
      expect((await ack(hub, id, { status: 200, headers: { 'content-type': 'application/json' } })).status).toBe(422);
      const bad = await ack(hub, id, { status: 'ok', headers: [] });
      expect(bad.status).toBe(400);
      expect((await getMessage(hub, r.json.id)).json.deliveries[0].state).toBe('in_flight');
      expect((await ack(hub, id, await receiptFor(item))).json.state).toBe('delivered');
    });

    it('a lease that lapses returns the delivery to the inbox, the lapsed lease recorded as an abandoned attempt', async () => {
      const r = await post(hub, warrant({ warrantNumber: 'W-INBOX-LAPSE' }));
      const id = r.json.deliveries[0].id;
      const first = (await pull(hub)).items.find((i) => i.deliveryId === id)!;
      expect(first.attempt).toBe(1);
      // not acknowledged: the lease (1.5 s) lapses, the sweeper returns it, the poll finds it
      const second = (await pullFor(hub, id))!;
      expect(second.attempt).toBe(2);
      expect((await ack(hub, id, await receiptFor(second))).json.state).toBe('delivered');
      const d = (await getMessage(hub, r.json.id)).json.deliveries[0];
      expect(d.attemptLog.map((a: any) => a.outcome)).toEqual(['abandoned', 'delivered']);
      expect(d.attempts).toBe(2);
    });

    it('a refusing receipt is judged as a push answer: 503 back to the inbox by the schedule, 400 dead', async () => {
      const a = await post(hub, warrant({ warrantNumber: 'W-INBOX-503' }));
      const b = await post(hub, warrant({ warrantNumber: 'W-INBOX-400' }));
      const items = (await pull(hub)).items;
      const ia = items.find((i) => i.deliveryId === a.json.deliveries[0].id)!;
      const ib = items.find((i) => i.deliveryId === b.json.deliveries[0].id)!;
      expect((await ack(hub, ia.deliveryId, await receiptFor(ia, POLICE, 503))).json.state).toBe('retrying');
      expect((await ack(hub, ib.deliveryId, await receiptFor(ib, POLICE, 400))).json.state).toBe('dead');
      expect((await getMessage(hub, b.json.id)).json.deliveries[0].lastError).toContain('400');
    });

    it('gives a de-cleared recipient nothing: the waiting delivery ends dead, no longer entitled', async () => {
      const r = await post(hub, { ...warrant({ warrantNumber: 'W-INBOX-JUV' }), classification: 'juvenile' });
      expect(r.json.deliveries.map((d: any) => d.recipient)).toEqual([POLICE]);
      const id = r.json.deliveries[0].id;
      editJson(join(dir, 'institutions', `${POLICE}.json`), (d) => void (d.clearances = []));
      await hub.reloadContracts('operator');
      try {
        const got = await pull(hub);
        expect(got.items.map((i) => i.deliveryId)).not.toContain(id);
        const d = (await getMessage(hub, r.json.id)).json.deliveries[0];
        expect(d).toMatchObject({ state: 'dead', lastError: `no-longer-entitled: ${POLICE} is not cleared for juvenile`, attempts: 0 });
        expect(await audit('delivery.withdrawn', id)).toHaveLength(1);
      } finally {
        editJson(join(dir, 'institutions', `${POLICE}.json`), (d) => void (d.clearances = ['juvenile']));
        await hub.reloadContracts('operator');
      }
    });

    it('ends an unpulled delivery dead when its schedule runs out; a replay puts it back in the inbox', async () => {
      const r = await post(hub, partlyIdentified('W-INBOX-LATE'));
      expect(r.status).toBe(202);
      const id = r.json.deliveries[0].id;
      // schedule [1 s], no jitter, 2 s attempt timeout: 5 s from the first sweep that sees it
      const dead = (await waitForStates(hub, r.json.id, ['dead'], 20_000)).deliveries[0];
      expect(dead.lastError).toContain(INBOX_EXPIRED);
      expect(dead.attempts).toBe(0);
      expect(await audit('delivery.expired', id)).toHaveLength(1);
      expect(others.arrivals.filter((a) => a.deliveryId === id)).toHaveLength(0);

      const polling = pull(hub, POLICE, 'limit=10&wait=10');
      await new Promise((res) => setTimeout(res, 200));
      const replayed = await signedFetch(`${hub.url}/v1/deliveries/${id}/replay`, { method: 'POST' }, COURT);
      expect(replayed.status).toBe(200);
      // (the poll may first return a delivery an earlier test sent back: pull on until it comes)
      const item = (await polling).items.find((i) => i.deliveryId === id) ?? (await pullFor(hub, id));
      expect(item).toBeDefined();
      if (!item) return;
      expect((await ack(hub, id, await receiptFor(item))).json.state).toBe('delivered');
    });

    it('pullDeliveries (SDK) pulls, verifies, hands over and acknowledges; a failing handler sends it back', async () => {
      const k = fed().keys.get(POLICE)!;
      const creds = { hubUrl: hub.url!, key: k.key, keyid: k.serial, alg: 'ed25519' as const, hub: fed().hubCertPem, caCertPems: [fed().caCertPem] };
      const ok = await post(hub, warrant({ warrantNumber: 'W-SDK-OK' }));
      const fail = await post(hub, warrant({ warrantNumber: 'W-SDK-FAIL' }));
      const seen: PulledDelivery[] = [];
      const sum = await pullDeliveries(
        creds,
        async (d) => {
          seen.push(d);
          if ((d.json as any).data.warrantNumber === 'W-SDK-FAIL') throw new Error('our register is down');
        },
        { once: true, wait: 5, onError: () => {} },
      );
      // (a delivery an earlier test sent back may come due in the same pull)
      expect(sum).toMatchObject({ rejected: 0, failed: 1 });
      expect(sum.acknowledged).toBe(sum.pulled - 1);
      expect(seen.map((d) => d.deliveryId)).toEqual(expect.arrayContaining([ok.json.deliveries[0].id, fail.json.deliveries[0].id]));
      expect(seen.every((d) => d.signature.resolved.certificate !== undefined)).toBe(true);
      expect((await getMessage(hub, ok.json.id)).json.deliveries[0].state).toBe('delivered');
      expect((await getMessage(hub, fail.json.id)).json.deliveries[0].state).toBe('retrying');
    });

    if (mode === 'server') {
      it('wakes a long poll held by another api process, over Redis', async () => {
        const second = await startTestHub(henv, { ...env(dir), WASLA_ROLE: 'api' }, { contractsEnv: { ...process.env, ...endpointEnv(others.url) } });
        try {
          // what earlier tests sent back to the inbox would answer the poll too: settle it first, so
          // that only the warrant below can
          await hub.database.db.execute(
            sql`update deliveries set state = 'dead', next_attempt_at = null, last_error = 'settled by the test' where recipient = ${POLICE} and state <> 'delivered' and state <> 'dead'`,
          );
          const polling = pull(second, POLICE, 'limit=5&wait=10');
          await new Promise((res) => setTimeout(res, 300));
          const sent = Date.now();
          const r = await post(hub, warrant({ warrantNumber: 'W-INBOX-REDIS' }));
          const got = await polling;
          expect(Date.now() - sent).toBeLessThan(2000);
          expect(got.items.map((i) => i.deliveryId)).toEqual([r.json.deliveries[0].id]);
          const item = got.items[0];
          expect((await ack(second, item.deliveryId, await receiptFor(item))).json.state).toBe('delivered');
        } finally {
          await second.stop();
        }
      });
    }
  });
}
