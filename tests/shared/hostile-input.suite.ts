/**
 * Hostile input at the HTTP edge (issue 19): every string a request can bring to PostgreSQL — the
 * envelope's attributes, its data (values and member names), the query parameters of the routes
 * that read or write, a replay's reason, the headers — tried with what text and jsonb cannot hold
 * (U+0000), with what is not Unicode text (bytes that are not UTF-8, lone surrogates), and with a
 * member name written twice. Each is refused with a 400 problem naming its type and pointer,
 * correctly signed so that the signature is not what refuses it, and nothing is stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Hub } from '../../src/hub.js';
import { REQUEST_COMPONENTS, signPlainRequest } from '../../src/trust/index.js';
import { makeHubEnv, startTestHub, type Mode, type TestHubEnv } from '../helpers/hub.js';
import { sharedFederation } from '../helpers/federation.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { endpointEnv } from '../helpers/contracts.js';
import { COURT, warrant } from './spine.suite.js';

export const OPERATOR = 'ps.hjc.wasla-operations';

/** a warrant whose JSON text has `patch` applied (a string replacement on the serialized body) */
function warrantText(patch: (text: string) => string): string {
  return patch(JSON.stringify(warrant()));
}

const bytes = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
const [head, tail] = (() => {
  const t = JSON.stringify({ ...warrant(), subject: '@@' });
  const i = t.indexOf('@@');
  return [t.slice(0, i), t.slice(i + 2)];
})();
/** a warrant whose subject is made of these raw bytes */
const subjectBytes = (b: number[]) => bytes(head, 'W-', b, tail);

/** [what, body, problem type, pointer] */
export const BODY_CASES: Array<[string, Buffer | string, string, string]> = [
  // U+0000 in every envelope attribute that reaches a text column, in data, in a member name
  ...(['subject', 'casereference', 'correlationid', 'causationid', 'id'] as const).map((k): [string, string, string, string] => [
    `U+0000 in ${k}`,
    JSON.stringify({ ...warrant(), [k]: 'a\u0000b' }),
    'nul-character',
    `/${k}`,
  ]),
  ['U+0000 in a data value', warrantText((t) => t.replace('"warrantNumber":"', '"warrantNumber":"\\u0000')), 'nul-character', '/data/warrantNumber'],
  ['U+0000 in a data member name', warrantText((t) => t.replace('"data":{', '"data":{"x\\u0000":1,')), 'nul-character', '/data'],
  ['U+0000 in an array element', warrantText((t) => t.replace('"data":{', '"data":{"list":["ok","\\u0000"],')), 'nul-character', '/data/list/1'],
  // not UTF-8: refused before the JSON is read
  ['a 0xFF byte', subjectBytes([0xff]), 'invalid-utf8', ''],
  ['an overlong "/" (C0 AF)', subjectBytes([0xc0, 0xaf]), 'invalid-utf8', ''],
  ['an encoded surrogate (ED A0 80)', subjectBytes([0xed, 0xa0, 0x80]), 'invalid-utf8', ''],
  ['a truncated sequence (E2 82)', subjectBytes([0xe2, 0x82]), 'invalid-utf8', ''],
  ['a code point over U+10FFFF', subjectBytes([0xf4, 0x90, 0x80, 0x80]), 'invalid-utf8', ''],
  ['a lone high surrogate escape in subject', JSON.stringify({ ...warrant(), subject: 'a\ud800' }), 'invalid-utf8', '/subject'],
  ['a lone low surrogate escape in data', warrantText((t) => t.replace('"warrantNumber":"', '"warrantNumber":"\\udc00')), 'invalid-utf8', '/data/warrantNumber'],
  ['a reversed surrogate pair', warrantText((t) => t.replace('"warrantNumber":"', '"warrantNumber":"\\ude00\\ud83d')), 'invalid-utf8', '/data/warrantNumber'],
  // duplicate member names (I-JSON): the two of the issue, one nested, one spelt differently
  ['classification twice', warrantText((t) => t.replace('{', '{"classification":"juvenile",').replace(/}$/, ',"classification":"public"}')), 'duplicate-member', '/classification'],
  ['juvenile twice in data', warrantText((t) => t.replace('"data":{', '"data":{"juvenile":true,"juvenile":false,')), 'duplicate-member', '/data/juvenile'],
  ['a name twice in two spellings', warrantText((t) => t.replace('"data":{', '"data":{"x":1,"\\u0078":2,')), 'duplicate-member', '/data/x'],
  ['data twice', warrantText((t) => t.replace(/}$/, ',"data":{}}')), 'duplicate-member', '/data'],
];

/** the query parameters of GET /v1/deliveries, and one it does not know */
export const QUERY_PARAMS = ['state', 'recipient', 'type', 'since', 'until', 'after', 'limit', 'unknown'];

