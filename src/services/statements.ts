/**
 * Bank statements in, reconciled on receipt (issue 23). A bank POSTs a camt.053 statement or a
 * camt.054 notification; the hub reads it (hostile-XML rules, versions 001.02 to 001.08), matches
 * its booked entries to the payouts it instructed that bank (src/formats/iso20022/reconcile.ts),
 * and, in one transaction with the statement, its entries, the payouts' new states, the
 * reconciliation and its audit entry, emits an `alimony.payment-record` for every payout that is
 * now paid, partially paid, returned or rejected (intake/emit.ts: routed by the agreements, the
 * hub as sender, the statement as causation).
 *
 * Guarantees:
 * - only an institution an agreement in force names in `statements` may send one, and only about
 *   an account its contract holds for an institution that grant names (`iso20022.debtors`);
 * - the same statement twice changes nothing: the second answers the first's reconciliation; an
 *   entry already reported (a camt.054 booking repeated in the camt.053) counts once;
 * - a document that cannot be read is refused whole, with problem+json saying where; nothing of it
 *   is stored;
 * - reconciliations are read by the bank, the account holder and operators, nobody else, and every
 *   reading is on the audit log.
 */
import type { Logger } from 'pino';
import { appendAudit, type AuditWriter } from '../audit/writer.js';
import { BadRequestError, ForbiddenError, NotFoundError, ValidationError, type WaslaError } from '../errors.js';
import { isOperator, type Institution } from '../federation/index.js';
import { FormatError } from '../formats/errors.js';
import {
  checkBalances,
  compareTotals,
  computeTotals,
  entryIdentity,
  formatExact,
  normaliseIban,
  parseDecimal,
  readCamt,
  reconcile,
  statementIdentity,
  type CamtStatement,
  type OpenPayout,
  type PayoutOutcome,
} from '../formats/iso20022/index.js';
import { uuidv7 } from '../ids.js';
import { dispatchEmitted, emitHubMessages, type EmitOutcome, type HubMessage } from '../intake/emit.js';
import type { Dispatcher } from '../queue/index.js';
import { matches } from '../routing/pattern.js';
import { isActive } from '../routing/validity.js';
import type { LoadedContracts } from '../routing/model.js';
import type { Contracts } from '../routing/types.js';
import type { Db, PayloadVault } from '../store/index.js';
import {
  candidatePayouts,
  findStatement,
  getReconciliation,
  insertEntries,
  insertReconciliation,
  insertStatement,
  listReconciliations,
  recordDeliveredPayouts,
  updatePayouts,
  type PayoutRow,
  type ReconciliationFilter,
  type ReconciliationSummary,
} from '../store/reconciliation.js';
import type { Principal } from './principal.js';

export const PAYMENT_RECORD = { type: 'alimony.payment-record', version: '1.2' } as const;

/**
 * Elements a statement may have: an end-of-day camt.053 of tens of thousands of entries (about 20
 * elements each) passes; the reader's default (200,000) would refuse a busy day. Only a bank an
 * agreement names gets this far (the grant is checked before a byte is parsed), and the bytes are
 * bounded by WASLA_MAX_STATEMENT_BYTES first.
 */
export const STATEMENT_MAX_ELEMENTS = 1_000_000;

export interface StatementOptions {
  /** days after the requested execution date an unsettled payout is `unmatched` */
  unmatchedAfterDays: number;
  /** days either side of the requested execution date a value date may fall for a match by amount */
  valueDateToleranceDays: number;
  /** bytes, elements and depth the XML reader accepts */
  maxBytes: number;
}

export interface StatementServiceDeps {
  db: Db;
  contracts: () => Contracts;
  dispatcher: Dispatcher;
  audit: AuditWriter;
  log: Logger;
  options: StatementOptions;
  /** issue 24: keys the case index of the payment records the hub emits */
  indexSecret: Uint8Array;
  /** issue 26: seals what the hub emits like any message */
  vault?: PayloadVault;
  /** counts what reconciliation concluded (metrics.ts) */
  observe?: (r: { unmatchedEntries: number; payouts: Record<string, number>; flagged: boolean }) => void;
}

