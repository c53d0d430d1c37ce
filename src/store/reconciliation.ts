/**
 * Statements, bookings, payouts and reconciliations in the database (issue 23). Every function
 * runs on the database or on the caller's open transaction, so that a statement, its entries, the
 * payouts it settles, its reconciliation, its audit entry and the payment records it causes commit
 * together or not at all.
 *
 * Guarantees: a statement is stored once per (bank, identity) and an entry once per (bank,
 * identity) — the unique keys, not a read before the write, decide, so two copies arriving at once
 * cannot both count; amounts stay exact decimal strings; writes of many rows go in chunks, never
 * one statement per row and never past the drivers' parameter limit.
 */
import { sql, type SQL } from 'drizzle-orm';
import { resultRows } from './db.js';
import type { DbOrTx } from './db-types.js';
import { PayloadCryptoError } from '../record/errors.js';
import { openStored, type PayloadVault } from './payload-store.js';

/** rows per multi-row statement: 10 parameters a row stays far below the 65,535 parameter limit */
const CHUNK = 1000;

export interface StatementRow {
  id: string;
  bank: string;
  identity: string;
  statementId: string;
  messageId: string;
  kind: string;
  version: string;
  account: string;
}

/** Stores the statement unless the bank sent it before; true when this call stored it. */
export async function insertStatement(db: DbOrTx, s: StatementRow): Promise<boolean> {
  const rows = resultRows<{ id: string }>(
    await db.execute(sql`insert into bank_statements (id, bank, identity, statement_id, message_id, kind, version, account)
      values (${s.id}, ${s.bank}, ${s.identity}, ${s.statementId}, ${s.messageId}, ${s.kind}, ${s.version}, ${s.account})
      on conflict (bank, identity) do nothing returning id`),
  );
  return rows.length === 1;
}

export async function findStatement(db: DbOrTx, bank: string, identity: string): Promise<string | undefined> {
  const rows = resultRows<{ id: string }>(await db.execute(sql`select id from bank_statements where bank = ${bank} and identity = ${identity}`));
  return rows[0]?.id;
}

/**
 * Records the payout instructions from `sender` that the hub delivered to `bank` (without them:
 * from anyone to any bank) and has not recorded yet: one row per bank and EndToEndId (the first
 * instruction carrying it wins). Instructions stored in clear are read in SQL; sealed ones (issue
 * 26: under WASLA_PAYLOAD_ENCRYPTION=all) are opened here with `vault`, those not yet recorded
 * under their message id, and inserted the same way. One that does not open is left for later.
 */
export async function recordDeliveredPayouts(db: DbOrTx, bank?: string, sender?: string, vault?: PayloadVault): Promise<number> {
  const only = sql`${bank !== undefined ? sql`and d.recipient = ${bank}` : sql``} ${sender !== undefined ? sql`and m.sender = ${sender}` : sql``}`;
  const rows = resultRows<{ n: number }>(
    await db.execute(sql`with ins as (
      insert into bank_payouts (bank, end_to_end_id, message_id, sender, order_number, instruction_id, case_ref, amount, currency, creditor_iban, requested_execution_date)
      select distinct on (d.recipient, m.envelope->'data'->>'endToEndId') d.recipient, m.envelope->'data'->>'endToEndId', m.id, m.sender,
        m.envelope->'data'->>'orderNumber', m.envelope->'data'->>'instructionId', m.case_ref,
        m.envelope->'data'->'amount'->>'value', m.envelope->'data'->'amount'->>'currency',
        upper(replace(m.envelope->'data'->'creditorAccount'->>'iban', ' ', '')), m.envelope->'data'->>'requestedExecutionDate'
      from deliveries d join messages m on m.id = d.message_id
      where d.state = 'delivered' and m.type = 'alimony.payout-instruction' and m.payload_ciphertext is null ${only}
        and not exists (select 1 from bank_payouts p where p.bank = d.recipient and p.end_to_end_id = m.envelope->'data'->>'endToEndId')
      order by d.recipient, m.envelope->'data'->>'endToEndId', m.id
      on conflict do nothing returning 1)
    select count(*)::int as n from ins`),
  );
  return Number(rows[0]?.n ?? 0) + (await recordSealedPayouts(db, only, vault));
}

/** how many sealed instructions one call opens at most: the rest wait for the next call */
const SEALED_PAYOUTS_PER_CALL = 5000;

