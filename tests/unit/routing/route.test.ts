import { describe, expect, it } from 'vitest';
import { ForbiddenError } from '../../../src/errors.js';
import { authorizeQuery, entitlement, route } from '../../../src/routing/index.js';
import { DEFAULT_RETRY, type Grant, type GrantTarget } from '../../../src/federation/index.js';
import type { Classification, Contracts, Institution, RoutingInput } from '../../../src/routing/types.js';
import { base, inMemory } from './helpers.js';
import { problemOf } from '../../../src/api/problems.js';

const contracts = base();

function input(sender: string, type: string, data: unknown, classification: Classification = 'restricted', version = '1.0'): RoutingInput {
  return { sender, type, version, classification, data };
}

function refused(fn: () => unknown): ForbiddenError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ForbiddenError);
    expect(problemOf(err as ForbiddenError).status).toBe(403);
    return err as ForbiddenError;
  }
  throw new Error('expected a refusal');
}

const recipients = (d: { deliveries: Array<{ recipient: string }> }) => d.deliveries.map((x) => x.recipient);

const adultWarrant = (executingAuthority: unknown) => ({
  warrantNumber: 'W-1',
  kind: 'arrest',
  executingAuthority,
  subject: { name: { ar: 'س' }, nationalId: '401', juvenile: false },
  offences: [{ code: 'PC-1', description: 'theft' }],
});

describe('deny by default', () => {
  it('a sender with no grant for the type is refused with no-agreement, naming sender and type', () => {
    const e = refused(() => route(contracts, input('t.mof', 'warrant.issued', adultWarrant('t.police'))));
    expect(e.code).toBe('no-agreement');
    expect(e.message).toContain('t.mof');
    expect(e.message).toContain('warrant.issued');
    expect(refused(() => route(contracts, input('t.court.a', 'detention.alert', {}))).code).toBe('no-agreement');
    expect(refused(() => route(contracts, input('t.court.a', 'no.such-type', {}))).code).toBe('no-agreement');
  });

  it('an id that only matches a pattern but is not a member is refused', () => {
    const e = refused(() => route(contracts, input('t.court.zz', 'warrant.issued', adultWarrant('t.police'), 'restricted', '2.0')));
    expect(e.code).toBe('no-agreement');
    expect(e.message).toMatch(/not a member/);
  });

  it('grants whose conditions fail give no-recipient with the failing pointers', () => {
    const w = adultWarrant('t.police');
    w.subject.juvenile = true;
    const e = refused(() => route(contracts, input('t.court.a', 'warrant.issued', w, 'restricted', '2.0')));
    expect(e.code).toBe('no-recipient');
    expect(e.faults.map((f) => f.pointer)).toEqual(['/subject/juvenile']);
    expect(e.faults[0].detail).toMatch(/warrants\/adult-warrants.*equals false/);
  });

  it('recipientFrom naming an institution the grant does not allow gives no-recipient', () => {
    for (const ea of ['t.mof', 'x.unknown', 42, undefined]) {
      const e = refused(() => route(contracts, input('t.court.a', 'warrant.issued', adultWarrant(ea), 'restricted', '2.0')));
      expect(e.code).toBe('no-recipient');
      expect(e.faults.map((f) => f.pointer)).toContain('/executingAuthority');
    }
  });

  it('expired and not-yet-valid agreements entitle no one', () => {
    const fine = { fineNumber: 'F1', amount: { value: '150.00', currency: 'ILS' } };
    expect(route(contracts, input('t.police', 'traffic-fine.issued', fine), new Date('2050-01-01')).deliveries.length).toBe(3);
    expect(refused(() => route(contracts, input('t.police', 'traffic-fine.issued', fine), new Date('2019-12-31T23:59:59Z'))).code).toBe('no-agreement');
    expect(refused(() => route(contracts, input('t.police', 'traffic-fine.issued', fine), new Date('2100-01-01T00:00:00Z'))).code).toBe('no-agreement');
  });

  it('route needs contracts from loadContracts', () => {
    const bare: Contracts = {
      dir: '',
      catalogue: contracts.catalogue,
      institutions: new Map(),
      mappings: contracts.mappings,
      institution: () => undefined,
      queriesFor: () => [],
      queryGrants: () => [],
      agreements: new Map(),
      queries: contracts.queries,
    };
    expect(() => route(bare, input('t.police', 'traffic-fine.issued', {}))).toThrow(TypeError);
  });
});

