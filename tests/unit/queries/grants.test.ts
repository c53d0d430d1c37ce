/** Query grants in agreements: both forms, deny by default, checked against the contract set (issue 24.2). */
import { describe, expect, it } from 'vitest';
import { BUILTIN_QUERIES, checkQueryGrants, grantedQueries, grantFor, matchesInstitution, type AgreementQueryGrants } from '../../../src/queries/index.js';
import { agreements, caller, institutions, NOW, grantingAgreementIds, queries } from './helpers.js';

const QUERIES = [...queries.queries.keys(), ...Object.keys(BUILTIN_QUERIES)].sort();

/** Who may run what in the demo federation with the proposed grants: everyone else is denied. */
const EXPECTED: Record<string, string[]> = {
  'alimony-payments': ['ps.sjd.family-court.ramallah'],
  'decision-enforcement': [
    'ps.hjc.appeal-court.ramallah',
    'ps.hjc.court.nablus',
    'ps.hjc.court.ramallah',
    'ps.hjc.juvenile-court.ramallah',
    'ps.hjc.magistrate-court.nablus',
    'ps.hjc.magistrate-court.ramallah',
  ],
  'delivery-status': ['ps.alimony-fund', 'ps.hjc.appeal-court.ramallah', 'ps.hjc.court.nablus', 'ps.hjc.court.ramallah', 'ps.hjc.magistrate-court.nablus', 'ps.hjc.magistrate-court.ramallah'],
  'detention-status': ['ps.ago.prosecution', 'ps.mosd.child-protection'],
  'fine-sentences': ['ps.mof'],
  'message-status': [
    'ps.ago.prosecution',
    'ps.alimony-fund',
    'ps.bank.palestine',
    'ps.hjc.appeal-court.ramallah',
    'ps.hjc.court.nablus',
    'ps.hjc.court.ramallah',
    'ps.hjc.magistrate-court.nablus',
    'ps.hjc.magistrate-court.ramallah',
    'ps.mof',
    'ps.mosd.child-protection',
    'ps.mot',
    'ps.police.crc.jericho',
    'ps.police.crc.jneid',
    'ps.police.judicial',
    'ps.police.traffic',
    'ps.sjd.family-court.ramallah',
  ],
  'payout-status': ['ps.alimony-fund', 'ps.bank.palestine'],
  'traffic-fines': ['ps.mof', 'ps.mot', 'ps.police.traffic'],
  'warrant-status': ['ps.hjc.court.nablus', 'ps.hjc.court.ramallah', 'ps.hjc.magistrate-court.nablus', 'ps.hjc.magistrate-court.ramallah', 'ps.police.judicial'],
};

describe('the authorization matrix: every institution against every query', () => {
  it('grants exactly the expected pairs and denies every other', () => {
    const actual: Record<string, string[]> = {};
    for (const q of QUERIES) {
      actual[q] = [...institutions.keys()].filter((id) => grantFor(agreements, caller(id), q, NOW) !== undefined).sort();
    }
    expect(actual).toEqual(EXPECTED);
    for (const id of institutions.keys()) {
      expect(grantedQueries(agreements, { id }, NOW)).toEqual(QUERIES.filter((q) => EXPECTED[q].includes(id)));
    }
  });

  it('denies everything to an institution that is not a member, and before agreements are in force', () => {
    for (const q of QUERIES) {
      expect(grantFor(agreements, { id: 'ps.hjc.court.jenin.annex', clearances: [] }, q, NOW)).toBeUndefined();
      expect(grantFor(agreements, caller('ps.mot'), q, new Date('2025-12-31T23:59:59Z'))).toBeUndefined();
    }
  });
});

