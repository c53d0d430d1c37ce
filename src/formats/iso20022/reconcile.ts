/**
 * Reconciliation: which statement entries settle which instructed payouts.
 *
 * Rules (docs/formats.md, "Reconciliation"):
 * - The unit matched is a transaction (TxDtls) with its own amount, or the entry itself when it has
 *   one transaction or none (a batch entry's transactions are matched one by one).
 * - A unit is matched by EndToEndId first (`how: 'end-to-end-id'`); failing that, a booked debit
 *   is matched by amount + currency + creditor account + value date within ± `valueDateToleranceDays`
 *   of the requested execution date, the nearest date winning (`how: 'amount-date-account'`). Each
 *   unit settles at most one payout; each payout is taken by amount at most once.
 * - Only booked entries (status BOOK) count. A booked debit pays (in part or in full); a booked
 *   credit with a return reason, or any booked credit matched by EndToEndId, is the payout coming
 *   back (`returned`, with RtrInf/Rsn/Cd); a booked entry with the reversal indicator undoes an
 *   earlier settlement of that payout. Pending (PDNG), information-only (INFO) and other statuses
 *   settle nothing; such an entry that carries a reason code for a known payout marks it
 *   `rejected` (the bank refused it before booking).
 * - Outcome per payout: paid (settled amount >= instructed), partially-paid (0 < settled <
 *   instructed), returned, rejected, open, or unmatched once `unmatchedAfterDays` have passed since
 *   the requested execution date (decided by the `now` given, never by the clock).
 * - Every unit that matches no payout is reported, with why.
 * - Entries are deduplicated by entryIdentity, so the same statement or notification given twice
 *   (or a camt.054 booking repeated in the day's camt.053) changes nothing; statementIdentity names
 *   a statement for "received before".
 * Cost: one pass to index payouts by EndToEndId and by (amount, currency, creditor account), one
 * pass over units; linear in payouts + entries (bench/reconcile.ts measures it).
 */
import { createHash } from 'node:crypto';
import type { CamtEntry, CamtStatement, CamtTransaction } from './camt.js';
import { normaliseIban } from './iban.js';
import { add, amountKey, compare, formatExact, money, negate, type Money } from './money.js';

export interface OpenPayout {
  endToEndId: string;
  amount: Money;
  creditorIban: string;
  /** ISO date */
  requestedExecutionDate: string;
  /**
   * what earlier statements already settled (reconciliation across statements, issue 23): the
   * amount booked so far, whether any entry matched it (then it is not taken by amount again), and
   * a return or rejection already seen
   */
  prior?: { settled: Money; matched: boolean; returned?: { reason?: string }; rejected?: { reason?: string } };
}

export interface ReconcileOptions {
  /** days either side of the requested execution date a value date may fall (default 3) */
  valueDateToleranceDays?: number;
  /** days after the requested execution date an unsettled payout is `unmatched` (default 10) */
  unmatchedAfterDays?: number;
  now: Date;
}

export type PayoutState = 'paid' | 'partially-paid' | 'returned' | 'rejected' | 'open' | 'unmatched';
export type MatchHow = 'end-to-end-id' | 'amount-date-account';
export type MatchEffect = 'paid' | 'returned' | 'reversed' | 'rejected' | 'not-booked';

export interface UnitRef {
  statementId: string;
  entryIndex: number;
  /** the transaction within the entry, from 1; absent when the entry is the unit */
  transactionIndex?: number;
  accountServicerReference?: string;
}

export interface Match {
  unit: UnitRef;
  how: MatchHow;
  effect: MatchEffect;
  amount: string;
  currency: string;
  status: string;
  valueDate?: string;
  returnReason?: string;
}

export interface PayoutOutcome {
  endToEndId: string;
  state: PayoutState;
  instructed: string;
  settled: string;
  currency: string;
  returnReason?: string;
  matches: Match[];
}

export interface UnmatchedUnit {
  unit: UnitRef;
  amount: string;
  currency: string;
  creditDebit: 'CRDT' | 'DBIT';
  status: string;
  endToEndId?: string;
  reason: string;
}

export interface Reconciliation {
  payouts: PayoutOutcome[];
  unmatched: UnmatchedUnit[];
  /** identities of entries seen more than once and counted once */
  duplicates: string[];
}

/** What names a statement across re-sends: the bank's account, statement id and sequence, not the message id. */
export function statementIdentity(s: CamtStatement): string {
  const acct = s.account.iban ?? s.account.other ?? '';
  return sha(`${s.kind}|${acct}|${s.statementId}|${s.electronicSequence ?? ''}|${s.createdAt ?? ''}`);
}

