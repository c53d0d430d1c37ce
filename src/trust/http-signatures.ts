/**
 * RFC 9421 HTTP Message Signatures: create and verify one signature on a neutral message
 * (see message.ts), with the Signature-Input / Signature dictionaries of §4.
 *
 * Guarantees of verifyMessage, in the order they are checked (so the error names the first fault):
 *  1. the label asked for (or the first one present in both fields) exists — `signature-missing`;
 *  2. both fields are valid RFC 8941 dictionaries with a covered-components inner list and a byte
 *     sequence — `signature-input-malformed`;
 *  3. every required parameter is present — `signature-param-missing`;
 *  4. every required component is covered (`@target-uri` may be satisfied by `@authority` +
 *     `@path` (+ `@query` when the target has one) if configured) — `signature-component-missing`;
 *  5. `created` is within `maxAgeSeconds` and not beyond the allowed skew into the future, and
 *     `expires` has not passed — `signature-expired`, `signature-from-future`;
 *  6. every covered component exists in the message (§3.2 step 5) — `signature-component-missing`;
 *  7. when a body is given, its Content-Digest matches (RFC 9530) — `digest-*`;
 *  8. the key resolves — `signature-key-unknown` (or the resolver's certificate errors);
 *  9. `alg`, the key's registered algorithm and the key type agree (§3.2 step 6, §7.3.6) —
 *     `signature-alg-mismatch`;
 * 10. the signature verifies over the base — `signature-invalid`;
 * 11. when a replay guard is given, the signature was not seen before — `signature-replayed`.
 * Nothing is recorded in the replay guard unless every other check passed.
 */
import type { KeyObject } from 'node:crypto';
import {
  impliedAlgorithm,
  isSignatureAlgorithm,
  keyFitsAlgorithm,
  signatureFingerprint,
  signBytes,
  toPrivateKey,
  toPublicKey,
  verifyBytes,
  type KeyInput,
  type SignatureAlgorithm,
} from './algorithms.js';
import { componentsFromInnerList, parseComponentId, serializeComponentId, type ComponentId } from './components.js';
import { verifyContentDigest, type Body, type DigestCheck } from './content-digest.js';
import { TrustError } from './errors.js';
import type { SignableMessage } from './message.js';
import type { ReplayGuard } from './replay-guard.js';
import { buildSignatureBase, paramsFromSf, paramsToSf, type SignatureParams } from './signature-base.js';
import { isInnerList, parseDictionary, type Dictionary, type Parameters } from './structured-fields.js';

export const DEFAULT_LABEL = 'sig1';

// ---------------------------------------------------------------------------------------------
// Signing
// ---------------------------------------------------------------------------------------------

export interface SignMessageOptions {
  key: KeyInput;
  alg: SignatureAlgorithm;
  components: readonly (string | ComponentId)[];
  /**
   * The signature parameters, serialized in the order of this object's keys. When omitted, they
   * are built from keyid/created/expires/nonce/tag below in the order created, expires, nonce,
   * keyid, alg, tag.
   */
  params?: SignatureParams;
  keyid?: string;
  /** Unix seconds or a Date; default now */
  created?: number | Date;
  expires?: number | Date;
  nonce?: string;
  tag?: string;
  /** include the `alg` parameter (default true; the hub requires it) */
  includeAlg?: boolean;
  label?: string;
}

export interface MessageSignature {
  label: string;
  /** `<label>=<inner list>`: one Signature-Input dictionary member */
  signatureInput: string;
  /** `<label>=:<base64>:`: one Signature dictionary member */
  signature: string;
  base: string;
  signatureBytes: Buffer;
  params: SignatureParams;
}

const LABEL_RE = /^[a-z*][a-z0-9_\-.*]*$/;

export function toUnixSeconds(t: number | Date): number {
  return t instanceof Date ? Math.floor(t.getTime() / 1000) : Math.floor(t);
}

