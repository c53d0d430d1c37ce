/**
 * The judicial flows of the demo federation (issue 27), routed with the real catalogue and contract
 * set: each message is a catalogue example (valid against its schema), sent by an institution of
 * the federation, and must reach exactly the institutions its agreements name — projected to their
 * fields, in their pinned major — and no one else. Also: every grant of every agreement is exercised
 * by an example, and a gbv message reaches only cleared recipients.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ContractError, ForbiddenError } from '../../../src/errors.js';
import { HUB_INSTITUTION_ID } from '../../../src/federation/index.js';
import { loadContracts, project, route } from '../../../src/routing/index.js';
import { matches } from '../../../src/routing/pattern.js';
import type { Classification, RoutingDecision } from '../../../src/routing/types.js';
import { DEMO, edit } from './helpers.js';

const contracts = loadContracts(DEMO, { env: {} });
const cat = contracts.catalogue;

function example(type: string, version: string, i = 0): Record<string, any> {
  return structuredClone((cat.get(type, version)!.examples as unknown[])[i]) as Record<string, any>;
}

function send(sender: string, type: string, version: string, data: Record<string, any>, classification: Classification = 'restricted'): RoutingDecision {
  expect(cat.validate(type, version, data)).toEqual([]);
  return route(contracts, { sender, type, version, classification, data });
}

function refusal(fn: () => unknown): { code: string; pointers: string[] } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ForbiddenError);
    const e = err as ForbiddenError;
    return { code: e.code, pointers: e.faults.map((f) => f.pointer) };
  }
  throw new Error('expected a refusal');
}

const to = (d: RoutingDecision) => d.deliveries.map((x) => x.recipient);
const del = (d: RoutingDecision, r: string) => d.deliveries.find((x) => x.recipient === r)!;
function delivered(d: RoutingDecision, r: string, data: unknown): Record<string, any> {
  const p = del(d, r);
  const t = cat.translate(d.type, d.version, p.major, data);
  const out = project(t.data, p.fields) as Record<string, any>;
  expect(cat.validate(d.type, t.version, t.data)).toEqual([]);
  return out;
}

describe('every agreement of the federation', () => {
  it("has each of its grants exercised by an example of the catalogue, sent by one of the grant's senders", () => {
    const unexercised: string[] = [];
    for (const a of contracts.agreements.values()) {
      for (const g of a.grants) {
        // the hub sends its own messages (issue 23: reconciled payment records) under its exact id
        const senders = [...contracts.institutions.keys(), HUB_INSTITUTION_ID].filter((id) => g.senders.some((p) => matches(p, id)));
        let hit = false;
        for (const type of g.types) {
          for (const ref of cat.list().filter((r) => r.type === type)) {
            (cat.get(type, ref.version)!.examples as unknown[]).forEach((ex) => {
              for (const sender of senders) {
                if (hit) return;
                try {
                  const d = route(contracts, { sender, type, version: ref.version, classification: 'restricted', data: ex });
                  hit = d.deliveries.some((x) => x.entitledBy?.some((e) => e.agreement === a.id && e.grant === g.id));
                } catch (err) {
                  if (!(err instanceof ForbiddenError)) throw err;
                }
              }
            });
          }
        }
        if (!hit) unexercised.push(`${a.id}/${g.id}`);
      }
    }
    expect(unexercised).toEqual([]);
  });
});

describe('final decisions to the institutions that enforce them', () => {
  it("a court of appeal's prison sentence with a fine reaches the judicial police, the centre it names, finance and the prosecution, and no other centre", () => {
    const dec = example('decision.issued', '1.1', 0);
    const d = send('ps.hjc.appeal-court.ramallah', 'decision.issued', '1.1', dec);
    expect(to(d)).toEqual(['ps.ago.prosecution', 'ps.mof', 'ps.police.crc.jneid', 'ps.police.judicial']);
    const centre = delivered(d, 'ps.police.crc.jneid', dec);
    expect(Object.keys(centre).sort()).toEqual(['caseNumber', 'court', 'decidedOn', 'decisionNumber', 'enforcement', 'final', 'kind', 'parties', 'penalties', 'sentence']);
    expect(centre.parties[1]).toEqual({ role: 'victim', name: dec.parties[1].name, nationalId: dec.parties[1].nationalId });
    const mof = delivered(d, 'ps.mof', dec);
    expect(mof.operativePart).toBeUndefined();
    // finance sees each penalty's kind, party and amount, not the prison term
    expect(mof.penalties).toEqual([
      { kind: 'imprisonment', party: 0 },
      { kind: 'fine', party: 0, amount: { value: '500.000', currency: 'JOD' } },
    ]);
  });

  it('a 1.0 prison sentence reaches the one enforcing authority it names (it was refused with no-recipient before)', () => {
    const dec = example('decision.issued', '1.0', 0);
    dec.court = { id: 'ps.hjc.court.nablus', name: { ar: 'محكمة بداية نابلس' } };
    expect(dec.sentence.kind).toBe('imprisonment');
    expect(to(send('ps.hjc.court.nablus', 'decision.issued', '1.0', dec))).toEqual(['ps.police.judicial']);
    dec.enforcement.authority = 'ps.police.crc.jericho';
    expect(to(send('ps.hjc.court.nablus', 'decision.issued', '1.0', dec))).toEqual(['ps.police.crc.jericho']);
  });

  it("a child's care placement reaches the care home it names, the counsellor and the prosecution, classified juvenile", () => {
    const dec = example('decision.issued', '1.1', 2);
    const d = send('ps.hjc.juvenile-court.ramallah', 'decision.issued', '1.1', dec, 'public');
    expect(to(d)).toEqual(['ps.ago.prosecution', 'ps.mosd.child-protection', 'ps.mosd.juvenile-care.ramallah']);
    expect(d.classification).toBe('juvenile');
    // the same decision from an adult court reaches no one: the enforcing grants exclude children
    expect(refusal(() => send('ps.hjc.court.ramallah', 'decision.issued', '1.1', dec)).code).toBe('no-recipient');
  });

  it('the centre reports committal back to the court; a delay reaches it only with its reason and new date', () => {
    const enforced = example('decision.enforcement-status', '1.1', 1);
    expect(to(send('ps.police.crc.jneid', 'decision.enforcement-status', '1.1', enforced))).toEqual(['ps.hjc.appeal-court.ramallah']);
    const delayed = example('decision.enforcement-status', '1.1', 0);
    expect(to(send('ps.police.judicial', 'decision.enforcement-status', '1.1', delayed))).toEqual(['ps.hjc.appeal-court.ramallah']);
    const bare = { ...delayed };
    delete bare.delay;
    delete bare.delayReason;
    delete bare.newTimeline;
    const r = refusal(() => send('ps.police.judicial', 'decision.enforcement-status', '1.1', bare));
    expect(r.code).toBe('no-recipient');
    expect(r.pointers).toEqual(expect.arrayContaining(['/delay/reason/code', '/delayReason']));
  });
});

describe("referral of a case by the prosecution, and the court's acknowledgement", () => {
  it('the referral reaches the court it names; the acknowledgement links both case numbers back to the prosecution', () => {
    const ref = example('case.referred', '1.0', 0);
    expect(to(send('ps.ago.prosecution', 'case.referred', '1.0', ref))).toEqual(['ps.hjc.court.ramallah']);
    const ack = example('case.referral-acknowledged', '1.0', 0);
    expect(ack.prosecutionCaseNumber).toBe(ref.prosecutionCaseNumber);
    const d = send('ps.hjc.court.ramallah', 'case.referral-acknowledged', '1.0', ack);
    expect(to(d)).toEqual(['ps.ago.prosecution']);
    expect(delivered(d, 'ps.ago.prosecution', ack)).toMatchObject({ prosecutionCaseNumber: '3310/2025', courtCaseNumber: '1184/2026' });
  });

  it("a registration without the court's case number, or a return without its reason, reaches no one", () => {
    const ack = example('case.referral-acknowledged', '1.0', 0);
    delete ack.courtCaseNumber;
    expect(refusal(() => send('ps.hjc.court.ramallah', 'case.referral-acknowledged', '1.0', ack))).toMatchObject({ code: 'no-recipient', pointers: expect.arrayContaining(['/courtCaseNumber']) });
    const ret = example('case.referral-acknowledged', '1.0', 1);
    delete ret.reason;
    expect(refusal(() => send('ps.hjc.magistrate-court.ramallah', 'case.referral-acknowledged', '1.0', ret)).code).toBe('no-recipient');
  });

  it("a child's case goes to the juvenile court only, classified juvenile", () => {
    const ref = example('case.referred', '1.0', 1);
    const d = send('ps.ago.prosecution', 'case.referred', '1.0', ref, 'public');
    expect(to(d)).toEqual(['ps.hjc.juvenile-court.ramallah']);
    expect(d.classification).toBe('juvenile');
    ref.court = { id: 'ps.hjc.court.ramallah', name: { ar: 'محكمة بداية رام الله' } };
    expect(refusal(() => send('ps.ago.prosecution', 'case.referred', '1.0', ref)).code).toBe('no-recipient');
  });
});

describe('remand orders and their extensions', () => {
  it('an extension by the magistrate court reaches the centre it names and the prosecution, with the start and the limits', () => {
    const order = example('detention.ordered', '1.0', 0);
    const d = send('ps.hjc.magistrate-court.ramallah', 'detention.ordered', '1.0', order);
    expect(to(d)).toEqual(['ps.ago.prosecution', 'ps.police.crc.jneid']);
    const centre = delivered(d, 'ps.police.crc.jneid', order);
    expect(centre.detention).toEqual({ startedAt: '2026-02-20T11:00:00+02:00', until: '2026-03-09T11:00:00+02:00' });
    expect(centre.legalLimit.until).toBe('2026-08-20T11:00:00+03:00');
    expect(centre.grounds).toBeUndefined();
  });

  it("the prosecution's own order reaches the centre only; a child's reaches the care home and the counsellor, never a centre", () => {
    const order = example('detention.ordered', '1.0', 0);
    expect(to(send('ps.ago.prosecution', 'detention.ordered', '1.0', order))).toEqual(['ps.police.crc.jneid']);
    const child = example('detention.ordered', '1.0', 1);
    const d = send('ps.hjc.juvenile-court.ramallah', 'detention.ordered', '1.0', child, 'public');
    expect(to(d)).toEqual(['ps.ago.prosecution', 'ps.mosd.child-protection', 'ps.mosd.juvenile-care.ramallah']);
    expect(d.classification).toBe('juvenile');
    child.facility = { id: 'ps.police.crc.jneid', name: { ar: 'مركز إصلاح وتأهيل الجنيد' } };
    expect(to(send('ps.hjc.juvenile-court.ramallah', 'detention.ordered', '1.0', child, 'public'))).toEqual(['ps.ago.prosecution', 'ps.mosd.child-protection']);
  });
});

describe("imprisonment for unpaid alimony, and the beneficiary's payment notice", () => {
  it("the order reaches the judicial police whole and the fund without the debtor's address", () => {
    const order = example('alimony.imprisonment-ordered', '1.0');
    const d = send('ps.sjd.family-court.ramallah', 'alimony.imprisonment-ordered', '1.0', order);
    expect(to(d)).toEqual(['ps.alimony-fund', 'ps.police.judicial']);
    expect(delivered(d, 'ps.alimony-fund', order).debtor).toEqual({ name: order.debtor.name, nationalId: order.debtor.nationalId });
  });

  it("the fund's notice reaches the family court that made the order", () => {
    expect(to(send('ps.alimony-fund', 'alimony.payment-notice', '1.0', example('alimony.payment-notice', '1.0')))).toEqual(['ps.sjd.family-court.ramallah']);
  });
});

describe('alternatives to detention, and the social inquiry report', () => {
  it("an adult's measure goes to the judicial police, whose report goes back to the court; a child's to the counsellor, classified juvenile", () => {
    expect(to(send('ps.hjc.magistrate-court.ramallah', 'alternative-measure.ordered', '1.0', example('alternative-measure.ordered', '1.0', 0)))).toEqual(['ps.police.judicial']);
    expect(to(send('ps.police.judicial', 'alternative-measure.report', '1.0', example('alternative-measure.report', '1.0', 0)))).toEqual(['ps.hjc.magistrate-court.ramallah']);
    const child = send('ps.hjc.juvenile-court.ramallah', 'alternative-measure.ordered', '1.0', example('alternative-measure.ordered', '1.0', 1), 'public');
    expect(to(child)).toEqual(['ps.mosd.child-protection']);
    expect(child.classification).toBe('juvenile');
    const report = send('ps.mosd.child-protection', 'alternative-measure.report', '1.0', example('alternative-measure.report', '1.0', 1), 'public');
    expect(to(report)).toEqual(['ps.hjc.juvenile-court.ramallah']);
    expect(report.classification).toBe('juvenile');
  });

  it("the counsellor's report reaches the juvenile court, classified juvenile by its type even when the envelope says public", () => {
    expect(contracts.typeClassification('social-inquiry.report')).toBe('juvenile');
    const d = send('ps.mosd.child-protection', 'social-inquiry.report', '1.0', example('social-inquiry.report', '1.0'), 'public');
    expect(to(d)).toEqual(['ps.hjc.juvenile-court.ramallah']);
    expect(d.classification).toBe('juvenile');
    expect(d.requiredClearances).toEqual(['juvenile']);
  });
});

describe('protection orders in gender-based-violence cases', () => {
  const cleared = (id: string) => contracts.institution(id)!.clearances.includes('gbv');

  it('reach the Family and Juvenile Protection Unit and the prosecution only, classified gbv whatever the envelope says', () => {
    expect(contracts.typeClassification('protection-order.issued')).toBe('gbv');
    for (const envelope of ['public', 'restricted'] as const) {
      const d = send('ps.hjc.magistrate-court.ramallah', 'protection-order.issued', '1.0', example('protection-order.issued', '1.0'), envelope);
      expect(to(d)).toEqual(['ps.ago.prosecution', 'ps.police.juvenile-unit']);
      expect(d.classification).toBe('gbv');
      for (const r of to(d)) expect(cleared(r), r).toBe(true);
    }
    expect(cleared('ps.police.judicial')).toBe(false);
  });

  it('cannot be granted to an institution not cleared for gbv: the contract set is refused at load', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasla-gbv-'));
    fs.cpSync(DEMO, dir, { recursive: true });
    edit(dir, 'agreements/gbv-protection-orders.json', (a) => {
      a.parties.push('ps.police.judicial');
      a.grants[0].to.push({ recipient: 'ps.police.judicial', major: 1, fields: ['*'] });
    });
    try {
      loadContracts(dir, { env: {} });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ContractError);
      const faults = (err as ContractError).faults as Array<{ file: string; pointer: string; detail: string }>;
      expect(faults).toContainEqual(expect.objectContaining({ pointer: '/grants/0/to/2/recipient', detail: expect.stringMatching(/ps\.police\.judicial not cleared for gbv/) }));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('service of notifications', () => {
  it("the court's request reaches the police; served goes back to the court, a failure only with its reason", () => {
    expect(to(send('ps.hjc.magistrate-court.ramallah', 'notification.requested', '1.0', example('notification.requested', '1.0')))).toEqual(['ps.police.judicial']);
    expect(to(send('ps.police.judicial', 'notification.served', '1.1', example('notification.served', '1.1', 0)))).toEqual(['ps.hjc.magistrate-court.ramallah']);
    const failed = example('notification.served', '1.1', 1);
    expect(to(send('ps.police.judicial', 'notification.served', '1.1', failed))).toEqual(['ps.hjc.magistrate-court.ramallah']);
    delete failed.failure;
    delete failed.reason;
    expect(refusal(() => send('ps.police.judicial', 'notification.served', '1.1', failed)).code).toBe('no-recipient');
  });
});

describe('warrants: a person identified only in part, and where an arrested person is held', () => {
  it('a fully identified 3.0 warrant reaches the judicial police in major 1, with every offence; one identified in part in major 3', () => {
    const full = example('warrant.issued', '3.0', 0);
    const d = send('ps.hjc.court.ramallah', 'warrant.issued', '3.0', full);
    expect(del(d, 'ps.police.judicial')).toMatchObject({ grant: 'warrants-to-police', major: 1 });
    const got = delivered(d, 'ps.police.judicial', full);
    expect([got.offence, ...got.additionalOffences]).toEqual(full.offences);
    const partial = example('warrant.issued', '3.0', 1);
    const p = send('ps.hjc.magistrate-court.ramallah', 'warrant.issued', '3.0', partial);
    expect(to(p)).toEqual(['ps.police.judicial']);
    expect(del(p, 'ps.police.judicial')).toMatchObject({ grant: 'partly-identified-warrants-to-police', major: 3 });
    expect(delivered(p, 'ps.police.judicial', partial)).toEqual(partial);
    // the two grants never match the same warrant
    expect(del(d, 'ps.police.judicial').entitledBy).toEqual([{ agreement: 'warrants-courts-police', grant: 'warrants-to-police' }]);
    // a national id without the date of birth the registry gives with it: no grant, no translation that could fail
    const incomplete = example('warrant.issued', '3.0', 0);
    delete incomplete.subject.dateOfBirth;
    expect(refusal(() => send('ps.hjc.court.ramallah', 'warrant.issued', '3.0', incomplete))).toMatchObject({
      code: 'no-recipient',
      pointers: expect.arrayContaining(['/subject/dateOfBirth', '/subject/nationalId']),
    });
  });

  it('the contract set is refused when a recipient is pinned to a major that cannot carry a warrant without a national id', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasla-pin-'));
    fs.cpSync(DEMO, dir, { recursive: true });
    edit(dir, 'agreements/warrants-courts-police.json', (a) => {
      a.grants[0].conditions = a.grants[0].conditions.filter((c: { pointer: string }) => c.pointer !== '/subject/nationalId');
    });
    try {
      loadContracts(dir, { env: {} });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ContractError);
      expect((err as ContractError).faults).toEqual([
        expect.objectContaining({ pointer: '/grants/0/to/0/major', detail: expect.stringMatching(/pinned to warrant\.issued major 1, which cannot carry a document without \/subject\/nationalId/) }),
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a 1.1 execution report goes to the court that issued the warrant alone, saying where the person is held and since when', () => {
    const x = example('warrant.executed', '1.1', 0);
    const d = send('ps.police.judicial', 'warrant.executed', '1.1', x);
    expect(to(d)).toEqual(['ps.hjc.court.ramallah']);
    expect(delivered(d, 'ps.hjc.court.ramallah', x).custody).toEqual(x.custody);
    expect(to(send('ps.police.judicial', 'warrant.executed', '1.1', example('warrant.executed', '1.1', 1)))).toEqual(['ps.hjc.magistrate-court.ramallah']);
  });
});
