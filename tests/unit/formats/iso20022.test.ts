import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import xmllint from 'xmllint-wasm';
import { FormatError } from '../../../src/formats/errors.js';
import { readXml } from '../../../src/formats/xml/reader.js';
import { checkIban, ibanRemainder } from '../../../src/formats/iso20022/iban.js';
import { add, formatAmount, parseAmount, parseDecimal } from '../../../src/formats/iso20022/money.js';
import { buildPain001, remittanceLine, type PayoutInstruction } from '../../../src/formats/iso20022/pain001.js';
import { checkBalances, compareTotals, computeTotals, readCamt } from '../../../src/formats/iso20022/camt.js';

const fx = (p: string) => readFileSync(new URL(`../../fixtures/iso20022/${p}`, import.meta.url));
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FormatError);
    return (e as FormatError).code;
  }
  throw new Error('expected a refusal');
};

describe('money', () => {
  test('exact: 0.1 + 0.2 is 0.3, and 10.5 equals 10.50', () => {
    expect(formatAmount(add(parseAmount('0.1', 'ILS'), parseAmount('0.2', 'ILS')))).toBe('0.30');
    expect(parseAmount('10.5', 'EUR').units).toBe(parseAmount('10.50', 'EUR').units);
  });
  test('written in the currency minor units of ISO 4217, never rounded', () => {
    expect(formatAmount(parseDecimal('5000', 'JOD'))).toBe('5000.000');
    expect(formatAmount(parseDecimal('1200', 'ILS'))).toBe('1200.00');
    expect(formatAmount(parseDecimal('7', 'USD'))).toBe('7.00');
    expect(code(() => formatAmount(parseDecimal('10.005', 'ILS')))).toBe('money-invalid');
    expect(code(() => parseAmount('1e3', 'EUR'))).toBe('money-invalid');
    expect(code(() => parseAmount('1234567890123456789', 'EUR'))).toBe('money-invalid');
    expect(code(() => formatAmount(parseDecimal('1', 'XYZ')))).toBe('money-invalid');
  });
  test('property: sums of parsed amounts equal the decimal sums, with no float', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 0n, max: 10n ** 12n }), { maxLength: 50 }), (cents) => {
        const total = cents.reduce((s, c) => s + c, 0n);
        const sum = cents.map((c) => parseAmount(`${c / 100n}.${String(c % 100n).padStart(2, '0')}`, 'ILS')).reduce(add, parseAmount('0', 'ILS'));
        expect(formatAmount(sum)).toBe(`${total / 100n}.${String(total % 100n).padStart(2, '0')}`);
      }),
    );
  });
});

describe('IBAN (ISO 13616)', () => {
  test('accepts valid IBANs of the region and beyond, in any spacing', () => {
    for (const iban of ['PS92PALS000000000400123456702', 'JO94CBJO0010000000000131000302', 'DE89 3704 0044 0532 0130 00', 'GB82WEST12345698765432', 'EE382200221020145685'])
      expect(checkIban(iban)).toBe(iban.replace(/ /g, ''));
  });
  test('refuses a wrong check digit, a wrong length, an unknown country and garbage', () => {
    expect(code(() => checkIban('PS93PALS000000000400123456702'))).toBe('iban-invalid');
    expect(code(() => checkIban('DE8937040044053201300'))).toBe('iban-invalid');
    expect(code(() => checkIban('ZZ89370400440532013000'))).toBe('iban-invalid');
    expect(code(() => checkIban('not an iban'))).toBe('iban-invalid');
  });
  test('property: changing one digit of a valid IBAN is always caught', () => {
    const base = 'PS92PALS000000000400123456702';
    fc.assert(
      fc.property(fc.integer({ min: 4, max: base.length - 1 }), fc.integer({ min: 1, max: 9 }), (i, d) => {
        if (!/\d/.test(base[i])) return;
        const changed = base.slice(0, i) + String((Number(base[i]) + d) % 10) + base.slice(i + 1);
        expect(ibanRemainder(changed)).not.toBe(1);
      }),
    );
  });
});

const payout = (over: Partial<PayoutInstruction> = {}): PayoutInstruction => ({
  instructionId: 'AF-2026-02-000771',
  orderNumber: '87/2026',
  beneficiary: { name: { ar: 'ريم عادل السقا', latin: 'Reem Adel Al-Saqqa' }, nationalId: '404112987' },
  creditorAccount: { iban: 'PS92PALS000000000400123456702', bic: 'PALSPS22' },
  amount: { value: '1200.00', currency: 'ILS' },
  requestedExecutionDate: '2026-02-01',
  remittanceInformation: 'Nafaqa order 87/2026 Ramallah Sharia Family Court, February 2026',
  endToEndId: 'AF-87-2026-202602',
  priority: 'normal',
  ...over,
});
const fund = { name: 'Palestinian Alimony Fund', iban: 'PS92PALS000000000400123456702', bic: 'PALSPS22' };
const options = { messageId: '0196f1c27a107c3e9d412b7e5f0a9c11', createdAt: '2026-01-30T09:00:00+02:00', debtor: fund };