export function hostileInputSuite(mode: Mode) {
  describe(`hostile input at the edge (${mode} mode)`, () => {
    let henv: TestHubEnv;
    let hub: Hub;
    let receiver: Receiver;
    const fed = sharedFederation();

    beforeAll(async () => {
      henv = await makeHubEnv(mode);
      receiver = await startReceiver();
      hub = await startTestHub(henv, {}, { contractsEnv: { ...process.env, ...endpointEnv(receiver.url) } });
    });
    afterAll(async () => {
      await hub?.stop();
      await receiver?.close();
      await henv?.cleanup();
    });

    async function stored() {
      const r = await hub.database.db.execute(sql`select (select count(*) from messages)::int as m, (select count(*) from deliveries)::int as d,
        (select count(*) from idempotency_keys)::int as k, (select count(*) from audit_log where action like 'message.%' or action like 'deliveries.%' or action = 'delivery.replayed')::int as a`);
      return ((r as any).rows ?? r)[0];
    }

    /** a correctly signed request; body as raw bytes */
    async function send(method: string, path: string, body?: Buffer | string, sender = COURT, headers: Record<string, string> = {}) {
      const key = fed.keys.get(sender)!;
      const url = `${hub.url}${path}`;
      const raw = body === undefined ? Buffer.alloc(0) : Buffer.from(body);
      const h = { ...(body !== undefined && { 'content-type': 'application/cloudevents+json' }), ...headers };
      const signed = signPlainRequest(
        { method, url, headers: h, body: raw },
        {
          key: key.key,
          keyid: key.serial,
          alg: 'ed25519',
          nonce: randomUUID(),
          components: body !== undefined ? [...REQUEST_COMPONENTS] : ['@method', '@target-uri', 'content-digest'],
        },
      );
      const res = await fetch(url, { method, headers: signed.headers, body: body === undefined ? undefined : raw });
      const text = await res.text();
      return { status: res.status, contentType: res.headers.get('content-type') ?? '', json: text ? JSON.parse(text) : undefined };
    }

    const code = (json: any) => String(json?.type).replace('https://wasla.dev/problems/', '');

    it('accepts the unaltered warrant the cases are made from', async () => {
      expect((await send('POST', '/v1/messages', JSON.stringify(warrant()))).status).toBe(202);
      expect((await send('POST', '/v1/messages', subjectBytes([0xc3, 0xa9]))).status).toBe(202); // "é", well-formed
    });

    it.each(BODY_CASES.map(([what, body, type, pointer]) => ({ what, body, type, pointer })))(
      'refuses $what in a message: 400 $type at "$pointer", nothing stored',
      async ({ body, type, pointer }) => {
        const before = await stored();
        const r = await send('POST', '/v1/messages', body);
        expect([r.status, code(r.json)]).toEqual([400, type]);
        expect(r.contentType).toContain('application/problem+json');
        expect(r.json.errors.map((e: any) => e.pointer)).toEqual([pointer]);
        expect(await stored()).toEqual(before);
      },
    );

    it.each(QUERY_PARAMS)('refuses U+0000 in the query parameter %s of GET /v1/deliveries: 400', async (name) => {
      const before = await stored();
      for (const who of [COURT, OPERATOR]) {
        const r = await send('GET', `/v1/deliveries?${name}=a%00b`, undefined, who);
        expect([r.status, code(r.json)]).toEqual([400, 'nul-character']);
        expect(r.json.errors[0].pointer).toBe(`/query/${name}`);
      }
      const named = await send('GET', `/v1/deliveries?a%00=1`, undefined, OPERATOR);
      expect([named.status, code(named.json)]).toEqual([400, 'nul-character']);
      expect(await stored()).toEqual(before);
    });

    it('refuses U+0000 in a replay reason, given in the query or in the body, and an overlong one', async () => {
      const before = await stored();
      const one = await send('POST', `/v1/deliveries/${randomUUID()}/replay?reason=x%00`, undefined, OPERATOR);
      expect([one.status, code(one.json)]).toEqual([400, 'nul-character']);
      for (const body of ['{"reason":"x\\u0000"}', '{"recipient":"\\u0000"}', '{"type":"a","type":"b"}']) {
        const bulk = await send('POST', '/v1/deliveries/replay', body, OPERATOR, { 'content-type': 'application/json' });
        expect(bulk.status).toBe(400);
        expect(['nul-character', 'duplicate-member']).toContain(code(bulk.json));
      }
      const long = await send('POST', '/v1/deliveries/replay', JSON.stringify({ reason: 'r'.repeat(501) }), OPERATOR, { 'content-type': 'application/json' });
      expect([long.status, code(long.json)]).toEqual([400, 'invalid-filter']);
      expect(await stored()).toEqual(before);
    });

    it('refuses an Idempotency-Key that is not visible ASCII, and a NUL in any header before the hub sees it', async () => {
      const before = await stored();
      for (const key of ['caf\u00e9', 'a b', 'x'.repeat(201)]) {
        const r = await send('POST', '/v1/messages', JSON.stringify(warrant()), COURT, { 'idempotency-key': key });
        expect([r.status, code(r.json)]).toEqual([400, 'invalid-idempotency-key']);
      }
      // fetch cannot send a NUL in a header: a raw request, which Node's HTTP parser refuses
      const u = new URL(hub.url!);
      const answer = await new Promise<string>((resolve, reject) => {
        const s = connect(Number(u.port), u.hostname, () => {
          s.end(`POST /v1/messages HTTP/1.1\r\nHost: ${u.host}\r\nIdempotency-Key: a\u0000b\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`);
        });
        let t = '';
        s.on('data', (d) => (t += d));
        s.on('end', () => resolve(t));
        s.on('error', reject);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(await stored()).toEqual(before);
    });
  });
}
