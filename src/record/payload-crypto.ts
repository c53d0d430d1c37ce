/**
 * Confidential payloads at rest: envelope encryption with AES-256-GCM (NIST SP 800-38D).
 *
 * Each payload gets a fresh random 256-bit data key (DEK) and 96-bit IV; the DEK is wrapped (also
 * AES-256-GCM, fresh IV) by the current key-encryption key (KEK) of a PayloadKeyring. The result has
 * two parts, stored apart so that rotating a KEK rewrites only the small one:
 *
 *   wrapped key (76 + id bytes)                    ciphertext (32 + payload bytes)
 *   0  "WK"                magic                   0  "WP"          magic
 *   2  0x01                format version          2  0x01          format version
 *   3  0x01                wrap: AES-256-GCM       3  0x01          AES-256-GCM
 *   4  n                   KEK id length (1..64)   4  IV            12 bytes
 *   5  KEK id              n ASCII bytes           16 tag           16 bytes
 *   5+n IV                 12 bytes                32 ciphertext
 *   17+n tag               16 bytes
 *   33+n wrapped DEK       32 bytes
 *
 * Both are authenticated over their own header and the message id (GCM additional data), so:
 * - a ciphertext or wrapped key moved to another message does not open (the message id differs);
 * - any changed byte — header, KEK id, IV, tag, wrapped key, ciphertext — does not open;
 * - the ciphertext does not name the KEK, so rewrapping under another KEK leaves it byte for byte
 *   as it was.
 * A fresh DEK per payload means one (key, IV) pair is never reused for payloads. Each KEK wraps one
 * DEK per payload with a random IV; keep a KEK under about 2^32 wraps (SP 800-38D §8.3) — rotate it
 * long before (a hub of a million messages a day reaches that in eleven years).
 *
 * Errors carry a fixed text, the message id and at most a KEK id — never the payload, a key or
 * node:crypto's own error.
 */
import { createCipheriv, createDecipheriv, randomBytes, type KeyObject } from 'node:crypto';
import { PayloadCryptoError } from './errors.js';
import type { PayloadKeyring } from './payload-keys.js';

export const PAYLOAD_FORMAT_VERSION = 1;
const ALG_AES_256_GCM = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const DEK_BYTES = 32;
const KEY_MAGIC = Buffer.from('WK', 'latin1');
const BODY_MAGIC = Buffer.from('WP', 'latin1');
const BODY_HEADER = 4;
const BODY_PREFIX = BODY_HEADER + IV_BYTES + TAG_BYTES;
// domain separation: the two kinds of additional data can never be mistaken for one another
const KEY_AAD_LABEL = Buffer.from('wasla payload data key v1\0', 'latin1');
const BODY_AAD_LABEL = Buffer.from('wasla payload v1\0', 'latin1');
const MAX_MESSAGE_ID = 200;

export interface EncryptedPayload {
  /** the data key wrapped by `kekId`: rewritten by a rotation */
  wrappedKey: Buffer;
  /** the payload: written once */
  ciphertext: Buffer;
  /** the KEK that wraps the data key (also inside `wrappedKey`); store it to find what to rewrap */
  kekId: string;
}

function fail(code: PayloadCryptoError['code'], message: string): never {
  throw new PayloadCryptoError(code, message);
}

function checkMessageId(messageId: string): Buffer {
  if (typeof messageId !== 'string' || messageId === '' || messageId.length > MAX_MESSAGE_ID) {
    fail('payload-input-invalid', `the message id must be 1-${MAX_MESSAGE_ID} characters`);
  }
  return Buffer.from(messageId, 'utf8');
}

function gcmSeal(key: KeyObject | Buffer, iv: Buffer, aad: Buffer, plaintext: Uint8Array): { ct: Buffer; tag: Buffer } {
  const c = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  c.setAAD(aad);
  const ct = Buffer.concat([c.update(plaintext), c.final()]);
  return { ct, tag: c.getAuthTag() };
}

