/**
 * What the case index holds for one message (issue 24.1): the keys its schema declares
 * (`x-wasla-index`, src/schemas/index-annotations.ts), read from the payload and put in canonical
 * form, and the rows written beside the message, in which whatever identifies a person is keyed.
 *
 * Guarantees:
 * - `indexKeys` reads only what the schema of (type, version) declares; `*` walks every array
 *   element; a missing or non-string value yields no key; the result is deduplicated and sorted, so
 *   the same payload always gives the same keys.
 * - `indexRows` never holds a national id or a person's name in clear: those are HMAC-SHA-256 with
 *   the hub's index secret (base64url, 43 characters), over the kind and the canonical value, so a
 *   name cannot be compared with an id and the index alone reveals neither.
 * - `indexValue` is the one function that turns a value into what the index stores, used at intake
 *   for the message and at query time for a parameter: both meet in the same form by construction.
 */
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import type { Catalogue } from '../schemas/types.js';
import { valuesAt } from '../json/index.js';
import { readIndexAnnotations, type IndexAnnotation, type IndexKind } from '../schemas/index-annotations.js';
import { QueryError } from './errors.js';
import { canonicalIssuer, canonicalNationalId, canonicalReference, canonicalSerialYear, normaliseName } from './normalise.js';

export type { IndexKind } from '../schemas/index-annotations.js';

/** Kinds whose values identify a person: stored keyed, never in clear, never answered back. */
export const PERSONAL_KINDS: ReadonlySet<IndexKind> = new Set<IndexKind>(['national-id', 'person-name']);

/**
 * Kinds stored in clear for a message in clear, keyed for an encrypted one (issue 26): a plate ties a
 * fine to a person as surely as a name. Lookups match both forms (`lookupForms`).
 */
export const SEALED_KEYED_KINDS: ReadonlySet<IndexKind> = new Set<IndexKind>(['plate']);

/** An encrypted message's rows: SEALED_KEYED_KINDS keyed as personal kinds are (their values are canonical already). */
export function sealedIndexRows<R extends { kind: string; value: string }>(rows: readonly R[], secret: Uint8Array): R[] {
  return rows.map((r) => (SEALED_KEYED_KINDS.has(r.kind as IndexKind) ? { ...r, value: keyedValue(secret, r.kind as IndexKind, r.value) } : r));
}

/** The other form a lookup value of `kind` may be stored in (an encrypted message's keyed plate); [] for the others. */
export function otherForms(kind: IndexKind, value: string, secret: Uint8Array): string[] {
  return SEALED_KEYED_KINDS.has(kind) ? [keyedValue(secret, kind, value)] : [];
}

/** The shortest index secret accepted: as long as the HMAC-SHA-256 output. */
export const MIN_SECRET_BYTES = 32;

/** A key as read from a payload, in canonical form (national ids and names still in clear). */
export interface IndexKey {
  kind: IndexKind;
  value: string;
  /** the issuing institution's id, when the payload names it */
  issuer?: string;
}

/** A row of the index as stored: personal values keyed; `issuer` is '' when the payload names none. */
export interface IndexRow {
  kind: IndexKind;
  issuer: string;
  value: string;
}

/** The canonical form of a value of a kind (see normalise.ts). */
export function canonicalValue(kind: IndexKind, raw: string): string {
  switch (kind) {
    case 'case-number':
    case 'prosecution-case-number':
    case 'decision-number':
    case 'order-number':
      return canonicalSerialYear(raw);
    case 'national-id':
      return canonicalNationalId(raw);
    case 'person-name':
      return normaliseName(raw);
    default:
      return canonicalReference(raw);
  }
}

export function assertIndexSecret(secret: Uint8Array): void {
  if (!(secret instanceof Uint8Array) || secret.length < MIN_SECRET_BYTES) {
    throw new QueryError('query-secret-invalid', `the index secret must be at least ${MIN_SECRET_BYTES} bytes (it keys national ids and names in the case index)`);
  }
}

// Node 24 charges ~11 µs for an HMAC keyed with raw bytes against a KeyObject (it tries the bytes
// as a KeyObject and a CryptoKey first, each a thrown error), and intake keys several values a
// message with the same secret: its KeyObject is kept, checked against the bytes on every use.
const secretKeys = new WeakMap<Uint8Array, { bytes: Buffer; key: KeyObject }>();
function secretKeyOf(secret: Uint8Array): KeyObject {
  const known = secretKeys.get(secret);
  if (known?.bytes.equals(secret)) return known.key;
  const bytes = Buffer.from(secret);
  const key = createSecretKey(bytes);
  secretKeys.set(secret, { bytes, key });
  return key;
}

/** HMAC-SHA-256(secret, kind ‖ 0x00 ‖ canonical), base64url without padding. */
export function keyedValue(secret: Uint8Array, kind: IndexKind, canonical: string): string {
  assertIndexSecret(secret);
  return createHmac('sha256', secretKeyOf(secret)).update(kind).update('\u0000').update(canonical, 'utf8').digest('base64url');
}

/** What the index stores for a raw value: canonical, keyed for personal kinds; undefined when nothing is left. */
export function indexValue(kind: IndexKind, raw: string, secret: Uint8Array): string | undefined {
  const canonical = canonicalValue(kind, raw);
  if (canonical === '') return undefined;
  return PERSONAL_KINDS.has(kind) ? keyedValue(secret, kind, canonical) : canonical;
}

const declared = new WeakMap<object, IndexAnnotation[]>();

function annotationsOf(catalogue: Catalogue, type: string, version: string): IndexAnnotation[] {
  const doc = catalogue.get(type, version);
  if (!doc) return [];
  let list = declared.get(doc);
  if (!list) {
    list = readIndexAnnotations(doc);
    declared.set(doc, list);
  }
  return list;
}

/** The keys the schema of (type, version) declares, read from `data`; [] for an unknown version. */
export function indexKeys(catalogue: Catalogue, type: string, version: string, data: unknown): IndexKey[] {
  const out = new Map<string, IndexKey>();
  for (const a of annotationsOf(catalogue, type, version)) {
    let issuer: string | undefined;
    if (a.issuer !== undefined) {
      const [v] = valuesAt(data, a.issuer);
      if (typeof v === 'string' && v.trim() !== '') issuer = canonicalIssuer(v);
    }
    for (const raw of valuesAt(data, a.pointer)) {
      if (typeof raw !== 'string') continue;
      const value = canonicalValue(a.kind, raw);
      if (value === '') continue;
      const key: IndexKey = issuer === undefined ? { kind: a.kind, value } : { kind: a.kind, value, issuer };
      out.set(`${a.kind}\u0000${issuer ?? ''}\u0000${value}`, key);
    }
  }
  return [...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, k]) => k);
}

/** The rows to write beside the message, in the same transaction: keys with personal values keyed. */
export function indexRows(catalogue: Catalogue, type: string, version: string, data: unknown, secret: Uint8Array): IndexRow[] {
  assertIndexSecret(secret);
  const out = new Map<string, IndexRow>();
  for (const k of indexKeys(catalogue, type, version, data)) {
    const value = PERSONAL_KINDS.has(k.kind) ? keyedValue(secret, k.kind, k.value) : k.value;
    const row: IndexRow = { kind: k.kind, issuer: k.issuer ?? '', value };
    out.set(`${row.kind}\u0000${row.issuer}\u0000${row.value}`, row);
  }
  return [...out.values()];
}
