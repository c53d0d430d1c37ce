import { describe, expect, test } from 'vitest';
import { readCamt, type CamtStatement } from '../../../src/formats/iso20022/camt.js';
import { parseDecimal } from '../../../src/formats/iso20022/money.js';
import { reconcile, statementIdentity, type OpenPayout } from '../../../src/formats/iso20022/reconcile.js';

// Statements constructed for each case, written as camt.053.001.08 / camt.054.001.02 XML and read
// through the real reader, so the matcher sees what a bank's document would give it.
interface E {
  amt: string;
  ccy?: string;
  cd: 'CRDT' | 'DBIT';
  sts?: string;
  rvsl?: boolean;
  val?: string;
  ref?: string;
  e2e?: string;
  iban?: string;
  reason?: string;
}

function camt053(id: string, entries: E[], version = '08'): CamtStatement {
  const sts = (s: string) => (version === '08' ? `<Sts><Cd>${s}</Cd></Sts>` : `<Sts>${s}</Sts>`);
  const party = (tag: string, iban: string) =>
    version === '08'
      ? `<${tag}><Pty><Nm>Beneficiary</Nm></Pty></${tag}><${tag}Acct><Id><IBAN>${iban}</IBAN></Id></${tag}Acct>`
      : `<${tag}><Nm>Beneficiary</Nm></${tag}><${tag}Acct><Id><IBAN>${iban}</IBAN></Id></${tag}Acct>`;
  const ntry = entries
    .map(
      (e) => `<Ntry><Amt Ccy="${e.ccy ?? 'ILS'}">${e.amt}</Amt><CdtDbtInd>${e.cd}</CdtDbtInd>${e.rvsl ? '<RvslInd>true</RvslInd>' : ''}${sts(e.sts ?? 'BOOK')}
    <BookgDt><Dt>${e.val ?? '2026-02-01'}</Dt></BookgDt><ValDt><Dt>${e.val ?? '2026-02-01'}</Dt></ValDt>${e.ref ? `<AcctSvcrRef>${e.ref}</AcctSvcrRef>` : ''}
    <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>DMCT</SubFmlyCd></Fmly></Domn></BkTxCd>
    <NtryDtls><TxDtls>${e.e2e ? `<Refs><EndToEndId>${e.e2e}</EndToEndId></Refs>` : ''}
    <RltdPties>${party(e.cd === 'DBIT' ? 'Cdtr' : 'Dbtr', e.iban ?? 'PS92PALS000000000400123456702')}</RltdPties>
    ${e.reason ? `<RtrInf><Rsn><Cd>${e.reason}</Cd></Rsn></RtrInf>` : ''}</TxDtls></NtryDtls></Ntry>`,
    )
    .join('\n');
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.${version}"><BkToCstmrStmt>
  <GrpHdr><MsgId>MSG-${id}</MsgId><CreDtTm>2026-02-02T06:00:00+02:00</CreDtTm></GrpHdr>
  <Stmt><Id>${id}</Id><ElctrncSeqNb>1</ElctrncSeqNb><CreDtTm>2026-02-02T06:00:00+02:00</CreDtTm>
    <Acct><Id><IBAN>PS92PALS000000000400123456702</IBAN></Id><Ccy>ILS</Ccy></Acct>
    ${ntry}
  </Stmt></BkToCstmrStmt></Document>`;
  return readCamt(Buffer.from(xml))[0];
}

const IBAN_A = 'PS92PALS000000000400123456702';
const IBAN_B = 'DE89370400440532013000';
const p = (e2e: string, amount: string, iban = IBAN_A, date = '2026-02-01', ccy = 'ILS'): OpenPayout => ({
  endToEndId: e2e,
  amount: parseDecimal(amount, ccy),
  creditorIban: iban,
  requestedExecutionDate: date,
});
const now = new Date('2026-02-05T00:00:00Z');
const state = (r: ReturnType<typeof reconcile>, e2e: string) => r.payouts.find((x) => x.endToEndId === e2e);

describe('reconcile', () => {
  test('paid by EndToEndId; partially paid; the match says how it was made', () => {
    const s = camt053('S1', [
      { amt: '1200.00', cd: 'DBIT', e2e: 'E1', ref: 'R1' },
      { amt: '300', cd: 'DBIT', e2e: 'E2', ref: 'R2' },
    ]);
    const r = reconcile([p('E1', '1200.00'), p('E2', '500.00')], [s], { now });
    expect(state(r, 'E1')).toMatchObject({ state: 'paid', settled: '1200', matches: [{ how: 'end-to-end-id', effect: 'paid' }] });
    expect(state(r, 'E2')).toMatchObject({ state: 'partially-paid', settled: '300', instructed: '500' });
    expect(r.unmatched).toEqual([]);
  });

  test('paid by amount + value date within tolerance + creditor account, nearest date first', () => {
    const s = camt053('S2', [{ amt: '750.00', cd: 'DBIT', val: '2026-02-03', iban: IBAN_B, ref: 'R3' }]);
    const r = reconcile([p('far', '750.00', IBAN_B, '2026-01-30'), p('near', '750.00', IBAN_B, '2026-02-02'), p('other-account', '750.00', IBAN_A, '2026-02-03')], [s], {
      now,
      valueDateToleranceDays: 3,
    });
    expect(state(r, 'near')).toMatchObject({ state: 'paid', matches: [{ how: 'amount-date-account' }] });
    expect(state(r, 'far')?.state).toBe('open');
    expect(state(r, 'other-account')?.state).toBe('open');
    const tight = reconcile([p('near', '750.00', IBAN_B, '2026-01-25')], [s], { now, valueDateToleranceDays: 3, unmatchedAfterDays: 30 });
    expect(tight.payouts[0].state).toBe('open');
    expect(tight.unmatched).toHaveLength(1);
  });

  test('returned, with the return reason code', () => {
    const s = camt053('S3', [
      { amt: '1200.00', cd: 'DBIT', e2e: 'E1', ref: 'R1' },
      { amt: '1200.00', cd: 'CRDT', e2e: 'E1', ref: 'R9', reason: 'AC04' },
    ]);
    expect(state(reconcile([p('E1', '1200.00')], [s], { now }), 'E1')).toMatchObject({ state: 'returned', returnReason: 'AC04' });
  });

  test('pending and information-only entries settle nothing; one with a reason marks the payout rejected', () => {
    const s = camt053('S4', [
      { amt: '1200.00', cd: 'DBIT', e2e: 'E1', sts: 'PDNG', ref: 'R1' },
      { amt: '90.00', cd: 'DBIT', e2e: 'E2', sts: 'INFO', ref: 'R2' },
      { amt: '40.00', cd: 'DBIT', e2e: 'E3', sts: 'INFO', ref: 'R3', reason: 'AM04' },
    ]);
    const r = reconcile([p('E1', '1200.00'), p('E2', '90.00'), p('E3', '40.00')], [s], { now });
    expect([state(r, 'E1')?.state, state(r, 'E2')?.state]).toEqual(['open', 'open']);
    expect(state(r, 'E1')?.matches[0].effect).toBe('not-booked');
    expect(state(r, 'E3')).toMatchObject({ state: 'rejected', returnReason: 'AM04' });
  });

  test('a reversal undoes the earlier booking it reverses', () => {
    const paid = camt053('S5', [{ amt: '1200.00', cd: 'DBIT', e2e: 'E1', ref: 'R1' }]);
    const reversed = camt053('S6', [{ amt: '1200.00', cd: 'CRDT', rvsl: true, e2e: 'E1', ref: 'R2' }]);
    expect(state(reconcile([p('E1', '1200.00')], [paid], { now }), 'E1')?.state).toBe('paid');
    const r = reconcile([p('E1', '1200.00')], [paid, reversed], { now });
    expect(state(r, 'E1')).toMatchObject({ state: 'open', settled: '0' });
    expect(state(r, 'E1')?.matches.map((m) => m.effect)).toEqual(['paid', 'reversed']);
  });

  test('the same statement twice, or a notification repeated in the statement, changes nothing', () => {
    const s = camt053('S7', [{ amt: '600.00', cd: 'DBIT', e2e: 'E1', ref: 'R1' }]);
    const once = reconcile([p('E1', '1200.00')], [s], { now });
    const twice = reconcile([p('E1', '1200.00')], [s, s], { now });
    expect(twice.payouts).toEqual(once.payouts);
    expect(twice.duplicates).toHaveLength(1);
    expect(statementIdentity(s)).toBe(statementIdentity(camt053('S7', [{ amt: '600.00', cd: 'DBIT', e2e: 'E1', ref: 'R1' }])));
    expect(statementIdentity(s)).not.toBe(statementIdentity(camt053('S8', [])));
    // the camt.054 notification of the same booking (same account servicer reference)
    const ntfctn = readCamt(
      Buffer.from(`<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"><BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>N1</MsgId></GrpHdr>
      <Ntfctn><Id>N1</Id><Acct><Id><IBAN>PS92PALS000000000400123456702</IBAN></Id></Acct><Ntry><Amt Ccy="ILS">600.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
      <ValDt><Dt>2026-02-01</Dt></ValDt><AcctSvcrRef>R1</AcctSvcrRef><NtryDtls><TxDtls><Refs><EndToEndId>E1</EndToEndId></Refs></TxDtls></NtryDtls></Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>`),
    );
    const both = reconcile([p('E1', '1200.00')], [...ntfctn, s], { now });
    expect(both.payouts.map((x) => [x.state, x.settled, x.matches.length])).toEqual([['partially-paid', '600', 1]]);
    expect(both.duplicates).toHaveLength(1);
  });

  test('every entry that matches no payout is reported; payouts become unmatched after the configured days', () => {
    const s = camt053('S9', [
      { amt: '55.00', cd: 'DBIT', e2e: 'UNKNOWN', ref: 'R1' },
      { amt: '9.99', cd: 'CRDT', ref: 'R2' },
      { amt: '12.00', cd: 'DBIT', e2e: 'E1', ccy: 'JOD', ref: 'R3' },
    ]);
    const r = reconcile([p('E1', '12.00', IBAN_A, '2026-01-20')], [s], { now, unmatchedAfterDays: 10 });
    expect(r.unmatched.map((u) => [u.unit.entryIndex, u.reason.split(' ')[0]])).toEqual([
      [1, 'no'],
      [2, 'no'],
      [3, 'currency'],
    ]);
    expect(state(r, 'E1')?.state).toBe('unmatched');
    expect(state(reconcile([p('E1', '12.00', IBAN_A, '2026-01-20')], [s], { now, unmatchedAfterDays: 30 }), 'E1')?.state).toBe('open');
  });

  test('camt.053.001.02 statements match the same way', () => {
    const s = camt053(
      'S10',
      [
        { amt: '1200.00', cd: 'DBIT', e2e: 'E1', ref: 'R1' },
        { amt: '80.00', cd: 'DBIT', iban: IBAN_B, ref: 'R2' },
      ],
      '02',
    );
    const r = reconcile([p('E1', '1200.00'), p('E2', '80.00', IBAN_B)], [s], { now });
    expect(r.payouts.map((x) => [x.state, x.matches[0]?.how])).toEqual([
      ['paid', 'end-to-end-id'],
      ['paid', 'amount-date-account'],
    ]);
  });
});

describe('reconcile across statements (issue 23: what earlier statements settled)', () => {
  test('a payout partly paid before is paid by the rest; one matched before is not taken by amount again', () => {
    const before = { ...p('AF-1', '1000.00'), prior: { settled: parseDecimal('400.00', 'ILS'), matched: true } };
    const taken = { ...p('AF-2', '250.00'), prior: { settled: parseDecimal('250.00', 'ILS'), matched: true } };
    const fresh = p('AF-3', '250.00');
    const s = camt053('S-LATER', [
      { amt: '600.00', cd: 'DBIT', e2e: 'AF-1', ref: 'L1' },
      { amt: '250.00', cd: 'DBIT', ref: 'L2' },
    ]);
    const r = reconcile([before, taken, fresh], [s], { now });
    expect(state(r, 'AF-1')).toMatchObject({ state: 'paid', settled: '1000' });
    // the entry without EndToEndId goes to the payout nobody matched yet, not to the one paid before
    expect(state(r, 'AF-2')).toMatchObject({ state: 'paid', settled: '250', matches: [] });
    expect(state(r, 'AF-3')).toMatchObject({ state: 'paid', settled: '250', matches: [{ how: 'amount-date-account' }] });
  });

  test('a return after an earlier statement paid the payout makes it returned, with the reason', () => {
    const paid = { ...p('AF-9', '500.00'), prior: { settled: parseDecimal('500.00', 'ILS'), matched: true } };
    const r = reconcile([paid], [camt053('S-RET', [{ amt: '500.00', cd: 'CRDT', e2e: 'AF-9', reason: 'AC04', ref: 'R1' }])], { now });
    expect(state(r, 'AF-9')).toMatchObject({ state: 'returned', returnReason: 'AC04' });
  });
});
