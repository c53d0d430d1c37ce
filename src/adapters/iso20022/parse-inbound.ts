/**
 * iso20022, inbound: a bank's documents are not messages of the catalogue. Its camt.053 statements
 * and camt.054 notifications go to POST /v1/statements, where they are reconciled
 * (services/statements.ts); this adapter therefore claims no media type on POST /v1/messages, and
 * refuses if it is ever asked to read one there.
 */
import { RequestRefusedError } from '../../errors.js';
import type { InboundContext } from '../types.js';

/** matches no media type: XML on POST /v1/messages is xml-http's */
export const NO_INBOUND = /(?!)/;

export function parseBankInbound(_body: Buffer, _ctx: InboundContext): unknown {
  throw new RequestRefusedError('unsupported-media-type', 'a bank sends its camt statements and notifications to POST /v1/statements, not as messages');
}