describe('a grant', () => {
  it('by name alone gives the status and the key, and no field', () => {
    const a: AgreementQueryGrants = { id: 'x', queries: [{ institution: 'ps.mot', queries: ['traffic-fines'] }] };
    expect(grantFor([a], caller('ps.mot'), 'traffic-fines', NOW)).toEqual({
      query: 'traffic-fines',
      institution: 'ps.mot',
      scopes: [{ agreement: 'x', fields: [], clearances: [] }],
    });
  });

  it('keeps each agreement apart, and clears only what the institution itself is cleared for', () => {
    const grant = grantFor(agreements, caller('ps.ago.prosecution'), 'detention-status', NOW)!;
    expect(grant.scopes.map((s) => [s.agreement, s.clearances])).toEqual([
      ['detention-orders', []],
      ['juvenile-protection', ['juvenile']],
    ]);
    const a: AgreementQueryGrants = { id: 'x', queries: [{ institution: 'ps.**', queries: [{ name: 'detention-status', fields: ['kind'], clearances: ['juvenile', 'gbv'] }] }] };
    expect(grantFor([a], caller('ps.mot'), 'detention-status', NOW)!.scopes[0].clearances).toEqual([]);
    expect(grantFor([a], caller('ps.ago.prosecution'), 'detention-status', NOW)!.scopes[0].clearances).toEqual(['gbv', 'juvenile']);
  });

  it('matches institution patterns as agreements write them', () => {
    expect(matchesInstitution('ps.hjc.court.*', 'ps.hjc.court.ramallah')).toBe(true);
    expect(matchesInstitution('ps.hjc.court.*', 'ps.hjc.court')).toBe(false);
    expect(matchesInstitution('ps.hjc.court.*', 'ps.hjc.court.ramallah.annex')).toBe(false);
    expect(matchesInstitution('ps.**', 'ps.hjc.court.ramallah')).toBe(true);
    expect(matchesInstitution('ps.mof', 'ps.mot')).toBe(false);
  });
});

describe('the grants check', () => {
  it('accepts the grants of the demo federation', () => {
    expect(grantingAgreementIds.length).toBeGreaterThan(0);
    expect(checkQueryGrants(agreements, queries.queries, institutions)).toEqual([]);
  });

  it('refuses, each at its pointer in the agreement file', () => {
    const bad: AgreementQueryGrants = {
      id: 'bad',
      file: 'agreements/bad.json',
      queries: [
        { institution: 'ps.mot', queries: ['no-such-query', { name: 'traffic-fines', fields: ['fineNumber', 'secret', 'fineNumber'] }, 'traffic-fines'] },
        {
          institution: 'ps.hjc.court.*',
          queries: [
            { name: 'message-status', fields: ['id'] },
            { name: 'decision-enforcement', clearances: ['juvenile', 'restricted'] },
          ],
        },
        { institution: 'ps.mof', queries: [42 as unknown as string, { name: 'fine-sentences', colour: 'red' } as unknown as string] },
      ],
    };
    expect(checkQueryGrants([bad], queries.queries, institutions).map((f) => `${f.file}: ${f.pointer}: ${f.detail}`)).toEqual([
      'agreements/bad.json: /queries/0/queries/0: no query "no-such-query" in contracts/queries (nor a built-in: message-status, delivery-status)',
      expect.stringMatching(/^agreements\/bad\.json: \/queries\/0\/queries\/1\/fields\/1: "secret" is not a field traffic-fines answers \(fineNumber, /),
      'agreements/bad.json: /queries/0/queries/1/fields/2: "fineNumber" is listed twice',
      'agreements/bad.json: /queries/0/queries/2: traffic-fines is granted twice in this list',
      'agreements/bad.json: /queries/1/queries/0: message-status is answered by GET /v1/messages/{id} under the agreement that carried the message; it takes no fields or clearances: grant it by name',
      'agreements/bad.json: /queries/1/queries/1/clearances/0: ps.hjc.court.nablus, ps.hjc.court.ramallah not cleared for juvenile, but this grant clears it',
      'agreements/bad.json: /queries/1/queries/1/clearances/1: "restricted" is not a class a grant can clear (juvenile, gbv)',
      'agreements/bad.json: /queries/2/queries/0: must be a query name or { "name", "fields"?, "clearances"? }',
      'agreements/bad.json: /queries/2/queries/1/colour: unknown property "colour"',
    ]);
  });
});