describe('pain.001.001.09', () => {
  test('group header, one PmtInf per instruction, one transaction per payout, exact control sum', () => {
    const r = buildPain001(
      [
        payout(),
        payout({
          instructionId: 'AF-2026-02-000772',
          endToEndId: 'AF-90-2026-202602',
          amount: { value: '850.5', currency: 'ILS' },
          caseReference: 'ps.sjd.family-court.ramallah:90/2026',
          orderNumber: '90/2026',
          remittanceInformation: 'February 2026',
        }),
      ],
      options,
    );
    expect(r.numberOfTransactions).toBe(2);
    expect(r.controlSum).toBe('2050.50');
    expect(r.endToEndIds).toEqual(['AF-87-2026-202602', 'AF-90-2026-202602']);
    const xml = r.xml.toString('utf8');
    expect(xml).toContain('<NbOfTxs>2</NbOfTxs>');
    expect(xml).toContain('<InstdAmt Ccy="ILS">850.50</InstdAmt>');
    expect(xml).toContain('<Ustrd>ps.sjd.family-court.ramallah:90/2026 February 2026</Ustrd>');
    expect(xml).toContain('<Ustrd>Nafaqa order 87/2026 Ramallah Sharia Family Court, February 2026</Ustrd>');
    expect(xml.match(/<PmtInf>/g)).toHaveLength(2);
    expect(readXml(r.xml).root.uri).toBe('urn:iso:std:iso:20022:tech:xsd:pain.001.001.09');
  });

  test('every IBAN is checked before anything is written, with the payout named', () => {
    const e = (() => {
      try {
        buildPain001([payout(), payout({ endToEndId: 'X2', creditorAccount: { iban: 'PS93PALS000000000400123456702', bic: 'PALSPS22' } })], options);
      } catch (x) {
        return x as FormatError;
      }
      throw new Error('no');
    })();
    expect([e.code, e.pointer]).toEqual(['iban-invalid', '/1/creditorAccount/iban']);
    expect(code(() => buildPain001([payout()], { ...options, debtor: { ...fund, iban: 'PS00PALS000000000400123456702' } }))).toBe('iban-invalid');
  });

  test('refuses amounts finer than the currency, non-positive amounts, duplicate EndToEndIds, long MsgIds', () => {
    expect(code(() => buildPain001([payout({ amount: { value: '10.005', currency: 'ILS' } })], options))).toBe('money-invalid');
    expect(code(() => buildPain001([payout({ amount: { value: '0', currency: 'ILS' } })], options))).toBe('money-invalid');
    expect(code(() => buildPain001([payout(), payout()], options))).toBe('pain001-invalid');
    expect(code(() => buildPain001([payout()], { ...options, messageId: 'x'.repeat(36) }))).toBe('pain001-invalid');
    expect(code(() => buildPain001([], options))).toBe('pain001-invalid');
  });

  test('JOD keeps three decimals; the remittance line keeps the reference and fits 140 characters', () => {
    const r = buildPain001([payout({ amount: { value: '350.125', currency: 'JOD' } })], options);
    expect(r.xml.toString()).toContain('<InstdAmt Ccy="JOD">350.125</InstdAmt>');
    const line = remittanceLine(payout({ orderNumber: '1234567/2026', remittanceInformation: 'x'.repeat(140) }));
    expect([...line]).toHaveLength(140);
    expect(line.startsWith('1234567/2026 ')).toBe(true);
  });

  test("validates against a published pain.001.001.09 XSD (the EPC's SEPA restriction, EUR only)", async () => {
    const r = buildPain001(
      [
        payout({ amount: { value: '120.00', currency: 'EUR' }, creditorAccount: { iban: 'DE89370400440532013000', bic: 'COBADEFFXXX' }, remittanceInformation: 'Alimony 87/2026' }),
        payout({
          instructionId: 'AF-2026-03-000001',
          endToEndId: 'AF-87-2026-202603',
          amount: { value: '80.10', currency: 'EUR' },
          creditorAccount: { iban: 'FR1420041010050500013M02606', bic: 'PSSTFRPPXXX' },
          priority: 'high',
          remittanceInformation: 'Alimony 87/2026 arrears',
        }),
      ],
      { ...options, debtor: { name: 'Palestinian Alimony Fund', iban: 'DE89370400440532013000', bic: 'COBADEFFXXX' } },
    );
    const result = await xmllint.validateXML({
      xml: [{ fileName: 'pain.001.xml', contents: r.xml.toString('utf8') }],
      schema: [{ fileName: 'pain.001.001.09.xsd', contents: fx('xsd/EPC132-08_2023_V1.0_SCT_C2PSP_pain.001.001.09.xsd').toString('utf8') }],
    });
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
  });
});

