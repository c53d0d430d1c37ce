/**
 * Property tests: for any request and any algorithm, the signature verifies untouched, and changing
 * any covered component, the body, or moving the clock outside the window makes verification fail
 * with the code that names that change.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SIGNATURE_ALGORITHMS, createContentDigest, signPlainRequest, verifyPlainRequest, type PlainRequest, type SignatureAlgorithm } from '../../../src/trust/index.js';
import { testKeys } from './keys.js';

const NOW_S = 1_772_000_000;
const COMPONENTS = ['@method', '@target-uri', 'content-digest', 'content-type', 'wasla-message-id'];

const token = fc.stringMatching(/^[a-z0-9]{1,8}$/);
const requestArb: fc.Arbitrary<Case> = fc.record({
  method: fc.constantFrom('POST', 'PUT', 'PATCH', 'DELETE', 'GET'),
  path: fc.array(token, { minLength: 1, maxLength: 3 }).map((p) => '/' + p.join('/')),
  query: fc.option(fc.array(fc.tuple(token, token), { minLength: 1, maxLength: 3 }), { nil: undefined }),
  contentType: fc.constantFrom('application/json', 'application/xml', 'application/cloudevents+json'),
  messageId: fc.uuid(),
  body: fc.uint8Array({ maxLength: 200 }),
  alg: fc.constantFrom(...SIGNATURE_ALGORITHMS),
});

interface Case {
  method: string;
  path: string;
  query: Array<[string, string]> | undefined;
  contentType: string;
  messageId: string;
  body: Uint8Array;
  alg: SignatureAlgorithm;
}

function build(c: Case): PlainRequest {
  const q = c.query ? '?' + c.query.map(([k, v]) => `${k}=${v}`).join('&') : '';
  return {
    method: c.method,
    url: `https://hub.wasla.test${c.path}${q}`,
    headers: { 'content-type': c.contentType, 'wasla-message-id': c.messageId },
    body: Buffer.from(c.body),
  };
}

function sign(c: Case): PlainRequest {
  const req = build(c);
  const s = signPlainRequest(req, { key: testKeys()[c.alg].priv, alg: c.alg, keyid: 'k', created: NOW_S, components: COMPONENTS });
  return { ...req, headers: s.headers };
}

function verify(req: PlainRequest, alg: SignatureAlgorithm, nowS = NOW_S) {
  return verifyPlainRequest(req, {
    now: new Date(nowS * 1000),
    resolveKey: () => ({ key: testKeys()[alg].pub }),
    requiredComponents: COMPONENTS,
  });
}

const other = (a: string, b: string) => (a === b ? b + 'x' : b);

type Mutation = { name: string; apply: (r: PlainRequest) => PlainRequest; codes: string[] };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constantFrom('GET', 'POST', 'PUT', 'HEAD', 'post').map((m) => ({
    name: `method -> ${m}`,
    apply: (r: PlainRequest) => ({ ...r, method: r.method === m ? m + 'X' : m }),
    codes: ['signature-invalid'],
  })),
  token.map((seg) => ({
    name: `path + /${seg}`,
    apply: (r: PlainRequest) => ({ ...r, url: r.url.replace('hub.wasla.test/', `hub.wasla.test/${seg}/`) }),
    codes: ['signature-invalid'],
  })),
  fc.tuple(token, token).map(([k, v]) => ({
    name: `query + ${k}=${v}`,
    apply: (r: PlainRequest) => ({ ...r, url: r.url + (r.url.includes('?') ? '&' : '?') + `${k}=${v}` }),
    codes: ['signature-invalid'],
  })),
  fc.constantFrom('hub2.wasla.test', 'evil.test', 'hub.wasla.test:8443').map((host) => ({
    name: `authority -> ${host}`,
    apply: (r: PlainRequest) => ({ ...r, url: r.url.replace('hub.wasla.test', host) }),
    codes: ['signature-invalid'],
  })),
  fc.constantFrom('text/plain', 'application/json; charset=utf-8', 'application/xml').map((ct) => ({
    name: `content-type -> ${ct}`,
    apply: (r: PlainRequest) => ({ ...r, headers: { ...r.headers, 'content-type': other(String(r.headers['content-type']), ct) } }),
    codes: ['signature-invalid'],
  })),
  fc.uuid().map((id) => ({
    name: `message id -> ${id}`,
    apply: (r: PlainRequest) => ({ ...r, headers: { ...r.headers, 'wasla-message-id': other(String(r.headers['wasla-message-id']), id) } }),
    codes: ['signature-invalid'],
  })),
  fc.uint8Array({ minLength: 1, maxLength: 50 }).map((extra) => ({
    name: 'body appended',
    apply: (r: PlainRequest) => ({ ...r, body: Buffer.concat([Buffer.from(r.body as Uint8Array), extra]) }),
    codes: ['digest-mismatch'],
  })),
  fc.uint8Array({ minLength: 1, maxLength: 50 }).map((extra) => {
    // an attacker who also recomputes the digest: the signature covers the digest field
    const apply = (r: PlainRequest) => {
      const body = Buffer.concat([Buffer.from(r.body as Uint8Array), extra]);
      return { ...r, body, headers: { ...r.headers, 'content-digest': createContentDigest(body) } };
    };
    return { name: 'body and digest replaced', apply, codes: ['signature-invalid'] };
  }),
);

describe('signature properties', () => {
  it('an untouched signed request verifies, for every algorithm', async () => {
    await fc.assert(
      fc.asyncProperty(requestArb, async (c) => {
        const r = await verify(sign(c), c.alg);
        expect(r.alg).toBe(c.alg);
      }),
      { numRuns: 100 },
    );
  });

  it('changing any covered component or the body breaks verification', async () => {
    await fc.assert(
      fc.asyncProperty(requestArb, mutationArb, async (c, m) => {
        const tampered = m.apply(sign(c));
        const err = await verify(tampered, c.alg).then(
          () => undefined,
          (e: { code?: string }) => e.code,
        );
        expect(m.codes, m.name).toContain(err);
      }),
      { numRuns: 300 },
    );
  });

  it('a clock outside [created - skew, created + maxAge] refuses; inside accepts', async () => {
    await fc.assert(
      fc.asyncProperty(requestArb, fc.integer({ min: -100_000, max: 100_000 }), async (c, shift) => {
        const req = sign(c);
        const outcome = await verify(req, c.alg, NOW_S + shift).then(
          () => 'ok',
          (e: { code?: string }) => e.code,
        );
        // created = NOW_S; verifier at NOW_S + shift; default maxAge 300 s, skew 30 s
        const expected = shift > 300 ? 'signature-expired' : shift < -30 ? 'signature-from-future' : 'ok';
        expect(outcome).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });
});
