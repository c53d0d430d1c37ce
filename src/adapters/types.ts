/**
 * The adapter port: one recipient format and transport. Adapters turn a canonical message into a
 * request and a response into an outcome; they know nothing of routes, queues or the database.
 */
import type { Envelope, Institution } from '../federation/index.js';

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

export interface Adapter {
  readonly name: string;
  encode(message: OutboundMessage, recipient: Institution): OutboundRequest;
  decode(response: TransportResponse): Outcome;
}