async function recordSealedPayouts(db: DbOrTx, only: SQL, vault: PayloadVault | undefined): Promise<number> {
  const sealed = resultRows<{ bank: string; id: string; sender: string; case_ref: string | null; envelope: unknown; payload_ciphertext: Buffer; payload_key: Buffer }>(
    await db.execute(sql`select d.recipient as bank, m.id, m.sender, m.case_ref, m.envelope, m.payload_ciphertext, m.payload_key
      from deliveries d join messages m on m.id = d.message_id
      where d.state = 'delivered' and m.type = 'alimony.payout-instruction' and m.payload_ciphertext is not null ${only}
        and not exists (select 1 from bank_payouts p where p.bank = d.recipient and p.message_id = m.id)
      order by d.recipient, m.id limit ${SEALED_PAYOUTS_PER_CALL}`),
  );
  if (sealed.length === 0) return 0;
  const out: Array<Record<string, string | null>> = [];
  for (const r of sealed) {
    let data: Record<string, any>;
    try {
      const opened = openStored({ id: String(r.id), classification: '', envelope: r.envelope, payloadCiphertext: r.payload_ciphertext, payloadKey: r.payload_key }, vault);
      data = ((opened.envelope as { data?: unknown }).data ?? {}) as Record<string, any>;
    } catch (e) {
      if (e instanceof PayloadCryptoError) continue;
      throw e;
    }
    const str = (v: unknown) => (typeof v === 'string' ? v : null);
    out.push({
      bank: r.bank,
      end_to_end_id: str(data.endToEndId),
      message_id: String(r.id),
      sender: r.sender,
      order_number: str(data.orderNumber),
      instruction_id: str(data.instructionId),
      case_ref: r.case_ref,
      amount: str(data.amount?.value),
      currency: str(data.amount?.currency),
      creditor_iban: typeof data.creditorAccount?.iban === 'string' ? data.creditorAccount.iban.replaceAll(' ', '').toUpperCase() : null,
      requested_execution_date: str(data.requestedExecutionDate),
    });
  }
  if (out.length === 0) return 0;
  // the same statement shape as the clear path: the first instruction of a bank and EndToEndId wins
  const rows = resultRows<{ n: number }>(
    await db.execute(sql`with ins as (
      insert into bank_payouts (bank, end_to_end_id, message_id, sender, order_number, instruction_id, case_ref, amount, currency, creditor_iban, requested_execution_date)
      select distinct on (x.bank, x.end_to_end_id) x.* from jsonb_to_recordset(${JSON.stringify(out)}::jsonb) as x(bank text, end_to_end_id text, message_id uuid, sender text,
        order_number text, instruction_id text, case_ref text, amount text, currency text, creditor_iban text, requested_execution_date text)
      where x.end_to_end_id is not null and x.amount is not null and x.currency is not null and x.creditor_iban is not null and x.requested_execution_date is not null
      order by x.bank, x.end_to_end_id, x.message_id
      on conflict do nothing returning 1)
    select count(*)::int as n from ins`),
  );
  return Number(rows[0]?.n ?? 0);
}

export interface EntryRow {
  identity: string;
  entryIndex: number;
  amount: string;
  currency: string;
  creditDebit: string;
  status: string;
  reversal: boolean;
  bookingDate?: string;
  valueDate?: string;
  reference?: string;
}

/** Stores the entries the bank has not reported before; returns the identities stored now. */
export async function insertEntries(db: DbOrTx, bank: string, statement: string, entries: readonly EntryRow[]): Promise<Set<string>> {
  const fresh = new Set<string>();
  for (let i = 0; i < entries.length; i += CHUNK) {
    const values = entries
      .slice(i, i + CHUNK)
      .map(
        (e) =>
          sql`(${bank}, ${e.identity}, ${statement}, ${e.entryIndex}, ${e.amount}, ${e.currency}, ${e.creditDebit}, ${e.status}, ${e.reversal}, ${e.bookingDate ?? null}, ${e.valueDate ?? null}, ${e.reference ?? null})`,
      );
    const rows = resultRows<{ identity: string }>(
      await db.execute(sql`insert into bank_entries (bank, identity, statement, entry_index, amount, currency, credit_debit, status, reversal, booking_date, value_date, reference)
        values ${sql.join(values, sql`, `)} on conflict (bank, identity) do nothing returning identity`),
    );
    for (const r of rows) fresh.add(r.identity);
  }
  return fresh;
}

export interface PayoutRow {
  bank: string;
  endToEndId: string;
  messageId: string;
  sender: string;
  orderNumber: string | null;
  instructionId: string | null;
  caseRef: string | null;
  amount: string;
  currency: string;
  creditorIban: string;
  requestedExecutionDate: string;
  state: string;
  settled: string;
  returnReason: string | null;
}

const PAYOUT_COLUMNS = sql.raw(`bank, end_to_end_id as "endToEndId", message_id as "messageId", sender, order_number as "orderNumber",
  instruction_id as "instructionId", case_ref as "caseRef", amount, currency, creditor_iban as "creditorIban",
  requested_execution_date as "requestedExecutionDate", state, settled, return_reason as "returnReason"`);

/**
 * The payouts a statement from `bank` for `sender`'s account may settle: every one not yet
 * settled, and those settled (paid, partially paid) since `settledSince` — a return or a reversal
 * may still come for them. Returned and rejected payouts are final.
 */
