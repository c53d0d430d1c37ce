/**
 * Confidential payloads at rest (issue 26, item 1): round trip, every byte of both parts
 * authenticated, bound to the message id, rotation by rewrapping only the small part, and nothing
 * secret in any error.
 */
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PayloadCryptoError } from '../../../src/record/errors.js';
import { decryptPayload, encryptPayload, rewrapPayloadKey, wrappingKeyId } from '../../../src/record/payload-crypto.js';
import { newPayloadKeyEntry, parsePayloadKeys } from '../../../src/record/payload-keys.js';

const entryA = newPayloadKeyEntry('2026-01');
const entryB = newPayloadKeyEntry('2026-07');
const ringA = parsePayloadKeys(entryA, 'TEST');
/** A current, B known: the first step of a rotation */
const ringAB = parsePayloadKeys(`${entryA},${entryB}`, 'TEST');
/** B current, A still known */
const ringBA = parsePayloadKeys(`${entryB},${entryA}`, 'TEST');
const ringB = parsePayloadKeys(entryB, 'TEST');

const SECRET = 'الطفلة لينا، ضحية عنف أسري — GBV-MARKER-7f3a';
const plaintext = Buffer.from(JSON.stringify({ victim: SECRET, notes: 'x'.repeat(300) }), 'utf8');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PayloadCryptoError);
    return (e as PayloadCryptoError).code;
  }
  return undefined;
}