/** null when the tag does not verify; node's own error text never leaves this function */
function gcmOpen(key: KeyObject | Buffer, iv: Buffer, aad: Buffer, tag: Buffer, ct: Buffer): Buffer | null {
  try {
    const d = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    d.setAAD(aad);
    d.setAuthTag(tag);
    return Buffer.concat([d.update(ct), d.final()]);
  } catch {
    return null;
  }
}

interface WrappedKeyParts {
  header: Buffer;
  kekId: string;
  iv: Buffer;
  tag: Buffer;
  wrapped: Buffer;
}

function parseWrappedKey(wk: Uint8Array): WrappedKeyParts {
  const b = Buffer.from(wk.buffer, wk.byteOffset, wk.byteLength);
  if (b.length < 5 || !b.subarray(0, 2).equals(KEY_MAGIC)) fail('payload-malformed', 'not a Wasla wrapped data key');
  if (b[2] !== PAYLOAD_FORMAT_VERSION) fail('payload-malformed', `wrapped data key of unknown format version ${b[2]}`);
  if (b[3] !== ALG_AES_256_GCM) fail('payload-malformed', `wrapped data key of unknown algorithm ${b[3]}`);
  const n = b[4];
  if (n < 1 || n > 64 || b.length !== 5 + n + IV_BYTES + TAG_BYTES + DEK_BYTES) fail('payload-malformed', 'wrapped data key of the wrong length');
  const idBytes = b.subarray(5, 5 + n);
  // ids are ASCII (payload-keys.ts KEY_ID_RE): anything else is damage, and is not echoed
  if (!idBytes.every((c) => c >= 0x21 && c <= 0x7e)) fail('payload-malformed', 'wrapped data key with an unreadable key id');
  const off = 5 + n;
  return {
    header: b.subarray(0, off),
    kekId: idBytes.toString('latin1'),
    iv: b.subarray(off, off + IV_BYTES),
    tag: b.subarray(off + IV_BYTES, off + IV_BYTES + TAG_BYTES),
    wrapped: b.subarray(off + IV_BYTES + TAG_BYTES),
  };
}

function keyAad(header: Buffer, messageId: Buffer): Buffer {
  return Buffer.concat([KEY_AAD_LABEL, header, Buffer.from([0]), messageId]);
}

function bodyAad(header: Buffer, messageId: Buffer): Buffer {
  return Buffer.concat([BODY_AAD_LABEL, header, Buffer.from([0]), messageId]);
}

function kekOf(keyring: PayloadKeyring, id: string, messageId: string): KeyObject {
  const kek = keyring.keyFor(id);
  if (!kek) fail('payload-key-unknown', `the data key of message ${messageId} is wrapped by key ${id}, which is not configured`);
  return kek;
}

function wrapDek(dek: Buffer, kekId: string, kek: KeyObject, messageId: Buffer): Buffer {
  const id = Buffer.from(kekId, 'latin1');
  const header = Buffer.concat([KEY_MAGIC, Buffer.from([PAYLOAD_FORMAT_VERSION, ALG_AES_256_GCM, id.length]), id]);
  const iv = randomBytes(IV_BYTES);
  const { ct, tag } = gcmSeal(kek, iv, keyAad(header, messageId), dek);
  return Buffer.concat([header, iv, tag, ct]);
}

function unwrapDek(wk: WrappedKeyParts, keyring: PayloadKeyring, messageId: string, mid: Buffer): Buffer {
  const dek = gcmOpen(kekOf(keyring, wk.kekId, messageId), wk.iv, keyAad(wk.header, mid), wk.tag, wk.wrapped);
  if (!dek || dek.length !== DEK_BYTES)
    fail('payload-authentication-failed', `the data key of message ${messageId} does not open: altered, moved from another message, or wrapped by another key of the same id`);
  return dek;
}