export async function candidatePayouts(db: DbOrTx, bank: string, sender: string, settledSince: Date): Promise<PayoutRow[]> {
  return resultRows<PayoutRow>(
    await db.execute(sql`select ${PAYOUT_COLUMNS} from bank_payouts where bank = ${bank} and sender = ${sender}
      and (state in ('open', 'unmatched', 'partially-paid') or (state = 'paid' and updated_at >= ${settledSince}))`),
  );
}

export interface PayoutUpdate {
  endToEndId: string;
  state: string;
  settled: string;
  returnReason: string | null;
}

/** Writes what reconciliation concluded for the payouts whose state or settled amount changed. */
export async function updatePayouts(db: DbOrTx, bank: string, statement: string, updates: readonly PayoutUpdate[]): Promise<void> {
  for (let i = 0; i < updates.length; i += CHUNK) {
    const values = updates.slice(i, i + CHUNK).map((u) => sql`(${u.endToEndId}, ${u.state}, ${u.settled}, ${u.returnReason})`);
    await db.execute(sql`update bank_payouts p set state = v.state, settled = v.settled, return_reason = v.reason, last_statement = ${statement}, updated_at = now()
      from (values ${sql.join(values, sql`, `)}) as v(e2e, state, settled, reason)
      where p.bank = ${bank} and p.end_to_end_id = v.e2e`);
  }
}

export interface ReconciliationRow {
  statement: string;
  bank: string;
  holder: string;
  statementId: string;
  unmatched: number;
  flagged: boolean;
  result: unknown;
}

export async function insertReconciliation(db: DbOrTx, r: ReconciliationRow): Promise<void> {
  await db.execute(sql`insert into bank_reconciliations (statement, bank, holder, statement_id, unmatched, flagged, result)
    values (${r.statement}, ${r.bank}, ${r.holder}, ${r.statementId}, ${r.unmatched}, ${r.flagged}, ${JSON.stringify(r.result)}::jsonb)`);
}

export interface ReconciliationSummary {
  statement: string;
  bank: string;
  holder: string;
  statementId: string;
  unmatched: number;
  flagged: boolean;
  createdAt: string;
}

export interface ReconciliationFilter {
  /** need to know: only reconciliations whose bank or holder is one of these (absent: operators, all) */
  visibleTo?: string[];
  bank?: string;
  after?: string;
  limit?: number;
}

const visible = (ids: string[] | undefined): SQL =>
  ids === undefined
    ? sql`true`
    : ids.length === 0
      ? sql`false`
      : sql`(bank in (${sql.join(
          ids.map((i) => sql`${i}`),
          sql`, `,
        )}) or holder in (${sql.join(
          ids.map((i) => sql`${i}`),
          sql`, `,
        )}))`;

/** A page of reconciliations, newest statement id last (ids are UUIDv7: creation order). */
export async function listReconciliations(db: DbOrTx, f: ReconciliationFilter): Promise<ReconciliationSummary[]> {
  const rows = resultRows<ReconciliationSummary & { createdAt: Date | string }>(
    await db.execute(sql`select statement, bank, holder, statement_id as "statementId", unmatched, flagged, created_at as "createdAt"
      from bank_reconciliations where ${visible(f.visibleTo)}
      ${f.bank ? sql`and bank = ${f.bank}` : sql``} ${f.after ? sql`and statement > ${f.after}` : sql``}
      order by statement limit ${f.limit ?? 100}`),
  );
  return rows.map((r) => ({ ...r, unmatched: Number(r.unmatched), createdAt: new Date(r.createdAt).toISOString() }));
}

export async function getReconciliation(db: DbOrTx, statement: string): Promise<(ReconciliationSummary & { result: unknown }) | undefined> {
  const rows = resultRows<ReconciliationSummary & { createdAt: Date | string; result: unknown }>(
    await db.execute(sql`select statement, bank, holder, statement_id as "statementId", unmatched, flagged, created_at as "createdAt", result
      from bank_reconciliations where statement = ${statement}`),
  );
  const r = rows[0];
  if (!r) return undefined;
  return { ...r, unmatched: Number(r.unmatched), createdAt: new Date(r.createdAt).toISOString(), result: typeof r.result === 'string' ? JSON.parse(r.result) : r.result };
}

/**
 * Payouts still open `days` after their requested execution date become `unmatched` (the statement
 * that would settle them never came). Returns the payouts changed, for the log and the metrics.
 */
export async function markUnmatched(db: DbOrTx, days: number, now: Date): Promise<Array<{ bank: string; endToEndId: string }>> {
  const cutoff = new Date(now.getTime() - days * 86_400_000).toISOString().slice(0, 10);
  return resultRows<{ bank: string; endToEndId: string }>(
    await db.execute(sql`update bank_payouts set state = 'unmatched', updated_at = now()
      where state = 'open' and requested_execution_date < ${cutoff} returning bank, end_to_end_id as "endToEndId"`),
  );
}

/** Payouts by state, for the metrics. */
export async function payoutsByState(db: DbOrTx): Promise<Record<string, number>> {
  const rows = resultRows<{ state: string; n: number }>(await db.execute(sql`select state, count(*)::int as n from bank_payouts group by state`));
  return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
}
