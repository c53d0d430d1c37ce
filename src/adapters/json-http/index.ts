/** JSON over HTTP: the CloudEvents structured envelope both ways. */
import type { Adapter } from '../types.js';
import { encodeJson } from './encode.js';
import { decodeJsonAnswer } from './decode.js';
import { JSON_INBOUND, parseJsonInbound } from './parse-inbound.js';

export const jsonHttpAdapter: Adapter = {
  name: 'json-http',
  inboundMediaType: JSON_INBOUND,
  cannotEncode: () => undefined,
  encode: (m, recipient) => encodeJson(m, recipient),
  decode: decodeJsonAnswer,
  parseInbound: parseJsonInbound,
};