/**
 * What names one booking whichever report carries it (camt.054 today, camt.053 tonight): the
 * account, the bank's reference when it gives one, else the entry's own facts.
 */
export function entryIdentity(s: CamtStatement, e: CamtEntry): string {
  const acct = s.account.iban ?? s.account.other ?? '';
  const facts = e.accountServicerReference
    ? `ref|${e.accountServicerReference}`
    : `facts|${s.statementId}|${e.index}|${amountKey(e.amount)}|${e.creditDebit}|${e.status}|${e.reversal}|${e.bookingDate ?? ''}|${e.valueDate ?? ''}|${e.transactions.map((t) => t.endToEndId ?? t.accountServicerReference ?? '').join(',')}`;
  return sha(`${acct}|${facts}`);
}

function sha(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 32);
}

interface Unit {
  ref: UnitRef;
  entry: CamtEntry;
  tx?: CamtTransaction;
  amount: Money;
  creditDebit: 'CRDT' | 'DBIT';
  endToEndId?: string;
  account?: string;
  returnReason?: string;
}

function unitsOf(s: CamtStatement, e: CamtEntry): Unit[] {
  const base = { statementId: s.statementId, entryIndex: e.index };
  // one unit per transaction when the entry batches several (each with its amount); else the entry
  if (e.transactions.length > 1 && e.transactions.every((t) => t.amount)) {
    return e.transactions.map((t, i) => ({
      ref: { ...base, transactionIndex: i + 1, ...(t.accountServicerReference ? { accountServicerReference: t.accountServicerReference } : {}) },
      entry: e,
      tx: t,
      amount: t.amount as Money,
      creditDebit: t.creditDebit ?? e.creditDebit,
      ...unitFacts(t, t.creditDebit ?? e.creditDebit),
    }));
  }
  const t = e.transactions[0];
  return [
    {
      ref: { ...base, ...(e.accountServicerReference ? { accountServicerReference: e.accountServicerReference } : {}) },
      entry: e,
      ...(t ? { tx: t } : {}),
      amount: e.amount,
      creditDebit: e.creditDebit,
      ...(t ? unitFacts(t, e.creditDebit) : {}),
    },
  ];
}

function unitFacts(t: CamtTransaction, cd: 'CRDT' | 'DBIT'): Pick<Unit, 'endToEndId' | 'account' | 'returnReason'> {
  // a payout leaves the fund's account as a debit to the creditor; a return comes back from them
  const account = cd === 'DBIT' ? (t.creditorAccount ?? t.debtorAccount) : (t.debtorAccount ?? t.creditorAccount);
  return {
    ...(t.endToEndId && t.endToEndId !== 'NOTPROVIDED' ? { endToEndId: t.endToEndId } : {}),
    ...(account ? { account: normaliseIban(account) } : {}),
    ...(t.returnReason ? { returnReason: t.returnReason } : {}),
  };
}

const DAY = 86_400_000;
const days = (a: string, b: string) => Math.round((Date.parse(`${a.slice(0, 10)}T00:00:00Z`) - Date.parse(`${b.slice(0, 10)}T00:00:00Z`)) / DAY);

interface Book {
  payout: OpenPayout;
  settled: Money;
  returned?: { reason?: string };
  rejected?: { reason?: string };
  matches: Match[];
  takenByAmount: boolean;
}

