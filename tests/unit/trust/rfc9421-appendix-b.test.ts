/**
 * RFC 9421 Appendix B.2, case by case: the signature base must equal the published one byte for
 * byte, the Signature-Input member must be the published one, deterministic signatures (Ed25519
 * B.2.6, HMAC B.2.5) must reproduce exactly, and every published signature must verify through
 * verifyMessage with the published fields on the message.
 */
import { createPrivateKey, createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildSignatureBase, headersFromRecord, signMessage, verifyMessage, type SignatureAlgorithm, type SignatureParams, type SignableMessage } from '../../../src/trust/index.js';
import { loadAppendixB, parseHttpMessage, type AppendixB, type RawMessage } from './rfc-data.js';

describe('RFC 9421 Appendix B.2', () => {
  const data: AppendixB = loadAppendixB();
  const request = parseHttpMessage(data.messages['test-request']);

  function message(name: string): RawMessage {
    return name === 'test-request' ? request! : parseHttpMessage(data.messages[name], request);
  }

  function keys(keyid: string): { priv: KeyObject; pub: KeyObject } {
    const k = data.keys[keyid];
    if (k.base64) {
      const secret = createSecretKey(Buffer.from(k.base64, 'base64'));
      return { priv: secret, pub: secret };
    }
    return { priv: createPrivateKey(k.private_pem!), pub: createPublicKey(k.public_pem!) };
  }

  function params(c: AppendixB['test_cases'][number]): SignatureParams {
    // an object keeps insertion order, which is the published parameter order
    return Object.fromEntries(c.signature_params) as SignatureParams;
  }

  it('has the six cases B.2.1 to B.2.6', () => {
    expect(data.test_cases.map((c) => c.id)).toEqual(['B.2.1', 'B.2.2', 'B.2.3', 'B.2.4', 'B.2.5', 'B.2.6']);
  });

  for (const c of data.test_cases) {
    describe(`${c.id} ${c.algorithm}`, () => {
      it('builds the published signature base byte for byte, and the published Signature-Input', () => {
        const built = buildSignatureBase(message(c.message), c.covered_components, params(c));
        expect(Buffer.from(built.base)).toEqual(Buffer.from(c.expected_signature_base));
        expect(built.signatureParams).toBe(c.signature_params_serialized);
        expect(`${c.label}=${built.signatureParams}`).toBe(c.expected_signature_input_header);
      });

      if (c.deterministic) {
        it('reproduces the published signature exactly', () => {
          const sig = signMessage(message(c.message), {
            key: keys(c.keyid).priv,
            alg: c.algorithm as SignatureAlgorithm,
            components: c.covered_components,
            params: params(c),
            label: c.label,
          });
          expect(sig.signature).toBe(c.expected_signature_header);
          expect(sig.signatureBytes.toString('base64')).toBe(c.expected_signature_b64);
          expect(sig.signatureInput).toBe(c.expected_signature_input_header);
        });
      }

      it('verifies the published signature from the published fields', async () => {
        const base = message(c.message);
        const signed: SignableMessage = {
          ...base,
          headers: headersFromRecord({
            ...base.rawHeaders,
            'signature-input': c.expected_signature_input_header,
            signature: c.expected_signature_header,
          }),
        };
        const created = c.signature_params.find(([k]) => k === 'created')![1] as number;
        const result = await verifyMessage(signed, {
          now: new Date((created + 10) * 1000),
          requiredParams: ['created', 'keyid'],
          // B.2.1-B.2.3 carry no alg parameter: the key registry names it (RFC 9421 §3.2 step 6)
          resolveKey: (keyid) => (keyid === c.keyid ? { key: keys(c.keyid).pub, alg: c.algorithm as SignatureAlgorithm } : null),
          body: base.body,
        });
        expect(result.label).toBe(c.label);
        expect(result.keyid).toBe(c.keyid);
        expect(result.alg).toBe(c.algorithm);
        expect(result.base).toBe(c.expected_signature_base);
      });

      it('refuses the published signature with one bit flipped', async () => {
        const base = message(c.message);
        const sig = Buffer.from(c.expected_signature_b64, 'base64');
        sig[sig.length - 1] ^= 1;
        const signed: SignableMessage = {
          ...base,
          headers: headersFromRecord({
            ...base.rawHeaders,
            'signature-input': c.expected_signature_input_header,
            signature: `${c.label}=:${sig.toString('base64')}:`,
          }),
        };
        const created = c.signature_params.find(([k]) => k === 'created')![1] as number;
        await expect(
          verifyMessage(signed, {
            now: new Date(created * 1000),
            requiredParams: [],
            resolveKey: () => ({ key: keys(c.keyid).pub, alg: c.algorithm as SignatureAlgorithm }),
          }),
        ).rejects.toMatchObject({ code: 'signature-invalid' });
      });
    });
  }

  it('round-trips fresh signatures with the published keys for every algorithm', async () => {
    for (const c of data.test_cases) {
      const base = message(c.message);
      const k = keys(c.keyid);
      const sig = signMessage(base, { key: k.priv, alg: c.algorithm as SignatureAlgorithm, components: c.covered_components, keyid: c.keyid, created: 1618884473, label: c.label });
      const signed: SignableMessage = {
        ...base,
        headers: headersFromRecord({ ...base.rawHeaders, 'signature-input': sig.signatureInput, signature: sig.signature }),
      };
      const r = await verifyMessage(signed, { now: new Date(1618884473_000), resolveKey: () => ({ key: k.pub }) });
      expect(r.alg).toBe(c.algorithm);
    }
  });
});
