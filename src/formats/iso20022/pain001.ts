/**
 * pain.001.001.09 Customer Credit Transfer Initiation from alimony.payout-instruction payloads.
 *
 * One document per call: a group header (MsgId, CreDtTm, NbOfTxs, CtrlSum, InitgPty), one PmtInf
 * per payout instruction id (with its requested execution date, currency and priority) (debtor = the alimony fund,
 * its IBAN and its bank), one CdtTrfTxInf per payout with the payout's EndToEndId (which the bank
 * carries unchanged to its statements, so reconciliation finds the payout again), InstdAmt with
 * its currency, the creditor's bank, name and IBAN, and RmtInf/Ustrd carrying the case reference.
 *
 * Guarantees: every IBAN (the fund's and each beneficiary's) passes the ISO 13616 check and every
 * BIC its pattern before anything is built; amounts are exact decimals written in their currency's
 * minor units (never rounded: an amount finer than its currency is refused) and CtrlSum is their
 * exact sum; text fields fit their ISO 20022 lengths; and the document is checked against the
 * declared pain.001.001.09 structure (PAIN_001_001_09) before it is written. Any fault is a
 * FormatError naming the payout (its index as a JSON pointer) and the field.
 */
import { FormatError } from '../errors.js';
import { checkStructure, type DeclaredElement } from '../xml/structure.js';
import { element, attribute, type XmlElement } from '../xml/tree.js';
import { writeXml } from '../xml/writer.js';
import { checkBic, checkIban } from './iban.js';
import { add, formatAmount, minorUnits, money, parseDecimal, type Money } from './money.js';

export const PAIN_001_NS = 'urn:iso:std:iso:20022:tech:xsd:pain.001.001.09';

/** The data of an alimony.payout-instruction (1.x), plus the case reference from its envelope. */
export interface PayoutInstruction {
  instructionId: string;
  orderNumber: string;
  beneficiary: { name: { ar: string; latin?: string }; nationalId: string };
  creditorAccount: { iban: string; bic: string };
  amount: { value: string; currency: string };
  requestedExecutionDate: string;
  remittanceInformation: string;
  endToEndId: string;
  priority?: 'normal' | 'high';
  /** the envelope's casereference, when the message had one */
  caseReference?: string;
}

export interface Pain001Options {
  /** GrpHdr/MsgId, at most 35 characters (msgIdFor turns a UUID into one) */
  messageId: string;
  /** GrpHdr/CreDtTm, an ISO date-time */
  createdAt: string;
  /** the fund, which pays: InitgPty and Dbtr */
  debtor: { name: string; iban: string; bic: string };
}

export interface Pain001Result {
  xml: Buffer;
  tree: XmlElement;
  numberOfTransactions: number;
  controlSum: string;
  endToEndIds: string[];
}

const MAX35 = /^.{1,35}$/u;

/** A 36-character UUID as a 32-character MsgId (Max35Text). */
export function msgIdFor(uuid: string): string {
  return uuid.replace(/-/g, '');
}

function text(ns: string, local: string, value: string): XmlElement {
  return element({ local, uri: ns }, { text: value });
}
function group(local: string, children: XmlElement[], attrs: ReturnType<typeof attribute>[] = []): XmlElement {
  return element({ local, uri: PAIN_001_NS }, { children, attributes: attrs });
}
const t = (local: string, value: string) => text(PAIN_001_NS, local, value);

/** Creditor name as banks print it: the Latin spelling when known, else the Arabic; Max140Text. */
function creditorName(p: PayoutInstruction): string {
  return [...(p.beneficiary.name.latin ?? p.beneficiary.name.ar)].slice(0, 140).join('');
}

/**
 * RmtInf/Ustrd (Max140Text): the remittance information, led by the case reference (the order
 * number, or the envelope's case reference) unless it already contains it; the remittance text is
 * shortened, never the reference.
 */
export function remittanceLine(p: PayoutInstruction): string {
  const ref = p.caseReference ?? p.orderNumber;
  const info = p.remittanceInformation;
  if (info.includes(ref)) return [...info].slice(0, 140).join('');
  const head = `${ref} `;
  return head + [...info].slice(0, Math.max(0, 140 - [...head].length)).join('');
}