/** Signs `message` (RFC 9421 §3.1) and returns the two dictionary members to add. */
export function signMessage(message: SignableMessage, opts: SignMessageOptions): MessageSignature {
  const label = opts.label ?? DEFAULT_LABEL;
  if (!LABEL_RE.test(label)) throw new TypeError(`invalid signature label ${JSON.stringify(label)} (RFC 8941 key)`);
  const key = toPrivateKey(opts.key);
  if (!keyFitsAlgorithm(key, opts.alg)) throw new TypeError(`the key (${key.asymmetricKeyType ?? key.type}) cannot sign ${opts.alg}`);
  const params: SignatureParams = opts.params ?? {
    created: toUnixSeconds(opts.created ?? new Date()),
    ...(opts.expires !== undefined ? { expires: toUnixSeconds(opts.expires) } : {}),
    ...(opts.nonce !== undefined ? { nonce: opts.nonce } : {}),
    ...(opts.keyid !== undefined ? { keyid: opts.keyid } : {}),
    ...(opts.includeAlg === false ? {} : { alg: opts.alg }),
    ...(opts.tag !== undefined ? { tag: opts.tag } : {}),
  };
  const built = buildSignatureBase(message, opts.components, paramsToSf(params));
  const signatureBytes = signBytes(opts.alg, key, Buffer.from(built.base, 'utf8'));
  return {
    label,
    signatureInput: `${label}=${built.signatureParams}`,
    signature: `${label}=:${signatureBytes.toString('base64')}:`,
    base: built.base,
    signatureBytes,
    params,
  };
}

/**
 * Adds a dictionary member to an existing Signature / Signature-Input value (a message may carry
 * several signatures, §4.1). A label already present is refused rather than silently replaced.
 */
export function appendSignatureMember(existing: string | null | undefined, member: string): string {
  if (existing === null || existing === undefined || existing.trim() === '') return member;
  const label = member.slice(0, member.indexOf('='));
  let dict: Dictionary;
  try {
    dict = parseDictionary(existing);
  } catch {
    throw new TrustError('signature-input-malformed', 'the existing signature field is not a dictionary');
  }
  if (dict.has(label)) throw new TypeError(`the message already carries a signature labelled ${label}`);
  return `${existing}, ${member}`;
}

// ---------------------------------------------------------------------------------------------
// Verification
// ---------------------------------------------------------------------------------------------

/** What a key resolver returns: the verification key and, when registered, its algorithm. */
export interface ResolvedKey {
  key: KeyObject;
  alg?: SignatureAlgorithm;
}

export interface ResolveKeyContext {
  now: Date;
  label: string;
  params: SignatureParams;
}

export type ResolveKey<K extends ResolvedKey = ResolvedKey> = (
  keyid: string | undefined,
  alg: SignatureAlgorithm | undefined,
  ctx: ResolveKeyContext,
) => Promise<K | null | undefined> | K | null | undefined;

export type SignatureParamName = keyof SignatureParams;

export interface VerifyOptions<K extends ResolvedKey = ResolvedKey> {
  resolveKey: ResolveKey<K>;
  /** which signature to check; default: the first label present in both fields */
  label?: string;
  /** the verifier's clock; pass a past date to verify a historical signature */
  now?: Date;
  /** how old `created` may be, in seconds (default 300; Infinity to disable) */
  maxAgeSeconds?: number;
  /** how far `created` may lie in the future, in seconds (default 30) */
  clockSkewSeconds?: number;
  /** components the signature must cover, as bare names or serialized identifiers */
  requiredComponents?: readonly (string | ComponentId)[];
  /** accept `@authority` + `@path` (+ `@query`) where `@target-uri` is required (default false) */
  targetUriEquivalence?: boolean;
  /** parameters the signature must carry (default ['created', 'keyid', 'alg']) */
  requiredParams?: readonly SignatureParamName[];
  /** algorithms accepted (default: all of SIGNATURE_ALGORITHMS) */
  allowedAlgorithms?: readonly SignatureAlgorithm[];
  /** when given, Content-Digest must be present and match this body */
  body?: Body;
  /** when given, a signature seen before is refused */
  replayGuard?: ReplayGuard;
  /** how long to remember a signature (default maxAgeSeconds + clockSkewSeconds) */
  replayTtlSeconds?: number;
}

