/**
 * Status derivation for each lifecycle (issue 24, "status derivation for each lifecycle, including
 * messages arriving out of order"): the explicit rules, and a property that the status is the same
 * whatever the order the messages are given in.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deriveStatus, parseTime, type StoredMessage } from '../../../src/queries/index.js';
import { example, message, queries } from './helpers.js';

const q = (name: string) => queries.get(name)!;
const at = (iso: string) => new Date(iso);
const status = (name: string, messages: StoredMessage[], asOf = '2026-06-01T00:00:00Z', params: Record<string, string> = {}) => deriveStatus(q(name), messages, { asOf: at(asOf), params })?.state;

/** The same status whatever the order the messages come in (property). */
function orderIndependent(name: string, messages: StoredMessage[], asOf = '2026-06-01T00:00:00Z', params: Record<string, string> = {}): void {
  const expected = deriveStatus(q(name), messages, { asOf: at(asOf), params });
  fc.assert(
    fc.property(fc.shuffledSubarray(messages, { minLength: messages.length, maxLength: messages.length }), (shuffled) => {
      expect(deriveStatus(q(name), shuffled, { asOf: at(asOf), params })).toEqual(expected);
    }),
    { numRuns: 50 },
  );
}

describe('a traffic fine: issued -> contested -> paid, overdue past its due date', () => {
  const issued = message('traffic-fine.issued', '1.1', example('traffic-fine.issued', '1.1')); // occurred 2026-03-18, due 2026-04-17
  const paid = message('traffic-fine.paid', '1.1', example('traffic-fine.paid', '1.1')); // paid 2026-03-25
  const contested = message(
    'traffic-fine.contested',
    '1.1',
    example('traffic-fine.contested', '1.1', (d) => {
      d.fineNumber = 'TF-2026-0048213';
      d.contestedOn = '2026-04-01';
    }),
  );

  it('is issued, then overdue once its due date has passed', () => {
    expect(status('traffic-fines', [issued], '2026-04-01T00:00:00Z')).toBe('issued');
    expect(status('traffic-fines', [issued], '2026-04-18T00:00:00Z')).toBe('overdue');
  });

  it('is contested while a court hears it, even past its due date', () => {
    expect(status('traffic-fines', [issued, contested], '2026-05-01T00:00:00Z')).toBe('contested');
  });

  it('is paid, final: over an issue or a contest that arrives, or is dated, after the payment', () => {
    expect(status('traffic-fines', [paid, issued])).toBe('paid');
    expect(status('traffic-fines', [issued, paid, contested])).toBe('paid');
    const lateIssue = message(
      'traffic-fine.issued',
      '1.1',
      example('traffic-fine.issued', '1.1', (d) => {
        d.occurredAt = '2026-05-20T10:00:00+03:00';
      }),
    );
    expect(status('traffic-fines', [paid, lateIssue])).toBe('paid');
    orderIndependent('traffic-fines', [issued, paid, contested, lateIssue]);
  });

  it('derives nothing from messages no rule counts', () => {
    expect(deriveStatus(q('traffic-fines'), [], { asOf: at('2026-06-01T00:00:00Z'), params: {} })).toBeUndefined();
  });
});

describe('a warrant: issued -> executed, not found, failed, cancelled or expired', () => {
  const issued = message('warrant.issued', '3.0', example('warrant.issued', '3.0')); // issued 2026-05-04, valid until 2026-11-04
  const report = (outcome: string, when: string) =>
    message(
      'warrant.executed',
      '1.1',
      example('warrant.executed', '1.1', (d) => {
        d.outcome = outcome;
        d.when = when;
      }),
    );
  const cancelled = (on: string) =>
    message(
      'warrant.cancelled',
      '1.1',
      example('warrant.cancelled', '1.1', (d) => {
        d.cancelledOn = on;
      }),
    );

  it('a cancellation beats an execution reported with an earlier time', () => {
    const msgs = [issued, report('executed', '2026-05-09T06:42:00+03:00'), cancelled('2026-05-10')];
    expect(status('warrant-status', msgs)).toBe('cancelled');
    orderIndependent('warrant-status', msgs);
  });

  it('an execution after a cancellation is reported as what happened', () => {
    const msgs = [issued, cancelled('2026-05-07'), report('executed', '2026-05-09T06:42:00+03:00')];
    expect(status('warrant-status', msgs)).toBe('executed');
    orderIndependent('warrant-status', msgs);
  });

  it('not found leaves it standing; a later execution ends it; it expires when its validity ends', () => {
    const notFound = report('not-found', '2026-05-08T22:00:00+03:00');
    expect(status('warrant-status', [notFound, issued])).toBe('not-found');
    expect(status('warrant-status', [issued, notFound, report('executed', '2026-05-20T06:00:00+03:00')])).toBe('executed');
    expect(status('warrant-status', [issued], '2026-11-05T00:00:00Z')).toBe('expired');
    expect(status('warrant-status', [issued, notFound], '2026-11-05T00:00:00Z')).toBe('expired');
    expect(status('warrant-status', [issued, report('executed', '2026-05-20T06:00:00+03:00')], '2026-11-05T00:00:00Z')).toBe('executed');
    orderIndependent('warrant-status', [issued, notFound, report('failed', '2026-05-09T22:00:00+03:00')], '2026-11-05T00:00:00Z');
  });
});

