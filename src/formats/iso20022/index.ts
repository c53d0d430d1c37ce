/** ISO 20022: exact money, IBAN checks, pain.001.001.09 out, camt.053/054 in, reconciliation. */
export { parseAmount, parseDecimal, formatAmount, formatExact, amountKey, minorUnits, MINOR_UNITS, type Money } from './money.js';
export { checkIban, isValidIban, normaliseIban, checkBic, IBAN_LENGTHS } from './iban.js';
export { buildPain001, msgIdFor, remittanceLine, PAIN_001_001_09, PAIN_001_NS, type PayoutInstruction, type Pain001Options, type Pain001Result } from './pain001.js';
export {
  readCamt,
  camtFromTree,
  computeTotals,
  compareTotals,
  checkBalances,
  type CamtStatement,
  type CamtEntry,
  type CamtTransaction,
  type CamtBalance,
  type BalanceCheck,
  type ComputedTotals,
  type TotalsDiscrepancy,
} from './camt.js';
export {
  reconcile,
  statementIdentity,
  entryIdentity,
  type OpenPayout,
  type ReconcileOptions,
  type Reconciliation,
  type PayoutOutcome,
  type PayoutState,
  type Match,
  type UnmatchedUnit,
} from './reconcile.js';