describe('recipients', () => {
  it('recipientFrom routes on content and the recipient pins its major and fields', () => {
    const d = route(contracts, input('t.court.a', 'warrant.issued', adultWarrant('t.police'), 'restricted', '2.0'));
    expect(d.deliveries).toEqual([
      {
        recipient: 't.police',
        agreement: 'warrants',
        grant: 'adult-warrants',
        major: 1,
        fields: ['/warrantNumber', '/kind', '/subject', '/offence'],
        // projected fields: no envelope attribute carrying sender-written data, unless listed
        envelope: [],
        retry: DEFAULT_RETRY,
        acceptUnsignedReceipt: false,
        entitledBy: [{ agreement: 'warrants', grant: 'adult-warrants' }],
      },
    ]);
    expect(d.version).toBe('2.0');
    expect(d.classification).toBe('restricted');
    expect(recipients(route(contracts, input('t.court.b', 'warrant.issued', adultWarrant('t.police.juvenile'), 'public', '2.0')))).toEqual(['t.police.juvenile']);
  });

  it('recipientFrom may name several recipients (content-based fan-out)', () => {
    const d = route(contracts, input('t.court.a', 'warrant.issued', adultWarrant(['t.police', 't.police.juvenile', 't.mof']), 'restricted', '2.0'));
    expect(recipients(d)).toEqual(['t.police', 't.police.juvenile']);
    expect(d.deliveries.map((x) => x.major)).toEqual([1, 2]);
  });

  it('a recipient pattern fans out to every matching institution; target conditions pick per recipient', () => {
    const big = route(contracts, input('t.police', 'traffic-fine.issued', { fineNumber: 'F1', amount: { value: '150.00', currency: 'ILS' } }));
    expect(recipients(big)).toEqual(['t.court.a', 't.court.b', 't.mof']);
    const mof = big.deliveries.find((x) => x.recipient === 't.mof')!;
    expect(mof.fields).toEqual(['/fineNumber', '/amount']);
    expect(mof.retry).toEqual({ schedule: [1, 2, 3], jitter: 0 });
    expect(mof.rateLimit).toEqual({ perSecond: 10, burst: 5 });
    expect(mof.acceptUnsignedReceipt).toBe(true);
    const small = route(contracts, input('t.police', 'traffic-fine.issued', { fineNumber: 'F2', amount: { value: '99.999', currency: 'JOD' } }));
    expect(recipients(small)).toEqual(['t.court.a', 't.court.b']);
  });

  it('the sender never receives its own message', () => {
    const inst = (id: string): Institution => ({ id, kind: 'court', name: { en: id }, adapter: 'json-http', endpoints: { deliveries: 'http://127.0.0.1:1/d' }, clearances: [] });
    const g: Grant = {
      id: 'g',
      agreement: 'a',
      senders: ['c.*'],
      types: ['x.y'],
      conditions: [],
      retry: DEFAULT_RETRY,
      acceptUnsignedReceipt: false,
      to: [{ recipient: 'c.*', fields: ['*'], major: 1, conditions: [] }],
    };
    const c = inMemory([inst('c.one'), inst('c.two')], [g]);
    expect(recipients(route(c, input('c.one', 'x.y', {})))).toEqual(['c.two']);
    const alone = inMemory([inst('c.one')], [g]);
    expect(refused(() => route(alone, input('c.one', 'x.y', {}))).code).toBe('no-recipient');
  });
});

