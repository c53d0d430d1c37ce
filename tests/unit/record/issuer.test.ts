/**
 * The sender is who the message says (issue 26, item 3): a field that names an institution must
 * name the signer, one of its units where the schema allows units, or an institution the signer may
 * act for by agreement.
 */
import { describe, expect, it } from 'vitest';
import { checkIssuer, type ActingFor } from '../../../src/record/issuer.js';

const INSTITUTIONS = new Set(['ps.hjc.court.ramallah', 'ps.hjc.court.nablus', 'ps.hjc.registry', 'ps.police.judicial', 'ps.police.judicial.special', 'ps.ago.prosecution']);
const isInstitution = (id: string) => INSTITUTIONS.has(id);
const at = new Date('2026-05-04T08:00:00Z');
const WARRANT = [{ pointer: '/issuingCourt/id' }];
const EXECUTED = [{ pointer: '/by/unit', units: true }];

const warrant = (court: string) => ({ warrantNumber: 'RAM-W-2026-1', issuingCourt: { id: court, name: { ar: 'محكمة' } } });

describe('checkIssuer', () => {
  it('accepts the signer', () => {
    expect(checkIssuer(WARRANT, warrant('ps.hjc.court.ramallah'), { signer: 'ps.hjc.court.ramallah', type: 'warrant.issued', at, isInstitution })).toEqual([]);
  });

  it('refuses another institution, with the pointer of the field', () => {
    expect(checkIssuer(WARRANT, warrant('ps.hjc.court.nablus'), { signer: 'ps.hjc.court.ramallah', type: 'warrant.issued', at, isInstitution })).toEqual([
      { pointer: '/issuingCourt/id', detail: 'names ps.hjc.court.nablus, but the message is signed by ps.hjc.court.ramallah, and no agreement lets ps.hjc.court.ramallah act for ps.hjc.court.nablus' },
    ]);
  });

  it('refuses an id that is no institution', () => {
    const f = checkIssuer(WARRANT, warrant('ps.hjc.court.hebron'), { signer: 'ps.hjc.court.ramallah', type: 'warrant.issued', at, isInstitution });
    expect(f).toEqual([{ pointer: '/issuingCourt/id', detail: 'names ps.hjc.court.hebron, but the message is signed by ps.hjc.court.ramallah, which is not an institution of the federation' }]);
  });

  it('accepts a unit of the signer only where the schema allows units', () => {
    const report = { by: { officerId: 'JP-1', unit: 'ps.police.judicial.ramallah' } };
    expect(checkIssuer(EXECUTED, report, { signer: 'ps.police.judicial', type: 'warrant.executed', at, isInstitution })).toEqual([]);
    expect(checkIssuer([{ pointer: '/by/unit' }], report, { signer: 'ps.police.judicial', type: 'warrant.executed', at, isInstitution })).toHaveLength(1);
    // not a unit: an id that merely starts with the same characters
    expect(checkIssuer(EXECUTED, { by: { unit: 'ps.police.judicialx' } }, { signer: 'ps.police.judicial', type: 'warrant.executed', at, isInstitution })).toHaveLength(1);
  });

  it('a unit that is a member in its own right must sign for itself', () => {
    const f = checkIssuer(EXECUTED, { by: { unit: 'ps.police.judicial.special.north' } }, { signer: 'ps.police.judicial', type: 'warrant.executed', at, isInstitution });
    expect(f).toEqual([
      {
        pointer: '/by/unit',
        detail:
          'names ps.police.judicial.special.north (a unit of ps.police.judicial.special), but the message is signed by ps.police.judicial, and no agreement lets ps.police.judicial act for ps.police.judicial.special',
      },
    ]);
  });

  it('checks every element of an array field', () => {
    const f = checkIssuer([{ pointer: '/courts/*' }], { courts: ['ps.hjc.court.ramallah', 'ps.hjc.court.nablus', 7] }, { signer: 'ps.hjc.court.ramallah', type: 't', at, isInstitution });
    expect(f.map((x) => x.pointer)).toEqual(['/courts/1', '/courts/2']);
    expect(f[1].detail).toBe('must name an institution');
  });

  it('an absent optional field has nothing to check', () => {
    expect(checkIssuer([{ pointer: '/court/id' }], { fineNumber: 'x' }, { signer: 'ps.hjc.court.ramallah', type: 't', at, isInstitution })).toEqual([]);
  });
});

describe('acting for another institution by agreement', () => {
  const registry: ActingFor = {
    agreement: 'court-registry',
    id: 'registry-sends-for-courts',
    agent: 'ps.hjc.registry',
    for: ['ps.hjc.court.*'],
    types: ['warrant.issued'],
    validFrom: new Date('2026-01-01T00:00:00Z'),
    validUntil: new Date('2027-01-01T00:00:00Z'),
  };
  const ctx = { signer: 'ps.hjc.registry', type: 'warrant.issued', at, isInstitution, actingFor: [registry] };

  it('lets the agent name the institutions it acts for, for the listed types', () => {
    expect(checkIssuer(WARRANT, warrant('ps.hjc.court.nablus'), ctx)).toEqual([]);
    expect(checkIssuer(WARRANT, warrant('ps.hjc.court.nablus'), { ...ctx, type: 'warrant.cancelled' })).toHaveLength(1);
    expect(checkIssuer(WARRANT, warrant('ps.ago.prosecution'), ctx)).toHaveLength(1);
  });

  it('only while the agreement is in force', () => {
    expect(checkIssuer(WARRANT, warrant('ps.hjc.court.nablus'), { ...ctx, at: new Date('2027-01-01T00:00:00Z') })).toHaveLength(1);
    expect(checkIssuer(WARRANT, warrant('ps.hjc.court.nablus'), { ...ctx, at: new Date('2025-12-31T23:59:59Z') })).toHaveLength(1);
  });

  it('an institution acted for cannot in turn act for its agent', () => {
    expect(checkIssuer(WARRANT, warrant('ps.hjc.registry'), { ...ctx, signer: 'ps.hjc.court.nablus' })).toHaveLength(1);
  });
});
