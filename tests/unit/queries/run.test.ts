/**
 * Running the named queries end to end over the in-memory index, for the people of issue 24: the
 * Ministry of Transport, the Ministry of Finance, a family court, a juvenile judge, a bank, a court
 * and the judicial police; with pagination, refusals and the audit entry.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryIndex, QueryError, runQuery, type QueryDeps, type QueryParams, type StoredMessage } from '../../../src/queries/index.js';
import { agreements, caller, catalogue, cursorSecret, example, message, NOW, queries, secret } from './helpers.js';

let port: MemoryIndex;
let deps: QueryDeps;
beforeEach(() => {
  port = new MemoryIndex(catalogue, secret);
  deps = { queries, catalogue, agreements, port, indexSecret: secret, cursorSecret };
});

const add = (...ms: StoredMessage[]) => ms.forEach((m) => port.add(m));
const run = (who: string, query: string, params: QueryParams, now = NOW) => runQuery(deps, { caller: caller(who), query, params, now });

async function refused(p: Promise<unknown>): Promise<QueryError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(QueryError);
    return err as QueryError;
  }
  throw new Error('the query was answered');
}

describe('Ministry of Transport: what fines does this plate have, and are they paid?', () => {
  beforeEach(() => {
    const a = example('traffic-fine.issued', '1.1'); // TF-2026-0048213, plate 7-1234-95, due 2026-04-17
    const b = example('traffic-fine.issued', '1.1', (d) => {
      d.fineNumber = 'TF-2026-0051000';
      d.occurredAt = '2026-05-02T08:00:00+03:00';
      d.dueBy = '2026-05-20';
    });
    const other = example('traffic-fine.issued', '1.1', (d) => {
      d.fineNumber = 'TF-2026-0051001';
      d.vehicle.plate = '9-5555-95';
    });
    add(
      message('traffic-fine.paid', '1.1', example('traffic-fine.paid', '1.1')), // arrives before the fine it pays
      message('traffic-fine.issued', '1.1', a),
      message('traffic-fine.issued', '1.1', b),
      message('traffic-fine.issued', '1.1', other),
    );
  });

  it("answers each fine of the plate, however the clerk types it, with the ministry's fields only", async () => {
    const { answer, audit } = await run('ps.mot', 'traffic-fines', { plate: '٧ ١٢٣٤ ٩٥' });
    expect(answer.records.map((r) => [r.key.value, r.status.state])).toEqual([
      ['TF20260048213', 'paid'],
      ['TF20260051000', 'overdue'],
    ]);
    const paid = answer.records[0];
    expect(paid.fields).toMatchObject({ fineNumber: 'TF-2026-0048213', amount: { value: '300.00', currency: 'ILS' }, paidAt: '2026-03-25T11:04:09+02:00' });
    expect(Object.keys(paid.fields)).not.toContain('driverNationalId');
    expect(Object.keys(paid.fields)).not.toContain('receiptNumber');
    expect(paid.history.map((h) => h.type)).toEqual(['traffic-fine.issued', 'traffic-fine.paid']);
    expect(audit).toEqual({ institution: 'ps.mot', query: 'traffic-fines', parameters: { plate: '٧ ١٢٣٤ ٩٥' }, returned: 2 });
  });

  it('gives the Ministry of Finance the fields its own grant lists', async () => {
    const { answer } = await run('ps.mof', 'traffic-fines', { fine: 'tf 2026 0048213' });
    expect(answer.records).toHaveLength(1);
    expect(answer.records[0].fields).toMatchObject({ receiptNumber: 'MOF-RCPT-2026-771290' });
  });
});

describe('Ministry of Finance: which fine sentences of this case are enforced?', () => {
  it('answers the decisions of the case that impose a fine, with their enforcement', async () => {
    const fine = example('decision.issued', '1.1'); // appeal court, case 245/2026, decision 611/2026, penalties include a fine
    const noFine = example('decision.issued', '1.1', (d) => {
      d.decisionNumber = '612/2026';
      d.penalties = [{ kind: 'imprisonment', party: 0, term: 'P1Y' }];
      d.sentence = { kind: 'imprisonment', durationDays: 365 };
    });
    const report = example('decision.enforcement-status', '1.1', (d) => {
      d.status = 'enforced';
      delete d.delay;
      d.reportedBy = 'ps.mof';
    });
    const sameNumberElsewhere = example('decision.issued', '1.1', (d) => {
      d.court.id = 'ps.hjc.court.nablus';
    });
    add(
      message('decision.enforcement-status', '1.1', report),
      message('decision.issued', '1.1', fine),
      message('decision.issued', '1.1', noFine),
      message('decision.issued', '1.1', sameNumberElsewhere),
    );
    const { answer } = await run('ps.mof', 'fine-sentences', { case: '245/2026', court: 'ps.hjc.appeal-court.ramallah' });
    expect(answer.records.map((r) => [r.key, r.status.state])).toEqual([[{ kind: 'decision-number', issuer: 'ps.hjc.appeal-court.ramallah', value: '611/2026' }, 'enforced']]);
    expect(answer.records[0].fields).toMatchObject({ reportedBy: 'ps.mof', decisionNumber: '611/2026' });
  });
});

describe('A family court: has the alimony of case 233/2026 been paid this month?', () => {
  beforeEach(() => {
    add(
      message('alimony.order', '1.1', example('alimony.order', '1.1')), // Ramallah, case 233/2026, order 87/2026, 1200.00 ILS
      message('alimony.payout-instruction', '1.1', example('alimony.payout-instruction', '1.1')), // 87/2026, no court; AF-87-2026-202602
      message('alimony.payment-record', '1.1', example('alimony.payment-record', '1.1')), // booked 2026-02-02, e2e only
      // another court's order with the same numbers, for someone else: its instruction must not join
      message(
        'alimony.order',
        '1.1',
        example('alimony.order', '1.1', (d) => {
          d.court.id = 'ps.sjd.family-court.nablus';
          d.beneficiary.nationalId = '409999999';
        }),
      ),
      message(
        'alimony.payout-instruction',
        '1.1',
        example('alimony.payout-instruction', '1.1', (d) => {
          d.beneficiary.nationalId = '409999999';
          d.endToEndId = 'AF-87-2026-NAB02';
          d.requestedExecutionDate = '2026-03-01';
        }),
      ),
    );
  });

  it('paid in February, joined through the order number and national id, then the payment id', async () => {
    const { answer } = await run('ps.sjd.family-court.ramallah', 'alimony-payments', { case: '233/2026', month: '2026-02' });
    expect(answer.records).toHaveLength(1);
    const r = answer.records[0];
    expect(r.status.state).toBe('paid');
    expect(r.history.map((h) => h.type)).toEqual(['alimony.order', 'alimony.payout-instruction', 'alimony.payment-record']);
    expect(r.fields).toMatchObject({ orderNumber: '87/2026', bookedAmount: { value: '1200.00', currency: 'ILS' } });
  });

  it('only ordered in March, when nothing of the Nablus order counts', async () => {
    const { answer } = await run('ps.sjd.family-court.ramallah', 'alimony-payments', { case: '233/2026', month: '2026-03' });
    expect(answer.records.map((r) => r.status.state)).toEqual(['ordered']);
    expect(answer.records[0].history.map((h) => h.type)).toEqual(['alimony.order']);
  });

  it("finds nothing for a case of another court: the case number is looked up as the caller's own", async () => {
    const { answer } = await run('ps.sjd.family-court.ramallah', 'alimony-payments', { order: '88/2026' });
    expect(answer.records).toEqual([]);
  });
});

describe('A bank: what became of this payout?', () => {
  it('answers by payment id, partial when booked below the instructed amount', async () => {
    add(
      message('alimony.payout-instruction', '1.1', example('alimony.payout-instruction', '1.1')),
      message(
        'alimony.payment-record',
        '1.1',
        example('alimony.payment-record', '1.1', (d) => {
          d.amount.value = '1000.00';
        }),
      ),
    );
    const { answer } = await run('ps.bank.palestine', 'payout-status', { payment: 'AF-87-2026-202602' });
    expect(answer.records.map((r) => r.status.state)).toEqual(['partial']);
    expect(answer.records[0].fields).not.toHaveProperty('orderNumber');
  });
});

describe('A juvenile judge: what is the enforcement status of my decisions?', () => {
  const decision = (court: string, n: number, juvenile: boolean) =>
    message(
      'decision.issued',
      '1.1',
      example('decision.issued', '1.1', (d) => {
        d.court.id = court;
        d.decisionNumber = `${n}/2026`;
        d.caseNumber = `${100 + n}/2026`;
        d.juvenile = juvenile;
      }),
      juvenile ? 'juvenile' : 'public',
    );

  it("answers the caller's own decisions, page by page, through a cursor bound to the request", async () => {
    for (let n = 1; n <= 5; n++) add(decision('ps.hjc.juvenile-court.ramallah', n, true));
    add(decision('ps.hjc.court.ramallah', 9, false));
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 5; page++) {
      const { answer } = await run('ps.hjc.juvenile-court.ramallah', 'decision-enforcement', { limit: '2', ...(cursor ? { cursor } : {}) });
      seen.push(...answer.records.map((r) => r.key.value!));
      cursor = answer.next;
      if (!cursor) break;
    }
    expect(seen).toEqual(['1/2026', '2/2026', '3/2026', '4/2026', '5/2026']);
    const { answer: first } = await run('ps.hjc.juvenile-court.ramallah', 'decision-enforcement', { limit: '2' });
    const stolen = await refused(run('ps.hjc.court.ramallah', 'decision-enforcement', { limit: '2', cursor: first.next! }));
    expect(stolen.code).toBe('cursor-invalid');
  });

  it('never shows a court not cleared for juvenile cases its own juvenile decisions, nor lets their reports show through', async () => {
    add(decision('ps.hjc.court.ramallah', 7, true), decision('ps.hjc.court.ramallah', 8, false));
    add(
      message(
        'decision.enforcement-status',
        '1.1',
        example('decision.enforcement-status', '1.1', (d) => {
          d.decision = { court: 'ps.hjc.court.ramallah', caseNumber: '107/2026', decisionNumber: '7/2026' };
        }),
        'juvenile',
      ),
    );
    const { answer } = await run('ps.hjc.court.ramallah', 'decision-enforcement', {});
    expect(answer.records.map((r) => r.key.value)).toEqual(['8/2026']);
  });
});

describe('A court and the judicial police: what became of a warrant?', () => {
  it('joins an older major, translated, and a 1.0 report that names no court', async () => {
    const issued = example('warrant.issued', '1.2'); // RAM-W-2026-00512, case 1184/2026, subject 401234567
    const report = example('warrant.executed', '1.0', (d) => {
      d.warrantNumber = 'RAM-W-2026-00512';
    }); // case 1184/2026, no court
    add(message('warrant.issued', '1.2', issued), message('warrant.executed', '1.0', report));
    const { answer, audit } = await run('ps.police.judicial', 'warrant-status', { person: '401234567' });
    expect(answer.records.map((r) => r.status.state)).toEqual(['executed']);
    expect(answer.records[0].fields).toMatchObject({ subjectName: { ar: 'محمد خليل أحمد النتشة', latin: 'Mohammad Khalil Ahmad Al-Natsheh' } });
    expect(answer.records[0].history.map((h) => `${h.type}@${h.version}`)).toEqual(['warrant.issued@3.0', 'warrant.executed@1.0']);
    // the audit log never holds the national id in clear
    expect(JSON.stringify(audit)).not.toContain('401234567');
    expect(audit.parameters.person).toMatch(/^keyed:[A-Za-z0-9_-]{43}$/);
  });
});

describe('refusals, in an order that reveals no more than it must', () => {
  it('unknown query, then not granted (whatever the parameters), then parameters, then cursor', async () => {
    expect((await refused(run('ps.mot', 'fines-of-everyone', {}))).code).toBe('unknown-query');
    expect((await refused(run('ps.mot', 'message-status', {}))).message).toBe('message-status is answered by GET /v1/messages/{id}');
    const denied = await refused(run('ps.mot', 'alimony-payments', { nonsense: 'x' }));
    expect([denied.code, denied.status]).toEqual(['query-not-granted', 403]);
    const bad = await refused(run('ps.mot', 'traffic-fines', { limit: '500' }));
    expect([bad.code, bad.status, bad.faults]).toEqual([
      'query-parameters-invalid',
      400,
      [
        { pointer: '/limit', detail: 'must be a whole number from 1 to 100' },
        { pointer: '', detail: 'give at least one of plate, fine, driver' },
      ],
    ]);
    expect((await refused(run('ps.mot', 'traffic-fines', { plate: ' - ' }))).faults).toEqual([{ pointer: '/plate', detail: 'has nothing to look up once spaces and punctuation are set aside' }]);
    expect((await refused(run('ps.mot', 'traffic-fines', { plate: '7-1234-95', cursor: 'abc.def' }))).code).toBe('cursor-invalid');
  });
});
