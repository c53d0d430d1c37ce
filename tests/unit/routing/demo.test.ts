/**
 * The demo federation in contracts/ loads with the real catalogue, and one message of each flow
 * (built from the catalogue's own examples, re-addressed to the demo's institutions, and valid
 * against its schema) reaches exactly the expected recipients, in their pinned major, projected to
 * their fields — which still validate against that major.
 */
import { describe, expect, it } from 'vitest';
import { ForbiddenError } from '../../../src/errors.js';
import { authorizeQuery, endpointEnvVar, loadContracts, project, route } from '../../../src/routing/index.js';
import type { Classification, RoutingDecision } from '../../../src/routing/types.js';
import { DEMO } from './helpers.js';

const contracts = loadContracts(DEMO, { env: {} });
const cat = contracts.catalogue;

function example(type: string, version: string, i = 0): Record<string, any> {
  const ex = (cat.get(type, version)!.examples as unknown[])[i];
  return structuredClone(ex) as Record<string, any>;
}

/** Route a payload that must first be valid against its schema. */
function send(sender: string, type: string, version: string, data: Record<string, any>, classification: Classification = 'restricted'): RoutingDecision {
  expect(cat.validate(type, version, data)).toEqual([]);
  return route(contracts, { sender, type, version, classification, data });
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ForbiddenError);
    return (err as ForbiddenError).code;
  }
  throw new Error('expected a refusal');
}

const to = (d: RoutingDecision) => d.deliveries.map((x) => x.recipient);
const del = (d: RoutingDecision, r: string) => d.deliveries.find((x) => x.recipient === r)!;

/** What the recipient would get: translated to its major, projected, and still valid there. */
function delivered(d: RoutingDecision, r: string, data: unknown): Record<string, any> {
  const p = del(d, r);
  const t = cat.translate(d.type, d.version, p.major, data);
  return project(t.data, p.fields) as Record<string, any>;
}

describe('the demo federation', () => {
  it('loads: institutions on distinct default ports in 18100-18199, overridable from the environment', () => {
    expect(contracts.agreements.size).toBeGreaterThanOrEqual(6);
    const ports = [...contracts.institutions.values()].map((i) => new URL(i.endpoints.deliveries));
    for (const u of ports) {
      expect(u.hostname).toBe('127.0.0.1');
      expect(Number(u.port)).toBeGreaterThanOrEqual(18100);
      expect(Number(u.port)).toBeLessThanOrEqual(18199);
    }
    expect(new Set(ports.map((u) => u.port)).size).toBe(ports.length);
    const moved = loadContracts(DEMO, { env: { [endpointEnvVar('ps.bank.palestine')]: 'http://127.0.0.1:40123/in' } });
    expect(moved.institution('ps.bank.palestine')!.endpoints.deliveries).toBe('http://127.0.0.1:40123/in');
  });
});

describe('warrants: courts -> judicial police (2.0 translated to 1.x) and back', () => {
  const warrant = () => {
    const w = example('warrant.issued', '2.0', 1);
    w.issuingCourt.id = 'ps.hjc.court.ramallah';
    w.executingAuthority = 'ps.police.judicial';
    return w;
  };

  it('an adult warrant goes to the authority it names, in major 1, valid there', () => {
    const w = warrant();
    const d = send('ps.hjc.court.ramallah', 'warrant.issued', '2.0', w);
    expect(to(d)).toEqual(['ps.police.judicial']);
    expect(del(d, 'ps.police.judicial')).toMatchObject({ agreement: 'warrants-courts-police', grant: 'warrants-to-police', major: 1 });
    const got = delivered(d, 'ps.police.judicial', w);
    const latest1 = cat.latest('warrant.issued', 1)!.version;
    expect(cat.validate('warrant.issued', latest1, got)).toEqual([]);
    expect(got.offence).toBeDefined();
    expect(got.offences).toBeUndefined();
  });

  it('a warrant for a child from a first-instance court is refused; the juvenile court reaches the juvenile unit and the counsellor', () => {
    const w = warrant();
    w.subject.juvenile = true;
    expect(refusal(() => send('ps.hjc.court.ramallah', 'warrant.issued', '2.0', w))).toBe('no-recipient');
    w.issuingCourt.id = 'ps.hjc.juvenile-court.ramallah';
    w.executingAuthority = 'ps.police.juvenile-unit';
    const d = send('ps.hjc.juvenile-court.ramallah', 'warrant.issued', '2.0', w, 'public');
    expect(to(d)).toEqual(['ps.mosd.child-protection', 'ps.police.juvenile-unit']);
    expect(d.classification).toBe('juvenile');
    const counsellor = delivered(d, 'ps.mosd.child-protection', w);
    expect(Object.keys(counsellor).sort()).toEqual(['caseNumber', 'issuedOn', 'issuingCourt', 'kind', 'offences', 'subject', 'warrantNumber']);
  });

  it('execution reports go back to the courts; the juvenile unit reports only to the juvenile court and the counsellor', () => {
    const x = example('warrant.executed', '1.0');
    expect(to(send('ps.police.judicial', 'warrant.executed', '1.0', x))).toEqual(['ps.hjc.court.nablus', 'ps.hjc.court.ramallah']);
    const j = send('ps.police.juvenile-unit', 'warrant.executed', '1.0', x);
    expect(to(j)).toEqual(['ps.hjc.juvenile-court.ramallah', 'ps.mosd.child-protection']);
    expect(j.classification).toBe('juvenile');
  });

  it('cancellations go to the judicial police; service reports to the court they name', () => {
    const c = example('warrant.cancelled', '1.0');
    expect(to(send('ps.hjc.court.nablus', 'warrant.cancelled', '1.0', c))).toEqual(['ps.police.judicial']);
    const n = example('notification.served', '1.0', 1);
    n.court.id = 'ps.hjc.court.ramallah';
    expect(to(send('ps.police.judicial', 'notification.served', '1.0', n))).toEqual(['ps.hjc.court.ramallah']);
  });
});