export interface StatementReceipt {
  /** one per statement or notification in the document */
  statements: Array<{ statement: string; statementId: string; duplicate: boolean; payouts: Record<string, number>; unmatchedEntries: number; flagged: boolean }>;
}

export interface StatementService {
  receive(principal: Principal, body: Buffer): Promise<StatementReceipt>;
  list(principal: Principal, filter: Omit<ReconciliationFilter, 'visibleTo'>): Promise<{ items: ReconciliationSummary[]; next: string | null }>;
  show(principal: Principal, statement: string): Promise<ReconciliationSummary & { result: unknown }>;
}

/** settled states the payout ends in and the payment record's 1.x status for each */
const RECORDED: Record<string, 'booked' | 'reversed' | 'pending'> = { paid: 'booked', 'partially-paid': 'booked', returned: 'reversed', rejected: 'pending' };

/** a format fault as the problem a bank gets */
function refusal(err: FormatError): WaslaError {
  const where = err.path ? [{ pointer: '', detail: `${err.path}: ${err.message}` }] : [];
  if (err.code.startsWith('xml-')) return new BadRequestError('statement-xml-refused', `${err.code}: ${err.message}`, where);
  if (err.code === 'camt-unsupported') return new ValidationError('statement-unsupported', err.message, where);
  return new ValidationError('statement-invalid', `${err.code}: ${err.message}`, where);
}

/** the institutions whose accounts `bank` may report on under the agreements in force */
export function statementHolders(contracts: Contracts, bank: string, now = new Date()): string[] {
  const agreements = (contracts as Partial<LoadedContracts>).agreements;
  const out = new Set<string>();
  for (const a of agreements?.values() ?? []) {
    if (!isActive(a, now)) continue;
    for (const s of a.statements ?? []) {
      if (!matches(s.institution, bank)) continue;
      for (const f of s.for) for (const i of contracts.institutions.keys()) if (matches(f, i)) out.add(i);
    }
  }
  return [...out].sort();
}

