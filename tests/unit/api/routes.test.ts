/**
 * The routes in process (`app.request()`), over fake services: what each route reads from the
 * request, which service it calls with what, and how it answers — the services' own rules
 * (authorization, audit) are tested with the database in tests/shared.
 */
import { describe, expect, it } from 'vitest';
import { createApp } from '../../../src/api/app.js';
import type { ApiDeps } from '../../../src/api/deps.js';
import { ForbiddenError } from '../../../src/errors.js';
import { createLogger } from '../../../src/log.js';
import { createMetrics } from '../../../src/metrics.js';
import { loadContracts } from '../../../src/routing/index.js';
import type { MessageReading, Principal, Services } from '../../../src/services/index.js';
import type { DeliveryFilter } from '../../../src/store/index.js';

const contracts = loadContracts('contracts');
const COURT: Principal = { institution: 'ps.hjc.court.ramallah', credential: 'cert:01' };
const ID = '01890000-0000-7000-8000-000000000001';
const at = new Date('2026-01-02T03:04:05.678Z');

const unused = () => {
  throw new Error('this service must not be called');
};

function app(
  services: {
    intake?: Partial<Services['intake']>;
    messages?: Partial<Services['messages']>;
    deliveries?: Partial<Services['deliveries']>;
    queries?: Partial<Services['queries']>;
    deadlines?: Partial<Services['deadlines']>;
  },
  extra: Partial<ApiDeps> = {},
) {
  const deps: ApiDeps = {
    version: 'test',
    mode: 'embedded',
    maxBodyBytes: 4096,
    services: {
      intake: { accept: unused, ...services.intake },
      messages: { read: unused, ...services.messages },
      deliveries: { list: unused, replay: unused, replayMatching: unused, ...services.deliveries },
      statements: { receive: unused, list: unused, show: unused },
      queries: { list: unused, run: unused, ...services.queries },
      deadlines: { list: unused, ...services.deadlines },
      refusals: { record: async () => {} },
      contractAdmin: { reload: unused },
      payloadKeys: { status: unused, rewrap: unused },
      retention: { run: unused, placeHold: unused, liftHold: unused, listHolds: unused },
    },
    contracts: () => contracts,
    metrics: createMetrics(),
    log: createLogger('silent'),
    authenticate: async () => COURT,
    checks: {},
    sample: async () => {},
    accepting: () => true,
    trust: () => ({ caCertPem: 'CA PEM', hubCertPems: Promise.resolve(['HUB PEM']) }),
    signAnswer: unused,
    ...extra,
  };
  return createApp(deps).app;
}

const problem = async (res: Response) => ({ status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as Record<string, any> });

describe('POST /v1/messages', () => {
  it('hands the body, its media type, key and sender to intake and answers 202 with where to read the message', async () => {
    const seen: unknown[] = [];
    const a = app({
      intake: {
        accept: async (input) => {
          seen.push({ ...input, body: input.body.toString() });
          return { replayed: true, answer: { id: ID, type: 't.x', version: '1.0', classification: 'public', receivedAt: at.toISOString(), deliveries: [] } };
        },
      },
    });
    const res = await a.request('/v1/messages', { method: 'POST', headers: { 'content-type': 'application/cloudevents+json', 'idempotency-key': 'k-1' }, body: '{"a":1}' });
    expect(res.status).toBe(202);
    expect(res.headers.get('location')).toBe(`/v1/messages/${ID}`);
    expect(res.headers.get('idempotent-replayed')).toBe('true');
    expect(seen).toEqual([{ sender: COURT.institution, credential: COURT.credential, body: '{"a":1}', mediaType: 'application/cloudevents+json', idempotencyKey: 'k-1' }]);
  });

  it('refuses another media type before calling intake (415)', async () => {
    const res = await app({}).request('/v1/messages', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
    const p = await problem(res);
    expect(p).toMatchObject({ status: 415, type: 'application/problem+json', body: { type: 'https://wasla.dev/problems/unsupported-media-type', status: 415 } });
  });

  it('refuses a body over the limit before reading it (413)', async () => {
    const res = await app({}).request('/v1/messages', { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '5000' }, body: 'x'.repeat(5000) });
    expect((await problem(res)).body).toMatchObject({ type: 'https://wasla.dev/problems/body-too-large', status: 413 });
  });
});

