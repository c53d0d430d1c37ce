/**
 * The hub's ECDSA path hands OpenSSL a bare key and converts r||s (RFC 9421 §3.3.4) to and from
 * DER itself (src/trust/ecdsa-encoding.ts). Node's own `dsaEncoding: 'ieee-p1363'` conversion is
 * the reference: every real signature, including those whose r or s is short (a leading zero
 * byte, 1 in 128 signatures) or has its top bit set (half of them), must come out the same both
 * ways; and whatever a sender puts in the 64 bytes, verification says false, never throws.
 */
import fc from 'fast-check';
import { generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signBytes, verifyBytes } from '../../../src/trust/algorithms.js';
import { derToP1363, p1363ToDer } from '../../../src/trust/ecdsa-encoding.js';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const P256_N = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex');

describe('ECDSA r||s and DER', () => {
  it('converts real signatures both ways exactly as node does, short and high-bit integers included', () => {
    const seen = { shortR: 0, shortS: 0, highR: 0, highS: 0 };
    // bounded: 20,000 signatures at most (~1 s); short integers come once in 256 per half
    for (let i = 0; i < 20_000 && (seen.shortR < 3 || seen.shortS < 3 || i < 500); i++) {
      const data = randomBytes(32);
      const der = sign('sha256', data, privateKey);
      const raw = derToP1363(der);
      expect(raw).toHaveLength(64);
      // node's own reading of the same 64 bytes
      expect(verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, raw)).toBe(true);
      // DER is canonical: back to the very bytes OpenSSL wrote
      expect(p1363ToDer(raw).equals(der)).toBe(true);
      if (raw[0] === 0) seen.shortR++;
      if (raw[32] === 0) seen.shortS++;
      if (raw[0] & 0x80) seen.highR++;
      if (raw[32] & 0x80) seen.highS++;
    }
    expect(seen.shortR).toBeGreaterThanOrEqual(3);
    expect(seen.shortS).toBeGreaterThanOrEqual(3);
    expect(seen.highR).toBeGreaterThan(0);
    expect(seen.highS).toBeGreaterThan(0);
  });

  it('signBytes and verifyBytes interoperate with node’s ieee-p1363 encoding', () => {
    for (let i = 0; i < 200; i++) {
      const data = randomBytes(i);
      const ours = signBytes('ecdsa-p256-sha256', privateKey, data);
      expect(ours).toHaveLength(64);
      expect(verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, ours)).toBe(true);
      const nodes = sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
      expect(verifyBytes('ecdsa-p256-sha256', publicKey, data, nodes)).toBe(true);
      const other = Buffer.from(data);
      other[0] = (other[0] ?? 0) ^ 1;
      if (data.length > 0) expect(verifyBytes('ecdsa-p256-sha256', publicKey, other, nodes)).toBe(false);
    }
  });

  it('any 64 bytes verify false without throwing: zero, n, all ones, random', () => {
    const data = Buffer.from('wasla');
    const cases = [Buffer.alloc(64), Buffer.concat([P256_N, P256_N]), Buffer.alloc(64, 0xff), Buffer.concat([Buffer.alloc(31), Buffer.from([1]), Buffer.alloc(32)])];
    for (const c of cases) expect(verifyBytes('ecdsa-p256-sha256', publicKey, data, c)).toBe(false);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 80 }), (bytes) => {
        expect(verifyBytes('ecdsa-p256-sha256', publicKey, data, bytes)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('p1363ToDer writes minimal integers: zero, leading zeros, top bit set', () => {
    const r = Buffer.alloc(32);
    const s = Buffer.alloc(32);
    s[31] = 1;
    expect(p1363ToDer(Buffer.concat([r, s])).toString('hex')).toBe('3006020100020101');
    r[0] = 0x80;
    s.fill(0);
    s[2] = 0x7f;
    const der = p1363ToDer(Buffer.concat([r, s]));
    // r: 00 then 32 bytes (top bit set); s: 30 bytes, its two leading zeros dropped
    expect(der[1]).toBe(2 + 33 + 2 + 30);
    expect(der.subarray(2, 5).toString('hex')).toBe('022100');
    expect(der.subarray(37, 40).toString('hex')).toBe('021e7f');
    expect(derToP1363(der).equals(Buffer.concat([r, s]))).toBe(true);
    expect(() => p1363ToDer(Buffer.alloc(63))).toThrow(RangeError);
  });

  it('derToP1363 accepts only the minimal DER OpenSSL writes', () => {
    const good = sign('sha256', Buffer.from('x'), privateKey);
    const bad: Record<string, Buffer> = {
      'trailing byte': Buffer.concat([good, Buffer.from([0])]),
      'wrong outer tag': Buffer.concat([Buffer.from([0x31]), good.subarray(1)]),
      'length past the end': Buffer.concat([Buffer.from([0x30, good[1] + 1]), good.subarray(2)]),
      'negative r': Buffer.from('3006020180020101', 'hex'),
      'non-minimal r': Buffer.from('300702020001020101', 'hex'),
      'empty r': Buffer.from('30050200020101', 'hex'),
      'r wider than 32 bytes': Buffer.from(`3027022201${'11'.repeat(33)}020101`, 'hex'),
      'INTEGER tag missing': Buffer.from('3006040101020101', 'hex'),
      empty: Buffer.alloc(0),
    };
    for (const [name, der] of Object.entries(bad)) expect(() => derToP1363(der), name).toThrow(RangeError);
  });
});
