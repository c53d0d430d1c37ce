import type { Adapter } from './types.js';
import { jsonHttpAdapter } from './json-http/index.js';
import { iso20022Adapter } from './iso20022/index.js';

export type { Adapter, Envelope, OutboundMessage, OutboundRequest, Transport, TransportResponse, Outcome } from './types.js';
export { HttpTransport, TransportError } from './http-transport.js';
export { httpOutcome, parseRetryAfter } from './outcome.js';

/** Adapters by name; an institution that speaks an existing format needs configuration only. */
const ADAPTERS: Record<string, Adapter> = { [jsonHttpAdapter.name]: jsonHttpAdapter, [iso20022Adapter.name]: iso20022Adapter };

export function adapterFor(name: string): Adapter | undefined {
  return ADAPTERS[name];
}

export function adapterNames(): string[] {
  return Object.keys(ADAPTERS);
}