describe('camt.053 / camt.054 from outside the project', () => {
  test('FFFS (Finnish bank association) camt.053.001.02: the totals computed equal the totals declared, and the balance holds', () => {
    const [s] = readCamt(fx('camt/fffs-camt053.v2.xml'));
    expect([s.kind, s.version, s.statementId, s.account.iban]).toEqual(['camt.053', '02', 'BANKSTMTID0972009', 'FI7433010001222090']);
    const computed = computeTotals(s);
    expect(s.declared).toEqual({ entries: 10, credits: { count: 6, sum: '23075.00' }, debits: { count: 4, sum: '9430.17' } });
    expect(compareTotals(s, computed)).toEqual([]);
    expect(checkBalances(s)).toEqual([{ currency: 'CHF', result: 'ok', opening: '10000', credits: '23075', debits: '9430.17', expectedClosing: '23644.83', closing: '23644.83' }]);
  });

  test('FFFS camt.054.001.02: counts and gross sum agree; the net the bank declares is flagged, not fixed', () => {
    const [s] = readCamt(fx('camt/fffs-camt054.v2.xml'));
    expect(s.kind).toBe('camt.054');
    expect(s.entries.map((e) => e.status)).toEqual(['BOOK', 'BOOK', 'BOOK', 'BOOK', 'BOOK', 'INFO']);
    // the sample nets its INFO reversal as a debit; read literally (ISO 20022: CRDT is a credit) it is +100
    expect(compareTotals(s)).toEqual([{ field: 'TtlNtries/TtlNetNtry', declared: '169.95', computed: '369.95' }]);
    const last = s.entries[5];
    expect([last.reversal, last.transactions.map((t) => t.returnReason)]).toEqual([true, ['AC01', 'CUST']]);
  });

  test('LHV Pank camt.053.001.02: the totals and the balance agree, the transaction is read', () => {
    const [s] = readCamt(fx('camt/lhv-camt053.v2.xml'));
    expect(compareTotals(s)).toEqual([]);
    expect(checkBalances(s)[0]).toMatchObject({ currency: 'EUR', result: 'ok', opening: '0', closing: '-1' });
    expect(s.entries[0].transactions[0]).toMatchObject({
      endToEndId: 'ENDTOENDIDLHVTEST-58974',
      creditorName: 'John Smith',
      creditorAccount: 'ES0000000000000000000000',
      amount: { units: 100000n, currency: 'EUR' },
    });
  });

  test('versions .02, .04 and .08 of camt.053 and .08 of camt.054 read into the same model', () => {
    const v2 = readCamt(fx('camt/genkgo-camt053.v2.multi.statement.xml'));
    expect(v2.map((s) => s.statementId)).toEqual(['253EURNL26VAYB8060476890', '254EURNL26VAYB8060476890']);
    expect(v2.map((s) => checkBalances(s).map((b) => b.result))).toEqual([['ok'], ['ok']]);
    const [v4] = readCamt(fx('camt/genkgo-camt053.v4.xml'));
    const [v8] = readCamt(fx('camt/genkgo-camt053.v8.xml'));
    for (const s of [v4, v8]) {
      expect(s.entries).toHaveLength(1);
      expect(s.entries[0]).toMatchObject({ status: 'BOOK', creditDebit: 'CRDT', amount: { units: 885000n, currency: 'EUR' } });
      expect([s.entries[0].transactions[0].debtorName, s.entries[0].transactions[0].creditorName]).toContain('Company Name');
    }
    const [n8] = readCamt(fx('camt/genkgo-camt054.v8.xml'));
    expect(n8.entries[0].transactions.map((t) => t.creditorName)).toEqual(['Example Creditor 3 - V1', 'Example Creditor 3 - V2', 'Example Creditor 3 - V3']);
  });

  test('refuses what is not a supported camt document', () => {
    expect(code(() => readCamt(Buffer.from('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.09"><BkToCstmrStmt/></Document>')))).toBe('camt-unsupported');
    expect(code(() => readCamt(Buffer.from('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"/>')))).toBe('camt-unsupported');
    const noCcy = fx('camt/lhv-camt053.v2.xml')
      .toString()
      .replace('<Amt Ccy="EUR">1.00</Amt>\n        <CdtDbtInd>DBIT</CdtDbtInd>\n        <Sts>', '<Amt>1.00</Amt>\n        <CdtDbtInd>DBIT</CdtDbtInd>\n        <Sts>');
    const e = (() => {
      try {
        readCamt(Buffer.from(noCcy));
      } catch (x) {
        return x as FormatError;
      }
      throw new Error('no');
    })();
    expect([e.code, e.path]).toEqual(['camt-invalid', '/Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/Amt']);
    expect(code(() => readCamt(Buffer.from('<!DOCTYPE d [<!ENTITY x "y">]><Document/>')))).toBe('xml-doctype-forbidden');
  });
});
