/** XML over HTTP: each message type and major as the XML document its mapping in contracts/mappings declares, both ways. */
import type { Adapter } from '../types.js';
import { cannotEncodeXml, encodeXml } from './encode.js';
import { decodeXmlAnswer } from './decode.js';
import { XML_INBOUND, parseXmlInbound } from './parse-inbound.js';

export const xmlHttpAdapter: Adapter = {
  name: 'xml-http',
  inboundMediaType: XML_INBOUND,
  cannotEncode: cannotEncodeXml,
  encode: encodeXml,
  decode: decodeXmlAnswer,
  parseInbound: parseXmlInbound,
};
