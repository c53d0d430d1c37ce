import { describe, expect, it } from 'vitest';
import { createContentDigest, verifyContentDigest, type TrustErrorCode } from '../../../src/trust/index.js';
import { loadDigestVectors } from './rfc-data.js';

function code(f: () => unknown): TrustErrorCode | undefined {
  try {
    f();
  } catch (e) {
    return (e as { code: TrustErrorCode }).code;
  }
  return undefined;
}

describe('RFC 9530 published examples', () => {
  const data = loadDigestVectors();

  it.each(data.vectors.map((v) => [v.id, v] as const))('%s: creates the published field value and verifies it', (_id, v) => {
    expect(createContentDigest(v.content_utf8, v.algorithm)).toBe(v.expected_field_value);
    expect(verifyContentDigest(v.expected_field_value, v.content_utf8).checked).toEqual([v.algorithm]);
  });

  it('parses the two-member dictionary of §2 (sha-512 matches; sha-256 is of another encoding)', () => {
    const field = data.parsing_only_examples[0].field.replace(/^Content-Digest:\s*/, '');
    // the sha-256 member digests a Brotli encoding, so checking every known member must fail ...
    expect(code(() => verifyContentDigest(field, '{"hello": "world"}\n'))).toBe('digest-mismatch');
    // ... while the sha-512 member alone matches
    const sha512 = field.split(',').find((m) => m.startsWith('sha-512'))!;
    expect(verifyContentDigest(sha512, '{"hello": "world"}\n').checked).toEqual(['sha-512']);
  });

  it('refuses the deprecated algorithms of Appendix D (md5, sha) when they are the only ones', () => {
    const legacy = data.legacy_values_appD_not_for_new_use;
    expect(code(() => verifyContentDigest(`md5=${legacy.md5}`, legacy.input))).toBe('digest-unsupported');
    expect(code(() => verifyContentDigest(`md5=${legacy.md5}, sha=${legacy.sha}`, legacy.input))).toBe('digest-unsupported');
  });
});

describe('Content-Digest create and verify', () => {
  const body = Buffer.from('{"hello": "world"}');

  it('writes several algorithms and verifies every one it knows', () => {
    const field = createContentDigest(body, ['sha-256', 'sha-512']);
    expect(field).toMatch(/^sha-256=:[A-Za-z0-9+/=]+:, sha-512=:[A-Za-z0-9+/=]+:$/);
    expect(verifyContentDigest(field, body).checked).toEqual(['sha-256', 'sha-512']);
  });

  it('ignores unknown algorithms next to a known one', () => {
    const field = `unixsum=:GQU=:, ${createContentDigest(body, 'sha-512')}`;
    expect(verifyContentDigest(field, body).checked).toEqual(['sha-512']);
  });

  it('fails when any known algorithm disagrees, even if another matches', () => {
    const good = createContentDigest(body, 'sha-256');
    const bad = createContentDigest('other', 'sha-512');
    expect(code(() => verifyContentDigest(`${good}, ${bad}`, body))).toBe('digest-mismatch');
  });

  it.each([
    [null, 'digest-missing'],
    ['', 'digest-missing'],
    ['sha-256', 'digest-malformed'],
    ['sha-256="abc"', 'digest-malformed'],
    ['sha-256=:abc', 'digest-malformed'],
    ['sha-256=:AAAA:', 'digest-mismatch'],
    ['md5=:Sd/dVLAcvNLSq16eXua5uQ==:', 'digest-unsupported'],
  ] as const)('%j -> %s', (field, expected) => {
    expect(code(() => verifyContentDigest(field, body))).toBe(expected);
  });

  it('detects a change of one byte in the body', () => {
    const field = createContentDigest(body);
    const changed = Buffer.from(body);
    changed[3] ^= 1;
    expect(code(() => verifyContentDigest(field, changed))).toBe('digest-mismatch');
  });
});
