/**
 * Reading an institution's envelope: CloudEvents 1.0 structured JSON plus Wasla's extension
 * attributes. Every fault is reported with its JSON pointer; unknown attributes are refused so a
 * typo (`clasification`) cannot silently downgrade a message's protection.
 */
import { BadRequestError, type Fault } from '../errors.js';
import { CLASSIFICATIONS, isClassification, parseSchemaUri, SCHEMA_URI_FORM, type Classification } from '../federation/index.js';
import { DEFAULT_MAX_DEPTH, parseStrictJson } from './strict-json.js';

export const MAX_DEPTH = DEFAULT_MAX_DEPTH;

export interface IncomingEnvelope {
  type: string;
  version: string;
  classification: Classification;
  data: Record<string, unknown>;
  time?: string;
  subject?: string;
  casereference?: string;
  correlationid?: string;
  causationid?: string;
  sourceeventid?: string;
}

const KNOWN = new Set(['specversion', 'id', 'source', 'type', 'dataschema', 'time', 'subject', 'datacontenttype', 'data', 'classification', 'casereference', 'correlationid', 'causationid']);

/**
 * A request body as JSON, refused unless it is strict JSON (well-formed UTF-8, no lone surrogate,
 * no U+0000, no duplicate member name, at most MAX_DEPTH deep): see strict-json.ts.
 */
export function parseJsonBody(raw: Buffer): unknown {
  return parseStrictJson(raw, MAX_DEPTH);
}

const str = (v: unknown) => typeof v === 'string';
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Check an envelope. `sender` is the authenticated institution: a `source` that names anyone else
 * is refused, because identity comes from the credential, never from the body.
 */
export function readEnvelope(body: unknown, sender: string): IncomingEnvelope {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new BadRequestError('invalid-envelope', 'the body must be a CloudEvents JSON object', [{ pointer: '', detail: 'expected an object' }]);
  }
  const e = body as Record<string, unknown>;
  const faults: Fault[] = [];
  const fault = (pointer: string, detail: string) => faults.push({ pointer, detail });

  for (const k of Object.keys(e)) if (!KNOWN.has(k)) fault(`/${k}`, `unknown attribute "${k}"`);
  if (e.specversion !== '1.0') fault('/specversion', 'must be "1.0"');
  if (e.id !== undefined && (!str(e.id) || (e.id as string).length === 0 || (e.id as string).length > 200))
    fault('/id', 'must be a non-empty string of at most 200 characters (the hub assigns its own id and keeps yours as sourceeventid)');
  if (e.source !== undefined && e.source !== sender) fault('/source', `must be your institution id "${sender}" or absent`);
  if (!str(e.type) || !/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(e.type as string)) fault('/type', 'must be a message type such as "warrant.issued"');
  let version = '';
  if (!str(e.dataschema)) fault('/dataschema', `must name the schema: ${SCHEMA_URI_FORM}`);
  else {
    const named = parseSchemaUri(e.dataschema as string);
    if (!named) fault('/dataschema', `must be ${SCHEMA_URI_FORM}`);
    else if (named.type !== e.type) fault('/dataschema', `names type "${named.type}" but the envelope's type is "${String(e.type)}"`);
    else version = named.version;
  }
  if (e.time !== undefined && (!str(e.time) || !RFC3339.test(e.time as string) || Number.isNaN(Date.parse(e.time as string)))) fault('/time', 'must be an RFC 3339 timestamp');
  if (e.datacontenttype !== undefined && !/^application\/json(;.*)?$/.test(String(e.datacontenttype))) fault('/datacontenttype', 'must be application/json');
  if (e.classification !== undefined && !isClassification(e.classification)) fault('/classification', `must be one of ${CLASSIFICATIONS.join(', ')}`);
  for (const k of ['subject', 'casereference', 'correlationid', 'causationid'] as const) {
    if (e[k] !== undefined && (!str(e[k]) || (e[k] as string).length > 200)) fault(`/${k}`, 'must be a string of at most 200 characters');
  }
  if (e.data === null || typeof e.data !== 'object' || Array.isArray(e.data)) fault('/data', 'must be a JSON object');
  if (faults.length) throw new BadRequestError('invalid-envelope', `the envelope has ${faults.length} fault(s)`, faults);

  return {
    type: e.type as string,
    version,
    // unlabelled justice data is not public: warrants and alerts carry national ids
    classification: (e.classification as Classification | undefined) ?? 'restricted',
    data: e.data as Record<string, unknown>,
    time: e.time as string | undefined,
    subject: e.subject as string | undefined,
    casereference: e.casereference as string | undefined,
    correlationid: e.correlationid as string | undefined,
    causationid: e.causationid as string | undefined,
    sourceeventid: e.id as string | undefined,
  };
}
