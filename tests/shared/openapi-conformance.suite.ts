/**
 * The OpenAPI document against the hub's behaviour: a real hub (embedded or server mode) is asked
 * for every operation, with answers that succeed and answers that refuse, and each answer — its
 * status, media type, body and documented headers — is validated with ajv against the document
 * the hub itself serves at /openapi.json; so is each delivery the hub sent a receiver, against the
 * document's delivery webhook. A field added to an answer, a status or a header the document does
 * not declare, fails here; so does an operation nobody asked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../src/hub.js';
import { makeHubEnv, startTestHub, type Mode, type TestHubEnv } from '../helpers/hub.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { Conformance } from '../helpers/openapi.js';
import { endpointEnv } from '../helpers/contracts.js';
import { OPERATOR_INSTITUTION, sharedFederation, signedFetch, type TestKey } from '../helpers/federation.js';
import { COURT, post, warrant } from './spine.suite.js';
import { pullingContracts, receiptFor } from './inbox.suite.js';
import { OPERATOR } from './dead-letters.suite.js';

const POLICE = 'ps.police.judicial';
const MOF = 'ps.mof';
const NO_SUCH_ID = '01890000-0000-7000-8000-00000000beef';
const METRICS_TOKEN = 'c0ffee0123456789abcdef0123456789';

export function openApiConformanceSuite(mode: Mode) {
  describe(`real answers match the OpenAPI document (${mode} mode)`, () => {
    let henv: TestHubEnv;
    let hub: Hub;
    let police: Receiver;
    let refusing = true;
    let c: Conformance;
    let messageId: string;
    const dead: string[] = [];

    const call = (method: string, path: string, sender: string, body?: unknown, headers: Record<string, string> = {}) =>
      signedFetch(
        `${hub.url}${path}`,
        {
          method,
          headers: body !== undefined ? { 'content-type': 'application/json', ...headers } : headers,
          body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
        },
        sender,
      );

    /** waits (bounded) for the message's deliveries to reach one of the states */
    async function settle(id: string, states: string[]): Promise<any> {
      const end = Date.now() + 20_000;
      for (;;) {
        const m = (await (await call('GET', `/v1/messages/${id}`, COURT)).json()) as any;
        if (m.deliveries?.every((d: any) => states.includes(d.state))) return m;
        if (Date.now() > end) throw new Error(`message ${id} did not reach ${states.join('|')}: ${JSON.stringify(m.deliveries)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }

    let admin: TestKey;

    beforeAll(async () => {
      // an operator with the admin role (issue 26), registered before the hub starts
      admin = sharedFederation().enrollOperator('admin', `oas-admin-${mode}`);
      henv = await makeHubEnv(mode);
      police = await startReceiver(() => (refusing ? { status: 400, body: 'not this format' } : { status: 200, body: '{"ok":true}' }));
      hub = await startTestHub(henv, { WASLA_MAX_BODY_BYTES: '4096', WASLA_METRICS_TOKEN: METRICS_TOKEN }, { contractsEnv: { ...process.env, ...endpointEnv(police.url) } });
      c = new Conformance(await (await fetch(`${hub.url}/openapi.json`)).json());
    });
    afterAll(async () => {
      await hub?.stop();
      await police?.close();
      await henv?.cleanup();
    });

    it('operations endpoints, the document, the catalogue and the trust anchors', async () => {
      await c.check(await fetch(`${hub.url}/healthz`), 'get', '/healthz');
      await c.check(await fetch(`${hub.url}/readyz`), 'get', '/readyz');
      await c.check(await fetch(`${hub.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } }), 'get', '/metrics');
      const noToken = await fetch(`${hub.url}/metrics`);
      expect(noToken.status).toBe(401);
      await c.check(noToken, 'get', '/metrics');
      await c.check(await fetch(`${hub.url}/openapi.json`), 'get', '/openapi.json');
      await c.check(await fetch(`${hub.url}/docs`), 'get', '/docs');
      const cat = await c.check(await fetch(`${hub.url}/v1/schemas`), 'get', '/v1/schemas');
      expect(cat.types.length).toBeGreaterThan(0);
      await c.check(await fetch(`${hub.url}/v1/schemas/warrant.issued/2.0`), 'get', '/v1/schemas/{type}/{version}');
      await c.check(await fetch(`${hub.url}/v1/schemas/warrant.issued/9.9`), 'get', '/v1/schemas/{type}/{version}');
      await c.check(await fetch(`${hub.url}/v1/trust`), 'get', '/v1/trust');
      // the query text check runs before any route, public ones included
      const nul = await c.check(await fetch(`${hub.url}/healthz?x=%00`), 'get', '/healthz');
      expect(nul).toMatchObject({ status: 400, errors: [{ pointer: '/query/x' }] });
    });

    it('every operation the document says is signed refuses an unsigned request (401)', async () => {
      const signed = c.operations().filter(({ op }) => op.security.some((r: object) => 'httpSignature' in r));
      expect(signed.length).toBeGreaterThanOrEqual(5);
      for (const { method, path } of signed) {
        const url = hub.url + path.replace(/\{[^}]+\}/g, NO_SUCH_ID);
        const res = await fetch(url, method === 'get' ? {} : { method: method.toUpperCase(), headers: { 'content-type': 'application/json' }, body: '{}' });
        expect(res.status, `${method} ${path}`).toBe(401);
        await c.check(res, method, path);
      }
    });

    it('intake: accepted, repeated, and each refusal', async () => {
      const first = await call('POST', '/v1/messages', COURT, warrant({ warrantNumber: 'W-OAS-1' }), { 'idempotency-key': 'oas-1' });
      expect(first.status).toBe(202);
      messageId = (await c.check(first, 'post', '/v1/messages')).id;
      const again = await call('POST', '/v1/messages', COURT, warrant({ warrantNumber: 'W-OAS-1' }), { 'idempotency-key': 'oas-1' });
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect((await c.check(again, 'post', '/v1/messages')).id).toBe(messageId);
      const refusals: Array<[number, Promise<Response>]> = [
        [400, call('POST', '/v1/messages', COURT, '{"specversion":')],
        [401, fetch(`${hub.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(warrant()) })],
        [403, call('POST', '/v1/messages', MOF, warrant({ warrantNumber: 'W-OAS-MOF' }))],
        [413, call('POST', '/v1/messages', COURT, JSON.stringify(warrant({ warrantNumber: 'x'.repeat(5000) })))],
        [415, call('POST', '/v1/messages', COURT, JSON.stringify(warrant()), { 'content-type': 'text/plain' })],
        [422, call('POST', '/v1/messages', COURT, { ...warrant(), data: { warrantNumber: 1 } })],
        [422, call('POST', '/v1/messages', COURT, warrant({ warrantNumber: 'W-OAS-other' }), { 'idempotency-key': 'oas-1' })],
      ];
      for (const [status, pending] of refusals) {
        const res = await pending;
        expect(res.status).toBe(status);
        const p = await c.check(res, 'post', '/v1/messages');
        expect(p.status).toBe(status);
      }
    });

    it('a message as its sender, its recipient and a stranger see it', async () => {
      const m = await settle(messageId, ['dead']);
      dead.push(m.deliveries[0].id);
      const sender = await c.check(await call('GET', `/v1/messages/${messageId}`, COURT), 'get', '/v1/messages/{id}');
      expect(sender.deliveries[0].attemptLog[0]).toMatchObject({ number: 1, statusCode: 400, outcome: 'dead' });
      const recipient = await c.check(await call('GET', `/v1/messages/${messageId}`, POLICE), 'get', '/v1/messages/{id}');
      expect(recipient.envelope).toBeUndefined();
      for (const [id, who] of [
        [messageId, MOF],
        [NO_SUCH_ID, COURT],
      ]) {
        const res = await call('GET', `/v1/messages/${id}`, who);
        expect(res.status).toBe(404);
        await c.check(res, 'get', '/v1/messages/{id}');
      }
      const unsigned = await fetch(`${hub.url}/v1/messages/${messageId}`);
      expect(unsigned.status).toBe(401);
      await c.check(unsigned, 'get', '/v1/messages/{id}');
    }, 60_000);

    it('deliveries: listed, replayed one by one and in bulk, and refused', async () => {
      const second = (await (await call('POST', '/v1/messages', COURT, warrant({ warrantNumber: 'W-OAS-2' }))).json()) as any;
      dead.push((await settle(second.id, ['dead'])).deliveries[0].id);
      const list = '/v1/deliveries';
      const page = await c.check(await call('GET', `${list}?state=dead&limit=1`, OPERATOR), 'get', list);
      expect(page.items).toHaveLength(1);
      expect(page.next).toBe(page.items[0].id);
      for (const [status, res] of [
        [400, await call('GET', `${list}?state=lost`, OPERATOR)],
        [401, await fetch(`${hub.url}${list}`)],
        [403, await call('GET', list, MOF)],
      ] as const) {
        expect(res.status).toBe(status);
        await c.check(res, 'get', list);
      }

      refusing = false;
      const one = '/v1/deliveries/{id}/replay';
      for (const [status, res] of [
        [403, await call('POST', `/v1/deliveries/${dead[0]}/replay`, MOF)],
        [404, await call('POST', `/v1/deliveries/${NO_SUCH_ID}/replay`, COURT)],
        [400, await call('POST', `/v1/deliveries/${dead[0]}/replay?reason=${'r'.repeat(501)}`, COURT)],
        [200, await call('POST', `/v1/deliveries/${dead[0]}/replay?reason=fixed`, COURT)],
        [409, await call('POST', `/v1/deliveries/${dead[0]}/replay`, COURT)],
      ] as const) {
        expect(res.status).toBe(status);
        await c.check(res, 'post', one);
      }

      const bulk = '/v1/deliveries/replay';
      for (const [status, res] of [
        [403, await call('POST', '/v1/deliveries/replay', COURT, {})],
        [400, await call('POST', '/v1/deliveries/replay', OPERATOR, { limit: 'many' })],
      ] as const) {
        expect(res.status).toBe(status);
        await c.check(res, 'post', bulk);
      }
      const replayed = await c.check(await call('POST', '/v1/deliveries/replay', OPERATOR, { recipient: POLICE, reason: 'recipient fixed' }), 'post', bulk);
      expect(replayed.replayed.map((r: any) => r.id)).toEqual([dead[1]]);

      // delivered now, with the recipient's signed receipt in the attempt log
      const m = await settle(messageId, ['delivered']);
      expect(m.deliveries[0].attemptLog.at(-1).receipt).not.toBeNull();
      await c.check(await call('GET', `/v1/messages/${messageId}`, COURT), 'get', '/v1/messages/{id}');
      // and what the police received, each attempt, is the document's delivery webhook
      expect(police.arrivals.length).toBeGreaterThanOrEqual(3);
      for (const arrival of police.arrivals) c.checkDelivery(arrival);
    }, 60_000);

    // issue 22: a hub of its own, where the judicial police pull their deliveries
    it('the pull inbox: a lease, its receipt, and each refusal', async () => {
      const penv = await makeHubEnv(mode);
      const inboxHub = await startTestHub(penv, { WASLA_CONTRACTS_DIR: pullingContracts() }, { contractsEnv: { ...process.env, ...endpointEnv(police.url) } });
      try {
        const at = (path: string) => `${inboxHub.url}${path}`;
        const inbox = '/v1/inbox';
        const receipt = '/v1/inbox/{deliveryId}/receipt';
        const empty = await c.check(await signedFetch(at(`${inbox}?wait=0`), {}, POLICE), 'get', inbox);
        expect(empty.items).toEqual([]);
        const sent = await post(inboxHub, warrant({ warrantNumber: 'W-OAS-PULL' }));
        const other = await post(inboxHub, warrant({ warrantNumber: 'W-OAS-PULL-2' }));
        const got = await c.check(await signedFetch(at(`${inbox}?limit=5&wait=5`), {}, POLICE), 'get', inbox);
        const mine = got.items.find((i: any) => i.deliveryId === sent.json.deliveries[0].id);
        const second = got.items.find((i: any) => i.deliveryId === other.json.deliveries[0].id);
        for (const [status, res] of [
          [400, await signedFetch(at(`${inbox}?limit=0`), {}, POLICE)],
          [401, await fetch(at(inbox))],
          [403, await signedFetch(at(inbox), {}, COURT)],
        ] as const) {
          expect(res.status).toBe(status);
          await c.check(res, 'get', inbox);
        }
        const ack = (id: string, body: unknown, who = POLICE) =>
          signedFetch(at(`/v1/inbox/${id}/receipt`), { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) }, who);
        const done = await c.check(await ack(mine.deliveryId, await receiptFor(mine)), 'post', receipt);
        expect(done).toEqual({ deliveryId: mine.deliveryId, state: 'delivered' });
        for (const [status, res] of [
          [400, await ack(second.deliveryId, { status: 'fine' })],
          [403, await ack(second.deliveryId, await receiptFor(second), COURT)],
          [404, await ack('not-a-uuid', await receiptFor(second))],
          [409, await ack(NO_SUCH_ID, await receiptFor(second))],
          [422, await ack(second.deliveryId, { status: 200, headers: { 'content-type': 'application/json' } })],
        ] as const) {
          expect(res.status).toBe(status);
          await c.check(res, 'post', receipt);
        }
      } finally {
        await inboxHub.stop();
        await penv.cleanup();
      }
    }, 90_000);
    // issue 23: a bank's statement and the reconciliations made of it
    it('statements and reconciliations: accepted, read, and each refusal', async () => {
      const BANK = 'ps.bank.palestine';
      const FUND = 'ps.alimony-fund';
      const camt = (id: string, amount = '75.00') =>
        `<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.04"><BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>${id}</MsgId><CreDtTm>2026-02-02T12:00:00Z</CreDtTm></GrpHdr><Ntfctn><Id>${id}</Id><Acct><Id><IBAN>PS13PALS000000000100777000101</IBAN></Id></Acct><Ntry><Amt Ccy="ILS">${amount}</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts><AcctSvcrRef>${id}-1</AcctSvcrRef></Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>`;
      const xml = (sender: string, body: string, type = 'application/xml') => signedFetch(`${hub.url}/v1/statements`, { method: 'POST', headers: { 'content-type': type }, body }, sender);
      const post = '/v1/statements';
      let statement = '';
      for (const [status, res] of [
        [200, await xml(BANK, camt('OAS-NTF-1'))],
        [200, await xml(BANK, camt('OAS-NTF-1'))],
        [400, await xml(BANK, '<!DOCTYPE d [<!ENTITY e "x">]><d>&e;</d>')],
        [403, await xml(MOF, camt('OAS-NTF-2'))],
        [415, await xml(BANK, camt('OAS-NTF-3'), 'application/json')],
        [422, await xml(BANK, camt('OAS-NTF-4', 'many'))],
      ] as const) {
        expect(res.status).toBe(status);
        const body = await c.check(res, 'post', post);
        if (status === 200) statement = body.statements[0].statement;
      }
      const list = await c.check(await call('GET', '/v1/reconciliations', FUND), 'get', '/v1/reconciliations');
      expect(list.items.map((i: any) => i.statement)).toEqual([statement]);
      expect((await call('GET', '/v1/reconciliations?limit=0', FUND)).status).toBe(400);
      await c.check(await call('GET', '/v1/reconciliations?limit=0', FUND), 'get', '/v1/reconciliations');
      const one = '/v1/reconciliations/{statementId}';
      expect((await c.check(await call('GET', `/v1/reconciliations/${statement}`, BANK), 'get', one)).result.unmatched).toHaveLength(1);
      const hidden = await call('GET', `/v1/reconciliations/${statement}`, COURT);
      expect(hidden.status).toBe(404);
      await c.check(hidden, 'get', one);
    });

    // issue 24: case queries, each answer signed by the hub
    it('case queries: the list, a run, and each refusal', async () => {
      const list = '/v1/queries';
      const run = '/v1/queries/{name}';
      const listed = await c.check(await call('GET', list, MOF), 'get', list);
      expect(listed.queries.map((q: any) => q.name)).toEqual(['fine-sentences', 'traffic-fines']);
      const unsignedList = await fetch(`${hub.url}${list}`);
      expect(unsignedList.status).toBe(401);
      await c.check(unsignedList, 'get', list);
      const answered = await c.check(await call('GET', '/v1/queries/traffic-fines?plate=7-1234-95', MOF), 'get', run);
      expect(answered).toMatchObject({ query: 'traffic-fines', records: [], truncated: false });
      for (const [status, res] of [
        [400, await call('GET', '/v1/queries/traffic-fines', MOF)],
        [400, await call('GET', '/v1/queries/traffic-fines?plate=1&cursor=forged', MOF)],
        [401, await fetch(`${hub.url}/v1/queries/traffic-fines?plate=1`)],
        [403, await call('GET', '/v1/queries/traffic-fines?plate=1', COURT)],
        [404, await call('GET', '/v1/queries/no-such-query', MOF)],
      ] as const) {
        expect(res.status).toBe(status);
        await c.check(res, 'get', run);
      }
    });

    // issue 26: only an admin may put the contract set in force
    it('the contract reload: an admin, and an operator whose role does not allow it', async () => {
      const path = '/v1/admin/contracts/reload';
      const done = await c.check(await signedFetch(`${hub.url}${path}`, { method: 'POST' }, OPERATOR_INSTITUTION, sharedFederation(), admin), 'post', path);
      expect(done.institutions).toBeGreaterThan(0);
      const refused = await call('POST', path, OPERATOR);
      expect(refused.status).toBe(403);
      await c.check(refused, 'post', path);
    });

    // issue 26: payload keys: an admin sees the counts per key and rewraps; an operator is refused
    it('payload keys: status and rewrap as an admin, refused to an operator, a bad limit', async () => {
      const path = '/v1/admin/payload-keys';
      const status = await c.check(await signedFetch(`${hub.url}${path}`, { method: 'GET' }, OPERATOR_INSTITUTION, sharedFederation(), admin), 'get', path);
      expect(status.configured).toContain(status.current);
      const refused = await call('GET', path, OPERATOR);
      expect(refused.status).toBe(403);
      await c.check(refused, 'get', path);
      const rewrap = '/v1/admin/payload-keys/rewrap';
      const done = await c.check(await signedFetch(`${hub.url}${rewrap}?limit=100`, { method: 'POST' }, OPERATOR_INSTITUTION, sharedFederation(), admin), 'post', rewrap);
      expect(done.status.toRewrap).toBe(0);
      const bad = await signedFetch(`${hub.url}${rewrap}?limit=0`, { method: 'POST' }, OPERATOR_INSTITUTION, sharedFederation(), admin);
      expect(bad.status).toBe(400);
      await c.check(bad, 'post', rewrap);
    });

    // issue 26.7: retention and legal holds, admins only (listing: every operator role)
    it('retention and legal holds: an admin runs, places, lists and lifts; an operator is refused', async () => {
      const fed = sharedFederation();
      const asAdmin = (method: string, path: string, body?: unknown) =>
        signedFetch(
          `${hub.url}${path}`,
          { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) },
          OPERATOR_INSTITUTION,
          fed,
          admin,
        );
      const run = '/v1/admin/retention/run';
      const dry = await c.check(await asAdmin('POST', `${run}?dryRun=true&limit=10`), 'post', run);
      expect(dry.dryRun).toBe(true);
      const refused = await call('POST', run, OPERATOR);
      expect(refused.status).toBe(403);
      await c.check(refused, 'post', run);
      const holds = '/v1/admin/legal-holds';
      const placed = await c.check(await asAdmin('POST', holds, { issuer: COURT, caseRef: '99/2026', reason: 'conformance' }), 'post', holds);
      expect(placed.placed).toBe(true);
      const bad = await asAdmin('POST', holds, { issuer: COURT });
      expect(bad.status).toBe(400);
      await c.check(bad, 'post', holds);
      const listed = await c.check(await call('GET', holds, OPERATOR), 'get', holds);
      expect(listed.items.map((h: any) => h.id)).toContain(placed.hold.id);
      const lift = '/v1/admin/legal-holds/{id}/lift';
      const lifted = await c.check(await asAdmin('POST', `${holds}/${placed.hold.id}/lift`, { reason: 'done' }), 'post', lift);
      expect(lifted.liftedAt).toEqual(expect.any(String));
      const gone = await asAdmin('POST', `${holds}/${placed.hold.id}/lift`, { reason: 'again' });
      expect(gone.status).toBe(404);
      await c.check(gone, 'post', lift);
    });

    // issue 25: the deadlines the caller may see (the demo contracts open some at the warrants sent above)
    it('deadlines: a page as the court and as an operator, and a refused filter', async () => {
      const path = '/v1/deadlines';
      const page = await c.check(await call('GET', '/v1/deadlines?limit=5', COURT), 'get', path);
      expect(Array.isArray(page.items)).toBe(true);
      await c.check(await call('GET', '/v1/deadlines?state=open', OPERATOR), 'get', path);
      const bad = await call('GET', '/v1/deadlines?state=late', COURT);
      expect(bad.status).toBe(400);
      await c.check(bad, 'get', path);
    });

    it('every operation of the document was answered and checked, with at least one success', () => {
      for (const id of c.operationIds()) {
        const statuses = [...(c.seen.get(id) ?? [])];
        expect(
          statuses.some((s) => s.startsWith('2')),
          `${id} answered ${statuses.join(', ') || 'nothing'}: ask it for a success in this suite`,
        ).toBe(true);
      }
    });
  });
}
