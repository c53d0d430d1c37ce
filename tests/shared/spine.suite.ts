/**
 * The spine end to end, run in both modes through this one suite: intake over real HTTP, delivery
 * to a real receiver on 127.0.0.1 that can be told to fail, every refusal as problem+json with
 * nothing stored, idempotent intake, and the operational endpoints.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { sealAll, verifyAudit } from '../../src/audit/log.js';
import type { Hub } from '../../src/hub.js';
import { makeHubEnv, startTestHub, type Mode, type TestHubEnv } from '../helpers/hub.js';
import { ok, startReceiver, type Receiver } from '../helpers/receiver.js';
import { contractsWithRetry, endpointEnv, envelope, example } from '../helpers/contracts.js';
import { OUTSIDER, sharedFederation, signedFetch } from '../helpers/federation.js';

export const COURT = 'ps.hjc.court.ramallah';

export async function post(hub: Pick<Hub, 'url'>, body: unknown, headers: Record<string, string> = {}, sender = COURT) {
  const res = await signedFetch(
    `${hub.url}/v1/messages`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    },
    sender,
  );
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', json: text ? JSON.parse(text) : undefined, headers: res.headers };
}

export async function getMessage(hub: Pick<Hub, 'url'>, id: string, sender = COURT) {
  const res = await signedFetch(`${hub.url}/v1/messages/${id}`, {}, sender);
  return { status: res.status, json: (await res.json()) as any };
}

export async function waitForStates(hub: Hub, id: string, states: string[], timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = await getMessage(hub, id);
    if (r.status === 200 && r.json.deliveries.every((d: any) => states.includes(d.state))) return r.json;
    if (Date.now() > end) throw new Error(`message ${id} not in ${states.join('|')}: ${JSON.stringify(r.json.deliveries?.map((d: any) => [d.recipient, d.state, d.lastError]))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function counts(hub: Hub) {
  const r = await hub.database.db.execute(sql`select (select count(*) from messages)::int as m, (select count(*) from deliveries)::int as d, (select count(*) from idempotency_keys)::int as k`);
  const row = ((r as any).rows ?? r)[0];
  return { messages: Number(row.m), deliveries: Number(row.d), keys: Number(row.k) };
}

/** a warrant from the court to the judicial police (the catalogue's own example) */
export function warrant(overrides: Record<string, unknown> = {}) {
  const base = example('warrant.issued', '2.0');
  const data = {
    ...base,
    issuingCourt: { ...base.issuingCourt, id: COURT },
    executingAuthority: 'ps.police.judicial',
    ...overrides,
  };
  return envelope('warrant.issued', '2.0', data);
}

/**
 * a contested traffic fine the court sends (the catalogue's example names a Jordanian court, and the
 * hub refuses a message naming another institution as its issuer: issue 26)
 */
export function contestedFine() {
  const data = example('traffic-fine.contested', '1.0');
  data.court = { ...data.court, id: COURT };
  return envelope('traffic-fine.contested', '1.0', data);
}

