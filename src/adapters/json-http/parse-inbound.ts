/**
 * json-http, inbound: `application/cloudevents+json` or `application/json` — the body is the
 * CloudEvents structured envelope itself, read by the hub's strict JSON reader (no duplicate
 * member, no lone surrogate, bounded depth) and then checked by the intake like any envelope.
 */
import type { InboundContext } from '../types.js';

export const JSON_INBOUND = /^application\/(cloudevents\+)?json\s*(;|$)/i;

export function parseJsonInbound(body: Buffer, ctx: InboundContext): unknown {
  return ctx.strictJson(body);
}