export function buildPain001(payouts: PayoutInstruction[], options: Pain001Options): Pain001Result {
  if (payouts.length === 0) throw new FormatError('pain001-invalid', 'a credit transfer initiation needs at least one payout');
  if (!MAX35.test(options.messageId)) throw new FormatError('pain001-invalid', 'MsgId must be 1 to 35 characters');
  const debtorIban = checkIban(options.debtor.iban, { pointer: '/debtor/iban' });
  const debtorBic = checkBic(options.debtor.bic, { pointer: '/debtor/bic' });
  if (!options.debtor.name) throw new FormatError('pain001-invalid', 'the debtor needs a name', { pointer: '/debtor/name' });

  // every payout is checked before anything is built
  const checked = payouts.map((p, i) => {
    const at = (f: string) => ({ pointer: `/${i}${f}` });
    if (!MAX35.test(p.endToEndId)) throw new FormatError('pain001-invalid', 'EndToEndId must be 1 to 35 characters', at('/endToEndId'));
    if (!MAX35.test(p.instructionId)) throw new FormatError('pain001-invalid', 'PmtInfId must be 1 to 35 characters', at('/instructionId'));
    if (!/^\d{4}-\d{2}-\d{2}$/.test(p.requestedExecutionDate)) throw new FormatError('pain001-invalid', 'requested execution date is not a date', at('/requestedExecutionDate'));
    const iban = checkIban(p.creditorAccount.iban, at('/creditorAccount/iban'));
    const bic = checkBic(p.creditorAccount.bic, at('/creditorAccount/bic'));
    const amount = parseDecimal(p.amount.value, p.amount.currency, at('/amount/value'));
    if (amount.units <= 0n) throw new FormatError('money-invalid', 'a payout amount must be positive', at('/amount/value'));
    const written = formatAmount(amount); // refuses more fraction digits than the currency has
    return { p, iban, bic, amount, written, index: i };
  });
  const e2e = new Set<string>();
  for (const c of checked) {
    if (e2e.has(c.p.endToEndId))
      throw new FormatError('pain001-invalid', `EndToEndId ${c.p.endToEndId} appears twice: the statement could not tell the payouts apart`, { pointer: `/${c.index}/endToEndId` });
    e2e.add(c.p.endToEndId);
  }

  // one PmtInf per instruction id, execution date and currency, in first-seen order
  const groups = new Map<string, typeof checked>();
  for (const c of checked) {
    const key = `${c.p.instructionId}|${c.p.requestedExecutionDate}|${c.amount.currency}|${c.p.priority ?? ''}`;
    const g = groups.get(key) ?? [];
    g.push(c);
    groups.set(key, g);
  }
  const ids = new Set<string>();
  for (const g of groups.values()) {
    if (ids.has(g[0].p.instructionId))
      throw new FormatError('pain001-invalid', `payouts of instruction ${g[0].p.instructionId} differ in date, currency or priority`, { pointer: `/${g[0].index}/instructionId` });
    ids.add(g[0].p.instructionId);
  }

  // CtrlSum: the exact sum of all amounts, whatever their currencies (ISO 20022 definition)
  const sumOf = (cs: typeof checked) => cs.reduce((s, c) => add(s, money(c.amount.units, 'XXX')), money(0n, 'XXX'));
  // written with the most minor units among the currencies summed, so it is exact and familiar
  const digits = Math.max(...checked.map((c) => minorUnits(c.amount.currency)));
  const ctrl = (m: Money) => formatAmount(m, digits);

  const pmtInfs = [...groups.values()].map((cs) =>
    group('PmtInf', [
      t('PmtInfId', cs[0].p.instructionId),
      t('PmtMtd', 'TRF'),
      t('NbOfTxs', String(cs.length)),
      t('CtrlSum', ctrl(sumOf(cs))),
      // priority is a property of the payment information, not of one transaction (pain.001.001.09)
      ...(cs[0].p.priority ? [group('PmtTpInf', [t('InstrPrty', cs[0].p.priority === 'high' ? 'HIGH' : 'NORM')])] : []),
      group('ReqdExctnDt', [t('Dt', cs[0].p.requestedExecutionDate)]),
      group('Dbtr', [t('Nm', options.debtor.name.slice(0, 140))]),
      group('DbtrAcct', [group('Id', [t('IBAN', debtorIban)])]),
      group('DbtrAgt', [group('FinInstnId', [t('BICFI', debtorBic)])]),
      t('ChrgBr', 'SLEV'),
      ...cs.map((c) =>
        group('CdtTrfTxInf', [
          group('PmtId', [t('EndToEndId', c.p.endToEndId)]),
          group('Amt', [element({ local: 'InstdAmt', uri: PAIN_001_NS }, { text: c.written, attributes: [attribute({ local: 'Ccy' }, c.amount.currency)] })]),
          group('CdtrAgt', [group('FinInstnId', [t('BICFI', c.bic)])]),
          group('Cdtr', [t('Nm', creditorName(c.p))]),
          group('CdtrAcct', [group('Id', [t('IBAN', c.iban)])]),
          group('RmtInf', [t('Ustrd', remittanceLine(c.p))]),
        ]),
      ),
    ]),
  );

  const root = element(
    { local: 'Document', uri: PAIN_001_NS },
    {
      namespaces: { '': PAIN_001_NS },
      children: [
        group('CstmrCdtTrfInitn', [
          group('GrpHdr', [
            t('MsgId', options.messageId),
            t('CreDtTm', options.createdAt),
            t('NbOfTxs', String(checked.length)),
            t('CtrlSum', ctrl(sumOf(checked))),
            group('InitgPty', [t('Nm', options.debtor.name.slice(0, 140))]),
          ]),
          ...pmtInfs,
        ]),
      ],
    },
  );
  checkStructure(root, PAIN_001_001_09);
  return { xml: writeXml(root, { indent: 2 }), tree: root, numberOfTransactions: checked.length, controlSum: ctrl(sumOf(checked)), endToEndIds: checked.map((c) => c.p.endToEndId) };
}

