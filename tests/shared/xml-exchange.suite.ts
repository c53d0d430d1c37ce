/**
 * XML both ways through a whole hub, run in both modes: the judicial police configured as
 * `xml-http` receive a court's JSON warrant as the XML document its mapping declares, signed by the
 * hub exactly like JSON and verified by a real receiver on 127.0.0.1 with the SDK; the police send
 * their execution report as XML (signed, Content-Digest over the XML bytes), which goes through
 * the same validation, routing, projection and audit as JSON and reaches the court as JSON, with
 * the bytes as received kept beside the message. Hostile XML is refused, each refusal with its own
 * problem type, and nothing is stored.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Hub } from '../../src/hub.js';
import { adapterFor } from '../../src/adapters/index.js';
import { parseStrictJson } from '../../src/intake/strict-json.js';
import { makeHubEnv, startTestHub, type Mode, type TestHubEnv } from '../helpers/hub.js';
import { ok, startReceiver, type Receiver } from '../helpers/receiver.js';
import { endpointEnv } from '../helpers/contracts.js';
import { sharedFederation, signedFetch } from '../helpers/federation.js';
import { Conformance } from '../helpers/openapi.js';
import { contractsWithXmlRecipient, XML_POLICE } from '../helpers/xml-contracts.js';
import { counts, getMessage, post, waitForStates, warrant } from './spine.suite.js';

const FIXTURES = 'tests/fixtures/mappings';
export const EXECUTION_REPORT_XML = readFileSync(`${FIXTURES}/warrant.executed-1/example-1.xml`, 'utf8');
export const EXECUTION_REPORT = JSON.parse(readFileSync(`${FIXTURES}/warrant.executed-1/example-1.json`, 'utf8'));

/** POST an XML body to /v1/messages, signed as `sender` (the Content-Digest covers the XML bytes) */
export async function postXml(hub: Pick<Hub, 'url'>, xml: string, contentType = 'application/xml', sender = XML_POLICE, headers: Record<string, string> = {}) {
  const res = await signedFetch(`${hub.url}/v1/messages`, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body: xml }, sender);
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', json: text ? JSON.parse(text) : undefined };
}

/** what a police system would do with an XML delivery: read it back with the same mapping */
function readDelivered(hub: Hub, body: Buffer, mediaType: string): any {
  return adapterFor('xml-http')!.parseInbound(body, { mappings: hub.contracts().mappings, mediaType, maxBytes: 1 << 20, strictJson: (b) => parseStrictJson(b) });
}