describe('encryptPayload / decryptPayload', () => {
  it('round-trips, and the ciphertext shows nothing of the payload', () => {
    const id = randomUUID();
    const enc = encryptPayload(plaintext, id, ringA);
    expect(enc.kekId).toBe('2026-01');
    expect(wrappingKeyId(enc.wrappedKey)).toBe('2026-01');
    expect(enc.ciphertext.length).toBe(plaintext.length + 32);
    expect(enc.ciphertext.includes(Buffer.from('GBV-MARKER'))).toBe(false);
    expect(enc.wrappedKey.includes(Buffer.from('GBV-MARKER'))).toBe(false);
    expect(decryptPayload(enc, id, ringA).equals(plaintext)).toBe(true);
  });

  it('uses a fresh data key and IV each time: the same payload never encrypts the same way', () => {
    const id = randomUUID();
    const a = encryptPayload(plaintext, id, ringA);
    const b = encryptPayload(plaintext, id, ringA);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
    expect(a.wrappedKey.equals(b.wrappedKey)).toBe(false);
  });

  it('refuses a change of any byte of the wrapped key or of the ciphertext', () => {
    const id = randomUUID();
    const enc = encryptPayload(Buffer.from('{"a":1}'), id, ringA);
    const tampered: string[] = [];
    for (const part of ['wrappedKey', 'ciphertext'] as const) {
      for (let i = 0; i < enc[part].length; i++) {
        for (const mask of [0x01, 0x80]) {
          const copy = Buffer.from(enc[part]);
          copy[i] ^= mask;
          const code = codeOf(() => decryptPayload({ ...enc, [part]: copy }, id, ringA));
          if (code === undefined) tampered.push(`${part}[${i}]^${mask}`);
          else expect(['payload-malformed', 'payload-key-unknown', 'payload-authentication-failed']).toContain(code);
        }
      }
    }
    expect(tampered).toEqual([]);
  });

  it('refuses a truncated or extended part', () => {
    const id = randomUUID();
    const enc = encryptPayload(plaintext, id, ringA);
    expect(codeOf(() => decryptPayload({ ...enc, ciphertext: enc.ciphertext.subarray(0, -1) }, id, ringA))).toBe('payload-authentication-failed');
    expect(codeOf(() => decryptPayload({ ...enc, ciphertext: Buffer.concat([enc.ciphertext, Buffer.from([0])]) }, id, ringA))).toBe('payload-authentication-failed');
    expect(codeOf(() => decryptPayload({ ...enc, wrappedKey: enc.wrappedKey.subarray(0, -1) }, id, ringA))).toBe('payload-malformed');
    expect(codeOf(() => decryptPayload({ ...enc, ciphertext: enc.ciphertext.subarray(0, 31) }, id, ringA))).toBe('payload-malformed');
  });

  it('does not open under another message id: a ciphertext or a key cannot be moved', () => {
    const id1 = randomUUID();
    const id2 = randomUUID();
    const one = encryptPayload(plaintext, id1, ringA);
    const two = encryptPayload(plaintext, id2, ringA);
    expect(codeOf(() => decryptPayload(one, id2, ringA))).toBe('payload-authentication-failed');
    // message 2's own key with message 1's ciphertext, and the other way round
    expect(codeOf(() => decryptPayload({ wrappedKey: two.wrappedKey, ciphertext: one.ciphertext }, id2, ringA))).toBe('payload-authentication-failed');
    expect(codeOf(() => decryptPayload({ wrappedKey: one.wrappedKey, ciphertext: two.ciphertext }, id2, ringA))).toBe('payload-authentication-failed');
  });

  it('names an unknown key id, and refuses a key of the same id with other bytes', () => {
    const id = randomUUID();
    const enc = encryptPayload(plaintext, id, ringA);
    expect(codeOf(() => decryptPayload(enc, id, ringB))).toBe('payload-key-unknown');
    const impostor = parsePayloadKeys(newPayloadKeyEntry('2026-01'), 'TEST');
    expect(codeOf(() => decryptPayload(enc, id, impostor))).toBe('payload-authentication-failed');
  });

  it('round-trips any payload and message id (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), fc.string({ minLength: 1, maxLength: 200 }), (bytes, id) => {
        const enc = encryptPayload(bytes, id, ringAB);
        expect(decryptPayload(enc, id, ringBA).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('the format, read by an independent implementation of the documented layout', () => {
  const kek = Buffer.from(entryA.slice(entryA.indexOf(':') + 1), 'base64');
  const gcm = (decrypt: boolean, key: Buffer, iv: Buffer, aad: Buffer, data: Buffer, tag?: Buffer) => {
    if (!decrypt) {
      const c = createCipheriv('aes-256-gcm', key, iv);
      c.setAAD(aad);
      const ct = Buffer.concat([c.update(data), c.final()]);
      return { out: ct, tag: c.getAuthTag() };
    }
    const d = createDecipheriv('aes-256-gcm', key, iv);
    d.setAAD(aad);
    d.setAuthTag(tag!);
    return { out: Buffer.concat([d.update(data), d.final()]), tag: tag! };
  };
  const keyAad = (header: Buffer, id: string) => Buffer.concat([Buffer.from('wasla payload data key v1\0'), header, Buffer.from([0]), Buffer.from(id)]);
  const bodyAad = (header: Buffer, id: string) => Buffer.concat([Buffer.from('wasla payload v1\0'), header, Buffer.from([0]), Buffer.from(id)]);

  it('opens as docs/record.md describes it', () => {
    const id = randomUUID();
    const enc = encryptPayload(plaintext, id, ringA);
    const w = enc.wrappedKey;
    expect([w.subarray(0, 2).toString(), w[2], w[3], w.subarray(5, 5 + w[4]).toString()]).toEqual(['WK', 1, 1, '2026-01']);
    const off = 5 + w[4];
    const dek = gcm(true, kek, w.subarray(off, off + 12), keyAad(w.subarray(0, off), id), w.subarray(off + 28), w.subarray(off + 12, off + 28)).out;
    const c = enc.ciphertext;
    expect([c.subarray(0, 2).toString(), c[2], c[3]]).toEqual(['WP', 1, 1]);
    expect(gcm(true, dek, c.subarray(4, 16), bodyAad(c.subarray(0, 4), id), c.subarray(32), c.subarray(16, 32)).out.equals(plaintext)).toBe(true);
  });

  it('binds the ciphertext itself to its message: its data key rewrapped for another message does not open it there', () => {
    const id = randomUUID();
    const other = randomUUID();
    const enc = encryptPayload(plaintext, id, ringA);
    const w = enc.wrappedKey;
    const off = 5 + w[4];
    const dek = gcm(true, kek, w.subarray(off, off + 12), keyAad(w.subarray(0, off), id), w.subarray(off + 28), w.subarray(off + 12, off + 28)).out;
    // someone holding the KEK wraps the same data key for another message
    const iv = randomBytes(12);
    const header = w.subarray(0, off);
    const rewrapped = gcm(false, kek, iv, keyAad(header, other), dek);
    const moved = Buffer.concat([header, iv, rewrapped.tag, rewrapped.out]);
    expect(codeOf(() => decryptPayload({ wrappedKey: moved, ciphertext: enc.ciphertext }, other, ringA))).toBe('payload-authentication-failed');
    // the forged key itself is sound: it opens a ciphertext made for that message with that key
    const bodyIv = randomBytes(12);
    const made = gcm(false, dek, bodyIv, bodyAad(enc.ciphertext.subarray(0, 4), other), plaintext);
    expect(decryptPayload({ wrappedKey: moved, ciphertext: Buffer.concat([enc.ciphertext.subarray(0, 4), bodyIv, made.tag, made.out]) }, other, ringA).equals(plaintext)).toBe(true);
  });
});

describe('rewrapPayloadKey: rotation', () => {
  it('moves the data key under the current KEK without touching the ciphertext; the old KEK is then not needed', () => {
    const ids = Array.from({ length: 20 }, () => randomUUID());
    const stored = ids.map((id) => ({ id, ...encryptPayload(Buffer.from(`${SECRET} ${id}`), id, ringAB) }));
    expect(stored.every((s) => s.kekId === '2026-01')).toBe(true);

    // step 2 of the rotation: B is current; the job rewraps what is still under A
    for (const s of stored) {
      const before = Buffer.from(s.ciphertext);
      const r = rewrapPayloadKey(s.wrappedKey, s.id, ringBA);
      expect(r.changed).toBe(true);
      expect(r.kekId).toBe('2026-07');
      expect(r.wrappedKey.length).toBeLessThan(100);
      s.wrappedKey = r.wrappedKey;
      s.kekId = r.kekId;
      expect(s.ciphertext.equals(before)).toBe(true);
    }
    // A leaves the configuration: everything still opens with B alone
    for (const s of stored) expect(decryptPayload(s, s.id, ringB).toString()).toBe(`${SECRET} ${s.id}`);
    // and nothing opens with A alone any more
    expect(codeOf(() => decryptPayload(stored[0], stored[0].id, ringA))).toBe('payload-key-unknown');
    // a second pass changes nothing
    expect(rewrapPayloadKey(stored[0].wrappedKey, stored[0].id, ringB).changed).toBe(false);
  });

  it('refuses to rewrap a damaged or moved key rather than launder it', () => {
    const id = randomUUID();
    const enc = encryptPayload(plaintext, id, ringA);
    const damaged = Buffer.from(enc.wrappedKey);
    damaged[damaged.length - 1] ^= 1;
    expect(codeOf(() => rewrapPayloadKey(damaged, id, ringBA))).toBe('payload-authentication-failed');
    expect(codeOf(() => rewrapPayloadKey(enc.wrappedKey, randomUUID(), ringBA))).toBe('payload-authentication-failed');
  });
});

describe('nothing in clear in errors or in what a log would print', () => {
  const keyTexts = [entryA, entryB].map((e) => e.slice(e.indexOf(':') + 1));
  const keyHex = keyTexts.map((b) => Buffer.from(b, 'base64').toString('hex'));
  const forbidden = [SECRET, 'GBV-MARKER', ...keyTexts, ...keyHex];

  function leaks(text: string): string[] {
    return forbidden.filter((f) => text.includes(f));
  }

  it('no error of any failure holds the payload or a key, in its message, stack or serialisation', () => {
    const id = randomUUID();
    const enc = encryptPayload(plaintext, id, ringAB);
    const errors: unknown[] = [];
    const attempt = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        errors.push(e);
      }
    };
    for (let i = 0; i < enc.ciphertext.length; i += 7) {
      const c = Buffer.from(enc.ciphertext);
      c[i] ^= 0x20;
      attempt(() => decryptPayload({ ...enc, ciphertext: c }, id, ringAB));
    }
    for (let i = 0; i < enc.wrappedKey.length; i++) {
      const w = Buffer.from(enc.wrappedKey);
      w[i] ^= 0x20;
      attempt(() => decryptPayload({ ...enc, wrappedKey: w }, id, ringAB));
      attempt(() => rewrapPayloadKey(w, id, ringBA));
    }
    attempt(() => decryptPayload(enc, randomUUID(), ringAB));
    attempt(() => decryptPayload(enc, id, ringB));
    attempt(() => encryptPayload(plaintext, '', ringA));
    expect(errors.length).toBeGreaterThan(enc.wrappedKey.length);
    for (const e of errors) {
      const err = e as Error;
      expect(leaks(`${err.message}\n${err.stack}\n${JSON.stringify(err)}\n${inspect(err, { depth: 5 })}\n${String(err.cause)}`)).toEqual([]);
      expect(err.cause).toBeUndefined();
    }
  });

  it('a keyring prints and serialises without its keys', () => {
    for (const text of [inspect(ringAB, { depth: 10, showHidden: true }), JSON.stringify(ringAB), String(ringAB)]) {
      expect(leaks(text)).toEqual([]);
    }
    expect(JSON.parse(JSON.stringify(ringAB))).toEqual({ current: '2026-01', ids: ['2026-01', '2026-07'] });
  });
});
