/**
 * Micro-benchmark of the reconciliation matcher: 10,000 open payouts against one statement of
 * 10,000 booked entries (half matched by EndToEndId, half by amount + value date + creditor
 * account), plus the same statement given twice. Prints time and heap; asserts nothing about speed.
 * Run: npx tsx bench/reconcile.ts [payouts=10000]
 */
import { performance } from 'node:perf_hooks';
import type { CamtEntry, CamtStatement } from '../src/formats/iso20022/camt.js';
import { ibanRemainder } from '../src/formats/iso20022/iban.js';
import { money } from '../src/formats/iso20022/money.js';
import { reconcile, type OpenPayout } from '../src/formats/iso20022/reconcile.js';

const n = Number(process.argv[2] ?? 10_000);

function iban(i: number): string {
  const bban = `PALS${String(i).padStart(21, '0')}`;
  for (let cd = 2; cd < 100; cd++) {
    const candidate = `PS${String(cd).padStart(2, '0')}${bban}`;
    if (ibanRemainder(candidate) === 1) return candidate;
  }
  throw new Error('no check digits');
}

const payouts: OpenPayout[] = [];
const entries: CamtEntry[] = [];
for (let i = 0; i < n; i++) {
  const acct = iban(i % 2500); // beneficiaries paid several times
  const units = BigInt(50_000 + (i % 997) * 1_000) * 1_000n; // 50.00 .. ~1046.00 ILS
  const day = `2026-02-${String(1 + (i % 28)).padStart(2, '0')}`;
  payouts.push({ endToEndId: `AF-${i}`, amount: money(units, 'ILS'), creditorIban: acct, requestedExecutionDate: day });
  const byE2E = i % 2 === 0;
  entries.push({
    index: i + 1,
    amount: money(units, 'ILS'),
    creditDebit: 'DBIT',
    status: 'BOOK',
    reversal: false,
    bookingDate: day,
    valueDate: day,
    accountServicerReference: `BANK-${i}`,
    path: '',
    transactions: [{ ...(byE2E ? { endToEndId: `AF-${i}` } : {}), creditorAccount: acct, remittance: [] }],
  });
}
const statement: CamtStatement = {
  kind: 'camt.053',
  version: '08',
  messageId: 'M',
  statementId: 'S',
  account: { iban: iban(999_999) },
  balances: [],
  declared: {},
  entries,
};

const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const heapBefore = process.memoryUsage().heapUsed;
const t0 = performance.now();
const result = reconcile(payouts, [statement], { now: new Date('2026-03-01T00:00:00Z'), valueDateToleranceDays: 3, unmatchedAfterDays: 30 });
const t1 = performance.now();
const heapAfter = process.memoryUsage().heapUsed;
const t2 = performance.now();
const twice = reconcile(payouts, [statement, statement], { now: new Date('2026-03-01T00:00:00Z') });
const t3 = performance.now();

const byState: Record<string, number> = {};
for (const p of result.payouts) byState[p.state] = (byState[p.state] ?? 0) + 1;
const byHow: Record<string, number> = {};
for (const p of result.payouts) for (const m of p.matches) byHow[m.how] = (byHow[m.how] ?? 0) + 1;
console.log(
  JSON.stringify(
    {
      payouts: n,
      entries: entries.length,
      ms: Math.round(t1 - t0),
      msStatementTwice: Math.round(t3 - t2),
      heapDeltaMiB: Number(((heapAfter - heapBefore) / 1048576).toFixed(1)),
      rssMiB: Math.round(process.memoryUsage().rss / 1048576),
      states: byState,
      matchedBy: byHow,
      unmatchedEntries: result.unmatched.length,
      duplicatesWhenTwice: twice.duplicates.length,
    },
    null,
    2,
  ),
);
