/**
 * The alimony loop with a bank, end to end, in both modes (issue 23): the fund's payout
 * instructions reach a real receiver on 127.0.0.1 as signed pain.001.001.09 documents (the
 * receiver verifies the hub's signature and parses them), a bad IBAN is never sent, the bank's
 * camt.054 and camt.053 come back over signed POST /v1/statements, every payout ends in its state,
 * the hub's payment records reach the fund and the family court with the statement as causation,
 * the same statement twice changes nothing, and statements written outside the project (FFFS,
 * LHV) are reconciled with the totals they declare.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readXml } from '../../src/formats/xml/reader.js';
import type { XmlElement } from '../../src/formats/xml/tree.js';
import type { Hub } from '../../src/hub.js';
import { resultRows } from '../../src/store/db.js';
import { sweepUnmatched } from '../../src/workers/unmatched-sweep.js';
import { CONTRACTS, endpointEnv, envelope, example } from '../helpers/contracts.js';
import { signedFetch } from '../helpers/federation.js';
import { makeHubEnv, startTestHub, type Mode, type TestHubEnv } from '../helpers/hub.js';
import { ok, startReceiver, type Receiver } from '../helpers/receiver.js';
import { post } from './spine.suite.js';

const FUND = 'ps.alimony-fund';
const BANK = 'ps.bank.palestine';
const COURT = 'ps.sjd.family-court.ramallah';
const FUND_IBAN = 'PS13PALS000000000100777000101';
const CREDITOR = 'PS92PALS000000000400123456702';
const FIXTURES = resolve('tests/fixtures/iso20022/camt');

/** the demo contracts, retries shortened, with the real samples' accounts as the fund's too (to reconcile them) */
function contractsDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wasla-banks-'));
  cpSync(CONTRACTS, dir, { recursive: true });
  const bankFile = join(dir, 'institutions', `${BANK}.json`);
  const bank = JSON.parse(readFileSync(bankFile, 'utf8'));
  bank.iso20022.debtors.push(
    { sender: FUND, name: 'Alimony Fund (FFFS sample account)', iban: 'FI7433010001222090', bic: 'PALSPS22' },
    { sender: FUND, name: 'Alimony Fund (LHV sample account)', iban: 'EE867700771001260974', bic: 'PALSPS22' },
  );
  writeFileSync(bankFile, JSON.stringify(bank));
  const file = join(dir, 'agreements', 'alimony.json');
  const a = JSON.parse(readFileSync(file, 'utf8'));
  for (const g of a.grants) g.retry = { schedule: [0.2, 0.2], jitter: 0 };
  writeFileSync(file, JSON.stringify(a));
  return dir;
}

function payout(e2e: string, value: string, iban = CREDITOR) {
  const d = example('alimony.payout-instruction', '1.1');
  return envelope('alimony.payout-instruction', '1.1', {
    ...d,
    instructionId: `I-${e2e}`,
    endToEndId: e2e,
    amount: { value, currency: 'ILS' },
    creditorAccount: { ...d.creditorAccount, iban },
    requestedExecutionDate: new Date().toISOString().slice(0, 10),
  });
}

const TODAY = new Date().toISOString().slice(0, 10);

interface E {
  e2e: string;
  amt: string;
  cd: 'CRDT' | 'DBIT';
  sts?: string;
  ref: string;
  rvsl?: boolean;
  reason?: string;
}

function entry(e: E): string {
  return `<Ntry><NtryRef>${e.ref}</NtryRef><Amt Ccy="ILS">${e.amt}</Amt><CdtDbtInd>${e.cd}</CdtDbtInd>${e.rvsl ? '<RvslInd>true</RvslInd>' : ''}
<Sts><Cd>${e.sts ?? 'BOOK'}</Cd></Sts><BookgDt><Dt>${TODAY}</Dt></BookgDt><ValDt><Dt>${TODAY}</Dt></ValDt><AcctSvcrRef>${e.ref}</AcctSvcrRef>
<NtryDtls><TxDtls><Refs><EndToEndId>${e.e2e}</EndToEndId></Refs><Amt Ccy="ILS">${e.amt}</Amt><CdtDbtInd>${e.cd}</CdtDbtInd>
<RltdPties><CdtrAcct><Id><IBAN>${CREDITOR}</IBAN></Id></CdtrAcct></RltdPties>${e.reason ? `<RtrInf><Rsn><Cd>${e.reason}</Cd></Rsn></RtrInf>` : ''}</TxDtls></NtryDtls></Ntry>`;
}