export function reconcile(payouts: OpenPayout[], statements: CamtStatement[], options: ReconcileOptions): Reconciliation {
  const tolerance = options.valueDateToleranceDays ?? 3;
  const unmatchedAfter = options.unmatchedAfterDays ?? 10;

  const byE2E = new Map<string, Book>();
  const byAmount = new Map<string, Book[]>();
  const books: Book[] = [];
  for (const p of payouts) {
    const b: Book = {
      payout: p,
      settled: p.prior?.settled ?? money(0n, p.amount.currency),
      matches: [],
      takenByAmount: p.prior?.matched ?? false,
      ...(p.prior?.returned ? { returned: p.prior.returned } : {}),
      ...(p.prior?.rejected ? { rejected: p.prior.rejected } : {}),
    };
    books.push(b);
    byE2E.set(p.endToEndId, b);
    const k = `${amountKey(p.amount)}|${normaliseIban(p.creditorIban)}`;
    const list = byAmount.get(k) ?? [];
    list.push(b);
    byAmount.set(k, list);
  }

  const seen = new Set<string>();
  const duplicates: string[] = [];
  const unmatched: UnmatchedUnit[] = [];

  for (const s of statements) {
    for (const e of s.entries) {
      const id = entryIdentity(s, e);
      if (seen.has(id)) {
        duplicates.push(id);
        continue;
      }
      seen.add(id);
      for (const u of unitsOf(s, e)) apply(u);
    }
  }

  function apply(u: Unit): void {
    const booked = u.entry.status === 'BOOK';
    let book: Book | undefined;
    let how: MatchHow | undefined;
    if (u.endToEndId !== undefined) {
      book = byE2E.get(u.endToEndId);
      if (book) how = 'end-to-end-id';
    }
    if (!book && booked && u.account && u.creditDebit === 'DBIT' && !u.entry.reversal) {
      book = byAmountDateAccount(u);
      if (book) {
        how = 'amount-date-account';
        book.takenByAmount = true;
      }
    }
    if (!book || !how) {
      unmatched.push({
        unit: u.ref,
        amount: formatExact(u.amount),
        currency: u.amount.currency,
        creditDebit: u.creditDebit,
        status: u.entry.status,
        ...(u.endToEndId ? { endToEndId: u.endToEndId } : {}),
        reason: u.endToEndId ? 'no instructed payout has this EndToEndId' : 'no EndToEndId, and no open payout of this amount, account and value date',
      });
      return;
    }
    if (u.amount.currency !== book.payout.amount.currency) {
      unmatched.push({
        unit: u.ref,
        amount: formatExact(u.amount),
        currency: u.amount.currency,
        creditDebit: u.creditDebit,
        status: u.entry.status,
        ...(u.endToEndId ? { endToEndId: u.endToEndId } : {}),
        reason: `currency ${u.amount.currency} differs from the payout's ${book.payout.amount.currency}`,
      });
      return;
    }
    let effect: MatchEffect;
    if (!booked) {
      effect = u.returnReason ? 'rejected' : 'not-booked';
      if (u.returnReason) book.rejected = { reason: u.returnReason };
    } else if (u.entry.reversal) {
      // a reversal undoes an earlier booking of this payout, whichever way it went
      effect = 'reversed';
      if (u.creditDebit === 'CRDT') book.settled = add(book.settled, negate(u.amount));
      else if (book.returned) delete book.returned;
    } else if (u.creditDebit === 'DBIT') {
      effect = 'paid';
      book.settled = add(book.settled, u.amount);
    } else {
      effect = 'returned';
      book.returned = u.returnReason ? { reason: u.returnReason } : {};
    }
    book.matches.push({
      unit: u.ref,
      how,
      effect,
      amount: formatExact(u.amount),
      currency: u.amount.currency,
      status: u.entry.status,
      ...(u.entry.valueDate ? { valueDate: u.entry.valueDate } : {}),
      ...(u.returnReason ? { returnReason: u.returnReason } : {}),
    });
  }

  function byAmountDateAccount(u: Unit): Book | undefined {
    const candidates = byAmount.get(`${amountKey(u.amount)}|${u.account}`);
    const date = u.entry.valueDate ?? u.entry.bookingDate;
    if (!candidates || !date) return undefined;
    let best: Book | undefined;
    let bestGap = Infinity;
    for (const c of candidates) {
      if (c.takenByAmount || c.matches.length > 0) continue;
      const gap = Math.abs(days(date, c.payout.requestedExecutionDate));
      if (gap <= tolerance && gap < bestGap) {
        best = c;
        bestGap = gap;
      }
    }
    return best;
  }

  const outcomes = books.map((b): PayoutOutcome => {
    const p = b.payout;
    let state: PayoutState;
    let reason: string | undefined;
    if (b.returned) {
      state = 'returned';
      reason = b.returned.reason;
    } else if (compare(b.settled, p.amount) >= 0) state = 'paid';
    else if (b.settled.units > 0n) state = 'partially-paid';
    else if (b.rejected) {
      state = 'rejected';
      reason = b.rejected.reason;
    } else state = days(options.now.toISOString(), p.requestedExecutionDate) > unmatchedAfter ? 'unmatched' : 'open';
    return {
      endToEndId: p.endToEndId,
      state,
      instructed: formatExact(p.amount),
      settled: formatExact(b.settled),
      currency: p.amount.currency,
      ...(reason ? { returnReason: reason } : {}),
      matches: b.matches,
    };
  });
  return { payouts: outcomes, unmatched, duplicates };
}