describe('alimony: ordered -> instructed -> paid, partial or returned', () => {
  const order = message('alimony.order', '1.1', example('alimony.order', '1.1')); // 1200.00 ILS monthly
  const instruction = message('alimony.payout-instruction', '1.1', example('alimony.payout-instruction', '1.1')); // 2026-02-01
  const booked = (value: string, on = '2026-02-02') =>
    message(
      'alimony.payment-record',
      '1.1',
      example('alimony.payment-record', '1.1', (d) => {
        d.amount.value = value;
        d.bookedOn = on;
      }),
    );
  const reversed = message(
    'alimony.payment-record',
    '1.1',
    example('alimony.payment-record', '1.1', (d) => {
      d.status = 'reversed';
      d.amount.value = '-1200.00';
      d.bookedOn = '2026-02-05';
    }),
  );

  it('follows the money', () => {
    expect(status('alimony-payments', [order])).toBe('ordered');
    expect(status('alimony-payments', [order, instruction])).toBe('instructed');
    expect(status('alimony-payments', [order, instruction, booked('1200.00')])).toBe('paid');
    expect(status('alimony-payments', [order, instruction, booked('1200')])).toBe('paid');
    expect(status('alimony-payments', [order, instruction, booked('850.50')])).toBe('partial');
    expect(status('alimony-payments', [order, instruction, booked('1200.00'), reversed])).toBe('returned');
    orderIndependent('alimony-payments', [order, instruction, booked('1200.00'), reversed]);
  });

  it('counts only the month asked for, by the date the sender wrote', () => {
    const msgs = [order, instruction, booked('1200.00')];
    expect(status('alimony-payments', msgs, '2026-06-01T00:00:00Z', { month: '2026-02' })).toBe('paid');
    expect(status('alimony-payments', msgs, '2026-06-01T00:00:00Z', { month: '2026-03' })).toBe('ordered');
    const march = booked('1200.00', '2026-03-02');
    expect(status('alimony-payments', [...msgs, march, reversed], '2026-06-01T00:00:00Z', { month: '2026-03' })).toBe('paid');
    expect(status('alimony-payments', [...msgs, march, reversed], '2026-06-01T00:00:00Z', { month: '2026-02' })).toBe('returned');
  });

  it('compares amounts only in the same currency', () => {
    const inJod = message(
      'alimony.payment-record',
      '1.1',
      example('alimony.payment-record', '1.1', (d) => {
        d.amount = { value: '200.000', currency: 'JOD' };
      }),
    );
    expect(status('alimony-payments', [order, inJod])).toBe('paid');
  });
});

describe("a decision's enforcement: decided -> reports", () => {
  const decision = message('decision.issued', '1.1', example('decision.issued', '1.1')); // decided 2026-05-18, deadline 2026-06-01
  const report = (s: string, on: string) =>
    message(
      'decision.enforcement-status',
      '1.1',
      example('decision.enforcement-status', '1.1', (d) => {
        d.status = s;
        d.reportedOn = on;
        if (s !== 'delayed') delete d.delay;
      }),
    );

  it('goes by the latest report, and enforced is final over a delay reported later', () => {
    expect(status('decision-enforcement', [decision], '2026-05-20T00:00:00Z')).toBe('decided');
    expect(status('decision-enforcement', [decision], '2026-06-02T00:00:00Z')).toBe('overdue');
    expect(status('decision-enforcement', [decision, report('in-progress', '2026-05-25T10:00:00+03:00'), report('delayed', '2026-05-28T09:30:00+03:00')])).toBe('delayed');
    const msgs = [decision, report('enforced', '2026-05-27T10:00:00+03:00'), report('delayed', '2026-05-28T09:30:00+03:00')];
    expect(status('decision-enforcement', msgs)).toBe('enforced');
    orderIndependent('decision-enforcement', msgs);
  });
});