/** Encrypts `plaintext` for `messageId` under a fresh data key wrapped by the keyring's current KEK. */
export function encryptPayload(plaintext: Uint8Array, messageId: string, keyring: PayloadKeyring): EncryptedPayload {
  const mid = checkMessageId(messageId);
  if (!(plaintext instanceof Uint8Array)) fail('payload-input-invalid', 'the payload must be bytes');
  const kekId = keyring.current;
  const dek = randomBytes(DEK_BYTES);
  try {
    const header = Buffer.concat([BODY_MAGIC, Buffer.from([PAYLOAD_FORMAT_VERSION, ALG_AES_256_GCM])]);
    const iv = randomBytes(IV_BYTES);
    const { ct, tag } = gcmSeal(dek, iv, bodyAad(header, mid), plaintext);
    return {
      wrappedKey: wrapDek(dek, kekId, kekOf(keyring, kekId, messageId), mid),
      ciphertext: Buffer.concat([header, iv, tag, ct]),
      kekId,
    };
  } finally {
    dek.fill(0);
  }
}

/** The payload of `messageId`; throws PayloadCryptoError if anything was changed or moved. */
export function decryptPayload(p: { wrappedKey: Uint8Array; ciphertext: Uint8Array }, messageId: string, keyring: PayloadKeyring): Buffer {
  const mid = checkMessageId(messageId);
  const wk = parseWrappedKey(p.wrappedKey);
  const body = Buffer.from(p.ciphertext.buffer, p.ciphertext.byteOffset, p.ciphertext.byteLength);
  if (body.length < BODY_PREFIX || !body.subarray(0, 2).equals(BODY_MAGIC)) fail('payload-malformed', `the ciphertext of message ${messageId} is not a Wasla encrypted payload`);
  if (body[2] !== PAYLOAD_FORMAT_VERSION) fail('payload-malformed', `the ciphertext of message ${messageId} has unknown format version ${body[2]}`);
  if (body[3] !== ALG_AES_256_GCM) fail('payload-malformed', `the ciphertext of message ${messageId} has unknown algorithm ${body[3]}`);
  const dek = unwrapDek(wk, keyring, messageId, mid);
  try {
    const iv = body.subarray(BODY_HEADER, BODY_HEADER + IV_BYTES);
    const tag = body.subarray(BODY_HEADER + IV_BYTES, BODY_PREFIX);
    const out = gcmOpen(dek, iv, bodyAad(body.subarray(0, BODY_HEADER), mid), tag, body.subarray(BODY_PREFIX));
    if (!out) fail('payload-authentication-failed', `the payload of message ${messageId} does not open: altered, or moved from another message`);
    return out;
  } finally {
    dek.fill(0);
  }
}

/** The id of the KEK that wraps this data key (to find payloads still under an old key). */
export function wrappingKeyId(wrappedKey: Uint8Array): string {
  return parseWrappedKey(wrappedKey).kekId;
}

/**
 * The same data key wrapped by the keyring's current KEK; the ciphertext is not needed and does not
 * change. Returns the input unchanged when it is already under the current key. The old wrap is
 * opened (and so authenticated) first: a damaged or moved key is refused, never re-wrapped.
 */
export function rewrapPayloadKey(wrappedKey: Uint8Array, messageId: string, keyring: PayloadKeyring): { wrappedKey: Buffer; kekId: string; changed: boolean } {
  const mid = checkMessageId(messageId);
  const wk = parseWrappedKey(wrappedKey);
  const dek = unwrapDek(wk, keyring, messageId, mid);
  try {
    if (wk.kekId === keyring.current) return { wrappedKey: Buffer.from(wrappedKey), kekId: wk.kekId, changed: false };
    return { wrappedKey: wrapDek(dek, keyring.current, kekOf(keyring, keyring.current, messageId), mid), kekId: keyring.current, changed: true };
  } finally {
    dek.fill(0);
  }
}
