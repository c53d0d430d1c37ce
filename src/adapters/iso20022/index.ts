/**
 * ISO 20022 to a bank: an `alimony.payout-instruction` delivery becomes a pain.001.001.09 Customer
 * Credit Transfer Initiation (src/formats/iso20022/pain001.ts), POSTed as application/xml with the
 * same identity headers (and, by the worker, the same RFC 9421 hub signature) as every delivery.
 *
 * Guarantees:
 * - the debtor is the account the recipient bank's contract names for the message's sender
 *   (`iso20022.debtors`); a sender it does not name gets nothing sent;
 * - every IBAN (the debtor's and the beneficiary's) passes ISO 13616 mod-97, every amount is an
 *   exact decimal in its currency's minor units, before a byte is sent; a payout that fails any
 *   check throws a FormatError (never retryable), so the delivery ends dead at its first attempt
 *   with the code and the reason (e.g. `iban-invalid: … fails the ISO 13616 mod-97 check`);
 * - the payout's EndToEndId is the instruction's own `endToEndId`, written unchanged: the bank
 *   carries it to its camt statements, where reconciliation finds the payout by it;
 * - GrpHdr/MsgId is the delivery id (32 hex digits), the same on every attempt, so a bank that
 *   dedupes on MsgId applies a retried instruction once.
 * The answer is read as for json-http (outcome.ts): 2xx delivered, 408/425/429/5xx retried, other
 * 4xx dead.
 */
import type { Adapter, OutboundMessage, OutboundRequest, TransportResponse, Outcome } from '../types.js';
import type { Institution } from '../../federation/index.js';
import { httpOutcome } from '../outcome.js';
import { FormatError } from '../../formats/errors.js';
import { WaslaError } from '../../errors.js';
import { buildPain001, msgIdFor, type PayoutInstruction } from '../../formats/iso20022/index.js';

export const PAYOUT_INSTRUCTION = 'alimony.payout-instruction';

/** The payout an alimony.payout-instruction (1.x) carries, with the envelope's case reference. */
export function payoutOf(data: Record<string, unknown>, caseReference?: string): PayoutInstruction {
  const p = data as unknown as PayoutInstruction;
  return { ...p, ...(caseReference !== undefined ? { caseReference } : {}) };
}

export const iso20022Adapter: Adapter = {
  name: 'iso20022',
  encode(m: OutboundMessage, recipient: Institution): OutboundRequest {
    try {
      return encodePayout(m, recipient);
    } catch (err) {
      // a format fault can never succeed by trying again: the delivery ends dead, saying why
      if (err instanceof FormatError) throw new WaslaError('payout-invalid', `${err.code}: ${err.message}${err.pointer ? ` (at ${err.pointer})` : ''}`);
      throw err;
    }
  },
  decode(res: TransportResponse): Outcome {
    return httpOutcome(res);
  },
};

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
