/**
 * RFC 9421 §2: component identifiers and the values they select from a message.
 *
 * Guarantees: HTTP field values are derived as §2.1 says (each field line trimmed, obsolete line
 * folding replaced by a space, lines joined with ", "), with the §2.1.1 `;sf`, §2.1.2 `;key`,
 * §2.1.3 `;bs` and §2.4 `;req` parameters; derived components follow §2.2.1–§2.2.9. A component that
 * cannot be derived throws TrustError — `signature-component-missing` when the message lacks it,
 * `signature-input-malformed` when the identifier itself is invalid — never an empty value.
 * Trailers (`;tr`, §2.1.4) are not supported and are refused.
 */
import { TrustError } from './errors.js';
import type { SignableMessage } from './message.js';
import { isInnerList, parseDictionary, parseItem, parseList, serializeDictionary, serializeItem, serializeList, serializeMember, type Member, type Parameters } from './structured-fields.js';

export interface ComponentId {
  /** a lowercase field name or a derived component name starting with "@" */
  name: string;
  /** component parameters in the order they appear (sf, key, bs, req, tr, name) */
  params: Parameters;
  /**
   * The identifier serialized (§2.5), set by this module's parsers: a base names each identifier in
   * its line and in @signature-params, and the verifier compares it with the required ones.
   */
  readonly serialized?: string;
}

/** An identifier with its serialization computed once. */
function identifier(name: string, params: Parameters): ComponentId {
  return { name, params, serialized: serializeItem({ value: name, params }) };
}

export const DERIVED_COMPONENTS = ['@method', '@target-uri', '@authority', '@scheme', '@request-target', '@path', '@query', '@query-param', '@status'] as const;

/**
 * Reads a component identifier written by a caller: either a bare name (`@method`,
 * `Content-Type`) or its serialized form with parameters (`"wasla-delivery-id";req`,
 * `"@query-param";name="Pet"`). Bare field names are lowercased (§2.1 requires lowercase).
 */
export function parseComponentId(spec: string | ComponentId): ComponentId {
  if (typeof spec !== 'string') return spec;
  let id = parsedSpecs.get(spec);
  if (id === undefined) {
    id = parseSpec(spec);
    if (parsedSpecs.size >= MAX_PARSED_SPECS) parsedSpecs.clear();
    parsedSpecs.set(spec, id);
  }
  return id;
}

// Callers name the same few components on every request (REQUEST_COMPONENTS, DELIVERY_COMPONENTS,
// the required lists): each spec is parsed once. The identifiers are shared, so nothing may
// change one after parsing — nothing in this module does.
const MAX_PARSED_SPECS = 1024;
const parsedSpecs = new Map<string, ComponentId>();

function parseSpec(spec: string): ComponentId {
  if (spec.startsWith('"')) {
    let it: ReturnType<typeof parseItem>;
    try {
      it = parseItem(spec);
    } catch (e) {
      throw new TrustError('signature-input-malformed', `component identifier ${spec}: ${(e as Error).message}`);
    }
    if (typeof it.value !== 'string') throw new TrustError('signature-input-malformed', `component identifier ${spec} is not a string`);
    return identifier(it.value, it.params);
  }
  return identifier(spec.startsWith('@') ? spec : spec.toLowerCase(), new Map());
}

/** The identifier as it appears in the signature base and in Signature-Input (§2.5). */
export function serializeComponentId(c: ComponentId): string {
  return c.serialized ?? serializeItem({ value: c.name, params: c.params });
}

// Fields whose structured type is known (RFC 9421 §2.1.1 needs it to re-serialize).
const SF_TYPES: Record<string, 'dictionary' | 'list' | 'item'> = {
  signature: 'dictionary',
  'signature-input': 'dictionary',
  'accept-signature': 'dictionary',
  'content-digest': 'dictionary',
  'repr-digest': 'dictionary',
  'want-content-digest': 'dictionary',
  'want-repr-digest': 'dictionary',
  priority: 'dictionary',
  'cache-status': 'list',
  'proxy-status': 'list',
  'example-dict': 'dictionary',
};

const FIELD_PARAMS = new Set(['sf', 'key', 'bs', 'req', 'tr']);

function malformed(detail: string): never {
  throw new TrustError('signature-input-malformed', detail);
}

function missing(detail: string): never {
  throw new TrustError('signature-component-missing', detail);
}

