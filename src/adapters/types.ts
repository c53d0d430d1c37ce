/**
 * The adapter port: one format an institution speaks, both ways. An adapter encodes an outbound
 * delivery into a request (bytes and headers), decodes the recipient's answer into delivered /
 * retry / dead, and parses an inbound document into the canonical CloudEvents form the intake
 * reads; it says, before anything is sent, whether it can encode a message type at a major at all
 * (what `wasla contracts check` asks). Adapters know nothing of routes, queues or the database:
 * what they need of the contracts in force (the XML mappings) comes in a FormatContext.
 *
 * Every adapter lives in its own folder with the same files — index.ts (the Adapter), encode.ts,
 * decode.ts, parse-inbound.ts — and is registered by name in registry.ts.
 */
import type { Envelope, Institution } from '../federation/index.js';
import type { MappingSet } from '../formats/xml/index.js';

export type { Envelope } from '../federation/index.js';

export interface OutboundMessage {
  /** the envelope as this recipient may see it: data translated and projected */
  envelope: Envelope;
  deliveryId: string;
  attempt: number;
}

export interface OutboundRequest {
  method: 'POST' | 'PUT';
  url: string;
  headers: Record<string, string>;
  body: Buffer;
}

export interface TransportResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Sends one request and brings back the answer; throws a TransportError (retryable) when there is none in time. */
export interface Transport {
  send(req: OutboundRequest, timeoutMs: number): Promise<TransportResponse>;
}

export type Outcome = { kind: 'delivered' } | { kind: 'retry'; reason: string; retryAfterMs?: number } | { kind: 'dead'; reason: string };

/** What of the contracts in force an adapter may need: the XML mappings declared in contracts/mappings. */
export interface FormatContext {
  mappings: MappingSet;
}

/** What reading an inbound document needs beyond the contracts: its media type and the limits. */
export interface InboundContext extends FormatContext {
  /** the request's Content-Type, parameters included (covered by the request signature) */
  mediaType: string;
  /** the request body limit: no document read is larger */
  maxBytes: number;
  /**
   * the hub's strict JSON reader (I-JSON, no duplicate member, bounded depth: intake/strict-json.ts),
   * for adapters whose documents are or contain JSON
   */
  strictJson(bytes: Buffer): unknown;
}

export interface Adapter {
  readonly name: string;
  /** the request media types this adapter reads inbound documents in */
  readonly inboundMediaType: RegExp;
  /** why this adapter cannot encode `type` at `major` (a missing mapping...), or undefined when it can */
  cannotEncode(type: string, major: number, ctx: FormatContext): string | undefined;
  /** the request for one delivery; throws a non-retryable WaslaError when it cannot be built */
  encode(message: OutboundMessage, recipient: Institution, ctx: FormatContext): OutboundRequest;
  decode(response: TransportResponse): Outcome;
  /**
   * an inbound document as a CloudEvents structured envelope (a plain JSON value the intake then
   * reads and validates like any JSON envelope); throws a BadRequestError / RequestRefusedError
   * with a stable code for a document it refuses
   */
  parseInbound(body: Buffer, ctx: InboundContext): unknown;
}
