/**
 * RFC 9530 `Content-Digest`: create the field for a body and check a received field against it.
 *
 * Guarantees: the field is an RFC 8941 dictionary of byte sequences (RFC 9530 §2); verification
 * checks EVERY member whose algorithm we accept (sha-256, sha-512 — the two RFC 9530 §5 marks
 * "Active"), ignores members we do not know, and refuses a field with no accepted member at all
 * (`digest-unsupported`), because a digest we cannot check proves nothing. Comparisons run in
 * constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { TrustError } from './errors.js';
import { isInnerList, parseDictionary, serializeDictionary, type Dictionary } from './structured-fields.js';

export type DigestAlgorithm = 'sha-256' | 'sha-512';

export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = ['sha-256', 'sha-512'];

const NODE_HASH: Record<DigestAlgorithm, string> = { 'sha-256': 'sha256', 'sha-512': 'sha512' };

export type Body = Uint8Array | string;

function toBytes(body: Body): Uint8Array {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}

export function digest(body: Body, alg: DigestAlgorithm): Buffer {
  return createHash(NODE_HASH[alg]).update(toBytes(body)).digest();
}

/** The `Content-Digest` field value for `body`, e.g. `sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:`. */
export function createContentDigest(body: Body, algorithms: DigestAlgorithm | readonly DigestAlgorithm[] = 'sha-256'): string {
  const algs = typeof algorithms === 'string' ? [algorithms] : algorithms;
  if (algs.length === 0) throw new TypeError('createContentDigest needs at least one algorithm');
  if (algs.length === 1 && algs[0] in NODE_HASH) {
    // the usual case, one member: the key is a token and base64 needs no escaping, so the
    // dictionary serializes to exactly this (RFC 8941 §4.1.2, §4.1.8)
    return `${algs[0]}=:${digest(body, algs[0]).toString('base64')}:`;
  }
  const dict: Dictionary = new Map();
  for (const alg of algs) {
    if (!(alg in NODE_HASH)) throw new TypeError(`unsupported digest algorithm ${alg}`);
    dict.set(alg, { value: new Uint8Array(digest(body, alg)), params: new Map() });
  }
  return serializeDictionary(dict);
}

export interface DigestCheck {
  /** the algorithms that were checked, all of which matched */
  checked: DigestAlgorithm[];
}

/**
 * Checks `field` (the received Content-Digest value, possibly several algorithms) against `body`.
 * Throws TrustError `digest-missing`, `digest-malformed`, `digest-unsupported` or `digest-mismatch`.
 */
export function verifyContentDigest(field: string | null | undefined, body: Body): DigestCheck {
  if (field === null || field === undefined || field.trim() === '') {
    throw new TrustError('digest-missing', 'the request has no Content-Digest field (RFC 9530)');
  }
  let dict: Dictionary;
  try {
    dict = parseDictionary(field);
  } catch (e) {
    throw new TrustError('digest-malformed', `Content-Digest is not a structured-field dictionary: ${(e as Error).message}`);
  }
  const bytes = toBytes(body);
  const checked: DigestAlgorithm[] = [];
  const unknown: string[] = [];
  for (const [alg, member] of dict) {
    if (!(alg in NODE_HASH)) {
      // RFC 9530 §2: a recipient MAY ignore algorithms it does not support
      unknown.push(alg);
      continue;
    }
    if (isInnerList(member) || !(member.value instanceof Uint8Array)) {
      throw new TrustError('digest-malformed', `Content-Digest member ${alg} is not a byte sequence`);
    }
    const expected = digest(bytes, alg as DigestAlgorithm);
    const given = Buffer.from(member.value);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new TrustError('digest-mismatch', `the body does not match its Content-Digest ${alg}`);
    }
    checked.push(alg as DigestAlgorithm);
  }
  if (checked.length === 0) {
    throw new TrustError('digest-unsupported', `Content-Digest uses no accepted algorithm (accepted: ${DIGEST_ALGORITHMS.join(', ')}; given: ${unknown.join(', ') || 'none'})`);
  }
  return { checked };
}
