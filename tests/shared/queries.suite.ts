/**
 * Case queries over real HTTP (issue 24), in both modes: the authorization matrix of every
 * institution against every query (deny by default; a built-in names its route), what each may list,
 * a traffic fine's status derived from messages sent through the hub out of order, projection to
 * each ministry's granted fields, a juvenile decision the Ministry of Finance never sees while the
 * cleared juvenile court does, cursor pagination, lookups by a national id typed in another
 * script, the hub's signature over every answer (verified with the SDK), and the audit entry of
 * each run with national ids keyed, never in clear.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubKeyResolver, listQueries, query, QueryRefused, queryUrl, signRequest, verifyQueryAnswer } from '../../src/client/index.js';
import type { Hub } from '../../src/hub.js';
import { indexValue } from '../../src/queries/index.js';
import { CONTRACTS, endpointEnv, envelope, example } from '../helpers/contracts.js';
import { OUTSIDER, sharedFederation, signedFetch } from '../helpers/federation.js';
import { makeHubEnv, startTestHub, type Mode, type TestHubEnv } from '../helpers/hub.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { post, warrant } from './spine.suite.js';

/** who may run which case query: the grants of the demo agreements, written out by hand */
const GRANTED: Record<string, string[]> = {
  'traffic-fines': ['ps.mot', 'ps.mof', 'ps.police.traffic'],
  'fine-sentences': ['ps.mof'],
  'decision-enforcement': [
    'ps.hjc.court.nablus',
    'ps.hjc.court.ramallah',
    'ps.hjc.magistrate-court.nablus',
    'ps.hjc.magistrate-court.ramallah',
    'ps.hjc.appeal-court.ramallah',
    'ps.hjc.juvenile-court.ramallah',
  ],
  'alimony-payments': ['ps.sjd.family-court.ramallah'],
  'payout-status': ['ps.bank.palestine', 'ps.alimony-fund'],
  'warrant-status': ['ps.hjc.court.nablus', 'ps.hjc.court.ramallah', 'ps.hjc.magistrate-court.nablus', 'ps.hjc.magistrate-court.ramallah', 'ps.police.judicial'],
  'detention-status': ['ps.mosd.child-protection', 'ps.ago.prosecution'],
};
/** queries scoped to the caller's own records: run without a parameter */
const SCOPED = new Set(['decision-enforcement']);

const INSTITUTIONS = readdirSync(join(CONTRACTS, 'institutions'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -'.json'.length))
  .sort();
const QUERIES = Object.keys(GRANTED).sort();

const PLATE = '7-1234-95';
const DRIVER_ID = '404112987';

const issued = (fineNumber: string, extra: Record<string, unknown> = {}) => envelope('traffic-fine.issued', '1.1', { ...example('traffic-fine.issued', '1.1'), fineNumber, ...extra });

