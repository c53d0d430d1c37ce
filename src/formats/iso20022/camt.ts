/**
 * camt.053 statements and camt.054 notifications (versions 001.02 to 001.08) read into one
 * canonical statement model, with the totals a statement declares, the totals computed from its
 * entries, and its balance check.
 *
 * Guarantees: the bytes go through the hostile-XML reader first; a document that is not a camt.053
 * or camt.054 of a supported version is refused (camt-unsupported); amounts are exact (money.ts),
 * and an amount, direction or currency that cannot be read is refused with its XPath
 * (camt-invalid) rather than skipped, so no entry silently disappears. Nothing is corrected: the
 * declared totals and the balances are reported beside what the entries add up to, and a
 * discrepancy is flagged for a human, never fixed.
 */
import { FormatError } from '../errors.js';
import { readXml, type XmlReadLimits } from '../xml/reader.js';
import type { XmlElement } from '../xml/tree.js';
import { CAMT_PATHS, type CamtPaths } from './camt-paths.js';
import { add, formatExact, money, negate, parseAmount, type Money } from './money.js';

export type CreditDebit = 'CRDT' | 'DBIT';

export interface CamtTransaction {
  endToEndId?: string;
  instructionId?: string;
  accountServicerReference?: string;
  /** the transaction's own amount, when the bank states it */
  amount?: Money;
  creditDebit?: CreditDebit;
  creditorName?: string;
  creditorAccount?: string;
  debtorName?: string;
  debtorAccount?: string;
  /** RtrInf/Rsn/Cd (or Prtry): why a payment came back */
  returnReason?: string;
  remittance: string[];
}

export interface CamtEntry {
  /** position in the report, from 1 */
  index: number;
  reference?: string;
  amount: Money;
  creditDebit: CreditDebit;
  /** BOOK, PDNG, INFO (or FUTR...) as the bank wrote it */
  status: string;
  reversal: boolean;
  bookingDate?: string;
  valueDate?: string;
  accountServicerReference?: string;
  transactions: CamtTransaction[];
  /** XPath of the entry in its document, for messages */
  path: string;
}

export interface CamtBalance {
  /** OPBD, CLBD, PRCD, ITBD, CLAV... */
  type: string;
  /** signed: a debit balance is negative */
  amount: Money;
  date?: string;
}

export interface DeclaredTotals {
  entries?: number;
  sum?: string;
  net?: string;
  credits?: { count?: number; sum?: string };
  debits?: { count?: number; sum?: string };
}

export interface CamtStatement {
  kind: 'camt.053' | 'camt.054';
  version: string;
  messageId: string;
  messageCreatedAt?: string;
  statementId: string;
  electronicSequence?: string;
  createdAt?: string;
  account: { iban?: string; other?: string; currency?: string };
  balances: CamtBalance[];
  declared: DeclaredTotals;
  entries: CamtEntry[];
}

const NS = /^urn:iso:std:iso:20022:tech:xsd:camt\.(053|054)\.001\.(\d\d)$/;

export function readCamt(bytes: Uint8Array, limits: Partial<XmlReadLimits> = {}): CamtStatement[] {
  return camtFromTree(readXml(bytes, limits).root);
}

export function camtFromTree(root: XmlElement): CamtStatement[] {
  const m = NS.exec(root.uri);
  if (root.local !== 'Document' || !m) throw new FormatError('camt-unsupported', `{${root.uri}}${root.local} is not a camt.053 or camt.054 document`, { path: `/${root.name}` });
  const [, kindNo, version] = m;
  const paths = CAMT_PATHS[version];
  if (!paths) throw new FormatError('camt-unsupported', `camt.${kindNo}.001.${version} is not supported (001.02 to 001.08 are)`, { path: `/${root.name}` });
  const ns = root.uri;
  const reportPath = paths.report[kindNo as '053' | '054'];
  const [msgName, reportName] = reportPath.split('/');
  const msg = root.children.find((c) => c.uri === ns && c.local === msgName);
  if (!msg) throw new FormatError('camt-invalid', `no ${msgName} in the document`, { path: `/${root.name}` });
  const r = new Reader(ns, paths);
  const messageId = r.text(msg, paths.messageId);
  if (!messageId) throw new FormatError('camt-invalid', 'GrpHdr/MsgId is missing', { path: `/${root.name}/${msg.name}` });
  const messageCreatedAt = r.text(msg, paths.messageCreatedAt);
  const reports = msg.children.filter((c) => c.uri === ns && c.local === reportName);
  return reports.map((rep, i) =>
    r.statement(rep, `/${root.name}/${msg.name}/${rep.name}[${i + 1}]`, {
      kind: `camt.${kindNo}` as CamtStatement['kind'],
      version,
      messageId,
      ...(messageCreatedAt ? { messageCreatedAt } : {}),
    }),
  );
}

