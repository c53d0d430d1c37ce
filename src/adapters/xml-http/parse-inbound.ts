/**
 * xml-http, inbound: an XML document POSTed to /v1/messages as `application/xml` (signed exactly
 * like JSON: the Content-Digest covers the XML bytes), turned into the CloudEvents structured
 * envelope the intake reads — so it then goes through the same validation, agreements, routing,
 * projection and audit as JSON.
 *
 * - The bytes are read only by the hostile-XML reader (formats/xml/reader.ts): no DTD, no entity,
 *   no unknown processing instruction, bounded in size, depth, elements and attributes; each
 *   refusal keeps the reader's code, which the HTTP edge answers as its own problem type.
 * - The mapping is the one the media type's `dataschema` parameter names (its type and major), or
 *   else the one mapping whose root element and structure the document fits; a document that fits
 *   several (two majors of one type) must name its dataschema.
 * - The version is the `dataschema`'s, or the latest minor the mapping was checked against.
 * - Envelope attributes the document carries (its own id, case reference, correlation...) are
 *   taken as a JSON sender's would be; a `type` element naming another type than the mapping's is
 *   refused. `classification` may be given as a media type parameter (default: as for JSON).
 */
import type { InboundContext } from '../types.js';
import { BadRequestError, RequestRefusedError, ValidationError, type ErrorCode } from '../../errors.js';
import { parseSchemaUri, schemaUri } from '../../federation/index.js';
import { fromXml, readXml, type CanonicalMessage, type LoadedMapping, type XmlElement } from '../../formats/xml/index.js';
import { type FormatError, isFormatError, XML_READER_CODES } from '../../formats/index.js';
import { parseMediaType } from '../media-type.js';

export const XML_INBOUND = /^(application|text)\/xml\s*(;|$)/i;

/** the reader's and the mapping's refusals, each answered under its own code */
const FORMAT_REFUSALS = new Set<string>([...XML_READER_CODES, 'xml-structure-mismatch', 'mapping-value-invalid']);

/** A FormatError as the refusal the API answers: its own code, the XPath and the JSON pointer of the fault. */
export function refusalOf(err: FormatError): BadRequestError | ValidationError | RequestRefusedError {
  const code = (FORMAT_REFUSALS.has(err.code) ? err.code : 'message-invalid') as ErrorCode;
  const faults = err.pointer !== undefined ? [{ pointer: `/data${err.pointer}`, detail: err.message }] : [];
  const extra = err.path !== undefined ? { xpath: err.path } : {};
  if (code === 'xml-too-large') return new RequestRefusedError(code, err.message, { extra });
  const e =
    code === 'xml-structure-mismatch' || code === 'mapping-value-invalid' || code === 'message-invalid'
      ? new ValidationError(code, err.message, faults)
      : new BadRequestError(code, err.message, faults);
  Object.assign(e.extra, extra);
  return e;
}

function chooseMapping(root: XmlElement, ctx: InboundContext, named: { type: string; version: string } | undefined): { loaded: LoadedMapping; canonical: CanonicalMessage } {
  if (named) {
    const loaded = ctx.mappings.get(named.type, Number(named.version.split('.')[0]));
    if (!loaded) throw new ValidationError('xml-mapping-unknown', `no XML mapping for ${named.type} ${named.version}: send it as JSON, or ask for a mapping`);
    return { loaded, canonical: fromXml(loaded.mapping, root) };
  }
  const candidates = ctx.mappings.byRoot(root.uri, root.local);
  if (candidates.length === 0) throw new ValidationError('xml-mapping-unknown', `no XML mapping has the root element {${root.uri}}${root.local}`);
  const fits: Array<{ loaded: LoadedMapping; canonical: CanonicalMessage }> = [];
  let first: unknown;
  for (const loaded of candidates) {
    try {
      fits.push({ loaded, canonical: fromXml(loaded.mapping, root) });
    } catch (err) {
      first ??= err;
    }
  }
  if (fits.length === 1) return fits[0];
  if (fits.length === 0) throw first;
  const which = fits.map((f) => `${f.loaded.mapping.type} major ${f.loaded.mapping.major}`).join(', ');
  throw new ValidationError('xml-mapping-ambiguous', `the document fits several mappings (${which}): name one in the Content-Type's dataschema parameter`);
}

export function parseXmlInbound(body: Buffer, ctx: InboundContext): unknown {
  const media = parseMediaType(ctx.mediaType);
  if (!media) throw new RequestRefusedError('unsupported-media-type', 'the Content-Type cannot be read (RFC 9110 media type with token or quoted parameters)');
  const charset = media.params.charset?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8') throw new RequestRefusedError('unsupported-media-type', 'XML is accepted in UTF-8 only (charset=utf-8)');
  let named: { type: string; version: string } | undefined;
  if (media.params.dataschema !== undefined) {
    named = parseSchemaUri(media.params.dataschema);
    if (!named) throw new BadRequestError('invalid-envelope', 'the dataschema parameter does not name a schema', [{ pointer: '/dataschema', detail: 'not a schema URI of the catalogue' }]);
  }
  try {
    const doc = readXml(body, { maxBytes: ctx.maxBytes });
    const { loaded, canonical } = chooseMapping(doc.root, ctx, named);
    const { type, ...attributes } = canonical.envelope;
    if (type !== undefined && type !== loaded.mapping.type) {
      throw new BadRequestError('invalid-envelope', `the document says it is ${type}, but it is written as ${loaded.mapping.type}`, [{ pointer: '/type', detail: `must be "${loaded.mapping.type}"` }]);
    }
    return {
      specversion: '1.0',
      ...attributes,
      type: loaded.mapping.type,
      dataschema: schemaUri(loaded.mapping.type, named?.version ?? loaded.version),
      ...(media.params.classification !== undefined && { classification: media.params.classification }),
      data: canonical.data,
    };
  } catch (err) {
    throw isFormatError(err) ? refusalOf(err) : err;
  }
}