describe('one delivery per recipient', () => {
  const inst = (id: string, clearances: Institution['clearances'] = []): Institution => ({
    id,
    kind: 'ministry',
    name: { en: id },
    adapter: 'json-http',
    endpoints: { deliveries: 'http://127.0.0.1:1/d' },
    clearances,
  });
  const target = (recipient: string, fields: string[], major: number): GrantTarget => ({ recipient, fields, major, conditions: [] });
  const grant = (agreement: string, id: string, senders: string[], to: GrantTarget[], extra: Partial<Grant> = {}): Grant => ({
    id,
    agreement,
    senders,
    types: ['x.y'],
    to,
    conditions: [],
    retry: DEFAULT_RETRY,
    acceptUnsignedReceipt: false,
    ...extra,
  });
  const insts = [inst('s.one'), inst('m.fin'), inst('m.tra')];

  it('merges several grants: union of fields, the most specific recipient entry decides major and retry', () => {
    const c = inMemory(insts, [
      grant('a1', 'wide', ['s.*'], [target('m.*', ['/a', '/b'], 1)], { retry: { schedule: [9], jitter: 0 } }),
      grant('a2', 'exact', ['s.*'], [target('m.fin', ['/b', '/c'], 2)], { retry: { schedule: [1, 1], jitter: 0.5 }, rateLimit: { perSecond: 1, burst: 1 } }),
    ]);
    const d = route(c, input('s.one', 'x.y', {}));
    expect(recipients(d)).toEqual(['m.fin', 'm.tra']);
    const fin = d.deliveries[0];
    expect(fin).toMatchObject({ agreement: 'a2', grant: 'exact', major: 2, retry: { schedule: [1, 1], jitter: 0.5 }, rateLimit: { perSecond: 1, burst: 1 } });
    expect([...fin.fields].sort()).toEqual(['/a', '/b', '/c']);
    expect(fin.entitledBy).toEqual([
      { agreement: 'a2', grant: 'exact' },
      { agreement: 'a1', grant: 'wide' },
    ]);
    expect(d.deliveries[1]).toMatchObject({ recipient: 'm.tra', agreement: 'a1', major: 1, fields: ['/a', '/b'] });
  });

  it('with equal recipient entries, the exact sender wins, then more conditions, then agreement order', () => {
    const c = inMemory(insts, [grant('a1', 'any-sender', ['s.*'], [target('m.fin', ['/a'], 1)]), grant('a2', 'this-sender', ['s.one'], [target('m.fin', ['/b'], 2)])]);
    expect(route(c, input('s.one', 'x.y', {})).deliveries[0]).toMatchObject({ grant: 'this-sender', major: 2 });
    const c2 = inMemory(insts, [
      grant('a1', 'plain', ['s.*'], [target('m.fin', ['/a'], 1)]),
      grant('a2', 'conditional', ['s.*'], [target('m.fin', ['/b'], 2)], { conditions: [{ pointer: '/k', op: 'exists' }] }),
    ]);
    expect(route(c2, input('s.one', 'x.y', { k: 1 })).deliveries[0]).toMatchObject({ grant: 'conditional', major: 2 });
    expect(route(c2, input('s.one', 'x.y', {})).deliveries[0]).toMatchObject({ grant: 'plain', major: 1, fields: ['/a'] });
    const c3 = inMemory(insts, [grant('b', 'second', ['s.*'], [target('m.fin', ['/b'], 2)]), grant('a', 'first', ['s.*'], [target('m.fin', ['/a'], 1)])]);
    expect(route(c3, input('s.one', 'x.y', {})).deliveries[0]).toMatchObject({ agreement: 'a', major: 1 });
  });

  it('any grant giving everything gives everything', () => {
    const c = inMemory(insts, [grant('a1', 'some', ['s.*'], [target('m.fin', ['/a'], 1)]), grant('a2', 'all', ['s.*'], [target('m.*', ['*'], 1)])]);
    expect(route(c, input('s.one', 'x.y', {})).deliveries.find((x) => x.recipient === 'm.fin')!.fields).toEqual(['*']);
  });
});