export function spineSuite(mode: Mode) {
  describe(`spine end to end (${mode} mode)`, () => {
    let henv: TestHubEnv;
    let hub: Hub;
    let receiver: Receiver;
    let contractsDir: string;

    beforeAll(async () => {
      henv = await makeHubEnv(mode);
      receiver = await startReceiver(ok);
      contractsDir = contractsWithRetry({ schedule: [0.2, 0.2, 0.2], jitter: 0 });
      hub = await startTestHub(henv, { WASLA_CONTRACTS_DIR: contractsDir }, { contractsEnv: { ...process.env, ...endpointEnv(receiver.url) } });
    });
    afterAll(async () => {
      await hub?.stop();
      await receiver?.close();
      await henv?.cleanup();
    });

    it('accepts a message, answers 202 with its deliveries, and delivers it with stable ids', async () => {
      const sent = warrant();
      const r = await post(hub, sent);
      expect(r.status).toBe(202);
      expect(r.headers.get('location')).toBe(`/v1/messages/${r.json.id}`);
      expect(r.json.deliveries.length).toBeGreaterThan(0);
      const done = await waitForStates(hub, r.json.id, ['delivered']);
      // stored as sent: same data, same field order
      expect(JSON.stringify(done.envelope.data)).toBe(JSON.stringify(sent.data));
      for (const d of done.deliveries) {
        const arrival = receiver.arrivals.find((a) => a.deliveryId === d.id)!;
        expect(arrival).toBeDefined();
        expect(arrival.messageId).toBe(r.json.id);
        expect(arrival.json.id).toBe(r.json.id);
        expect(arrival.json.source).toBe(COURT);
        expect(arrival.json.dataschema).toMatch(new RegExp(`/warrant\\.issued/${d.major}\\.\\d+\\.schema\\.json$`));
        expect(d.attemptLog).toHaveLength(1);
        expect(d.attemptLog[0]).toMatchObject({ outcome: 'delivered', statusCode: 200 });
        // the receiver's signed receipt was verified and kept with the attempt
        expect(d.attemptLog[0].receipt).toMatchObject({ institution: d.recipient, keyid: sharedFederation().keys.get(d.recipient)!.serial });
      }
      // every delivery carried a hub signature the receiver verified with the SDK
      expect(receiver.rejected).toEqual([]);
    });

    it('retries a failing receiver with backoff until it succeeds, keeping the ids', async () => {
      let failures = 0;
      receiver.behave(() => (failures++ < 2 ? { status: 503, body: 'busy' } : { status: 200 }));
      const r = await post(hub, warrant({ warrantNumber: 'W-RETRY-1' }));
      expect(r.status).toBe(202);
      const done = await waitForStates(hub, r.json.id, ['delivered']);
      receiver.behave(ok);
      const d = done.deliveries[0];
      const arrivals = receiver.arrivals.filter((a) => a.messageId === r.json.id && a.deliveryId === d.id);
      expect(arrivals.length).toBeGreaterThanOrEqual(3);
      expect(new Set(arrivals.map((a) => a.deliveryId)).size).toBe(1);
      expect(d.attemptLog.slice(0, 2).map((a: any) => a.statusCode)).toEqual([503, 503]);
      expect(d.attemptLog.at(-1)).toMatchObject({ outcome: 'delivered' });
    });

    it('retries an attempt that timed out', async () => {
      let first = true;
      receiver.behave(() => {
        if (first) {
          first = false;
          return 'hang';
        }
        return { status: 200 };
      });
      const r = await post(hub, warrant({ warrantNumber: 'W-TIMEOUT-1' }));
      const done = await waitForStates(hub, r.json.id, ['delivered']);
      receiver.behave(ok);
      expect(done.deliveries[0].attemptLog[0]).toMatchObject({ outcome: 'retry', statusCode: null });
      expect(done.deliveries[0].attemptLog[0].error).toMatch(/no answer within/);
      expect(done.deliveries[0].attemptLog.at(-1).outcome).toBe('delivered');
    });

    it('honours Retry-After on 429', async () => {
      let first = true;
      receiver.behave(() => {
        if (first) {
          first = false;
          return { status: 429, headers: { 'retry-after': '1' } };
        }
        return { status: 200 };
      });
      const r = await post(hub, warrant({ warrantNumber: 'W-429-1' }));
      const done = await waitForStates(hub, r.json.id, ['delivered']);
      receiver.behave(ok);
      const [a, b] = done.deliveries[0].attemptLog;
      expect(a.statusCode).toBe(429);
      // the schedule says 0.2 s; the recipient asked for 1 s
      expect(Date.parse(b.startedAt) - Date.parse(a.startedAt)).toBeGreaterThanOrEqual(950);
    });

    it('marks a delivery dead at once on a 4xx that retrying cannot fix, keeping the reason', async () => {
      receiver.behave(() => ({ status: 422, body: 'unknown warrant format' }));
      const r = await post(hub, warrant({ warrantNumber: 'W-DEAD-1' }));
      const done = await waitForStates(hub, r.json.id, ['dead']);
      receiver.behave(ok);
      expect(done.deliveries[0].attempts).toBe(1);
      expect(done.deliveries[0].lastError).toContain('422');
    });

    it('gives up after the schedule is used up (dead, with every attempt recorded)', async () => {
      receiver.behave(() => ({ status: 500 }));
      const r = await post(hub, warrant({ warrantNumber: 'W-EXHAUST-1' }));
      const done = await waitForStates(hub, r.json.id, ['dead']);
      receiver.behave(ok);
      expect(done.deliveries[0].attempts).toBe(4);
      expect(done.deliveries[0].lastError).toContain('retries exhausted');
    });

    it('answers the same to a repeated Idempotency-Key and refuses it with another body', async () => {
      const before = await counts(hub);
      const body = warrant({ warrantNumber: 'W-IDEM-1' });
      const a = await post(hub, body, { 'idempotency-key': 'idem-1' });
      const b = await post(hub, body, { 'idempotency-key': 'idem-1' });
      expect(a.status).toBe(202);
      expect(b.status).toBe(202);
      expect(b.json).toEqual(a.json);
      expect(b.headers.get('idempotent-replayed')).toBe('true');
      const c = await post(hub, warrant({ warrantNumber: 'W-IDEM-2' }), { 'idempotency-key': 'idem-1' });
      expect(c.status).toBe(422);
      expect(c.json.type).toBe('https://wasla.dev/problems/idempotency-key-reused');
      const after = await counts(hub);
      expect(after.messages - before.messages).toBe(1);
      expect(after.keys - before.keys).toBe(1);
    });

    describe('refusals: precise problem+json, nothing stored', () => {
      const cases: Array<[string, () => { body: unknown; headers?: Record<string, string>; sender?: string }, number, string, string | undefined]> = [
        ['malformed JSON', () => ({ body: '{"specversion":' }), 400, 'malformed-json', ''],
        ['deeply nested JSON', () => ({ body: '['.repeat(5000) + ']'.repeat(5000) }), 400, 'too-deeply-nested', ''],
        ['a bad envelope', () => ({ body: { ...warrant(), specversion: '0.3' } }), 400, 'invalid-envelope', '/specversion'],
        ['an unknown type', () => ({ body: envelope('warrant.forged', '1.0', {}) }), 422, 'unknown-type', '/type'],
        ['an unknown version', () => ({ body: envelope('warrant.issued', '9.0', {}) }), 422, 'unknown-version', '/dataschema'],
        [
          'a schema violation',
          () => {
            const w = warrant();
            delete (w.data as any).caseNumber;
            return { body: w };
          },
          422,
          'schema-violation',
          '/data/caseNumber',
        ],
        ['a sender without an agreement', () => ({ body: warrant(), sender: 'ps.bank.palestine' }), 403, 'no-agreement', undefined],
        ['a sender whose certificate names no member', () => ({ body: warrant(), sender: OUTSIDER }), 401, 'sender-unknown', undefined],
        ['a wrong media type', () => ({ body: JSON.stringify(warrant()), headers: { 'content-type': 'text/plain' } }), 415, 'unsupported-media-type', undefined],
        ['an oversized body', () => ({ body: JSON.stringify({ ...warrant(), pad: 'x'.repeat(300_000) }) }), 413, 'body-too-large', undefined],
      ];
      it.each(cases)('refuses %s', async (_name, make, status, code, pointer) => {
        const before = await counts(hub);
        const c = make();
        const r = await post(hub, c.body, c.headers ?? {}, c.sender ?? COURT);
        expect(r.status).toBe(status);
        expect(r.type).toContain('application/problem+json');
        expect(r.json.type).toBe(`https://wasla.dev/problems/${code}`);
        expect(r.json.status).toBe(status);
        expect(typeof r.json.title).toBe('string');
        if (pointer !== undefined) expect(r.json.errors.map((e: any) => e.pointer)).toContain(pointer);
        expect(await counts(hub)).toEqual(before);
      });
    });

    it('shows a message to its sender, its own delivery to a recipient granted the status query, and nothing to others', async () => {
      const r = await post(hub, warrant({ warrantNumber: 'W-READ-1' }));
      const police = await getMessage(hub, r.json.id, 'ps.police.judicial');
      expect(police.status).toBe(200);
      expect(police.json.deliveries.map((d: any) => d.recipient)).toEqual(['ps.police.judicial']);
      expect(police.json.envelope).toBeUndefined();
      expect(police.json.routing).toBeUndefined();
      expect((await getMessage(hub, r.json.id, 'ps.mof')).status).toBe(404);
      expect((await getMessage(hub, '01890000-0000-7000-8000-000000000000')).status).toBe(404);
      expect((await getMessage(hub, 'not-a-uuid')).status).toBe(404);
    });

    it('puts intake, every attempt and every read on a hash chain that verifies', async () => {
      const r = await post(hub, warrant({ warrantNumber: 'W-AUDIT-1' }));
      const m = await waitForStates(hub, r.json.id, ['delivered']);
      // waits for the hub's own sealer if it is at work, so every entry committed so far is sealed
      await sealAll(hub.database.db, undefined, { waitForLock: true });
      const v = await verifyAudit(hub.database.db);
      expect(v).toMatchObject({ ok: true, unsealed: 0 });
      const rows = await hub.database.db.execute(sql`select action, subject, data from audit_log where subject in (${r.json.id}, ${m.deliveries[0].id}) order by tx, id`);
      const entries = ((rows as any).rows ?? rows) as Array<{ action: string; subject: string; data: any }>;
      const actions = entries.map((e) => e.action);
      expect(actions).toContain('message.accepted');
      expect(actions).toContain('delivery.attempt');
      expect(actions).toContain('message.read');
      const accepted = entries.find((e) => e.action === 'message.accepted')!;
      expect(accepted.data.routing[0]).toMatchObject({ recipient: 'ps.police.judicial', agreement: 'warrants-courts-police', grant: 'warrants-to-police' });
      expect(accepted.data.credential).toMatch(/^cert:[0-9a-f]+$/);
    });

    it('serves health, readiness, metrics, the OpenAPI document and its reference page', async () => {
      expect((await fetch(`${hub.url}/healthz`)).status).toBe(200);
      const ready = await fetch(`${hub.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(((await ready.json()) as any).checks.database).toBe('ok');
      const metrics = await (await fetch(`${hub.url}/metrics`)).text();
      for (const name of [
        'wasla_messages_accepted_total',
        'wasla_messages_refused_total',
        'wasla_deliveries{state="pending"}',
        'wasla_deliveries{state="dead"}',
        'wasla_delivery_attempt_seconds_bucket',
        'wasla_queue_depth',
        'wasla_audit_unsealed',
      ]) {
        expect(metrics).toContain(name);
      }
      expect(metrics).toMatch(/^wasla_audit_unsealed \d+$/m);
      // the delivered are not counted at every scrape (see countOpenByState)
      expect(metrics).not.toContain('wasla_deliveries{state="delivered"}');
      const doc = (await (await fetch(`${hub.url}/openapi.json`)).json()) as any;
      expect(Object.keys(doc.paths)).toContain('/v1/messages/{id}');
      const page = await (await fetch(`${hub.url}/docs`)).text();
      expect(page).toContain('/v1/messages');
      const nf = await fetch(`${hub.url}/nowhere`);
      expect(nf.status).toBe(404);
      expect(nf.headers.get('content-type')).toContain('application/problem+json');
    });
  });
}

export function catalogueSuite(mode: Mode) {
  describe(`catalogue API (${mode} mode)`, () => {
    let henv: TestHubEnv;
    let hub: Hub;
    beforeAll(async () => {
      henv = await makeHubEnv(mode);
      hub = await startTestHub(henv);
    });
    afterAll(async () => {
      await hub?.stop();
      await henv?.cleanup();
    });

    it('lists every type with its versions and serves each schema as published', async () => {
      const list = (await (await fetch(`${hub.url}/v1/schemas`)).json()) as any;
      const warrant = list.types.find((t: any) => t.type === 'warrant.issued');
      const published = hub
        .contracts()
        .catalogue.list()
        .filter((r) => r.type === 'warrant.issued')
        .map((r) => r.version);
      expect(published).toEqual(['1.0', '1.1', '1.2', '2.0', '2.1', '3.0']);
      expect(warrant.versions.map((v: any) => v.version)).toEqual(published);
      expect(warrant.latest).toBe('3.0');
      expect(list.types.length).toBe(
        hub
          .contracts()
          .catalogue.list()
          .map((s) => s.type)
          .filter((t, i, a) => a.indexOf(t) === i).length,
      );
      const res = await fetch(`${hub.url}/v1/schemas/warrant.issued/2.0`);
      expect(res.headers.get('content-type')).toContain('application/schema+json');
      const doc = (await res.json()) as any;
      expect(doc.$id).toBe('https://wasla.dev/contracts/messages/warrant.issued/2.0.schema.json');
      const missing = await fetch(`${hub.url}/v1/schemas/warrant.issued/7.0`);
      expect(missing.status).toBe(404);
      expect(((await missing.json()) as any).type).toBe('https://wasla.dev/problems/schema-not-found');
    });
  });
}