describe('GET /v1/messages/{id}', () => {
  const message = { id: ID, sender: COURT.institution, type: 't.x', version: '1.0', classification: 'public', receivedAt: at, envelope: { data: {} }, routing: { deliveries: [] } };
  const delivery = {
    id: 'd1',
    recipient: 'ps.police.judicial',
    agreement: 'a',
    grant: 'g',
    major: 1,
    fields: ['*'],
    state: 'delivered',
    attempts: 1,
    nextAttemptAt: null,
    givesUpAt: at,
    retry: { storeAndForward: true },
    lastError: null,
    deliveredAt: at,
    attemptLog: [{ number: 1, startedAt: at, durationMs: 12, statusCode: 200, outcome: 'delivered', error: null, receipt: null, worker: 'w' }],
  };

  it('answers the sender with everything, times as RFC 3339', async () => {
    const a = app({ messages: { read: async (_p, _id) => ({ as: 'sender', message, deliveries: [delivery] }) as unknown as MessageReading } });
    const res = await a.request(`/v1/messages/${ID}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, any>;
    expect(body).toMatchObject({ id: ID, receivedAt: at.toISOString(), envelope: { data: {} }, routing: { deliveries: [] } });
    expect(body.deliveries[0]).toMatchObject({ id: 'd1', storeAndForward: true, givesUpAt: at.toISOString(), nextAttemptAt: null, deliveredAt: at.toISOString() });
    expect(body.deliveries[0].attemptLog).toEqual([{ number: 1, startedAt: at.toISOString(), durationMs: 12, statusCode: 200, outcome: 'delivered', error: null, receipt: null, worker: 'w' }]);
  });

  it('answers a recipient with the metadata and its own delivery, nothing else', async () => {
    const a = app({ messages: { read: async () => ({ as: 'recipient', message, delivery }) as unknown as MessageReading } });
    const body = (await (await a.request(`/v1/messages/${ID}`)).json()) as Record<string, any>;
    expect(body).toEqual({
      id: ID,
      sender: COURT.institution,
      type: 't.x',
      version: '1.0',
      classification: 'public',
      receivedAt: at.toISOString(),
      purgedAt: null,
      deliveries: [{ id: 'd1', recipient: 'ps.police.judicial', state: 'delivered', attempts: 1, deliveredAt: at.toISOString() }],
    });
  });

  it('answers 404 for an id that is not a UUID, without asking the service', async () => {
    expect((await problem(await app({}).request('/v1/messages/not-a-uuid'))).body).toMatchObject({ type: 'https://wasla.dev/problems/message-not-found', status: 404 });
  });

  it("maps the service's refusal to its problem", async () => {
    const a = app({
      messages: {
        read: async () => {
          throw new ForbiddenError('query-not-granted', 'not granted');
        },
      },
    });
    expect((await problem(await a.request(`/v1/messages/${ID}`))).body).toMatchObject({
      type: 'https://wasla.dev/problems/query-not-granted',
      status: 403,
      detail: 'not granted',
      instance: `/v1/messages/${ID}`,
    });
  });
});

describe('deliveries', () => {
  it('reads the filter from the query and answers the page the service returns', async () => {
    const filters: DeliveryFilter[] = [];
    const a = app({
      deliveries: {
        list: async (_p, f) => {
          filters.push(f);
          return { items: [], next: null };
        },
      },
    });
    const res = await a.request('/v1/deliveries?state=waiting&recipient=ps.mof&since=2026-01-01T00:00:00Z&limit=5');
    expect(await res.json()).toEqual({ items: [], next: null });
    expect(filters).toEqual([{ state: 'waiting', recipient: 'ps.mof', type: undefined, since: new Date('2026-01-01T00:00:00Z'), limit: 5 }]);
  });

  it('names every fault of the filter with its pointer (400), without asking the service', async () => {
    const p = await problem(await app({}).request('/v1/deliveries?state=lost&limit=0&since=yesterday'));
    expect(p.body).toMatchObject({ type: 'https://wasla.dev/problems/invalid-filter', status: 400 });
    expect(p.body.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual(['/query/limit', '/query/since', '/query/state']);
  });

  it('replays one delivery with the reason given', async () => {
    const calls: unknown[] = [];
    const a = app({
      deliveries: {
        replay: async (p, id, reason) => {
          calls.push([p.institution, id, reason]);
          return { replayed: [], refused: [] };
        },
      },
    });
    const res = await a.request(`/v1/deliveries/${ID}/replay?reason=fixed`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(calls).toEqual([[COURT.institution, ID, 'fixed']]);
  });

  it('reads the bulk replay body only once the service asks for it', async () => {
    const read: unknown[] = [];
    const a = app({
      deliveries: {
        replayMatching: async (_p, request) => {
          read.push(request());
          return { replayed: [], refused: [] };
        },
      },
    });
    const res = await a.request('/v1/deliveries/replay', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"recipient":"ps.mof","limit":10,"reason":"outage over"}' });
    expect(res.status).toBe(200);
    expect(read).toEqual([{ filter: { recipient: 'ps.mof', type: undefined, limit: 10 }, reason: 'outage over' }]);

    const refusing = app({
      deliveries: {
        replayMatching: async () => {
          throw new ForbiddenError('operator-only', 'bulk replay is for the hub operators');
        },
      },
    });
    expect((await problem(await refusing.request('/v1/deliveries/replay', { method: 'POST', body: '[not json' }))).body).toMatchObject({ type: 'https://wasla.dev/problems/operator-only' });
    const malformed = app({
      deliveries: {
        replayMatching: async (_p, request) => {
          request();
          return { replayed: [], refused: [] };
        },
      },
    });
    expect((await problem(await malformed.request('/v1/deliveries/replay', { method: 'POST', body: '[1]' }))).body).toMatchObject({ type: 'https://wasla.dev/problems/invalid-filter', status: 400 });
  });
});

describe('the rest of the edge', () => {
  it('answers an unknown route with a problem', async () => {
    expect((await problem(await app({}).request('/v2/nothing'))).body).toMatchObject({ type: 'https://wasla.dev/problems/route-not-found', status: 404 });
  });

  it('serves the trust anchors', async () => {
    expect(await (await app({}).request('/v1/trust')).json()).toEqual({ ca: 'CA PEM', hub: ['HUB PEM'] });
  });
});

describe('GET /v1/queries/{name}', () => {
  const answer = { query: 'traffic-fines', asOf: at.toISOString(), records: [], truncated: false };

  it("hands the name and the URL's parameters to the query service (a repeated one as a list) and signs the answer over its request", async () => {
    const seen: unknown[] = [];
    const signed: unknown[] = [];
    const a = app(
      { queries: { run: async (p, name, params) => (seen.push({ p, name, params }), answer) } },
      {
        signAnswer: (res, req) => {
          signed.push({ status: res.status, body: Buffer.from(res.body).toString(), at: res.at.toISOString(), method: req.method, url: req.url });
          return { ...res.headers, signature: 'wasla-answer=:c2ln:' };
        },
      },
    );
    const res = await a.request('/v1/queries/traffic-fines?plate=7-1234-95&fine=A&fine=B&limit=5');
    expect(res.status).toBe(200);
    expect(res.headers.get('signature')).toBe('wasla-answer=:c2ln:');
    expect(await res.json()).toEqual(answer);
    expect(seen).toEqual([{ p: COURT, name: 'traffic-fines', params: { plate: '7-1234-95', fine: ['A', 'B'], limit: '5' } }]);
    expect(signed).toEqual([{ status: 200, body: JSON.stringify(answer), at: answer.asOf, method: 'GET', url: 'http://localhost/v1/queries/traffic-fines?plate=7-1234-95&fine=A&fine=B&limit=5' }]);
  });

  it('refuses more than 20 parameters before calling the service (400 query-parameters-invalid)', async () => {
    const q = Array.from({ length: 21 }, (_, i) => `p${i}=x`).join('&');
    const p = await problem(await app({}).request(`/v1/queries/traffic-fines?${q}`));
    expect(p).toMatchObject({ status: 400, body: { type: 'https://wasla.dev/problems/query-parameters-invalid' } });
  });
});

describe('GET /v1/deadlines (issue 25)', () => {
  it('hands the state, case and page to the deadline service with the caller, and answers its page', async () => {
    let got: unknown;
    const res = await app({
      deadlines: {
        list: async (p, q) => {
          got = { p, q };
          return { items: [], next: null };
        },
      },
    }).request('/v1/deadlines?state=missed&case=88%2F2026&limit=5');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ items: [], next: null });
    expect(got).toEqual({ p: COURT, q: { state: 'missed', caseRef: '88/2026', limit: 5 } });
  });

  it('refuses a bad filter with every fault, before calling the service', async () => {
    const r = await problem(await app({}).request(`/v1/deadlines?state=late&limit=0&before=x&case=${'9'.repeat(300)}`));
    expect(r.status).toBe(400);
    expect(r.type).toBe('application/problem+json');
    expect(r.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/query/state', '/query/case', '/query/before', '/query/limit']);
  });
});
