/** The adapter port, the adapters by name, the HTTP transport and what an answer means. */
export type { Adapter, Envelope, FormatContext, InboundContext, OutboundMessage, OutboundRequest, Transport, TransportResponse, Outcome } from './types.js';
export { adapterFor, adapterNames, inboundAdapterFor } from './registry.js';
export { HttpTransport, TransportError } from './http-transport.js';
export { httpOutcome, parseRetryAfter } from './outcome.js';
export { parseMediaType } from './media-type.js';