export function queriesSuite(mode: Mode) {
  describe(`case queries over HTTP (${mode} mode)`, () => {
    let henv: TestHubEnv;
    let hub: Hub;
    let receiver: Receiver;
    const fed = sharedFederation();
    const hubKeys = hubKeyResolver(fed.hubCertPem, fed.caCertPem);
    const sdk = (who: string) => {
      const k = fed.keys.get(who)!;
      return { hubUrl: hub.url!, key: k.key, keyid: k.serial, alg: 'ed25519' as const, hubKeys };
    };
    const get = async (who: string, path: string) => {
      const res = await signedFetch(`${hub.url}${path}`, {}, who);
      const text = await res.text();
      return { status: res.status, json: text ? JSON.parse(text) : undefined, headers: res.headers };
    };

    beforeAll(async () => {
      henv = await makeHubEnv(mode);
      receiver = await startReceiver();
      hub = await startTestHub(henv, {}, { contractsEnv: { ...process.env, ...endpointEnv(receiver.url) } });
      // a fine paid before the hub heard it was issued, then contested after it was paid: paid stays final
      const driver = { name: { ar: 'مُحَمَّد إبراهيـم', latin: 'Muhammad Ibrahim' }, nationalId: DRIVER_ID, licenceNumber: 'DL-88812' };
      const paid = envelope('traffic-fine.paid', '1.1', { ...example('traffic-fine.paid', '1.1'), fineNumber: 'TF-2026-0048213' });
      expect((await post(hub, paid, {}, 'ps.mof')).status).toBe(202);
      expect((await post(hub, issued('TF-2026-0048213', { driver, issuedBy: 'ps.police.traffic' }), {}, 'ps.police.traffic')).status).toBe(202);
      const contested = envelope('traffic-fine.contested', '1.1', { ...example('traffic-fine.contested', '1.1'), fineNumber: 'TF-2026-0048213', contestedOn: '2026-03-27' });
      expect((await post(hub, contested, {}, 'ps.hjc.magistrate-court.nablus')).status).toBe(202);
      // a second fine on the same plate, never paid, past its due date
      expect((await post(hub, issued('TF-2026-0051000'), {}, 'ps.mot')).status).toBe(202);
      // a fine on another plate: never in the answers about this one
      expect((await post(hub, issued('TF-2026-0060000', { vehicle: { plate: '9-9999-90', country: 'PS' } }), {}, 'ps.mot')).status).toBe(202);
    });
    afterAll(async () => {
      await hub?.stop();
      await receiver?.close();
      await henv?.cleanup();
    });

    it('authorizes every institution against every query: deny by default, then the parameters', async () => {
      const seen: string[] = [];
      for (const who of INSTITUTIONS) {
        for (const name of QUERIES) {
          const r = await get(who, `/v1/queries/${name}`);
          const granted = GRANTED[name].includes(who);
          const expected = !granted ? [403, 'query-not-granted'] : SCOPED.has(name) ? [200, undefined] : [400, 'query-parameters-invalid'];
          seen.push(`${who} ${name} ${r.status} ${r.json?.type?.split('/').pop()}`);
          expect(`${who} ${name} ${r.status} ${r.json?.type?.split('/').pop()}`).toBe(`${who} ${name} ${expected[0]} ${expected[1]}`);
        }
      }
      expect(seen).toHaveLength(INSTITUTIONS.length * QUERIES.length);
      // a built-in names the route that answers it; an unknown name is 404; an outsider is not a member
      const builtin = await get('ps.mof', '/v1/queries/message-status');
      expect([builtin.status, builtin.json.type.split('/').pop(), builtin.json.detail]).toEqual([404, 'unknown-query', 'message-status is answered by GET /v1/messages/{id}']);
      expect((await get('ps.mof', '/v1/queries/no-such-query')).status).toBe(404);
      expect((await get(OUTSIDER, '/v1/queries/traffic-fines?plate=1')).status).toBe(401);
    });

    it('lists to each institution exactly the queries it may run, with only its granted fields', async () => {
      for (const who of INSTITUTIONS) {
        const { catalogue } = await listQueries(sdk(who));
        const names = (catalogue as { queries: Array<{ name: string }> }).queries.map((q) => q.name).sort();
        expect([who, names]).toEqual([who, QUERIES.filter((q) => GRANTED[q].includes(who))]);
      }
      const mot = (await get('ps.mot', '/v1/queries')).json;
      const fines = mot.queries.find((q: { name: string }) => q.name === 'traffic-fines');
      expect(fines.fields).toContain('locality');
      expect(fines.fields).not.toContain('driverNationalId');
      expect(mot.builtins.map((b: { name: string }) => b.name)).toEqual(['message-status']);
    });

    it("derives a fine's status from messages that arrived out of order, projected to each ministry's grant, signed", async () => {
      const { answer, signature } = await query('traffic-fines', { plate: PLATE }, sdk('ps.mot'));
      expect(signature.resolved.certificate?.serial).toBeDefined();
      expect(answer.records.map((r) => [r.key.value, r.status.state])).toEqual([
        ['TF20260048213', 'paid'],
        ['TF20260051000', 'overdue'],
      ]);
      const paid = answer.records[0];
      expect(paid.history.map((h) => h.state)).toEqual(expect.arrayContaining(['issued', 'paid', 'contested']));
      // the Ministry of Transport: the place, not the driver's id nor the receipt
      expect(paid.fields).toMatchObject({ fineNumber: 'TF-2026-0048213', locality: 'Ramallah', paidAt: '2026-03-25T11:04:09+02:00' });
      expect(Object.keys(paid.fields)).not.toContain('driverNationalId');
      expect(Object.keys(paid.fields)).not.toContain('receiptNumber');
      // the Ministry of Finance: the driver's id and the receipt, not the place
      const mof = (await query('traffic-fines', { plate: PLATE }, sdk('ps.mof'))).answer.records[0].fields;
      expect(mof).toMatchObject({ driverNationalId: DRIVER_ID, receiptNumber: 'MOF-RCPT-2026-771290' });
      expect(Object.keys(mof)).not.toContain('locality');
      // the traffic police: seven fields at most
      const police = (await query('traffic-fines', { plate: PLATE }, sdk('ps.police.traffic'))).answer.records[0].fields;
      expect(Object.keys(police).every((f) => ['fineNumber', 'offence', 'occurredAt', 'plate', 'amount', 'dueBy', 'paidAt'].includes(f))).toBe(true);
    });

    it("derives a warrant's status from an execution and a cancellation that arrived before the warrant", async () => {
      // the police report the arrest (9 May) and the court its cancellation (7 May) before the warrant itself reaches the hub
      const executed = envelope('warrant.executed', '1.1', example('warrant.executed', '1.1'));
      const cancelled = envelope('warrant.cancelled', '1.1', example('warrant.cancelled', '1.1'));
      expect((await post(hub, executed, {}, 'ps.police.judicial')).status).toBe(202);
      expect((await post(hub, cancelled, {}, 'ps.hjc.court.ramallah')).status).toBe(202);
      expect((await post(hub, warrant({ warrantNumber: 'RAM-W-2026-00604', caseNumber: '1311/2026' }))).status).toBe(202);
      const { answer } = await query('warrant-status', { warrant: 'RAM-W-2026-00604' }, sdk('ps.hjc.court.ramallah'));
      // executed and cancelled rank alike: the later in time decides, whatever the order of arrival
      expect(answer.records.map((r) => [r.key.value, r.status.state])).toEqual([['RAMW202600604', 'executed']]);
      expect(answer.records[0].history.map((h) => h.state).sort()).toEqual(['cancelled', 'executed', 'issued']);
      // the judicial police are granted the warrant, not the place of the arrest
      const police = (await query('warrant-status', { warrant: 'RAM-W-2026-00604' }, sdk('ps.police.judicial'))).answer.records[0];
      expect(police.status.state).toBe('executed');
      expect(Object.keys(police.fields)).not.toContain('locality');
    });

    it('never answers juvenile material to an uncleared institution, however precisely it asks', async () => {
      // the juvenile court's decision imposing a fine: juvenile, carried only to cleared recipients
      const decision = (court: string, juvenile: boolean) => {
        const d = example('decision.issued', '1.1');
        return envelope('decision.issued', '1.1', { ...d, court: { ...d.court, id: court }, caseNumber: '77/2026', decisionNumber: juvenile ? '78/2026' : '79/2026', juvenile });
      };
      const sent = await post(hub, decision('ps.hjc.juvenile-court.ramallah', true), {}, 'ps.hjc.juvenile-court.ramallah');
      expect([sent.status, sent.json.classification]).toEqual([202, 'juvenile']);
      expect((await post(hub, decision('ps.hjc.appeal-court.ramallah', false), {}, 'ps.hjc.appeal-court.ramallah')).status).toBe(202);
      // the Ministry of Finance, granted fine-sentences but not cleared for juvenile cases
      const mofJuvenile = await query('fine-sentences', { case: '77/2026', court: 'ps.hjc.juvenile-court.ramallah' }, sdk('ps.mof'));
      expect(mofJuvenile.answer.records).toEqual([]);
      const mofAppeal = await query('fine-sentences', { case: '77/2026', court: 'ps.hjc.appeal-court.ramallah' }, sdk('ps.mof'));
      expect(mofAppeal.answer.records.map((r) => r.key.value)).toEqual(['79/2026']);
      // the juvenile court, cleared by its grant and its file, sees its own decision
      const own = await query('decision-enforcement', { case: '77/2026' }, sdk('ps.hjc.juvenile-court.ramallah'));
      expect(own.answer.records.map((r) => [r.key.value, r.status.state])).toEqual([['78/2026', expect.stringMatching(/^(decided|overdue)$/)]]);
    });

    it('the signature binds the answer to its request: another body or another request does not verify', async () => {
      const k = fed.keys.get('ps.mot')!;
      const request = await signRequest(new Request(queryUrl(hub.url!, 'traffic-fines', { fine: 'TF-2026-0048213' })), k.key, { keyid: k.serial, alg: 'ed25519' });
      const response = await fetch(request.clone());
      const body = Buffer.from(await response.arrayBuffer());
      const headers = Object.fromEntries(response.headers.entries());
      const v = await verifyQueryAnswer({ status: 200, headers, body }, request, hubKeys);
      expect(v.answer.records.map((r) => r.status.state)).toEqual(['paid']);
      const forged = Buffer.from(body.toString('utf8').replace('"paid"', '"issued"'));
      await expect(verifyQueryAnswer({ status: 200, headers, body: forged }, request, hubKeys)).rejects.toThrow();
      const other = await signRequest(new Request(queryUrl(hub.url!, 'traffic-fines', { fine: 'TF-2026-0051000' })), k.key, { keyid: k.serial, alg: 'ed25519' });
      await expect(verifyQueryAnswer({ status: 200, headers, body }, other, hubKeys)).rejects.toThrow();
    });

    it('pages by cursor; a cursor is bound to its caller and parameters', async () => {
      const first = (await query('traffic-fines', { plate: PLATE, limit: '1' }, sdk('ps.mof'))).answer;
      expect(first.records.map((r) => r.key.value)).toEqual(['TF20260048213']);
      expect(first.next).toBeDefined();
      const second = (await query('traffic-fines', { plate: PLATE, limit: '1', cursor: first.next }, sdk('ps.mof'))).answer;
      expect(second.records.map((r) => r.key.value)).toEqual(['TF20260051000']);
      expect(second.next).toBeUndefined();
      const stolen = await query('traffic-fines', { plate: PLATE, limit: '1', cursor: first.next }, sdk('ps.mot')).catch((e) => e);
      expect(stolen).toBeInstanceOf(QueryRefused);
      expect([stolen.status, stolen.type.split('/').pop()]).toEqual([400, 'cursor-invalid']);
    });

    it('finds a driver by a national id typed in Arabic-Indic digits, and audits the run with the id keyed', async () => {
      const { answer } = await query('traffic-fines', { driver: '٤٠٤ ١١٢-٩٨٧' }, sdk('ps.mof'));
      expect(answer.records.map((r) => r.key.value)).toEqual(['TF20260048213']);
      const rows = await hub.database.db.execute(sql`select actor, data::text as text from audit_log where action = 'query.run' and actor = 'ps.mof' order by id`);
      const entries = ((rows as any).rows ?? rows) as Array<{ actor: string; text: string }>;
      const byDriver = entries.map((e) => JSON.parse(e.text)).find((d) => d.parameters?.driver !== undefined);
      expect(byDriver).toMatchObject({ institution: 'ps.mof', query: 'traffic-fines', returned: 1 });
      expect(byDriver.parameters.driver).toBe(`keyed:${indexValue('national-id', DRIVER_ID, await indexSecretOf(hub))}`);
      expect(entries.some((e) => e.text.includes(DRIVER_ID) || e.text.includes('٤٠٤'))).toBe(false);
      // a refusal is on the audit log too
      await get('ps.bank.palestine', '/v1/queries/traffic-fines?driver=404112987');
      const refused = await hub.database.db.execute(sql`select data from audit_log where action = 'query.run' and actor = 'ps.bank.palestine'`);
      const r = (((refused as any).rows ?? refused) as Array<{ data: any }>).map((x) => x.data).filter((d) => d.parameters?.driver !== undefined);
      expect(r).toEqual([expect.objectContaining({ query: 'traffic-fines', refused: 'query-not-granted', returned: 0, parameters: { driver: expect.stringMatching(/^keyed:/) } })]);
      // the matrix above ran every refusal through the log as well
      expect((((refused as any).rows ?? refused) as Array<{ data: any }>).filter((x) => x.data.refused === 'query-not-granted').length).toBeGreaterThanOrEqual(5);
    });

    it('answers from the case index, which holds no national id or name in clear', async () => {
      const rows = await hub.database.db.execute(sql`select kind, value from case_index where kind in ('national-id', 'person-name')`);
      const values = (((rows as any).rows ?? rows) as Array<{ value: string }>).map((r) => r.value);
      expect(values.length).toBeGreaterThan(0);
      expect(values.every((v) => /^[A-Za-z0-9_-]{43}$/.test(v))).toBe(true);
    });
  });
}

/** the index secret the hub made in its PKI directory at first start (tests only read it back) */
async function indexSecretOf(hub: Hub): Promise<Buffer> {
  const { querySecrets } = await import('../../src/compose/query-secrets.js');
  const { createLogger } = await import('../../src/log.js');
  return Buffer.from(querySecrets(hub.config, createLogger('silent')).indexSecret);
}