/** §2.1: trim each field line, unfold obsolete line folding, refuse anything that would break a line */
function cleanLine(v: string): string {
  if (!LINE_BREAK_RE.test(v)) return v.trim();
  const out = v.replace(/\r?\n[ \t]+/g, ' ').trim();
  if (/[\r\n]/.test(out)) malformed('a field value contains a line break');
  return out;
}

const LINE_BREAK_RE = /[\r\n]/;

/** The component value of `c` in `message` (RFC 9421 §2.1, §2.2, §2.4). */
export function componentValue(message: SignableMessage, c: ComponentId): string {
  const id = serializeComponentId(c);
  let target = message;
  if (c.params.has('req')) {
    if (c.params.get('req') !== true) malformed(`${id}: req must be a boolean true`);
    // §2.4: `req` takes the component from the request that triggered this response
    if (message.status === undefined) malformed(`${id}: req is only allowed when signing a response`);
    if (!message.request) missing(`${id}: the request this response answers is not available`);
    target = message.request;
  }
  return c.name.startsWith('@') ? derivedValue(target, c, id, target !== message) : fieldValue(target, c, id);
}

function fieldValue(msg: SignableMessage, c: ComponentId, id: string): string {
  for (const k of c.params.keys()) if (!FIELD_PARAMS.has(k)) malformed(`${id}: unknown component parameter ${k}`);
  if (c.params.has('tr')) malformed(`${id}: trailers are not supported`);
  if (c.name !== c.name.toLowerCase() || c.name === '') malformed(`${id}: field names must be lowercase`);
  const sf = c.params.get('sf');
  const key = c.params.get('key');
  const bs = c.params.get('bs');
  if (sf !== undefined && sf !== true) malformed(`${id}: sf must be a boolean true`);
  if (bs !== undefined && bs !== true) malformed(`${id}: bs must be a boolean true`);
  if (key !== undefined && typeof key !== 'string') malformed(`${id}: key must be a string`);
  // §2.1.3: bs cannot be combined with sf or key
  if (bs && (sf || key !== undefined)) malformed(`${id}: bs cannot be combined with sf or key`);

  const combined = msg.headers.get(c.name);
  if (combined === null) missing(`${id}: the message has no ${c.name} field`);

  if (bs) {
    // §2.1.3: each field line separately, raw bytes, base64 in a byte sequence, joined with ", "
    const lines = msg.headers.getAll ? msg.headers.getAll(c.name) : [combined];
    return lines.map((l) => ':' + Buffer.from(l.trim(), 'latin1').toString('base64') + ':').join(', ');
  }
  const value = cleanLine(combined);
  if (typeof key === 'string') {
    // §2.1.2: the named dictionary member, re-serialized
    let dict: ReturnType<typeof parseDictionary>;
    try {
      dict = parseDictionary(value);
    } catch (e) {
      return missing(`${id}: ${c.name} is not a dictionary (${(e as Error).message})`);
    }
    const member = dict.get(key);
    if (member === undefined) missing(`${id}: ${c.name} has no member ${key}`);
    return serializeMember(member);
  }
  if (sf) {
    // §2.1.1: strict re-serialization with the field's known type
    const type = SF_TYPES[c.name];
    try {
      if (type === 'dictionary') return serializeDictionary(parseDictionary(value));
      if (type === 'list') return serializeList(parseList(value));
      if (type === 'item') return serializeItem(parseItem(value));
    } catch (e) {
      return missing(`${id}: ${c.name} is not a valid structured field (${(e as Error).message})`);
    }
    // unknown type: the first reading that parses (dictionary, list, item) — documented in docs/trust.md
    for (const attempt of [() => serializeDictionary(parseDictionary(value)), () => serializeList(parseList(value)), () => serializeItem(parseItem(value))]) {
      try {
        return attempt();
      } catch {
        /* try the next reading */
      }
    }
    return missing(`${id}: ${c.name} is not a structured field`);
  }
  return value;
}

interface UrlParts {
  /** the URI as given, without a fragment */
  source: string;
  target: string;
  scheme: string;
  authority: string;
  path: string;
  /** the query without "?", or null when the URI has none */
  query: string | null;
}

// The parts of the message last asked about: a base that covers several URI components (@authority,
// @path, @query) parses the URI once. One entry, not a WeakMap: inserting every message into a
// WeakMap cost more than parsing the URI again.
let lastUrl: { msg: SignableMessage; parts: UrlParts } | undefined;

