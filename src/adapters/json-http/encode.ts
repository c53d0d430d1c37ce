/**
 * json-http, outbound: the recipient receives the CloudEvents structured JSON envelope, with the
 * stable identity headers a receiver dedupes on (invariant 3). Any type at any major can be
 * written as JSON, so this adapter never refuses one.
 */
import type { OutboundMessage, OutboundRequest } from '../types.js';
import type { Institution } from '../../federation/index.js';
import { identityHeaders } from '../identity-headers.js';

export const JSON_MEDIA_TYPE = 'application/cloudevents+json; charset=utf-8';

export function encodeJson(m: OutboundMessage, recipient: Institution): OutboundRequest {
  return {
    method: 'POST',
    url: recipient.endpoints.deliveries,
    headers: { 'content-type': JSON_MEDIA_TYPE, ...identityHeaders(m) },
    body: Buffer.from(JSON.stringify(m.envelope)),
  };
}
