/**
 * The identity headers every delivery carries, whatever its format: message id, delivery id and
 * attempt number. The hub's delivery signature covers the two ids (trust/profiles.ts), so a
 * receiver may dedupe on them (invariant 3).
 */
import type { OutboundMessage } from './types.js';

export function identityHeaders(m: OutboundMessage): Record<string, string> {
  return { 'wasla-message-id': m.envelope.id, 'wasla-delivery-id': m.deliveryId, 'wasla-attempt': String(m.attempt) };
}
