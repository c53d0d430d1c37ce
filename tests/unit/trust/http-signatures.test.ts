import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  MemoryReplayGuard,
  SIGNATURE_ALGORITHMS,
  createContentDigest,
  headersFromRecord,
  signMessage,
  signPlainRequest,
  verifyMessage,
  verifyPlainRequest,
  type HeaderRecord,
  type PlainRequest,
  type ResolvedKey,
  type SignableMessage,
  type SignatureAlgorithm,
  type VerifyOptions,
} from '../../../src/trust/index.js';
import { testKeys } from './keys.js';
import { codeOf } from '../../helpers/errors.js';

const NOW = new Date('2026-03-01T10:00:00Z');
const NOW_S = NOW.getTime() / 1000;
const BODY = Buffer.from('{"type":"warrant.issued","id":"1"}');

function request(extra: HeaderRecord = {}): PlainRequest {
  return {
    method: 'POST',
    url: 'https://hub.wasla.test/v1/messages?dry=1',
    headers: { 'Content-Type': 'application/json', ...extra },
    body: BODY,
  };
}

function signed(alg: SignatureAlgorithm, opts: { created?: number; components?: string[]; label?: string; expires?: number; keyid?: string } = {}) {
  const k = testKeys()[alg];
  const req = request();
  const s = signPlainRequest(req, {
    key: k.priv,
    alg,
    keyid: opts.keyid ?? 'k1',
    created: opts.created ?? NOW_S,
    ...(opts.expires !== undefined ? { expires: opts.expires } : {}),
    ...(opts.components ? { components: opts.components } : {}),
    ...(opts.label ? { label: opts.label } : {}),
  });
  return { ...req, headers: s.headers };
}

function resolverFor(alg: SignatureAlgorithm): VerifyOptions['resolveKey'] {
  return (keyid) => (keyid === 'k1' ? { key: testKeys()[alg].pub } : null);
}

describe('RFC 9421 sign and verify round trips', () => {
  it.each(SIGNATURE_ALGORITHMS.map((a) => [a]))('%s', async (alg) => {
    const req = signed(alg);
    const r = await verifyPlainRequest(req, { now: NOW, resolveKey: resolverFor(alg) });
    expect(r.alg).toBe(alg);
    expect(r.keyid).toBe('k1');
    expect(r.label).toBe('wasla');
    expect(r.covered).toEqual(['@method', '@target-uri', 'content-digest', 'content-type']);
    expect(r.params).toEqual({ created: NOW_S, keyid: 'k1', alg });
    expect(r.digest?.checked).toEqual(['sha-256']);
    expect(r.base.split('\n').at(-1)).toBe(`"@signature-params": ("@method" "@target-uri" "content-digest" "content-type");created=${NOW_S};keyid="k1";alg="${alg}"`);
  });

  it('writes parameters in the order given', () => {
    const k = testKeys().ed25519;
    const m: SignableMessage = { method: 'GET', url: 'https://x.test/', headers: headersFromRecord({}) };
    const s = signMessage(m, { key: k.priv, alg: 'ed25519', components: ['@method'], params: { keyid: 'a', tag: 't', created: 5, nonce: 'n', expires: 9 } });
    expect(s.signatureInput).toBe('sig1=("@method");keyid="a";tag="t";created=5;nonce="n";expires=9');
  });

  it('ECDSA signatures are raw 64-byte r||s', () => {
    const req = signed('ecdsa-p256-sha256');
    const sig = String(req.headers.signature).match(/:([^:]+):/)![1];
    expect(Buffer.from(sig, 'base64')).toHaveLength(64);
  });
});