describe('a remand: ordered / extended -> released, or past its legal limit', () => {
  // 212/2026: an extension, held since 2026-02-20, until 2026-03-09, legal limit 2026-08-20
  const extension = message('detention.ordered', '1.0', example('detention.ordered', '1.0'));
  const initial = message(
    'detention.ordered',
    '1.0',
    example('detention.ordered', '1.0', (d) => {
      d.orderNumber = '198/2026';
      d.kind = 'initial';
      delete d.previousOrderNumber;
      d.orderedBy.id = 'ps.ago.prosecution';
      d.orderedBy.name = { ar: 'النيابة العامة' };
      d.official.id = 'ps.ago.prosecutor.p-0412';
      d.orderedAt = '2026-02-20T12:00:00+02:00';
      d.detention.until = '2026-02-22T12:00:00+02:00';
    }),
  );

  it('is held while an order holds, released when the latest ends without another', () => {
    expect(status('detention-status', [initial], '2026-02-21T00:00:00Z')).toBe('ordered');
    expect(status('detention-status', [initial, extension], '2026-03-01T00:00:00Z')).toBe('extended');
    // the initial order's end passed, but the extension holds: not released
    expect(status('detention-status', [extension, initial], '2026-03-01T00:00:00Z')).toBe('extended');
    expect(status('detention-status', [initial, extension], '2026-03-10T00:00:00Z')).toBe('released');
    orderIndependent('detention-status', [initial, extension], '2026-03-10T00:00:00Z');
  });

  it('is past its limit when an order holds the person beyond the limit it states, or an alert says so', () => {
    const beyond = message(
      'detention.ordered',
      '1.0',
      example('detention.ordered', '1.0', (d) => {
        d.orderNumber = '230/2026';
        d.previousOrderNumber = '212/2026';
        d.orderedAt = '2026-08-25T10:00:00+03:00';
        d.detention.until = '2026-09-10T10:00:00+03:00';
      }),
    );
    // ordered after the limit it states: past it from the moment it was made
    expect(status('detention-status', [initial, extension, beyond], '2026-08-26T00:00:00Z')).toBe('past-limit');
    const alert = message(
      'detention.alert',
      '1.1',
      example('detention.alert', '1.1', (d) => {
        d.alertKind = 'limit-passed';
        d.raisedAt = '2026-03-05T07:00:00+02:00';
        d.detainee.nationalId = '401002003';
      }),
    );
    expect(status('detention-status', [initial, extension, alert], '2026-03-06T00:00:00Z')).toBe('past-limit');
    orderIndependent('detention-status', [initial, extension, beyond, alert], '2026-08-26T00:00:00Z');
  });
});

describe('business time', () => {
  it("reads a date as its day's 00:00 UTC and a date-time with its offset; nothing else", () => {
    expect(parseTime('2026-03-05')).toBe(Date.UTC(2026, 2, 5));
    expect(parseTime('2026-03-05T02:00:00+02:00')).toBe(Date.UTC(2026, 2, 5));
    expect(parseTime('5 March 2026')).toBeUndefined();
    expect(parseTime(20260305)).toBeUndefined();
  });

  it("falls back to the envelope's time when the payload has none the rule names", () => {
    const a = message('traffic-fine.contested', '1.1', example('traffic-fine.contested', '1.1'), 'public', '2026-04-01T00:00:00Z');
    const derived = deriveStatus({ status: { ...q('traffic-fines').status, rules: [{ type: 'traffic-fine.contested', when: [], state: 'contested', at: ['/hearingOnX'] }] } }, [a], {
      asOf: at('2026-06-01T00:00:00Z'),
      params: {},
    });
    expect(derived).toEqual({ state: 'contested', at: '2026-04-01T00:00:00Z', message: a.id, deadline: false });
  });
});
