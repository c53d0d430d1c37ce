/** iso20022, outbound: an alimony.payout-instruction as a pain.001.001.09 document (see index.ts). */
import type { FormatContext, OutboundMessage, OutboundRequest } from '../types.js';
import type { Institution } from '../../federation/index.js';
import { FormatError } from '../../formats/errors.js';
import { WaslaError } from '../../errors.js';
import { buildPain001, msgIdFor, type PayoutInstruction } from '../../formats/iso20022/index.js';

export const PAYOUT_INSTRUCTION = 'alimony.payout-instruction';

/** The payout an alimony.payout-instruction (1.x) carries, with the envelope's case reference. */
export function payoutOf(data: Record<string, unknown>, caseReference?: string): PayoutInstruction {
  const p = data as unknown as PayoutInstruction;
  return { ...p, ...(caseReference !== undefined ? { caseReference } : {}) };
}

/** a bank receives payout instructions only: anything else is refused by the contract check */
export function cannotEncodePayout(type: string, _major: number, _ctx: FormatContext): string | undefined {
  return type === PAYOUT_INSTRUCTION ? undefined : `the iso20022 adapter sends ${PAYOUT_INSTRUCTION} only (as pain.001.001.09), not ${type}`;
}

export function encodePain001(m: OutboundMessage, recipient: Institution): OutboundRequest {
  try {
    return encodePayout(m, recipient);
  } catch (err) {
    // a format fault can never succeed by trying again: the delivery ends dead, saying why
    if (err instanceof FormatError) throw new WaslaError('payout-invalid', `${err.code}: ${err.message}${err.pointer ? ` (at ${err.pointer})` : ''}`);
    throw err;
  }
}

function encodePayout(m: OutboundMessage, recipient: Institution): OutboundRequest {
  const env = m.envelope;
  if (env.type !== PAYOUT_INSTRUCTION) throw new FormatError('pain001-invalid', `the iso20022 adapter sends ${PAYOUT_INSTRUCTION} only, not ${env.type}`);
  const debtor = recipient.iso20022?.debtors.find((d) => d.sender === env.source);
  if (!debtor) throw new FormatError('pain001-invalid', `${recipient.id} names no debtor account for ${env.source} (iso20022.debtors in its contract)`);
  const doc = buildPain001([payoutOf(env.data as Record<string, unknown>, env.casereference)], {
    messageId: msgIdFor(m.deliveryId),
    createdAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    debtor: { name: debtor.name, iban: debtor.iban, bic: debtor.bic },
  });
  return {
    method: 'POST',
    url: recipient.endpoints.deliveries,
    headers: {
      'content-type': 'application/xml; charset=utf-8',
      'wasla-message-id': env.id,
      'wasla-delivery-id': m.deliveryId,
      'wasla-attempt': String(m.attempt),
      'wasla-message-type': env.type,
    },
    body: doc.xml,
  };
}