describe('traffic fines: traffic police and transport -> the magistrate court and finance', () => {
  const fine = (locality: string, issuedBy: string) => {
    const f = example('traffic-fine.issued', '1.0', 0);
    f.place.locality = locality;
    f.issuedBy = issuedBy;
    f.driver = { name: { ar: 'سامي' }, nationalId: '401234567', licenceNumber: 'PS-7781234' };
    return f;
  };

  it('a traffic police fine in Ramallah reaches the Ramallah magistrate court, finance (projected) and transport', () => {
    const f = fine('Ramallah', 'ps.police.traffic');
    const d = send('ps.police.traffic', 'traffic-fine.issued', '1.0', f);
    expect(to(d)).toEqual(['ps.hjc.magistrate-court.ramallah', 'ps.mof', 'ps.mot']);
    expect(delivered(d, 'ps.mof', f)).toEqual({
      fineNumber: f.fineNumber,
      issuedBy: 'ps.police.traffic',
      offence: { code: f.offence.code },
      amount: f.amount,
      dueBy: f.dueBy,
      vehicle: { plate: f.vehicle.plate },
      driver: { nationalId: '401234567' },
    });
  });

  it('a camera fine from transport in Nablus reaches the Nablus magistrate court and finance, not transport itself', () => {
    expect(to(send('ps.mot', 'traffic-fine.issued', '1.0', fine('Nablus', 'ps.mot')))).toEqual(['ps.hjc.magistrate-court.nablus', 'ps.mof']);
  });

  it('paid and contested fines; only the traffic police and transport issue fines', () => {
    expect(to(send('ps.mof', 'traffic-fine.paid', '1.0', example('traffic-fine.paid', '1.0')))).toEqual(['ps.mot', 'ps.police.traffic']);
    expect(to(send('ps.hjc.court.nablus', 'traffic-fine.contested', '1.0', example('traffic-fine.contested', '1.0')))).toEqual(['ps.mof', 'ps.mot']);
    expect(to(send('ps.hjc.magistrate-court.nablus', 'traffic-fine.contested', '1.1', example('traffic-fine.contested', '1.1')))).toEqual(['ps.mof', 'ps.mot']);
    expect(refusal(() => send('ps.mof', 'traffic-fine.issued', '1.0', fine('Ramallah', 'ps.mof')))).toBe('no-agreement');
    expect(refusal(() => send('ps.police.judicial', 'traffic-fine.issued', '1.0', fine('Ramallah', 'ps.police.judicial')))).toBe('no-agreement');
  });
});