export function statementService(deps: StatementServiceDeps): StatementService {
  const operator = (p: Principal) => isOperator(deps.contracts().institution(p.institution));

  async function one(bank: Institution, holder: string, s: CamtStatement): Promise<{ row: StatementReceipt['statements'][number]; emitted: EmitOutcome[] }> {
    const identity = statementIdentity(s);
    const id = uuidv7();
    const contracts = deps.contracts();
    const now = new Date();
    return deps.db.transaction(async (tx) => {
      if (
        !(await insertStatement(tx, {
          id,
          bank: bank.id,
          identity,
          statementId: s.statementId,
          messageId: s.messageId,
          kind: s.kind,
          version: s.version,
          account: s.account.iban ?? s.account.other ?? '',
        }))
      ) {
        const first = (await findStatement(tx, bank.id, identity)) ?? id;
        await appendAudit(tx, [{ actor: bank.id, action: 'statement.duplicate', subject: first, data: { statementId: s.statementId, messageId: s.messageId } }]);
        return { row: { statement: first, statementId: s.statementId, duplicate: true, payouts: {}, unmatchedEntries: 0, flagged: false }, emitted: [] };
      }
      await recordDeliveredPayouts(tx, bank.id, holder, deps.vault);
      const identities = s.entries.map((e) => entryIdentity(s, e));
      const fresh = await insertEntries(
        tx,
        bank.id,
        id,
        s.entries.map((e, i) => ({
          identity: identities[i],
          entryIndex: e.index,
          amount: formatExact(e.amount),
          currency: e.amount.currency,
          creditDebit: e.creditDebit,
          status: e.status,
          reversal: e.reversal,
          ...(e.bookingDate ? { bookingDate: e.bookingDate } : {}),
          ...(e.valueDate ? { valueDate: e.valueDate } : {}),
          ...(e.accountServicerReference ? { reference: e.accountServicerReference } : {}),
        })),
      );
      // entries reported before (by a notification, or an earlier statement) settle nothing again
      const newEntries = s.entries.filter((_, i) => fresh.has(identities[i]));
      const repeated = s.entries.length - newEntries.length;
      const rows = await candidatePayouts(tx, bank.id, holder, new Date(now.getTime() - 90 * 86_400_000));
      const byE2E = new Map(rows.map((r) => [r.endToEndId, r]));
      const rec = reconcile(rows.map(openPayout), [{ ...s, entries: newEntries }], {
        now,
        unmatchedAfterDays: deps.options.unmatchedAfterDays,
        valueDateToleranceDays: deps.options.valueDateToleranceDays,
      });
      const changed = rec.payouts.filter((o) => {
        const r = byE2E.get(o.endToEndId)!;
        return o.state !== r.state || o.settled !== formatExact(parseDecimal(r.settled, r.currency));
      });
      await updatePayouts(
        tx,
        bank.id,
        id,
        changed.map((o) => ({ endToEndId: o.endToEndId, state: o.state, settled: o.settled, returnReason: o.returnReason ?? null })),
      );
      const records = changed.filter((o) => RECORDED[o.state] && o.matches.length > 0).map((o) => paymentRecord(byE2E.get(o.endToEndId)!, o, s, id));
      const emitted = records.length > 0 ? await emitHubMessages(tx, contracts, records, deps.indexSecret, deps.vault) : [];

      const totals = computeTotals(s);
      const discrepancies = compareTotals(s, totals);
      const balances = checkBalances(s);
      const flagged = discrepancies.length > 0 || balances.some((b) => b.result === 'mismatch');
      const matched: Record<string, { count: number; sum: string }> = {};
      const sums: Record<string, bigint> = {};
      for (const o of changed)
        for (const m of o.matches)
          if (m.effect === 'paid' || m.effect === 'returned') {
            const k = m.currency;
            matched[k] = { count: (matched[k]?.count ?? 0) + 1, sum: '0' };
            sums[k] = (sums[k] ?? 0n) + parseDecimal(m.amount, k).units;
          }
      for (const k of Object.keys(matched)) matched[k].sum = formatExact({ units: sums[k], currency: k });
      const byState: Record<string, number> = {};
      for (const o of changed) byState[o.state] = (byState[o.state] ?? 0) + 1;
      const result = {
        kind: s.kind,
        version: s.version,
        messageId: s.messageId,
        statementId: s.statementId,
        account: s.account,
        declared: s.declared,
        computed: totals,
        discrepancies,
        balances,
        matched,
        repeatedEntries: repeated,
        payouts: changed.map((o) => ({
          endToEndId: o.endToEndId,
          state: o.state,
          instructed: o.instructed,
          settled: o.settled,
          currency: o.currency,
          ...(o.returnReason ? { returnReason: o.returnReason } : {}),
          matches: o.matches,
        })),
        unmatched: rec.unmatched,
        paymentRecords: emitted.map((e) => (e.ok ? (e.stored ? { id: e.id } : { stored: false }) : { refused: e.error.code, detail: e.error.message })),
      };
      await insertReconciliation(tx, { statement: id, bank: bank.id, holder, statementId: s.statementId, unmatched: rec.unmatched.length, flagged, result });
      await appendAudit(tx, [
        {
          actor: bank.id,
          action: 'statement.reconciled',
          subject: id,
          data: { statementId: s.statementId, messageId: s.messageId, kind: s.kind, holder, entries: s.entries.length, repeated, payouts: byState, unmatched: rec.unmatched.length, flagged },
        },
      ]);
      return { row: { statement: id, statementId: s.statementId, duplicate: false, payouts: byState, unmatchedEntries: rec.unmatched.length, flagged }, emitted };
    });
  }

  return {
    async receive(p, body) {
      const contracts = deps.contracts();
      const bank = contracts.institution(p.institution);
      const holders = bank ? statementHolders(contracts, bank.id) : [];
      if (!bank || holders.length === 0) throw new ForbiddenError('statement-not-granted', 'no agreement in force lets you send statements');
      let statements: CamtStatement[];
      try {
        statements = readCamt(body, { maxBytes: deps.options.maxBytes, maxElements: STATEMENT_MAX_ELEMENTS });
      } catch (err) {
        if (err instanceof FormatError) throw refusal(err);
        throw err;
      }
      // every statement's account is checked before any is stored: the document is taken whole or not at all
      const owners = statements.map((s, i) => {
        const acct = s.account.iban ? normaliseIban(s.account.iban) : undefined;
        const debtor = bank.iso20022?.debtors.find((d) => holders.includes(d.sender) && normaliseIban(d.iban) === acct);
        if (!debtor)
          throw new ForbiddenError('statement-account-unknown', `statement ${s.statementId} is about an account you hold for no institution you may report for`, [
            { pointer: `/statements/${i}/account`, detail: 'not an account in your iso20022.debtors for a statement grant' },
          ]);
        return debtor.sender;
      });
      const out: StatementReceipt = { statements: [] };
      for (const [i, s] of statements.entries()) {
        const { row, emitted } = await one(bank, owners[i], s);
        dispatchEmitted(deps.dispatcher, deps.log, emitted, `payment records of statement ${row.statement}`);
        if (!row.duplicate) deps.observe?.({ unmatchedEntries: row.unmatchedEntries, payouts: row.payouts, flagged: row.flagged });
        out.statements.push(row);
      }
      return out;
    },

    async list(p, filter) {
      const f: ReconciliationFilter = { ...filter };
      if (!operator(p)) f.visibleTo = [p.institution];
      const items = await listReconciliations(deps.db, f);
      await deps.audit({ actor: p.institution, action: 'reconciliations.listed', subject: null, data: { filter: f, count: items.length } });
      return { items, next: items.length === (f.limit ?? 100) ? items[items.length - 1].statement : null };
    },

    async show(p, statement) {
      const r = await getReconciliation(deps.db, statement);
      // one answer for "none" and "not yours": nobody learns what exists by asking
      if (!r || (!operator(p) && r.bank !== p.institution && r.holder !== p.institution)) throw new NotFoundError('reconciliation-not-found', `no reconciliation ${statement}`);
      await deps.audit({ actor: p.institution, action: 'reconciliation.read', subject: statement, data: { bank: r.bank, holder: r.holder } });
      return r;
    },
  };
}