describe('verification refusals, each with its own code', () => {
  const ed = () => signed('ed25519');
  const verify = (req: PlainRequest, o: Partial<VerifyOptions<ResolvedKey>> = {}) => codeOf(verifyPlainRequest(req, { now: NOW, resolveKey: resolverFor('ed25519'), ...o }));

  it('signature-missing: no fields, or not the label asked for', async () => {
    expect(await verify(request())).toBe('signature-missing');
    const r = ed();
    expect(await verify({ ...r, headers: { ...r.headers, signature: undefined } })).toBe('signature-missing');
    expect(await verify(r, { label: 'other' })).toBe('signature-missing');
  });

  it('signature-input-malformed: not a dictionary, not an inner list, not a byte sequence, bad param type', async () => {
    const r = ed();
    expect(await verify({ ...r, headers: { ...r.headers, 'signature-input': 'wasla=("@method"' } })).toBe('signature-input-malformed');
    expect(await verify({ ...r, headers: { ...r.headers, 'signature-input': 'wasla="@method"' } })).toBe('signature-input-malformed');
    expect(await verify({ ...r, headers: { ...r.headers, signature: 'wasla="abc"' } })).toBe('signature-input-malformed');
    expect(await verify({ ...r, headers: { ...r.headers, 'signature-input': 'wasla=(@method);created=1' } })).toBe('signature-input-malformed');
    const badCreated = String(r.headers['signature-input']).replace(/created=\d+/, 'created="now"');
    expect(await verify({ ...r, headers: { ...r.headers, 'signature-input': badCreated } })).toBe('signature-input-malformed');
  });

  it('signature-param-missing: created, keyid or alg absent', async () => {
    const k = testKeys().ed25519;
    const req = request();
    for (const drop of ['created', 'keyid', 'alg'] as const) {
      const params = { created: NOW_S, keyid: 'k1', alg: 'ed25519' } as Record<string, unknown>;
      delete params[drop];
      const s = signPlainRequest(req, { key: k.priv, alg: 'ed25519', params });
      expect(await verify({ ...req, headers: s.headers })).toBe('signature-param-missing');
    }
  });

  it('signature-component-missing: a required component is not covered, or a covered one is absent', async () => {
    const r = signed('ed25519', { components: ['@method', 'content-digest', 'content-type'] });
    expect(await verify(r)).toBe('signature-component-missing');
    // a signer cannot cover a field the message does not have
    expect(() => signed('ed25519', { components: ['@method', 'x-extra'] })).toThrow(expect.objectContaining({ code: 'signature-component-missing' }));
  });

  it('signature-component-missing: a covered field removed after signing', async () => {
    const k = testKeys().ed25519;
    const req = request({ 'x-extra': 'yes' });
    const s = signPlainRequest(req, { key: k.priv, alg: 'ed25519', keyid: 'k1', created: NOW_S, components: ['@method', '@target-uri', 'content-digest', 'content-type', 'x-extra'] });
    expect(await verify({ ...req, headers: { ...s.headers, 'x-extra': undefined } })).toBe('signature-component-missing');
  });

  it('signature-expired / signature-from-future: the time window', async () => {
    expect(await verify(signed('ed25519', { created: NOW_S - 301 }))).toBe('signature-expired');
    expect(await verify(signed('ed25519', { created: NOW_S - 300 }))).toBeUndefined();
    expect(await verify(signed('ed25519', { created: NOW_S + 31 }))).toBe('signature-from-future');
    expect(await verify(signed('ed25519', { created: NOW_S + 30 }))).toBeUndefined();
    expect(await verify(signed('ed25519', { created: NOW_S - 10 }), { maxAgeSeconds: 5 })).toBe('signature-expired');
    expect(await verify(signed('ed25519', { created: NOW_S + 5 }), { clockSkewSeconds: 0 })).toBe('signature-from-future');
    expect(await verify(signed('ed25519', { expires: NOW_S - 60 }))).toBe('signature-expired');
  });

  it('a historical signature verifies with a historical clock', async () => {
    const past = NOW_S - 86_400 * 365;
    const r = signed('ed25519', { created: past });
    expect(await verify(r)).toBe('signature-expired');
    expect(await verify(r, { now: new Date((past + 60) * 1000) })).toBeUndefined();
    expect(await verify(r, { maxAgeSeconds: Infinity })).toBeUndefined();
  });

  it('signature-key-unknown: the resolver knows no such keyid', async () => {
    expect(await verify(signed('ed25519', { keyid: 'nobody' }))).toBe('signature-key-unknown');
  });

  it('signature-alg-mismatch: alg against key type, against the registered alg, unknown alg, not allowed', async () => {
    const r = ed();
    expect(await verify(r, { resolveKey: () => ({ key: testKeys()['ecdsa-p256-sha256'].pub }) })).toBe('signature-alg-mismatch');
    expect(await verify(r, { resolveKey: () => ({ key: testKeys().ed25519.pub, alg: 'rsa-pss-sha512' }) })).toBe('signature-alg-mismatch');
    expect(await verify(r, { allowedAlgorithms: ['ecdsa-p256-sha256'] })).toBe('signature-alg-mismatch');
    const forged = String(r.headers['signature-input']).replace('alg="ed25519"', 'alg="rsa-v1_5-sha1"');
    expect(await verify({ ...r, headers: { ...r.headers, 'signature-input': forged } })).toBe('signature-alg-mismatch');
    // hmac-sha256 with an RSA public key as the "secret": the classic confusion, refused
    const h = signed('hmac-sha256');
    expect(await verify(h, { resolveKey: () => ({ key: testKeys()['rsa-pss-sha512'].pub }) })).toBe('signature-alg-mismatch');
    // an RSA key implies no algorithm; without alg the verifier cannot choose
    const rsaReq = request();
    const s = signPlainRequest(rsaReq, { key: testKeys()['rsa-pss-sha512'].priv, alg: 'rsa-pss-sha512', keyid: 'k1', created: NOW_S, includeAlg: false });
    expect(await verify({ ...rsaReq, headers: s.headers }, { requiredParams: ['created'], resolveKey: () => ({ key: testKeys()['rsa-pss-sha512'].pub }) })).toBe('signature-alg-mismatch');
  });

  it('signature-invalid: another key of the right type, or a changed covered value', async () => {
    const other = generateKeyPairSync('ed25519').publicKey;
    expect(await verify(ed(), { resolveKey: () => ({ key: other }) })).toBe('signature-invalid');
    const r = ed();
    expect(await verify({ ...r, method: 'PUT' })).toBe('signature-invalid');
    expect(await verify({ ...r, headers: { ...r.headers, 'content-type': 'text/plain' } })).toBe('signature-invalid');
  });

  it('digest-missing / digest-mismatch: the body is checked against Content-Digest', async () => {
    const r = signed('ed25519', { components: ['@method', '@target-uri', 'content-type'] });
    const base = { requiredComponents: ['@method', '@target-uri', 'content-type'] };
    expect(await verify({ ...r, headers: { ...r.headers, 'content-digest': undefined } }, base)).toBe('digest-missing');
    expect(await verify({ ...r, body: Buffer.from('{"changed":true}') }, base)).toBe('digest-mismatch');
    // with content-digest covered, replacing body and digest together breaks the signature instead
    const c = ed();
    const other = Buffer.from('{"changed":true}');
    expect(await verify({ ...c, body: other, headers: { ...c.headers, 'content-digest': createContentDigest(other) } })).toBe('signature-invalid');
  });

  it('signature-replayed: the second use of a signature', async () => {
    const guard = new MemoryReplayGuard();
    const r = ed();
    expect(await verify(r, { replayGuard: guard })).toBeUndefined();
    expect(await verify(r, { replayGuard: guard })).toBe('signature-replayed');
  });

  it('a refused signature is not recorded by the replay guard', async () => {
    const guard = new MemoryReplayGuard();
    const r = ed();
    expect(await verify({ ...r, method: 'PUT' }, { replayGuard: guard })).toBe('signature-invalid');
    expect(guard.size).toBe(0);
  });
});