describe('decisions with fines -> finance and transport', () => {
  const decision = () => {
    const d = example('decision.issued', '1.0', 1);
    d.court = { id: 'ps.hjc.court.ramallah', name: { ar: 'محكمة بداية رام الله' } };
    return d;
  };

  it('a final fine goes to both ministries; finance sees only what collection needs', () => {
    const x = decision();
    const d = send('ps.hjc.court.ramallah', 'decision.issued', '1.0', x);
    expect(to(d)).toEqual(['ps.mof', 'ps.mot']);
    const mof = delivered(d, 'ps.mof', x);
    expect(Object.keys(mof).sort()).toEqual(['caseNumber', 'court', 'decidedOn', 'decisionNumber', 'final', 'parties', 'sentence']);
    expect(mof.court).toEqual({ id: 'ps.hjc.court.ramallah' });
    expect(mof.operativePart).toBeUndefined();
    expect(mof.judges).toBeUndefined();
  });

  it('a fine not yet final goes to finance only; prison sentences and children go to neither', () => {
    const x = decision();
    x.final = false;
    expect(to(send('ps.hjc.court.ramallah', 'decision.issued', '1.0', x))).toEqual(['ps.mof']);
    const prison = decision();
    prison.sentence = { kind: 'imprisonment', durationDays: 90 };
    expect(refusal(() => send('ps.hjc.court.ramallah', 'decision.issued', '1.0', prison))).toBe('no-recipient');
    const child = decision();
    child.juvenile = true;
    child.parties = [{ role: 'juvenile', name: { ar: 'ط' } }];
    expect(refusal(() => send('ps.hjc.court.ramallah', 'decision.issued', '1.0', child))).toBe('no-recipient');
  });

  it('finance reports enforcement to the court that decided', () => {
    const s = example('decision.enforcement-status', '1.0');
    s.decision.court = 'ps.hjc.court.nablus';
    expect(to(send('ps.mof', 'decision.enforcement-status', '1.0', s))).toEqual(['ps.hjc.court.nablus']);
  });
});

describe('alimony: family court -> fund -> bank -> fund and family court', () => {
  it('routes each step', () => {
    expect(to(send('ps.sjd.family-court.ramallah', 'alimony.order', '1.0', example('alimony.order', '1.0')))).toEqual(['ps.alimony-fund']);
    const payout = send('ps.alimony-fund', 'alimony.payout-instruction', '1.0', example('alimony.payout-instruction', '1.0'));
    expect(to(payout)).toEqual(['ps.bank.palestine']);
    expect(del(payout, 'ps.bank.palestine')).toMatchObject({ rateLimit: { perSecond: 5, burst: 20 }, retry: { schedule: [60, 600, 3600, 14400, 43200, 86400], jitter: 0.1 } });
    const rec = example('alimony.payment-record', '1.0');
    const d = send('ps.bank.palestine', 'alimony.payment-record', '1.0', rec);
    expect(to(d)).toEqual(['ps.alimony-fund', 'ps.sjd.family-court.ramallah']);
    expect(Object.keys(delivered(d, 'ps.sjd.family-court.ramallah', rec)).sort()).toEqual(['amount', 'bookedOn', 'orderNumber', 'status', 'valueDate']);
  });
});

describe('juveniles and detention', () => {
  it('the juvenile court tells the counsellor and the prosecution, never anyone uncleared', () => {
    const dec = example('decision.issued', '1.0', 0);
    dec.court = { id: 'ps.hjc.juvenile-court.ramallah', name: { ar: 'محكمة الأحداث' } };
    const d = send('ps.hjc.juvenile-court.ramallah', 'decision.issued', '1.0', dec, 'public');
    expect(to(d)).toEqual(['ps.ago.prosecution', 'ps.mosd.child-protection']);
    expect(d.classification).toBe('juvenile');
    expect(to(send('ps.hjc.juvenile-court.ramallah', 'detention.alert', '1.0', example('detention.alert', '1.0', 0)))).toEqual(['ps.ago.prosecution', 'ps.mosd.child-protection']);
  });

  it('prosecution alerts: adults to the courts, children only to the juvenile court and the counsellor', () => {
    const adult = send('ps.ago.prosecution', 'detention.alert', '1.0', example('detention.alert', '1.0', 1));
    expect(to(adult)).toEqual(['ps.hjc.court.nablus', 'ps.hjc.court.ramallah']);
    const child = send('ps.ago.prosecution', 'detention.alert', '1.0', example('detention.alert', '1.0', 0));
    expect(to(child)).toEqual(['ps.hjc.juvenile-court.ramallah', 'ps.mosd.child-protection']);
    expect(child.classification).toBe('juvenile');
    // an adult alert the prosecution marks juvenile in the envelope has no cleared recipient
    expect(refusal(() => send('ps.ago.prosecution', 'detention.alert', '1.0', example('detention.alert', '1.0', 1), 'juvenile'))).toBe('no-cleared-recipient');
  });
});

describe('queries', () => {
  it('ministries may ask about message status, no more', () => {
    expect(authorizeQuery(contracts, 'ps.mof', 'message-status')).toBe(true);
    expect(authorizeQuery(contracts, 'ps.mot', 'message-status')).toBe(true);
    expect(authorizeQuery(contracts, 'ps.mof', 'delivery-status')).toBe(false);
    expect(authorizeQuery(contracts, 'ps.hjc.court.nablus', 'delivery-status')).toBe(true);
  });
});
