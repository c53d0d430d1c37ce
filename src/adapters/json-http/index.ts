/**
 * JSON over HTTP: the recipient receives the CloudEvents structured JSON envelope, with the
 * stable identity headers a receiver dedupes on (invariant 3).
 */
import type { Adapter, OutboundMessage, OutboundRequest, TransportResponse, Outcome } from '../types.js';
import type { Institution } from '../../federation/index.js';
import { httpOutcome } from '../outcome.js';

export const jsonHttpAdapter: Adapter = {
  name: 'json-http',
  encode(m: OutboundMessage, recipient: Institution): OutboundRequest {
    return {
      method: 'POST',
      url: recipient.endpoints.deliveries,
      headers: {
        'content-type': 'application/cloudevents+json; charset=utf-8',
        'wasla-message-id': m.envelope.id,
        'wasla-delivery-id': m.deliveryId,
        'wasla-attempt': String(m.attempt),
      },
      body: Buffer.from(JSON.stringify(m.envelope)),
    };
  },
  decode(res: TransportResponse): Outcome {
    return httpOutcome(res);
  },
};