describe('classification', () => {
  const alert = (juvenile: boolean) => ({ caseNumber: '1/2026', alertKind: 'limit-passed', detainee: { name: 'n', juvenile } });

  it('a juvenile payload goes only to cleared recipients, and raises the classification', () => {
    const d = route(contracts, input('t.prosecution', 'detention.alert', alert(true), 'restricted'));
    expect(recipients(d)).toEqual(['t.counsellor', 't.juvenile-court']);
    expect(d.classification).toBe('juvenile');
    expect(d.requiredClearances).toEqual(['juvenile']);
    const adult = route(contracts, input('t.prosecution', 'detention.alert', alert(false), 'public'));
    expect(recipients(adult)).toEqual(['t.court.a', 't.court.b']);
    expect(adult.classification).toBe('public');
    expect(adult.requiredClearances).toEqual([]);
  });

  it('an envelope classified juvenile with only uncleared recipients is refused with no-cleared-recipient', () => {
    const e = refused(() => route(contracts, input('t.prosecution', 'detention.alert', alert(false), 'juvenile')));
    expect(e.code).toBe('no-cleared-recipient');
    expect(e.message).toMatch(/juvenile.*t\.court\.a, t\.court\.b/);
  });

  it('a type classified gbv goes to gbv-cleared recipients only, whatever the envelope says', () => {
    const d = route(contracts, input('t.prosecution', 'gbv.report', { caseNumber: '1' }, 'public'));
    expect(recipients(d)).toEqual(['t.police.juvenile', 't.shelter']);
    expect(d.classification).toBe('gbv');
  });

  it('a grant classified juvenile makes every message under it juvenile', () => {
    const w = adultWarrant('t.police');
    const d = route(contracts, input('t.juvenile-court', 'warrant.issued', w, 'public', '2.0'));
    expect(recipients(d)).toEqual(['t.counsellor', 't.police.juvenile']);
    expect(d.classification).toBe('juvenile');
  });

  it('gbv and juvenile together need both clearances; the envelope class is kept', () => {
    const inst = (id: string, clearances: Institution['clearances']): Institution => ({
      id,
      kind: 'counsellor',
      name: { en: id },
      adapter: 'json-http',
      endpoints: { deliveries: 'http://127.0.0.1:1/d' },
      clearances,
    });
    const g: Grant = {
      id: 'g',
      agreement: 'a',
      senders: ['p'],
      types: ['x.y'],
      conditions: [],
      retry: DEFAULT_RETRY,
      acceptUnsignedReceipt: false,
      to: ['gbv-only', 'juv-only', 'both', 'none'].map((r) => ({ recipient: r, fields: ['*'], major: 1, conditions: [] })),
    };
    const c = inMemory([inst('p', []), inst('gbv-only', ['gbv']), inst('juv-only', ['juvenile']), inst('both', ['gbv', 'juvenile']), inst('none', [])], [g]);
    const d = route(c, input('p', 'x.y', { subject: { juvenile: true } }, 'gbv'));
    expect(recipients(d)).toEqual(['both']);
    expect(d.classification).toBe('gbv');
    expect(d.requiredClearances).toEqual(['gbv', 'juvenile']);
    expect(recipients(route(c, input('p', 'x.y', { parties: [{ role: 'juvenile' }] }, 'public')))).toEqual(['both', 'juv-only']);
    expect(recipients(route(c, input('p', 'x.y', { juvenile: true }, 'public')))).toEqual(['both', 'juv-only']);
    expect(recipients(route(c, input('p', 'x.y', { subject: { juvenile: 'true' } }, 'public')))).toEqual(['both', 'gbv-only', 'juv-only', 'none']);
  });

  it('decisions about a child never reach the ministry: its grant excludes them', () => {
    const decision = { caseNumber: '5/2026', juvenile: false, sentence: { kind: 'fine', fine: { value: '100', currency: 'ILS' } }, parties: [{ role: 'accused', nationalId: '401' }] };
    expect(recipients(route(contracts, input('t.court.a', 'decision.issued', decision)))).toEqual(['t.mof']);
    const child = { ...decision, parties: [{ role: 'juvenile', nationalId: '402' }] };
    const e = refused(() => route(contracts, input('t.court.a', 'decision.issued', child)));
    expect(e.code).toBe('no-recipient');
    expect(e.faults.map((f) => f.pointer)).toEqual(['/parties/*/role']);
  });
});