/** a camt.053.001.08 statement or camt.054.001.08 notification on the fund's account */
function camt(
  kind: '053' | '054',
  id: string,
  entries: E[],
  totals?: { opening: string; closing: string; n: number; credits: [number, string]; debits: [number, string]; sum: string; net: string },
): string {
  const [root, rep] = kind === '053' ? ['BkToCstmrStmt', 'Stmt'] : ['BkToCstmrDbtCdtNtfctn', 'Ntfctn'];
  const bal = (tp: string, amt: string) => `<Bal><Tp><CdOrPrtry><Cd>${tp}</Cd></CdOrPrtry></Tp><Amt Ccy="ILS">${amt}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>${TODAY}</Dt></Dt></Bal>`;
  const summary = totals
    ? `${bal('OPBD', totals.opening)}${bal('CLBD', totals.closing)}<TxsSummry><TtlNtries><NbOfNtries>${totals.n}</NbOfNtries><Sum>${totals.sum}</Sum><TtlNetNtry><Amt>${totals.net}</Amt><CdtDbtInd>DBIT</CdtDbtInd></TtlNetNtry></TtlNtries>
<TtlCdtNtries><NbOfNtries>${totals.credits[0]}</NbOfNtries><Sum>${totals.credits[1]}</Sum></TtlCdtNtries><TtlDbtNtries><NbOfNtries>${totals.debits[0]}</NbOfNtries><Sum>${totals.debits[1]}</Sum></TtlDbtNtries></TxsSummry>`
    : '';
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.${kind}.001.08"><${root}><GrpHdr><MsgId>MSG-${id}</MsgId><CreDtTm>${TODAY}T18:00:00Z</CreDtTm></GrpHdr>
<${rep}><Id>${id}</Id><CreDtTm>${TODAY}T18:00:00Z</CreDtTm><Acct><Id><IBAN>${FUND_IBAN}</IBAN></Id><Ccy>ILS</Ccy></Acct>${summary}${entries.map(entry).join('\n')}</${rep}></${root}></Document>`;
}

function texts(el: XmlElement, local: string): string[] {
  return [...(el.local === local ? [el.text.trim()] : []), ...el.children.flatMap((c) => texts(c, local))];
}

export function banksSuite(mode: Mode) {
  describe(`banks: pain.001 out, camt in, reconciled (${mode} mode)`, () => {
    let henv: TestHubEnv;
    let hub: Hub;
    let receiver: Receiver;
    let dir: string;

    beforeAll(async () => {
      henv = await makeHubEnv(mode);
      receiver = await startReceiver(ok);
      dir = contractsDir();
      hub = await startTestHub(henv, { WASLA_CONTRACTS_DIR: dir }, { contractsEnv: { ...process.env, ...endpointEnv(receiver.url) } });
    });
    afterAll(async () => {
      await hub?.stop();
      await receiver?.close();
      await henv?.cleanup();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const statement = (xml: string, sender = BANK, type = 'application/xml') =>
      signedFetch(`${hub.url}/v1/statements`, { method: 'POST', headers: { 'content-type': type }, body: xml }, sender).then(async (r) => ({
        status: r.status,
        type: r.headers.get('content-type') ?? '',
        json: (await r.json()) as any,
      }));
    const get = (path: string, sender: string) => signedFetch(`${hub.url}${path}`, {}, sender).then(async (r) => ({ status: r.status, json: (await r.json()) as any }));
    const delivery = async (id: string) => {
      const end = Date.now() + 20_000;
      for (;;) {
        const r = await get(`/v1/messages/${id}`, FUND);
        const d = r.json.deliveries?.[0];
        if (d && (d.state === 'delivered' || d.state === 'dead')) return d;
        if (Date.now() > end) throw new Error(`delivery of ${id} not finished: ${JSON.stringify(r.json)}`);
        await new Promise((res) => setTimeout(res, 50));
      }
    };

    it('sends pain.001 to the bank, never a bad IBAN; reconciles camt.054 then camt.053; records reach the fund and the court once', async () => {
      const ids: Record<string, string> = {};
      for (const [e2e, value, iban] of [
        ['AF-1-PAID', '1200.00', CREDITOR],
        ['AF-2-PART', '1000.00', CREDITOR],
        ['AF-3-RET', '500.00', CREDITOR],
        ['AF-4-REJ', '300.00', CREDITOR],
        ['AF-5-BADIBAN', '100.00', 'PS92PALS000000000400123456703'],
        ['AF-6-OPEN', '250.00', CREDITOR],
      ]) {
        const r = await post(hub, payout(e2e, value, iban), {}, FUND);
        expect(r.status).toBe(202);
        ids[e2e] = r.json.id;
      }
      for (const e2e of Object.keys(ids)) {
        const d = await delivery(ids[e2e]);
        if (e2e === 'AF-5-BADIBAN') {
          expect(d.state).toBe('dead');
          expect(d.lastError).toMatch(/^payout-invalid: iban-invalid: .*mod-97/);
        } else expect(d.state).toBe('delivered');
      }
      // what the bank received: signed (the receiver verified it) pain.001.001.09, one per payout
      const atBank = receiver.arrivals.filter((a) => a.institution === BANK);
      expect(receiver.rejected).toEqual([]);
      expect(atBank.every((a) => String(a.headers['content-type']).startsWith('application/xml') && a.headers['wasla-message-type'] === 'alimony.payout-instruction')).toBe(true);
      const docs = atBank.map((a) => readXml(a.body).root);
      expect(docs.every((d) => d.uri === 'urn:iso:std:iso:20022:tech:xsd:pain.001.001.09')).toBe(true);
      expect(docs.flatMap((d) => texts(d, 'EndToEndId')).sort()).toEqual(['AF-1-PAID', 'AF-2-PART', 'AF-3-RET', 'AF-4-REJ', 'AF-6-OPEN']);
      const paid = docs.find((d) => texts(d, 'EndToEndId')[0] === 'AF-1-PAID')!;
      expect(texts(paid, 'InstdAmt')).toEqual(['1200.00']);
      expect(texts(paid, 'IBAN')).toEqual([FUND_IBAN, CREDITOR]);
      expect(texts(paid, 'MsgId')[0]).toBe(atBank.find((a) => a.messageId === ids['AF-1-PAID'])!.deliveryId.replace(/-/g, ''));
      expect(texts(paid, 'Ustrd')[0]).toContain('87/2026');

      // the worker's sweep records what was delivered (a bank that never sends a statement still has its payouts go unmatched)
      expect(await sweepUnmatched(hub.database.db, 10)).toEqual([]);
      const recorded = resultRows<{ e: string; state: string }>(await hub.database.db.execute(sql`select end_to_end_id as e, state from bank_payouts order by 1`));
      expect(recorded.map((x) => `${x.e}:${x.state}`)).toEqual(['AF-1-PAID:open', 'AF-2-PART:open', 'AF-3-RET:open', 'AF-4-REJ:open', 'AF-6-OPEN:open']);

      // the notification of the day: P1 booked
      const p1 = { e2e: 'AF-1-PAID', amt: '1200.00', cd: 'DBIT', ref: 'PALS-0001' } as E;
      const n = await statement(camt('054', 'NTF-1', [p1]));
      expect(n.status).toBe(200);
      expect(n.json.statements).toEqual([expect.objectContaining({ duplicate: false, payouts: { paid: 1 }, unmatchedEntries: 0, flagged: false })]);

      // the statement of the day repeats P1 and brings the rest
      const entries: E[] = [
        p1,
        { e2e: 'AF-2-PART', amt: '400.00', cd: 'DBIT', ref: 'PALS-0002' },
        { e2e: 'AF-3-RET', amt: '500.00', cd: 'DBIT', ref: 'PALS-0003' },
        { e2e: 'AF-3-RET', amt: '500.00', cd: 'CRDT', ref: 'PALS-0004', reason: 'AC04' },
        { e2e: 'AF-4-REJ', amt: '300.00', cd: 'DBIT', ref: 'PALS-0005', sts: 'PDNG', reason: 'AM04' },
        { e2e: 'AF-6-OPEN', amt: '250.00', cd: 'DBIT', ref: 'PALS-0006', rvsl: true },
        { e2e: 'NOBODY-KNOWS', amt: '75.00', cd: 'DBIT', ref: 'PALS-0007' },
      ];
      const xml = camt('053', 'STMT-1', entries, { opening: '10000.00', closing: '8075.00', n: 7, credits: [1, '500.00'], debits: [6, '2725.00'], sum: '3225.00', net: '2225.00' });
      const s = await statement(xml);
      expect(s.status).toBe(200);
      const [r] = s.json.statements;
      expect(r).toMatchObject({ duplicate: false, payouts: { 'partially-paid': 1, returned: 1, rejected: 1 }, unmatchedEntries: 1, flagged: false });

      // the fund reads it: totals as declared and as computed agree, the balance holds
      const rec = await get(`/v1/reconciliations/${r.statement}`, FUND);
      expect(rec.status).toBe(200);
      const res = rec.json.result;
      expect(res.discrepancies).toEqual([]);
      expect(res.computed).toMatchObject({ entries: 7, credits: { count: 1, sum: '500' }, debits: { count: 6, sum: '2725' } });
      expect(res.balances).toEqual([expect.objectContaining({ currency: 'ILS', result: 'ok', expectedClosing: '8075', closing: '8075' })]);
      expect(res.repeatedEntries).toBe(1);
      const state = Object.fromEntries(res.payouts.map((p: any) => [p.endToEndId, [p.state, p.settled, p.returnReason]]));
      expect(state).toEqual({ 'AF-2-PART': ['partially-paid', '400', undefined], 'AF-3-RET': ['returned', '500', 'AC04'], 'AF-4-REJ': ['rejected', '0', 'AM04'] });
      expect(res.unmatched).toEqual([expect.objectContaining({ endToEndId: 'NOBODY-KNOWS', amount: '75', creditDebit: 'DBIT' })]);
      const rows = resultRows<{ e: string; state: string }>(await hub.database.db.execute(sql`select end_to_end_id as e, state from bank_payouts order by 1`));
      expect(rows).toEqual([
        { e: 'AF-1-PAID', state: 'paid' },
        { e: 'AF-2-PART', state: 'partially-paid' },
        { e: 'AF-3-RET', state: 'returned' },
        { e: 'AF-4-REJ', state: 'rejected' },
        { e: 'AF-6-OPEN', state: 'open' },
      ]);

      // four payment records, each to the fund and the family court, caused by their statement;
      // and the fund was told its bad-IBAN payout died (delivery.failed, issue 25)
      await receiver.waitForApplied(5 + 8 + 1);
      const told = receiver.arrivals.filter((a) => a.json?.type === 'delivery.failed');
      expect(told.map((a) => [a.institution, a.json.data.messageId, a.json.data.lastError.slice(0, 28)])).toEqual([[FUND, ids['AF-5-BADIBAN'], 'payout-invalid: iban-invalid']]);
      const records = receiver.arrivals.filter((a) => a.json?.type === 'alimony.payment-record');
      const toFund = records.filter((a) => a.institution === FUND).map((a) => a.json);
      expect(toFund.map((j) => [j.data.endToEndId, j.data.outcome, j.data.amount.value, j.source]).sort()).toEqual([
        ['AF-1-PAID', 'paid', '1200', 'ps.wasla.hub'],
        ['AF-2-PART', 'partially-paid', '400', 'ps.wasla.hub'],
        ['AF-3-RET', 'returned', '-500', 'ps.wasla.hub'],
        ['AF-4-REJ', 'rejected', '300', 'ps.wasla.hub'],
      ]);
      expect(toFund.find((j) => j.data.endToEndId === 'AF-2-PART').causationid).toBe(r.statement);
      expect(toFund.find((j) => j.data.endToEndId === 'AF-1-PAID').causationid).toBe(n.json.statements[0].statement);
      expect(records.filter((a) => a.institution === COURT)).toHaveLength(4);

      // the same statement again changes nothing
      const again = await statement(xml);
      expect(again.json.statements).toEqual([expect.objectContaining({ duplicate: true, statement: r.statement })]);
      // re-sent under a new message id it is still the same statement
      const resent = await statement(xml.replace('<MsgId>MSG-STMT-1</MsgId>', '<MsgId>MSG-STMT-1-RESENT</MsgId>'));
      expect(resent.json.statements).toEqual([expect.objectContaining({ duplicate: true, statement: r.statement })]);
      const count = resultRows<{ n: number }>(await hub.database.db.execute(sql`select count(*)::int as n from messages where type = 'alimony.payment-record'`));
      expect(Number(count[0].n)).toBe(4);
      const audit = resultRows<{ action: string }>(await hub.database.db.execute(sql`select action from audit_log where action like 'statement.%' order by seq nulls last, at`));
      expect(audit.map((a) => a.action).sort()).toEqual(['statement.duplicate', 'statement.duplicate', 'statement.reconciled', 'statement.reconciled']);

      // what operators watch: payouts by state, entries that matched nothing
      const metrics = await (await fetch(`${hub.url}/metrics`)).text();
      for (const line of ['wasla_payouts{state="paid"} 1', 'wasla_payouts{state="returned"} 1', 'wasla_payouts{state="open"} 1', 'wasla_statement_entries_unmatched_total 1'])
        expect(metrics).toContain(line);

      // the payout no statement settled becomes unmatched once its days have passed, on the audit log
      expect(await sweepUnmatched(hub.database.db, 10)).toEqual([]);
      const later = new Date(Date.now() + 11 * 86_400_000);
      expect(await sweepUnmatched(hub.database.db, 10, later)).toEqual([{ bank: BANK, endToEndId: 'AF-6-OPEN' }]);
      const swept = resultRows<{ data: any }>(await hub.database.db.execute(sql`select data from audit_log where action = 'payouts.unmatched'`));
      expect(swept.map((a) => a.data.count)).toEqual([1]);

      // need to know: the court sees none of it, the bank and the fund see theirs
      expect((await get(`/v1/reconciliations/${r.statement}`, COURT)).status).toBe(404);
      expect((await get('/v1/reconciliations', COURT)).json.items).toEqual([]);
      expect((await get('/v1/reconciliations', BANK)).json.items.map((i: any) => i.statementId)).toEqual(['NTF-1', 'STMT-1']);
    });

    it('refuses hostile XML, other formats and senders without a statement grant, with problem+json and nothing stored', async () => {
      const before = resultRows<{ n: number }>(await hub.database.db.execute(sql`select count(*)::int as n from bank_statements`))[0].n;
      const bomb = `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">&b;</Document>`;
      const cases: Array<[string, string, string, number, string]> = [
        [bomb, BANK, 'application/xml', 400, 'statement-xml-refused'],
        ['<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"/>', BANK, 'application/xml', 422, 'statement-unsupported'],
        [camt('053', 'X', [{ e2e: 'A', amt: '1.2.3', cd: 'DBIT', ref: 'R' }]), BANK, 'application/xml', 422, 'statement-invalid'],
        [camt('053', 'X', []), BANK, 'application/json', 415, 'unsupported-media-type'],
        [camt('053', 'X', []), 'ps.police.judicial', 'application/xml', 403, 'statement-not-granted'],
        [camt('053', 'X', []), FUND, 'application/xml', 403, 'statement-not-granted'],
        [camt('053', 'X', []).replace(FUND_IBAN, 'FI2112345600000785'), BANK, 'application/xml', 403, 'statement-account-unknown'],
      ];
      for (const [body, sender, type, status, code] of cases) {
        const r = await statement(body, sender, type);
        expect([r.status, r.type, r.json.type]).toEqual([status, 'application/problem+json', `https://wasla.dev/problems/${code}`]);
      }
      const after = resultRows<{ n: number }>(await hub.database.db.execute(sql`select count(*)::int as n from bank_statements`))[0].n;
      expect(after).toBe(before);
    });

    it('reconciles statements written outside the project (FFFS, LHV): totals as declared, balances hold, a wrong declared net flagged', async () => {
      for (const [file, entries] of [
        ['fffs-camt053.v2.xml', 10],
        ['lhv-camt053.v2.xml', 1],
      ] as const) {
        const r = await statement(readFileSync(join(FIXTURES, file), 'utf8'));
        expect(r.status).toBe(200);
        const [one] = r.json.statements;
        expect(one).toMatchObject({ duplicate: false, flagged: false, payouts: {} });
        const rec = (await get(`/v1/reconciliations/${one.statement}`, 'ps.hjc.wasla-operations')).json.result;
        expect(rec.discrepancies).toEqual([]);
        expect(rec.computed.entries).toBe(entries);
        expect(rec.declared.entries ?? rec.computed.entries).toBe(entries);
        expect(rec.balances.every((b: any) => b.result === 'ok')).toBe(true);
      }
      // FFFS's camt.054 declares a net that its entries do not add up to: flagged, not corrected
      const ntf = await statement(readFileSync(join(FIXTURES, 'fffs-camt054.v2.xml'), 'utf8'));
      expect(ntf.json.statements).toEqual([expect.objectContaining({ duplicate: false, flagged: true })]);
      const rec = (await get(`/v1/reconciliations/${ntf.json.statements[0].statement}`, FUND)).json.result;
      expect([rec.kind, rec.version, rec.discrepancies]).toEqual(['camt.054', '02', [{ field: 'TtlNtries/TtlNetNtry', declared: '169.95', computed: '369.95' }]]);
    });
  });
}