export function xmlExchangeSuite(mode: Mode) {
  describe(`XML both ways through the hub (${mode} mode)`, () => {
    let henv: TestHubEnv;
    let hub: Hub;
    let receiver: Receiver;

    beforeAll(async () => {
      henv = await makeHubEnv(mode);
      receiver = await startReceiver(ok);
      const dir = contractsWithXmlRecipient(XML_POLICE, (g) => {
        g.retry = { schedule: [0.2, 0.2], jitter: 0 };
      });
      hub = await startTestHub(henv, { WASLA_CONTRACTS_DIR: dir, WASLA_MAX_BODY_BYTES: String(64 * 1024) }, { contractsEnv: { ...process.env, ...endpointEnv(receiver.url) } });
    });
    afterAll(async () => {
      await hub?.stop();
      await receiver?.close();
      await henv?.cleanup();
    });

    it('delivers a JSON warrant to an xml-http institution as signed XML, verified by a real receiver', async () => {
      const sent = warrant({ warrantNumber: 'W-XML-OUT-1' });
      const r = await post(hub, sent);
      expect(r.status).toBe(202);
      const toPolice = r.json.deliveries.find((d: any) => d.recipient === XML_POLICE);
      expect(toPolice).toBeDefined();
      const done = await waitForStates(hub, r.json.id, ['delivered']);
      const d = done.deliveries.find((x: any) => x.recipient === XML_POLICE);
      const arrival = receiver.arrivals.find((a) => a.deliveryId === d.id)!;
      expect(arrival.institution).toBe(XML_POLICE);
      expect(arrival.headers['content-type']).toMatch(
        new RegExp(`^application/xml; charset=utf-8; dataschema="https://wasla\\.dev/contracts/messages/warrant\\.issued/${d.major}\\.\\d+\\.schema\\.json"$`),
      );
      expect(arrival.messageId).toBe(r.json.id);
      expect(arrival.body.subarray(0, 38).toString()).toBe('<?xml version="1.0" encoding="UTF-8"?>');
      // the hub's signature over the XML bytes verified with the SDK; the receipt was checked
      expect(receiver.rejected).toEqual([]);
      expect(d.attemptLog.at(-1)).toMatchObject({ outcome: 'delivered', statusCode: 200, receipt: { institution: XML_POLICE } });
      // the document carries what the police may see of the warrant, in major 1, and reads back
      const back = readDelivered(hub, arrival.body, String(arrival.headers['content-type']));
      expect(back.id).toBe(r.json.id);
      expect(back.data.warrantNumber).toBe('W-XML-OUT-1');
      const translated = hub.contracts().catalogue.translate('warrant.issued', '2.0', d.major, sent.data);
      expect(back.data).toEqual(translated.data);
    });

    it('accepts an execution report as signed XML, routes it like JSON and keeps the bytes as received', async () => {
      const before = receiver.arrivals.length;
      const r = await postXml(hub, EXECUTION_REPORT_XML);
      expect(r.status, JSON.stringify(r.json)).toBe(202);
      expect(r.json).toMatchObject({ type: 'warrant.executed', version: '1.1' });
      const done = await waitDelivered(hub, r.json.id, XML_POLICE);
      expect(done.envelope).toMatchObject({ source: XML_POLICE, type: 'warrant.executed', sourceeventid: EXECUTION_REPORT.envelope.id, casereference: EXECUTION_REPORT.envelope.casereference });
      expect(done.envelope.data).toEqual(EXECUTION_REPORT.data);
      // routed by recipientFrom /court to the court that issued the warrant, which speaks JSON
      expect(done.deliveries.map((d: any) => d.recipient)).toEqual([EXECUTION_REPORT.data.court]);
      const arrival = receiver.arrivals.slice(before).find((a) => a.messageId === r.json.id)!;
      expect(arrival.headers['content-type']).toMatch(/^application\/cloudevents\+json/);
      expect(arrival.json.data).toEqual(EXECUTION_REPORT.data);
      // evidence: the very bytes signed and received, and the media type they came with
      const row = await one(hub, sql`select received_body, received_media_type from messages where id = ${r.json.id}`);
      expect(Buffer.from(row.received_body).equals(Buffer.from(EXECUTION_REPORT_XML))).toBe(true);
      expect(row.received_media_type).toBe('application/xml');
      // the sender reads them back; the recipient does not see them
      expect(Buffer.from(done.received.base64, 'base64').toString('utf8')).toBe(EXECUTION_REPORT_XML);
      expect(done.received).toMatchObject({ mediaType: 'application/xml', sha256: createHash('sha256').update(EXECUTION_REPORT_XML).digest('hex') });
      const asCourt = await getMessage(hub, r.json.id, EXECUTION_REPORT.data.court);
      expect(asCourt.status).toBe(200);
      expect(asCourt.json.received).toBeUndefined();
      expect(asCourt.json.envelope).toBeUndefined();
      const audit = await one(hub, sql`select data from audit_log where action = 'message.accepted' and subject = ${r.json.id}`);
      expect(audit.data).toMatchObject({ receivedAs: { adapter: 'xml-http', mediaType: 'application/xml' } });
    });

    it('takes the version from the dataschema parameter, and refuses a document no mapping fits', async () => {
      const named = await postXml(
        hub,
        EXECUTION_REPORT_XML.replace('RAM-W-2026-00604', 'RAM-W-2026-00605'),
        'application/xml; dataschema="https://wasla.dev/contracts/messages/warrant.executed/1.1.schema.json"',
      );
      expect(named.status, JSON.stringify(named.json)).toBe(202);
      const unknownRoot = await postXml(hub, '<?xml version="1.0" encoding="UTF-8"?><a:Other xmlns:a="urn:x"/>');
      expect([unknownRoot.status, unknownRoot.json.type]).toEqual([422, 'https://wasla.dev/problems/xml-mapping-unknown']);
      const broken = await postXml(hub, EXECUTION_REPORT_XML.replace('<nc:CaseDocketID>1311/2026</nc:CaseDocketID>', ''));
      expect([broken.status, broken.json.type]).toEqual([422, 'https://wasla.dev/problems/xml-structure-mismatch']);
      expect(broken.json.xpath).toMatch(/nc:Case/);
      // mapped, then validated like JSON: a value its schema refuses
      const invalid = await postXml(hub, EXECUTION_REPORT_XML.replace('<ext:WarrantExecutionOutcomeCode>executed<', '<ext:WarrantExecutionOutcomeCode>vanished<'));
      expect([invalid.status, invalid.json.type]).toEqual([422, 'https://wasla.dev/problems/schema-violation']);
      expect(invalid.json.errors[0].pointer).toBe('/data/outcome');
    });

    it('is idempotent like JSON: the same key and bytes answer the same, other bytes are refused', async () => {
      const key = `xml-${mode}-${Date.now()}`;
      const doc = EXECUTION_REPORT_XML.replace('RAM-W-2026-00604', 'RAM-W-2026-00606');
      const first = await postXml(hub, doc, 'application/xml', XML_POLICE, { 'idempotency-key': key });
      expect(first.status).toBe(202);
      const before = await counts(hub);
      const again = await postXml(hub, doc, 'application/xml', XML_POLICE, { 'idempotency-key': key });
      expect([again.status, again.json.id]).toEqual([202, first.json.id]);
      const other = await postXml(hub, doc.replace('RAM-W-2026-00606', 'RAM-W-2026-00607'), 'application/xml', XML_POLICE, { 'idempotency-key': key });
      expect([other.status, other.json.type]).toEqual([422, 'https://wasla.dev/problems/idempotency-key-reused']);
      expect(await counts(hub)).toEqual(before);
    });

    it('answers XML and delivers XML as the OpenAPI document says', async () => {
      const c = new Conformance(await (await fetch(`${hub.url}/openapi.json`)).json());
      const send = (body: string) => signedFetch(`${hub.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body }, XML_POLICE);
      const accepted = await c.check(await send(EXECUTION_REPORT_XML.replace('RAM-W-2026-00604', 'RAM-W-2026-00608')), 'post', '/v1/messages');
      await c.check(await send('<?xml version="1.0"?><!DOCTYPE r><r/>'), 'post', '/v1/messages');
      await c.check(await send(EXECUTION_REPORT_XML.replace('<nc:CaseDocketID>1311/2026</nc:CaseDocketID>', '')), 'post', '/v1/messages');
      await waitDelivered(hub, accepted.id, XML_POLICE);
      const read = await c.check(await signedFetch(`${hub.url}/v1/messages/${accepted.id}`, {}, XML_POLICE), 'get', '/v1/messages/{id}');
      expect(read.received.mediaType).toBe('application/xml');
      // an XML delivery to the police, against the document's webhook
      const r = await post(hub, warrant({ warrantNumber: 'W-XML-OPENAPI-1' }));
      await waitForStates(hub, r.json.id, ['delivered']);
      const arrival = receiver.arrivals.find((a) => a.messageId === r.json.id && a.institution === XML_POLICE)!;
      c.checkDelivery({ ...arrival, json: arrival.body.toString('utf8') });
    });

    const HEAD = '<?xml version="1.0" encoding="UTF-8"?>';
    const hostile: Array<[string, () => string, number, string]> = [
      ['a DOCTYPE', () => `${HEAD}<!DOCTYPE r [<!ELEMENT r ANY>]><r/>`, 400, 'xml-doctype-forbidden'],
      ['an entity declaration (billion laughs)', () => `${HEAD}<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><lolz>&lol2;</lolz>`, 400, 'xml-doctype-forbidden'],
      ['an entity reference (XXE without its DTD)', () => `${HEAD}<r>&xxe;</r>`, 400, 'xml-entity-forbidden'],
      ['an unknown processing instruction', () => `${HEAD}<?xml-stylesheet href="http://127.0.0.1:9/x.xsl"?><r/>`, 400, 'xml-processing-instruction-forbidden'],
      ['nesting past the depth limit', () => `${HEAD}${'<a>'.repeat(65)}${'</a>'.repeat(65)}`, 400, 'xml-too-deep'],
      ['a body over the limit', () => `${HEAD}<r>${'x'.repeat(70 * 1024)}</r>`, 413, 'body-too-large'],
      ['UTF-16', () => `<?xml version="1.0" encoding="UTF-16"?><r/>`, 400, 'xml-encoding-unsupported'],
    ];
    for (const [what, body, status, code] of hostile) {
      it(`refuses ${what} as ${code}, storing nothing`, async () => {
        const before = await counts(hub);
        const r = await postXml(hub, body());
        expect([r.status, r.type, r.json.type]).toEqual([status, 'application/problem+json', `https://wasla.dev/problems/${code}`]);
        expect(await counts(hub)).toEqual(before);
      });
    }

    it('refuses an XML charset other than UTF-8 and an unknown media type', async () => {
      const latin = await postXml(hub, EXECUTION_REPORT_XML, 'application/xml; charset=iso-8859-1');
      expect([latin.status, latin.json.type]).toEqual([415, 'https://wasla.dev/problems/unsupported-media-type']);
      const yaml = await postXml(hub, 'a: 1', 'application/yaml');
      expect([yaml.status, yaml.json.type]).toEqual([415, 'https://wasla.dev/problems/unsupported-media-type']);
    });

    it('holds the signature to the XML bytes: one changed byte is refused', async () => {
      const k = sharedFederation().keys.get(XML_POLICE)!;
      const { signPlainRequest, REQUEST_COMPONENTS } = await import('../../src/trust/index.js');
      const url = `${hub.url}/v1/messages`;
      const headers = signPlainRequest(
        { method: 'POST', url, headers: { 'content-type': 'application/xml' }, body: Buffer.from(EXECUTION_REPORT_XML) },
        { key: k.key, keyid: k.serial, alg: 'ed25519', components: [...REQUEST_COMPONENTS] },
      ).headers;
      const before = await counts(hub);
      const res = await fetch(url, { method: 'POST', headers, body: EXECUTION_REPORT_XML.replace('executed<', 'Executed<') });
      expect([res.status, ((await res.json()) as any).type]).toEqual([401, 'https://wasla.dev/problems/digest-mismatch']);
      expect(await counts(hub)).toEqual(before);
    });
  });
}

/** the message as its sender reads it, once every delivery is delivered */
async function waitDelivered(hub: Hub, id: string, sender: string, timeoutMs = 20_000): Promise<any> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = await getMessage(hub, id, sender);
    if (r.status === 200 && r.json.deliveries.every((d: any) => d.state === 'delivered')) return r.json;
    if (Date.now() > end) throw new Error(`message ${id} not delivered: ${JSON.stringify(r.json)}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

async function one(hub: Hub, q: ReturnType<typeof sql>): Promise<any> {
  const r = await hub.database.db.execute(q);
  return ((r as any).rows ?? r)[0];
}