function openPayout(r: PayoutRow): OpenPayout {
  const amount = parseDecimal(r.amount, r.currency);
  const settled = parseDecimal(r.settled, r.currency);
  const seen = r.state !== 'open' && r.state !== 'unmatched';
  return {
    endToEndId: r.endToEndId,
    amount,
    creditorIban: r.creditorIban,
    requestedExecutionDate: r.requestedExecutionDate,
    ...(seen || settled.units !== 0n ? { prior: { settled, matched: true } } : {}),
  };
}

const REF = /[^A-Za-z0-9-]/g;

/** The alimony.payment-record (1.2) the hub sends about one settled or failed payout. */
function paymentRecord(r: PayoutRow, o: PayoutOutcome, s: CamtStatement, statement: string): HubMessage {
  const last = o.matches[o.matches.length - 1];
  const entry = s.entries.find((e) => e.index === last.unit.entryIndex);
  const date = entry?.bookingDate ?? entry?.valueDate ?? (s.createdAt ?? s.messageCreatedAt ?? new Date().toISOString()).slice(0, 10);
  const ref = (last.unit.accountServicerReference ?? entry?.reference ?? `${s.statementId}-${last.unit.entryIndex}`).replace(REF, '-').slice(0, 35) || 'NOTPROVIDED';
  const amount = o.state === 'returned' ? `-${last.amount}` : o.state === 'rejected' ? last.amount : o.settled;
  const data: Record<string, unknown> = {
    endToEndId: r.endToEndId,
    ...(r.instructionId ? { instructionId: r.instructionId } : {}),
    ...(r.orderNumber ? { orderNumber: r.orderNumber } : {}),
    bookedOn: date,
    valueDate: entry?.valueDate ?? date,
    amount: { value: amount, currency: o.currency },
    status: RECORDED[o.state],
    bankReference: ref,
    outcome: o.state,
    instructedAmount: { value: o.instructed, currency: o.currency },
    settledAmount: { value: o.settled, currency: o.currency },
    ...(o.returnReason ? { returnReason: o.returnReason.replace(/[^A-Za-z0-9]/g, '').slice(0, 35) } : {}),
    statementId: s.statementId.slice(0, 35),
  };
  return {
    type: PAYMENT_RECORD.type,
    version: PAYMENT_RECORD.version,
    data,
    ...(r.caseRef ? { casereference: r.caseRef } : {}),
    causationid: statement,
    key: `reconciliation:${r.bank}:${r.endToEndId}:${o.state}:${o.settled}`,
  };
}