// The part of the pain.001.001.09 schema this writer uses, in the schema's order and occurrences
// (CustomerCreditTransferInitiationV09, GroupHeader85, PaymentInstruction30,
// CreditTransferTransaction34), with its simple types as patterns.
const P = PAIN_001_NS;
const max35 = { pattern: '.{1,35}' };
const max140 = { pattern: '.{1,140}' };
const iban = { pattern: '[A-Z]{2}[0-9]{2}[a-zA-Z0-9]{1,30}' };
const bic = { pattern: '[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3}){0,1}' };
const amount = { pattern: '\\d{1,18}(\\.\\d{1,5})?' };
const leaf = (name: string, text: DeclaredElement['text'], extra: Partial<DeclaredElement> = {}): DeclaredElement => ({ ns: P, name, text, ...extra });
const node = (name: string, children: DeclaredElement[], extra: Partial<DeclaredElement> = {}): DeclaredElement => ({ ns: P, name, children, ...extra });
const agent = (name: string, min = 1) => node(name, [node('FinInstnId', [leaf('BICFI', bic)])], { min });
const account = (name: string) => node(name, [node('Id', [leaf('IBAN', iban)])]);

export const PAIN_001_001_09: DeclaredElement = node('Document', [
  node('CstmrCdtTrfInitn', [
    node('GrpHdr', [
      leaf('MsgId', max35),
      leaf('CreDtTm', { format: 'dateTime' }),
      leaf('NbOfTxs', { pattern: '[0-9]{1,15}' }),
      leaf('CtrlSum', { format: 'decimal' }),
      node('InitgPty', [leaf('Nm', max140)]),
    ]),
    node(
      'PmtInf',
      [
        leaf('PmtInfId', max35),
        leaf('PmtMtd', { pattern: 'TRF' }),
        leaf('NbOfTxs', { pattern: '[0-9]{1,15}' }),
        leaf('CtrlSum', { format: 'decimal' }),
        node('PmtTpInf', [leaf('InstrPrty', { pattern: 'HIGH|NORM' })], { min: 0 }),
        node('ReqdExctnDt', [leaf('Dt', { format: 'date' })]),
        node('Dbtr', [leaf('Nm', max140)]),
        account('DbtrAcct'),
        agent('DbtrAgt'),
        leaf('ChrgBr', { pattern: 'DEBT|CRED|SHAR|SLEV' }, { min: 0 }),
        node(
          'CdtTrfTxInf',
          [
            node('PmtId', [leaf('EndToEndId', max35)]),
            node('Amt', [leaf('InstdAmt', amount, { attributes: [{ name: 'Ccy', required: true, pattern: '[A-Z]{3,3}' }] })]),
            agent('CdtrAgt', 0),
            node('Cdtr', [leaf('Nm', max140)]),
            account('CdtrAcct'),
            node('RmtInf', [leaf('Ustrd', max140)], { min: 0 }),
          ],
          { max: 'unbounded' },
        ),
      ],
      { max: 'unbounded' },
    ),
  ]),
]);