class Reader {
  constructor(
    private readonly ns: string,
    private readonly p: CamtPaths,
  ) {}

  all(el: XmlElement, path: string): XmlElement[] {
    let level = [el];
    for (const step of path.split('/')) level = level.flatMap((e) => e.children.filter((c) => c.uri === this.ns && c.local === step));
    return level;
  }

  first(el: XmlElement, paths: string[]): XmlElement | undefined {
    for (const p of paths) {
      const found = this.all(el, p)[0];
      if (found) return found;
    }
    return undefined;
  }

  text(el: XmlElement, paths: string[]): string | undefined {
    const t = this.first(el, paths)?.text.trim();
    return t === '' ? undefined : t;
  }

  amount(el: XmlElement, _path: string, where: string): Money {
    const ccy = el.attributes.find((a) => a.local === 'Ccy' && a.uri === '')?.value;
    if (!ccy) throw new FormatError('camt-invalid', 'an amount without its currency (Ccy)', { path: where });
    return parseAmount(el.text.trim(), ccy, { path: where });
  }

  indicator(v: string | undefined, where: string): CreditDebit {
    if (v !== 'CRDT' && v !== 'DBIT') throw new FormatError('camt-invalid', `credit/debit indicator ${JSON.stringify(v ?? null)} is neither CRDT nor DBIT`, { path: where });
    return v;
  }

  statement(rep: XmlElement, at: string, head: Pick<CamtStatement, 'kind' | 'version' | 'messageId' | 'messageCreatedAt'>): CamtStatement {
    const p = this.p;
    const statementId = this.text(rep, p.statementId) ?? head.messageId;
    const account: CamtStatement['account'] = {};
    const iban = this.text(rep, p.accountIban);
    const other = this.text(rep, p.accountOther);
    const currency = this.text(rep, p.accountCurrency);
    if (iban) account.iban = iban;
    if (other) account.other = other;
    if (currency) account.currency = currency;

    const balances = this.all(rep, p.balance).map((b, i): CamtBalance => {
      const where = `${at}/Bal[${i + 1}]`;
      const amtEl = this.first(b, ['Amt']);
      if (!amtEl) throw new FormatError('camt-invalid', 'a balance without an amount', { path: where });
      const amt = this.amount(amtEl, 'Amt', `${where}/Amt`);
      const ind = this.indicator(this.text(b, ['CdtDbtInd']), `${where}/CdtDbtInd`);
      const date = this.text(b, p.balanceDate);
      return { type: this.text(b, p.balanceType) ?? 'UNKNOWN', amount: ind === 'DBIT' ? negate(amt) : amt, ...(date ? { date } : {}) };
    });

    const declared: DeclaredTotals = {};
    const num = (paths: string[]) => {
      const t = this.text(rep, paths);
      return t === undefined ? undefined : Number(t);
    };
    const entriesN = num(p.totalEntries);
    const sum = this.text(rep, p.totalSum);
    if (entriesN !== undefined) declared.entries = entriesN;
    if (sum !== undefined) declared.sum = sum;
    const net = this.text(rep, p.totalNet);
    if (net !== undefined) declared.net = `${this.text(rep, p.totalNetIndicator) === 'DBIT' ? '-' : ''}${net}`;
    const cN = num(p.creditEntries);
    const cS = this.text(rep, p.creditSum);
    if (cN !== undefined || cS !== undefined) declared.credits = { ...(cN !== undefined ? { count: cN } : {}), ...(cS !== undefined ? { sum: cS } : {}) };
    const dN = num(p.debitEntries);
    const dS = this.text(rep, p.debitSum);
    if (dN !== undefined || dS !== undefined) declared.debits = { ...(dN !== undefined ? { count: dN } : {}), ...(dS !== undefined ? { sum: dS } : {}) };

    const entries = this.all(rep, p.entry).map((n, i) => this.entry(n, i + 1, `${at}/Ntry[${i + 1}]`));
    const seq = this.text(rep, p.electronicSequence);
    const createdAt = this.text(rep, p.createdAt);
    return { ...head, statementId, ...(seq ? { electronicSequence: seq } : {}), ...(createdAt ? { createdAt } : {}), account, balances, declared, entries };
  }