describe('entitlement now (at every attempt and replay)', () => {
  const inst = (id: string, clearances: Institution['clearances'] = []): Institution => ({
    id,
    kind: 'ministry',
    name: { en: id },
    adapter: 'json-http',
    endpoints: { deliveries: 'http://127.0.0.1:1/d' },
    clearances,
  });
  const g = (to: GrantTarget[], extra: Partial<Grant> = {}): Grant => ({
    id: 'g',
    agreement: 'a',
    senders: ['s'],
    types: ['x.y'],
    conditions: [],
    retry: DEFAULT_RETRY,
    acceptUnsignedReceipt: false,
    to,
    ...extra,
  });
  const msg = (classification: Classification = 'restricted', data: unknown = {}) => input('s', 'x.y', data, classification);

  it('says why a recipient is no longer entitled: no agreement, no grant, no clearance, no membership', () => {
    const c = inMemory([inst('s'), inst('r', ['juvenile']), inst('other')], [g([{ recipient: 'r', fields: ['/a'], major: 1, conditions: [] }])]);
    expect(entitlement(c, msg('juvenile'), 'r')).toMatchObject({ entitled: true, delivery: { recipient: 'r', fields: ['/a'], envelope: [] } });
    expect(entitlement(c, input('other', 'x.y', {}), 'r')).toEqual({ entitled: false, reason: 'no agreement in force lets other send x.y' });
    expect(entitlement(c, msg(), 'other')).toEqual({ entitled: false, reason: 'no grant in force gives other this x.y from s' });
    expect(entitlement(c, msg(), 'gone')).toEqual({ entitled: false, reason: 'gone is no longer a member of the federation' });
    const declared = inMemory([inst('s'), inst('r')], [g([{ recipient: 'r', fields: ['/a'], major: 1, conditions: [] }])]);
    expect(entitlement(declared, msg('juvenile'), 'r')).toEqual({ entitled: false, reason: 'r is not cleared for juvenile' });
    expect(entitlement(declared, msg('public', { subject: { juvenile: true } }), 'r')).toEqual({ entitled: false, reason: 'r is not cleared for juvenile' });
  });

  it('gives the fields and envelope attributes of the grants in force now, never those of intake', () => {
    const wide = inMemory([inst('s'), inst('r')], [g([{ recipient: 'r', fields: ['*'], major: 1, conditions: [] }])]);
    const narrow = inMemory([inst('s'), inst('r')], [g([{ recipient: 'r', fields: ['/a'], major: 2, conditions: [], envelope: ['casereference'] }])]);
    expect(entitlement(wide, msg(), 'r')).toMatchObject({
      entitled: true,
      delivery: { fields: ['*'], major: 1, envelope: ['causationid', 'casereference', 'correlationid', 'sourceeventid', 'subject'].sort() },
    });
    expect(entitlement(narrow, msg(), 'r')).toMatchObject({ entitled: true, delivery: { fields: ['/a'], major: 2, envelope: ['casereference'] } });
  });

  it('ends with the agreement: an expired one entitles no one', () => {
    const fine = { fineNumber: 'F1', amount: { value: '150.00', currency: 'ILS' } };
    expect(entitlement(contracts, input('t.police', 'traffic-fine.issued', fine), 't.mof', new Date('2050-01-01')).entitled).toBe(true);
    expect(entitlement(contracts, input('t.police', 'traffic-fine.issued', fine), 't.mof', new Date('2100-01-01T00:00:00Z'))).toEqual({
      entitled: false,
      reason: 'no agreement in force lets t.police send traffic-fine.issued',
    });
  });
});

describe('queries', () => {
  it('authorizes only what an active agreement lists', () => {
    expect(authorizeQuery(contracts, 't.court.a', 'message-status')).toBe(true);
    expect(authorizeQuery(contracts, 't.court.b', 'delivery-status')).toBe(true);
    expect(authorizeQuery(contracts, 't.mof', 'message-status')).toBe(true);
    expect(authorizeQuery(contracts, 't.mof', 'delivery-status')).toBe(false);
    expect(authorizeQuery(contracts, 't.police', 'message-status')).toBe(false);
    expect(authorizeQuery(contracts, 't.court.zz', 'message-status')).toBe(false);
    expect(contracts.queriesFor('t.court.a')).toEqual(['delivery-status', 'message-status']);
  });
});