export interface VerifyResult<K extends ResolvedKey = ResolvedKey> {
  label: string;
  keyid: string | undefined;
  alg: SignatureAlgorithm;
  params: SignatureParams;
  /** covered components, parsed */
  components: ComponentId[];
  /** covered components as strings: bare names, or serialized identifiers when they have parameters */
  covered: string[];
  base: string;
  signature: Buffer;
  /** replay-detection fingerprint of the signature (sha-256 hex; ECDSA normalised to low-s) */
  signatureHash: string;
  /** what resolveKey returned (e.g. institution id, certificate serial) */
  resolved: K;
  digest?: DigestCheck;
}

export const DEFAULT_MAX_AGE_SECONDS = 300;
export const DEFAULT_CLOCK_SKEW_SECONDS = 30;
export const DEFAULT_REQUIRED_PARAMS: readonly SignatureParamName[] = ['created', 'keyid', 'alg'];

function fail(code: ConstructorParameters<typeof TrustError>[0], detail: string): never {
  throw new TrustError(code, detail);
}

/** A component as callers write it: bare name when it has no parameters. */
export function componentLabel(c: ComponentId): string {
  return c.params.size === 0 ? c.name : serializeComponentId(c);
}

interface SelectedSignature {
  label: string;
  components: ComponentId[];
  sfParams: Parameters;
  params: SignatureParams;
  signature: Buffer;
}

/** Steps 1–2: find the signature and read its two members. */
export function selectSignature(message: SignableMessage, label?: string): SelectedSignature {
  const inputField = message.headers.get('signature-input');
  const sigField = message.headers.get('signature');
  if (inputField === null || sigField === null) fail('signature-missing', 'the message has no Signature and Signature-Input fields (RFC 9421)');
  let inputs: Dictionary;
  let sigs: Dictionary;
  try {
    inputs = parseDictionary(inputField);
  } catch (e) {
    return fail('signature-input-malformed', `Signature-Input: ${(e as Error).message}`);
  }
  try {
    sigs = parseDictionary(sigField);
  } catch (e) {
    return fail('signature-input-malformed', `Signature: ${(e as Error).message}`);
  }
  let chosen = label;
  if (chosen === undefined) chosen = [...inputs.keys()].find((l) => sigs.has(l));
  if (chosen === undefined || !inputs.has(chosen) || !sigs.has(chosen)) {
    fail('signature-missing', label === undefined ? 'no label appears in both Signature and Signature-Input' : `no signature labelled ${label}`);
  }
  const input = inputs.get(chosen)!;
  const sig = sigs.get(chosen)!;
  if (!isInnerList(input)) fail('signature-input-malformed', `Signature-Input ${chosen} is not an inner list`);
  if (isInnerList(sig) || !(sig.value instanceof Uint8Array)) fail('signature-input-malformed', `Signature ${chosen} is not a byte sequence`);
  const components = componentsFromInnerList(input);
  return { label: chosen, components, sfParams: input.params, params: paramsFromSf(input.params), signature: Buffer.from(sig.value) };
}

function checkRequiredComponents(message: SignableMessage, covered: Set<string>, opts: VerifyOptions<ResolvedKey>): void {
  for (const spec of opts.requiredComponents ?? []) {
    const id = serializeComponentId(parseComponentId(spec));
    if (covered.has(id)) continue;
    if (id === '"@target-uri"' && opts.targetUriEquivalence) {
      const hasQuery = (message.url ?? '').split('#')[0].includes('?');
      if (covered.has('"@authority"') && covered.has('"@path"') && (!hasQuery || covered.has('"@query"'))) continue;
      fail('signature-component-missing', 'the signature covers neither @target-uri nor @authority, @path' + (hasQuery ? ' and @query' : ''));
    }
    fail('signature-component-missing', `the signature does not cover ${id}`);
  }
}

function checkTime(params: SignatureParams, now: Date, opts: VerifyOptions<ResolvedKey>): void {
  const nowS = Math.floor(now.getTime() / 1000);
  const maxAge = opts.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS;
  const skew = opts.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
  if (params.created !== undefined) {
    // §3.2 step 7 / §7.2.2: the verifier decides how old a signature may be
    if (params.created - nowS > skew) fail('signature-from-future', `created is ${params.created - nowS} s in the future (allowed ${skew} s)`);
    if (nowS - params.created > maxAge) fail('signature-expired', `created is ${nowS - params.created} s old (allowed ${maxAge} s)`);
  }
  if (params.expires !== undefined && nowS - skew > params.expires) {
    fail('signature-expired', `the signature expired ${nowS - params.expires} s ago`);
  }
}