  entry(n: XmlElement, index: number, at: string): CamtEntry {
    const p = this.p;
    const amtEl = this.first(n, ['Amt']);
    if (!amtEl) throw new FormatError('camt-invalid', 'an entry without an amount', { path: at });
    const amount = this.amount(amtEl, 'Amt', `${at}/Amt`);
    const creditDebit = this.indicator(this.text(n, ['CdtDbtInd']), `${at}/CdtDbtInd`);
    const status = this.text(n, p.entryStatus);
    if (!status) throw new FormatError('camt-invalid', 'an entry without a status', { path: `${at}/Sts` });
    const rv = this.text(n, p.reversal);
    const e: CamtEntry = {
      index,
      amount,
      creditDebit,
      status,
      reversal: rv === 'true' || rv === '1',
      transactions: [],
      path: at,
    };
    const ref = this.text(n, p.entryReference);
    if (ref) e.reference = ref;
    const bd = this.text(n, p.bookingDate);
    if (bd) e.bookingDate = bd.slice(0, 10);
    const vd = this.text(n, p.valueDate);
    if (vd) e.valueDate = vd.slice(0, 10);
    const asr = this.text(n, p.entryServicerReference);
    if (asr) e.accountServicerReference = asr;
    e.transactions = this.all(n, p.transaction).map((tx, j) => this.transaction(tx, `${at}/NtryDtls/TxDtls[${j + 1}]`));
    return e;
  }

  transaction(tx: XmlElement, at: string): CamtTransaction {
    const p = this.p;
    const t: CamtTransaction = { remittance: this.all(tx, p.remittance).map((u) => u.text) };
    const set = <K extends keyof CamtTransaction>(k: K, v: CamtTransaction[K] | undefined) => {
      if (v !== undefined) t[k] = v;
    };
    set('endToEndId', this.text(tx, p.endToEndId));
    set('instructionId', this.text(tx, p.instructionId));
    set('accountServicerReference', this.text(tx, p.transactionServicerReference));
    const amt = this.first(tx, p.transactionAmount);
    if (amt) t.amount = this.amount(amt, 'Amt', `${at}/Amt`);
    const ind = this.text(tx, p.transactionIndicator);
    if (ind !== undefined) t.creditDebit = this.indicator(ind, `${at}/CdtDbtInd`);
    set('creditorName', this.text(tx, p.creditorName));
    set('creditorAccount', this.text(tx, p.creditorIban) ?? this.text(tx, p.creditorOther));
    set('debtorName', this.text(tx, p.debtorName));
    set('debtorAccount', this.text(tx, p.debtorIban) ?? this.text(tx, p.debtorOther));
    set('returnReason', this.text(tx, p.returnReason));
    return t;
  }
}

// ---------------------------------------------------------------------------------------------
// totals and balances

export interface ComputedTotals {
  entries: number;
  /** currency-blind sums, as ISO 20022 defines TxsSummry sums */
  sum: string;
  net: string;
  credits: { count: number; sum: string };
  debits: { count: number; sum: string };
  /** the same per currency */
  byCurrency: Record<string, { credits: { count: number; sum: string }; debits: { count: number; sum: string } }>;
}