describe('several signatures and equivalent targets', () => {
  it('chooses a signature by label, or the first one', async () => {
    const keys = testKeys();
    const req = request();
    const a = signPlainRequest(req, { key: keys.ed25519.priv, alg: 'ed25519', keyid: 'ed', created: NOW_S, label: 'first' });
    const b = signPlainRequest({ ...req, headers: a.headers }, { key: keys['ecdsa-p256-sha256'].priv, alg: 'ecdsa-p256-sha256', keyid: 'ec', created: NOW_S, label: 'second' });
    expect(b.headers['signature-input']).toMatch(/^first=.*, second=/);
    const resolveKey: VerifyOptions['resolveKey'] = (keyid) => (keyid === 'ed' ? { key: keys.ed25519.pub } : keyid === 'ec' ? { key: keys['ecdsa-p256-sha256'].pub } : null);
    const both = { ...req, headers: b.headers };
    expect((await verifyPlainRequest(both, { now: NOW, resolveKey })).label).toBe('first');
    expect((await verifyPlainRequest(both, { now: NOW, resolveKey, label: 'second' })).alg).toBe('ecdsa-p256-sha256');
    expect(() => signPlainRequest({ ...req, headers: b.headers }, { key: keys.ed25519.priv, alg: 'ed25519', label: 'first' })).toThrow(/already carries/);
  });

  it('accepts @authority + @path (+ @query) for @target-uri only when configured', async () => {
    const comps = ['@method', '@authority', '@path', '@query', 'content-digest', 'content-type'];
    const r = signed('ed25519', { components: comps });
    const o = { now: NOW, resolveKey: resolverFor('ed25519') };
    await expect(verifyPlainRequest(r, o)).rejects.toMatchObject({ code: 'signature-component-missing' });
    await expect(verifyPlainRequest(r, { ...o, targetUriEquivalence: true })).resolves.toBeTruthy();
    // the target has a query: @authority + @path alone do not protect it
    const noQuery = signed('ed25519', { components: ['@method', '@authority', '@path', 'content-digest', 'content-type'] });
    await expect(verifyPlainRequest(noQuery, { ...o, targetUriEquivalence: true })).rejects.toMatchObject({ code: 'signature-component-missing' });
  });

  it('returns the resolver result and a replay fingerprint', async () => {
    const r = signed('ed25519');
    const res = await verifyPlainRequest(r, { now: NOW, resolveKey: () => ({ key: testKeys().ed25519.pub, institutionId: 'ps.court' }) });
    expect(res.resolved.institutionId).toBe('ps.court');
    expect(res.signatureHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('one ECDSA signature and its high-s twin have the same replay fingerprint', async () => {
    const r = signed('ecdsa-p256-sha256');
    const sig = Buffer.from(String(r.headers.signature).match(/:([^:]+):/)![1], 'base64');
    const n = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
    const s = BigInt('0x' + sig.subarray(32).toString('hex'));
    const twin = Buffer.concat([sig.subarray(0, 32), Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex')]);
    const r2 = { ...r, headers: { ...r.headers, signature: `wasla=:${twin.toString('base64')}:` } };
    const o = { now: NOW, resolveKey: resolverFor('ecdsa-p256-sha256') };
    const [a, b] = [await verifyPlainRequest(r, o), await verifyPlainRequest(r2, o)];
    expect(a.signature.equals(b.signature)).toBe(false);
    expect(a.signatureHash).toBe(b.signatureHash);
    const guard = new MemoryReplayGuard();
    await verifyPlainRequest(r, { ...o, replayGuard: guard });
    await expect(verifyPlainRequest(r2, { ...o, replayGuard: guard })).rejects.toMatchObject({ code: 'signature-replayed' });
  });

  it('verifyMessage works on a plain header record directly', async () => {
    const r = signed('hmac-sha256');
    const m: SignableMessage = { method: r.method, url: r.url, headers: headersFromRecord(r.headers) };
    await expect(verifyMessage(m, { now: NOW, resolveKey: resolverFor('hmac-sha256'), body: BODY })).resolves.toBeTruthy();
  });
});
