/**
 * xml-http, outbound: the message as the XML document its type's mapping declares
 * (contracts/mappings/<type>/<major>.json), built from what the recipient may see (the envelope
 * already translated to its major and projected to its fields), checked against the mapping's
 * declared structure before a byte is produced (formats/xml/mapping.ts), and sent as
 * `application/xml` with the same identity headers as JSON. The schema the document is written
 * in travels as the media type's `dataschema` parameter, which the hub's signature covers.
 *
 * A message the mapping cannot carry (no mapping for the type and major; a value the format
 * refuses) can never be sent: it is a non-retryable error, and the delivery ends dead at once.
 */
import type { FormatContext, OutboundMessage, OutboundRequest } from '../types.js';
import { parseSchemaUri, type Institution } from '../../federation/index.js';
import { ENVELOPE_FIELDS, toXml, type CanonicalMessage, type EnvelopeField } from '../../formats/xml/index.js';
import { isFormatError } from '../../formats/index.js';
import { WaslaError } from '../../errors.js';
import { identityHeaders } from '../identity-headers.js';

export function xmlMediaType(dataschema: string): string {
  return `application/xml; charset=utf-8; dataschema="${dataschema}"`;
}

/** why a type at a major cannot be written as XML, or undefined when its mapping is declared */
export function cannotEncodeXml(type: string, major: number, ctx: FormatContext): string | undefined {
  return ctx.mappings.get(type, major) ? undefined : `xml-http has no mapping for ${type} major ${major} (contracts/mappings/${type}/${major}.json)`;
}

export function encodeXml(m: OutboundMessage, recipient: Institution, ctx: FormatContext): OutboundRequest {
  const named = parseSchemaUri(m.envelope.dataschema);
  if (!named) throw new WaslaError('adapter-cannot-encode', `the envelope names no schema the hub knows: ${m.envelope.dataschema}`);
  const major = Number(named.version.split('.')[0]);
  const why = cannotEncodeXml(named.type, major, ctx);
  if (why) throw new WaslaError('adapter-cannot-encode', why);
  const loaded = ctx.mappings.get(named.type, major)!;
  const envelope: CanonicalMessage['envelope'] = {};
  const source = m.envelope as unknown as Record<string, unknown>;
  for (const f of ENVELOPE_FIELDS as readonly EnvelopeField[]) if (typeof source[f] === 'string') envelope[f] = source[f] as string;
  let body: Buffer;
  try {
    body = toXml(loaded.mapping, { envelope, data: m.envelope.data });
  } catch (err) {
    if (!isFormatError(err)) throw err;
    const where = err.pointer !== undefined ? ` at /data${err.pointer}` : err.path ? ` at ${err.path}` : '';
    throw new WaslaError('adapter-cannot-encode', `${loaded.file} cannot write this message${where}: ${err.code}: ${err.message}`, { cause: err });
  }
  return {
    method: 'POST',
    url: recipient.endpoints.deliveries,
    headers: { 'content-type': xmlMediaType(m.envelope.dataschema), ...identityHeaders(m) },
    body,
  };
}
