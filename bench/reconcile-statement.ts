/**
 * Bench scenario `reconcile` (issue 23): one camt.053 statement of N booked entries reconciled
 * against N open payouts through the statement service — XML read, entries stored, payouts
 * matched (half by EndToEndId, half by amount + value date + creditor account), payouts updated,
 * N payment records emitted with their deliveries, audit entry — in one transaction, on PGlite
 * (--embedded) or on a PostgreSQL database of its own (dropped at the end). Runs at N/5 and N to
 * show the cost grows linearly, and the same statement again (a duplicate: nothing changes).
 * Prints time and heap; asserts the outcome, not the speed.
 * Run: npm run bench -- --scenario reconcile [--payouts 10000] [--embedded]
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { auditWriter } from '../src/audit/writer.js';
import { ibanRemainder } from '../src/formats/iso20022/iban.js';
import { createLogger } from '../src/log.js';
import type { Dispatcher } from '../src/queue/index.js';
import { loadContracts } from '../src/routing/index.js';
import { statementService } from '../src/services/statements.js';
import { openDatabase, type Database } from '../src/store/index.js';
import { createDatabase, databaseUrl, dropDatabase } from './services.js';

const BANK = 'ps.bank.palestine';
const FUND = 'ps.alimony-fund';
const FUND_IBAN = 'PS13PALS000000000100777000101';

function iban(i: number): string {
  const bban = `PALS${String(i).padStart(21, '0')}`;
  for (let cd = 2; cd < 100; cd++) {
    const c = `PS${String(cd).padStart(2, '0')}${bban}`;
    if (ibanRemainder(c) === 1) return c;
  }
  throw new Error('no check digits');
}

interface Case {
  e2e: string;
  amount: string;
  iban: string;
  day: string;
}

function cases(n: number, run: number): Case[] {
  const today = new Date();
  return Array.from({ length: n }, (_, i) => ({
    e2e: `AF-${run}-${i}`,
    amount: `${50 + (i % 997)}.${String(i % 100).padStart(2, '0')}`,
    iban: iban(run * 1_000_000 + i), // one beneficiary per payout: amount matching stays unambiguous
    day: new Date(today.getTime() - (i % 5) * 86_400_000).toISOString().slice(0, 10),
  }));
}

function statementXml(cs: Case[], id: string): Buffer {
  const entries = cs.map(
    (c, i) =>
      `<Ntry><Amt Ccy="ILS">${c.amount}</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>${c.day}</Dt></BookgDt><ValDt><Dt>${c.day}</Dt></ValDt><AcctSvcrRef>${id}-${i}</AcctSvcrRef><NtryDtls><TxDtls>${
        i % 2 === 0 ? `<Refs><EndToEndId>${c.e2e}</EndToEndId></Refs>` : ''
      }<RltdPties><CdtrAcct><Id><IBAN>${c.iban}</IBAN></Id></CdtrAcct></RltdPties></TxDtls></NtryDtls></Ntry>`,
  );
  return Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><GrpHdr><MsgId>${id}</MsgId><CreDtTm>2026-02-28T18:00:00Z</CreDtTm></GrpHdr><Stmt><Id>${id}</Id><Acct><Id><IBAN>${FUND_IBAN}</IBAN></Id><Ccy>ILS</Ccy></Acct>${entries.join('')}</Stmt></BkToCstmrStmt></Document>`,
  );
}

async function seed(database: Database, cs: Case[]): Promise<void> {
  const msgId = '00000000-0000-7000-8000-000000000000';
  for (let i = 0; i < cs.length; i += 1000) {
    const rows = cs.slice(i, i + 1000).map((c) => sql`(${BANK}, ${c.e2e}, ${msgId}, ${FUND}, '87/2026', ${`I-${c.e2e}`}, ${c.amount}, 'ILS', ${c.iban}, ${c.day})`);
    await database.db.execute(
      sql`insert into bank_payouts (bank, end_to_end_id, message_id, sender, order_number, instruction_id, amount, currency, creditor_iban, requested_execution_date) values ${sql.join(rows, sql`, `)}`,
    );
  }
}

export async function runReconcileScenario(o: { payouts: number; embedded: boolean; log: (line: string) => void }): Promise<string> {
  const name = `wasla_bench_reconcile_${Date.now()}`;
  const dir = o.embedded ? mkdtempSync(join(tmpdir(), 'wasla-bench-reconcile-')) : undefined;
  if (!o.embedded) await createDatabase(name);
  const database = await openDatabase(dir ? { dataDir: dir } : { databaseUrl: databaseUrl(name), poolSize: 4 });
  try {
    const contracts = loadContracts(resolve('contracts'), { env: {} });
    const dispatcher = { dispatch: async () => {} } as unknown as Dispatcher;
    const service = statementService({
      db: database.db,
      contracts: () => contracts,
      dispatcher,
      audit: auditWriter(database.db),
      log: createLogger('silent'),
      options: { unmatchedAfterDays: 10, valueDateToleranceDays: 3, maxBytes: 256 * 1024 * 1024 },
      indexSecret: randomBytes(32), // issue 24: the payment records it emits are indexed
    });
    const lines: string[] = [];
    for (const [run, n] of [
      [1, Math.max(1, Math.floor(o.payouts / 5))],
      [2, o.payouts],
    ] as const) {
      const cs = cases(n, run);
      await seed(database, cs);
      const xml = statementXml(cs, `BENCH-${run}`);
      global.gc?.();
      const heap0 = process.memoryUsage().heapUsed;
      let peak = heap0;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().heapUsed);
      }, 5);
      const t0 = performance.now();
      const receipt = await service.receive({ institution: BANK, credential: 'bench' }, xml);
      const ms = performance.now() - t0;
      clearInterval(sampler);
      peak = Math.max(peak, process.memoryUsage().heapUsed);
      const t1 = performance.now();
      const again = await service.receive({ institution: BANK, credential: 'bench' }, xml);
      const dupMs = performance.now() - t1;
      const [r] = receipt.statements;
      if (r.payouts.paid !== n || r.unmatchedEntries !== 0 || !again.statements[0].duplicate) throw new Error(`reconcile bench: unexpected outcome ${JSON.stringify(r)}`);
      const line = `reconcile ${o.embedded ? 'PGlite' : 'PostgreSQL'}: ${n} entries x ${n} open payouts (${(xml.length / 1e6).toFixed(1)} MB XML, half by EndToEndId, half by amount+date+account) in ${Math.round(ms)} ms (${((ms * 1000) / n).toFixed(0)} µs/entry, ${n} payment records + ${2 * n} deliveries emitted), heap ${(heap0 / 1e6).toFixed(0)} MB before, ${(peak / 1e6).toFixed(0)} MB peak (sampled every 5 ms), rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB; the duplicate in ${Math.round(dupMs)} ms`;
      o.log(line);
      lines.push(line);
    }
    return lines.join('\n');
  } finally {
    await database.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (!o.embedded) await dropDatabase(name).catch((e) => o.log(`could not drop ${name}: ${(e as Error).message}`));
  }
}