/** Verifies one signature of `message` (RFC 9421 §3.2); see the module comment for the order. */
export async function verifyMessage<K extends ResolvedKey = ResolvedKey>(message: SignableMessage, opts: VerifyOptions<K>): Promise<VerifyResult<K>> {
  const now = opts.now ?? new Date();
  const sel = selectSignature(message, opts.label);

  for (const p of opts.requiredParams ?? DEFAULT_REQUIRED_PARAMS) {
    if (sel.params[p] === undefined) fail('signature-param-missing', `the signature has no ${p} parameter`);
  }
  const coveredIds = new Set(sel.components.map(serializeComponentId));
  checkRequiredComponents(message, coveredIds, opts as VerifyOptions<ResolvedKey>);
  checkTime(sel.params, now, opts as VerifyOptions<ResolvedKey>);

  const built = buildSignatureBase(message, sel.components, sel.sfParams);

  const digest = opts.body === undefined ? undefined : verifyContentDigest(message.headers.get('content-digest'), opts.body);

  const paramAlg = sel.params.alg;
  if (paramAlg !== undefined && !isSignatureAlgorithm(paramAlg)) fail('signature-alg-mismatch', `unsupported algorithm ${paramAlg}`);
  if (paramAlg !== undefined && opts.allowedAlgorithms && !opts.allowedAlgorithms.includes(paramAlg)) {
    fail('signature-alg-mismatch', `algorithm ${paramAlg} is not accepted here`);
  }

  const resolved = await opts.resolveKey(sel.params.keyid, paramAlg, { now, label: sel.label, params: sel.params });
  if (!resolved) fail('signature-key-unknown', `no key is known for keyid ${JSON.stringify(sel.params.keyid ?? null)}`);
  const key = toPublicKey(resolved.key);
  if (paramAlg !== undefined && resolved.alg !== undefined && resolved.alg !== paramAlg) {
    fail('signature-alg-mismatch', `keyid ${sel.params.keyid} is registered for ${resolved.alg}, not ${paramAlg}`);
  }
  const alg = paramAlg ?? resolved.alg ?? impliedAlgorithm(key);
  if (alg === undefined) fail('signature-alg-mismatch', 'the algorithm is named neither by the signature nor by the key');
  if (opts.allowedAlgorithms && !opts.allowedAlgorithms.includes(alg)) fail('signature-alg-mismatch', `algorithm ${alg} is not accepted here`);
  if (!keyFitsAlgorithm(key, alg)) {
    fail('signature-alg-mismatch', `a ${key.asymmetricKeyType ?? key.type} key cannot verify ${alg}`);
  }

  if (!verifyBytes(alg, key, Buffer.from(built.base, 'utf8'), sel.signature)) {
    fail('signature-invalid', `signature ${sel.label} does not verify`);
  }

  // the fingerprint costs a hash: made here only for the replay guard, otherwise when asked for
  let signatureHash: string | undefined;
  if (opts.replayGuard) {
    signatureHash = signatureFingerprint(alg, sel.signature);
    const maxAge = opts.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS;
    const skew = opts.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
    // remember it for as long as it would otherwise be accepted
    const ttl = opts.replayTtlSeconds ?? (Number.isFinite(maxAge) ? maxAge + skew : 86_400);
    if (await opts.replayGuard.seen(signatureHash, ttl)) fail('signature-replayed', `signature ${sel.label} was already used`);
  }

  const signature = sel.signature;
  return {
    label: sel.label,
    keyid: sel.params.keyid,
    alg,
    params: sel.params,
    components: sel.components,
    covered: sel.components.map(componentLabel),
    base: built.base,
    signature,
    get signatureHash() {
      return (signatureHash ??= signatureFingerprint(alg, signature));
    },
    resolved,
    ...(digest ? { digest } : {}),
  };
}