export function computeTotals(s: CamtStatement): ComputedTotals {
  let credit = 0n;
  let debit = 0n;
  let nc = 0;
  let nd = 0;
  const by: Record<string, { c: bigint; d: bigint; nc: number; nd: number }> = {};
  for (const e of s.entries) {
    const b = (by[e.amount.currency] ??= { c: 0n, d: 0n, nc: 0, nd: 0 });
    if (e.creditDebit === 'CRDT') {
      credit += e.amount.units;
      nc++;
      b.c += e.amount.units;
      b.nc++;
    } else {
      debit += e.amount.units;
      nd++;
      b.d += e.amount.units;
      b.nd++;
    }
  }
  const f = (u: bigint) => formatExact(money(u, 'XXX'));
  return {
    entries: s.entries.length,
    sum: f(credit + debit),
    net: f(credit - debit),
    credits: { count: nc, sum: f(credit) },
    debits: { count: nd, sum: f(debit) },
    byCurrency: Object.fromEntries(Object.entries(by).map(([c, b]) => [c, { credits: { count: b.nc, sum: f(b.c) }, debits: { count: b.nd, sum: f(b.d) } }])),
  };
}

export interface TotalsDiscrepancy {
  field: string;
  declared: string;
  computed: string;
}

/** Declared TxsSummry figures that the entries do not add up to (amounts compared exactly). */
export function compareTotals(s: CamtStatement, computed = computeTotals(s)): TotalsDiscrepancy[] {
  const out: TotalsDiscrepancy[] = [];
  const same = (a: string, b: string) =>
    parseAmount(a.replace(/^-/, ''), 'XXX').units * (a.startsWith('-') ? -1n : 1n) === parseAmount(b.replace(/^-/, ''), 'XXX').units * (b.startsWith('-') ? -1n : 1n);
  const cmp = (field: string, declared: string | number | undefined, actual: string | number, amount: boolean) => {
    if (declared === undefined) return;
    const ok = amount ? same(String(declared), String(actual)) : Number(declared) === Number(actual);
    if (!ok) out.push({ field, declared: String(declared), computed: String(actual) });
  };
  const d = s.declared;
  cmp('TtlNtries/NbOfNtries', d.entries, computed.entries, false);
  cmp('TtlNtries/Sum', d.sum, computed.sum, true);
  cmp('TtlNtries/TtlNetNtry', d.net, computed.net, true);
  cmp('TtlCdtNtries/NbOfNtries', d.credits?.count, computed.credits.count, false);
  cmp('TtlCdtNtries/Sum', d.credits?.sum, computed.credits.sum, true);
  cmp('TtlDbtNtries/NbOfNtries', d.debits?.count, computed.debits.count, false);
  cmp('TtlDbtNtries/Sum', d.debits?.sum, computed.debits.sum, true);
  return out;
}

export interface BalanceCheck {
  currency: string;
  /** 'ok', 'mismatch' (flagged for a human), or 'not-checkable' (no opening or closing balance) */
  result: 'ok' | 'mismatch' | 'not-checkable';
  opening?: string;
  credits: string;
  debits: string;
  expectedClosing?: string;
  closing?: string;
}

/**
 * Per currency: opening booked balance (OPBD, else PRCD) + booked credits - booked debits must be
 * the closing booked balance (CLBD). Pending and information-only entries do not move a booked
 * balance; reversals are bookings like any other (their indicator says which way they went).
 */
export function checkBalances(s: CamtStatement): BalanceCheck[] {
  const currencies = new Set<string>([...s.balances.map((b) => b.amount.currency), ...s.entries.map((e) => e.amount.currency)]);
  return [...currencies].sort().map((ccy) => {
    let credits = money(0n, ccy);
    let debits = money(0n, ccy);
    for (const e of s.entries) {
      if (e.status !== 'BOOK' || e.amount.currency !== ccy) continue;
      if (e.creditDebit === 'CRDT') credits = add(credits, e.amount);
      else debits = add(debits, e.amount);
    }
    const of = (type: string) => s.balances.find((b) => b.type === type && b.amount.currency === ccy);
    const opening = of('OPBD') ?? of('PRCD');
    const closing = of('CLBD');
    const base = { currency: ccy, credits: formatExact(credits), debits: formatExact(debits) };
    if (!opening || !closing)
      return { ...base, result: 'not-checkable' as const, ...(opening ? { opening: formatExact(opening.amount) } : {}), ...(closing ? { closing: formatExact(closing.amount) } : {}) };
    const expected = add(add(opening.amount, credits), negate(debits));
    return {
      ...base,
      result: expected.units === closing.amount.units ? ('ok' as const) : ('mismatch' as const),
      opening: formatExact(opening.amount),
      expectedClosing: formatExact(expected),
      closing: formatExact(closing.amount),
    };
  });
}
