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
import type { Adapter } from '../types.js';
import { cannotEncodePayout, encodePain001 } from './encode.js';
import { decodeBankAnswer } from './decode.js';
import { NO_INBOUND, parseBankInbound } from './parse-inbound.js';

export { PAYOUT_INSTRUCTION, payoutOf } from './encode.js';

export const iso20022Adapter: Adapter = {
  name: 'iso20022',
  inboundMediaType: NO_INBOUND,
  cannotEncode: cannotEncodePayout,
  encode: (m, recipient) => encodePain001(m, recipient),
  decode: decodeBankAnswer,
  parseInbound: parseBankInbound,
};
