/**
 * The iso20022 adapter (issue 23) on its own: a payout instruction becomes a pain.001.001.09 that
 * the declared structure and a reader accept, with the debtor from the bank's contract and the
 * EndToEndId unchanged; a payout that fails a check is refused as never retryable (dead at once);
 * the answer is read as for every HTTP adapter.
 */
import { describe, expect, it } from 'vitest';
import { adapterFor } from '../../../src/adapters/index.js';
import { WaslaError } from '../../../src/errors.js';
import type { Envelope, Institution } from '../../../src/federation/index.js';
import { readXml } from '../../../src/formats/xml/reader.js';
import type { XmlElement } from '../../../src/formats/xml/tree.js';
import { mappingSet } from '../../../src/formats/xml/mapping-set.js';
import { failureOutcome } from '../../../src/workers/delivery.js';
import { example } from '../../helpers/contracts.js';

const BANK: Institution = {
  id: 'ps.bank.palestine',
  kind: 'bank',
  name: { en: 'Bank' },
  adapter: 'iso20022',
  endpoints: { deliveries: 'http://127.0.0.1:9/deliveries' },
  clearances: [],
  iso20022: { debtors: [{ sender: 'ps.alimony-fund', name: 'Palestinian Alimony Fund', iban: 'PS13PALS000000000100777000101', bic: 'PALSPS22' }] },
};
const DELIVERY = '0192f5a0-0000-7000-8000-00000000abcd';
const adapter = adapterFor('iso20022')!;
/** a bank needs no XML mapping: pain.001 is written by the format module */
const CTX = { mappings: mappingSet([]) };

function env(data: Record<string, unknown> = example('alimony.payout-instruction', '1.1'), extra: Partial<Envelope> = {}): Envelope {
  return { specversion: '1.0', id: '0192f5a0-0000-7000-8000-000000000001', source: 'ps.alimony-fund', type: 'alimony.payout-instruction', data, casereference: '87/2026', ...extra } as Envelope;
}
const texts = (el: XmlElement, local: string): string[] => [...(el.local === local ? [el.text.trim()] : []), ...el.children.flatMap((c) => texts(c, local))];
function refusal(fn: () => unknown): WaslaError {
  try {
    fn();
  } catch (err) {
    return err as WaslaError;
  }
  throw new Error('not refused');
}

describe('the iso20022 adapter', () => {
  it('writes the payout as pain.001.001.09: debtor from the contract, EndToEndId unchanged, exact amount, MsgId = the delivery id', () => {
    const req = adapter.encode({ envelope: env(), deliveryId: DELIVERY, attempt: 3 }, BANK, CTX);
    expect(req).toMatchObject({ method: 'POST', url: BANK.endpoints.deliveries });
    expect(req.headers).toMatchObject({ 'content-type': 'application/xml; charset=utf-8', 'wasla-delivery-id': DELIVERY, 'wasla-attempt': '3' });
    const doc = readXml(req.body).root;
    expect(doc.uri).toBe('urn:iso:std:iso:20022:tech:xsd:pain.001.001.09');
    expect(texts(doc, 'MsgId')).toEqual([DELIVERY.replace(/-/g, '')]);
    expect(texts(doc, 'EndToEndId')).toEqual(['AF-87-2026-202602']);
    expect(texts(doc, 'InstdAmt')).toEqual(['1200.00']);
    expect(texts(doc, 'CtrlSum')).toEqual(['1200.00', '1200.00']);
    expect(texts(doc, 'IBAN')).toEqual(['PS13PALS000000000100777000101', 'PS92PALS000000000400123456702']);
    expect(texts(doc, 'Nm')).toContain('Palestinian Alimony Fund');
    expect(texts(doc, 'ReqdExctnDt').concat(texts(doc, 'Dt'))).toContain('2026-02-01');
    // the same delivery tried again is the same instruction to the bank
    const again = adapter.encode({ envelope: env(), deliveryId: DELIVERY, attempt: 4 }, BANK, CTX);
    expect(texts(readXml(again.body).root, 'MsgId')).toEqual(texts(doc, 'MsgId'));
  });

  it.each([
    ['an IBAN failing mod-97', { creditorAccount: { iban: 'PS92PALS000000000400123456703', bic: 'PALSPS22' } }, {}, /^iban-invalid: .*mod-97/],
    ['an amount finer than its currency', { amount: { value: '10.005', currency: 'ILS' } }, {}, /^money-invalid: /],
    ['a sender the bank holds no account for', {}, { source: 'ps.mof' }, /^pain001-invalid: .*names no debtor account for ps\.mof/],
    ['another message type', {}, { type: 'warrant.issued' }, /^pain001-invalid: .*sends alimony\.payout-instruction only/],
  ])('refuses %s before sending: never retried, the delivery ends dead saying why', (_what, data, extra, reason) => {
    const err = refusal(() => adapter.encode({ envelope: env({ ...example('alimony.payout-instruction', '1.1'), ...data }, extra as Partial<Envelope>), deliveryId: DELIVERY, attempt: 1 }, BANK, CTX));
    expect(err).toBeInstanceOf(WaslaError);
    expect([err.code, err.retryable]).toEqual(['payout-invalid', false]);
    expect(err.message).toMatch(reason);
    expect(failureOutcome(err)).toEqual({ kind: 'dead', reason: `payout-invalid: ${err.message}` });
  });

  it('reads the answer as every HTTP adapter does', () => {
    const res = (status: number) => ({ status, headers: {}, body: Buffer.from('x') });
    expect(adapter.decode(res(202))).toEqual({ kind: 'delivered' });
    expect(adapter.decode(res(503)).kind).toBe('retry');
    expect(adapter.decode(res(400)).kind).toBe('dead');
  });
});
