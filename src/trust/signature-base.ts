/**
 * RFC 9421 §2.3 signature parameters and §2.5 signature base.
 *
 * Guarantees: the base is built byte for byte as §2.5 says — one line per covered component,
 * `<serialized identifier>: <value>`, joined by LF with no trailing LF, ending with the
 * `"@signature-params"` line whose value is the serialized inner list of the covered components
 * with the parameters in the order given. Duplicated components, a covered `@signature-params`,
 * and parameters of the wrong type are refused (`signature-input-malformed`).
 */
import { componentValue, parseComponentId, serializeComponentId, type ComponentId } from './components.js';
import { TrustError } from './errors.js';
import type { SignableMessage } from './message.js';
import { serializeParameters, type Parameters } from './structured-fields.js';

/** The §2.3 signature parameters. Serialized in the insertion order of this object's keys. */
export interface SignatureParams {
  /** creation time, Unix seconds */
  created?: number;
  /** expiry time, Unix seconds */
  expires?: number;
  nonce?: string;
  alg?: string;
  keyid?: string;
  tag?: string;
}

const INTEGER_PARAMS = new Set(['created', 'expires']);
const STRING_PARAMS = new Set(['nonce', 'alg', 'keyid', 'tag']);

function malformed(detail: string): never {
  throw new TrustError('signature-input-malformed', detail);
}

/** SignatureParams -> ordered RFC 8941 parameters (a Map passes through unchanged). */
export function paramsToSf(params: SignatureParams | Parameters): Parameters {
  if (params instanceof Map) return params;
  const out: Parameters = new Map();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    if (INTEGER_PARAMS.has(k) && !(typeof v === 'number' && Number.isInteger(v))) malformed(`${k} must be an integer`);
    if (STRING_PARAMS.has(k) && typeof v !== 'string') malformed(`${k} must be a string`);
    out.set(k, v as number | string);
  }
  return out;
}

/** RFC 8941 parameters from Signature-Input -> typed SignatureParams; unknown ones are skipped. */
export function paramsFromSf(params: Parameters): SignatureParams {
  const out: SignatureParams = {};
  for (const [k, v] of params) {
    if (INTEGER_PARAMS.has(k)) {
      if (typeof v !== 'number') malformed(`signature parameter ${k} must be an integer`);
      (out as Record<string, unknown>)[k] = v;
    } else if (STRING_PARAMS.has(k)) {
      if (typeof v !== 'string') malformed(`signature parameter ${k} must be a string`);
      (out as Record<string, unknown>)[k] = v;
    }
  }
  return out;
}

/** The Signature-Input member value: `("@method" ...);created=...;keyid="..."` (§4.1). */
export function serializeSignatureParams(components: readonly ComponentId[], params: Parameters): string {
  // an inner list of the identifiers (each serialized as an item, RFC 8941 §4.1.1.1)
  return '(' + components.map(serializeComponentId).join(' ') + ')' + serializeParameters(params);
}

export interface SignatureBase {
  /** the base as a string (ASCII, lines joined with LF) */
  base: string;
  /** the @signature-params value, which is also the Signature-Input member value */
  signatureParams: string;
  components: ComponentId[];
}

/** Builds the signature base of §2.5 for `message`. */
export function buildSignatureBase(message: SignableMessage, components: readonly (string | ComponentId)[], params: SignatureParams | Parameters): SignatureBase {
  const ids = components.map(parseComponentId);
  const sfParams = paramsToSf(params);
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const c of ids) {
    const id = serializeComponentId(c);
    // §2.5 step 1: each component at most once; @signature-params is never a covered component
    if (c.name === '@signature-params') malformed('@signature-params cannot be a covered component');
    if (seen.has(id)) malformed(`component ${id} is covered twice`);
    seen.add(id);
    lines.push(`${id}: ${componentValue(message, c)}`);
  }
  const signatureParams = serializeSignatureParams(ids, sfParams);
  lines.push(`"@signature-params": ${signatureParams}`);
  return { base: lines.join('\n'), signatureParams, components: ids };
}

/** Just the base string: the SDK's `signatureBase(message, components, params)`. */
export function signatureBase(message: SignableMessage, components: readonly (string | ComponentId)[], params: SignatureParams | Parameters): string {
  return buildSignatureBase(message, components, params).base;
}