// Path and query are taken from the URI string as given (the request target as sent), not from a
// normalised URL, so a verifier reproduces exactly what the signer saw; only the authority is
// normalised, as §2.2.3 requires (lowercase host, default port omitted).
function urlParts(msg: SignableMessage, id: string): UrlParts {
  if (lastUrl && lastUrl.msg === msg && lastUrl.parts.source === msg.url) return lastUrl.parts;
  if (msg.url === undefined) missing(`${id}: the message has no target URI`);
  let u: URL;
  try {
    u = new URL(msg.url);
  } catch {
    return missing(`${id}: the target URI cannot be parsed`);
  }
  const raw = msg.url;
  const hashAt = raw.indexOf('#');
  const noFragment = hashAt >= 0 ? raw.slice(0, hashAt) : raw;
  const schemeEnd = noFragment.indexOf('://');
  const afterAuthority = schemeEnd >= 0 ? noFragment.slice(schemeEnd + 3).search(/[/?]/) : -1;
  const rest = afterAuthority >= 0 ? noFragment.slice(schemeEnd + 3 + afterAuthority) : '';
  const q = rest.indexOf('?');
  const parts: UrlParts = {
    source: raw,
    target: noFragment,
    scheme: u.protocol.slice(0, -1).toLowerCase(),
    authority: u.host.toLowerCase(),
    path: (q >= 0 ? rest.slice(0, q) : rest) || '/',
    query: q >= 0 ? rest.slice(q + 1) : null,
  };
  lastUrl = { msg, parts };
  return parts;
}

/** §2.2.8: the form-urlencoded percent-encode set, with space as %20 (not "+") */
export function encodeQueryComponent(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9*\-._]/.test(ch)) out += ch;
    else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

function derivedValue(msg: SignableMessage, c: ComponentId, id: string, fromRequest: boolean): string {
  for (const k of c.params.keys()) {
    if (k !== 'req' && !(k === 'name' && c.name === '@query-param')) malformed(`${id}: parameter ${k} is not allowed here`);
  }
  const isResponse = msg.status !== undefined && !fromRequest;
  if (c.name === '@status') {
    // §2.2.9: responses only, and never with req
    if (fromRequest || msg.status === undefined) malformed(`${id}: @status exists only on a response`);
    if (!Number.isInteger(msg.status) || msg.status < 100 || msg.status > 999) malformed(`${id}: invalid status`);
    return String(msg.status);
  }
  if (!(DERIVED_COMPONENTS as readonly string[]).includes(c.name)) malformed(`${id}: unknown derived component`);
  // §2.2: request-derived components on a response need `req`
  if (isResponse) malformed(`${id}: a request component on a response needs the req parameter`);
  switch (c.name) {
    case '@method':
      if (!msg.method) missing(`${id}: the message has no method`);
      return msg.method; // §2.2.1: as sent, case-sensitive
    case '@target-uri':
      return urlParts(msg, id).target; // §2.2.2: the full target URI
    case '@authority':
      return urlParts(msg, id).authority;
    case '@scheme':
      return urlParts(msg, id).scheme;
    case '@request-target': {
      const p = urlParts(msg, id);
      return p.path + (p.query === null ? '' : '?' + p.query);
    }
    case '@path':
      return urlParts(msg, id).path;
    case '@query': {
      // §2.2.7: "?" followed by the query; a missing query yields "?" alone
      const q = urlParts(msg, id).query;
      return '?' + (q ?? '');
    }
    case '@query-param': {
      const name = c.params.get('name');
      if (typeof name !== 'string') malformed(`${id}: @query-param needs a string name parameter`);
      const q = urlParts(msg, id).query ?? '';
      const values = [...new URLSearchParams(q)].filter(([k]) => encodeQueryComponent(k) === name).map(([, v]) => v);
      if (values.length === 0) missing(`${id}: the query has no parameter ${name}`);
      // §2.2.8: a name that occurs more than once must not be signed
      if (values.length > 1) malformed(`${id}: query parameter ${name} occurs more than once`);
      return encodeQueryComponent(values[0]);
    }
  }
  return malformed(`${id}: unknown derived component`);
}

/** The covered components of a Signature-Input member: an inner list of sf-strings (§4.1). */
export function componentsFromInnerList(m: Member): ComponentId[] {
  if (!isInnerList(m)) malformed('Signature-Input member is not an inner list');
  return m.items.map((it) => {
    if (typeof it.value !== 'string') malformed('a covered component is not a string');
    return identifier(it.value, it.params);
  });
}
