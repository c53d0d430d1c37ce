/** Query grants are per agreement (issue 19.9): a grant under one agreement says nothing of another. */
import { describe, expect, it } from 'vitest';
import { agreementsGranting, authorizeQuery, loadContracts } from '../../../src/routing/index.js';

const contracts = loadContracts('contracts');

describe('query grants per agreement', () => {
  it('lists, agreement by agreement, what each grants an institution', () => {
    // case queries (issue 24) are granted by name, with fields, in the same lists
    expect(contracts.queryGrants('ps.mof')).toEqual([
      { agreement: 'court-decisions-ministries', queries: ['fine-sentences'] },
      { agreement: 'traffic-fines', queries: ['message-status', 'traffic-fines'] },
    ]);
    expect(contracts.queryGrants('ps.hjc.court.ramallah')).toEqual([
      { agreement: 'decisions-enforcement', queries: ['decision-enforcement'] },
      { agreement: 'warrants-courts-police', queries: ['delivery-status', 'message-status', 'warrant-status'] },
    ]);
    expect(contracts.queryGrants('ps.hjc.court.nonexistent')).toEqual([]);
  });

  it('authorizes a query under the agreement named, and only there', () => {
    expect(authorizeQuery(contracts, 'ps.mof', 'message-status')).toBe(true);
    expect(authorizeQuery(contracts, 'ps.mof', 'message-status', { agreement: 'traffic-fines' })).toBe(true);
    expect(authorizeQuery(contracts, 'ps.mof', 'message-status', { agreement: 'court-decisions-ministries' })).toBe(false);
    expect(authorizeQuery(contracts, 'ps.police.judicial', 'message-status', { agreement: 'warrants-courts-police' })).toBe(true);
    expect(authorizeQuery(contracts, 'ps.police.judicial', 'delivery-status', { agreement: 'warrants-courts-police' })).toBe(false);
    expect(authorizeQuery(contracts, 'ps.mof', 'message-status', { agreement: 'no-such-agreement' })).toBe(false);
  });

  it('names the agreements under which a query may run; none means deny', () => {
    expect(agreementsGranting(contracts, 'ps.hjc.court.ramallah', 'delivery-status')).toEqual(['warrants-courts-police']);
    expect(agreementsGranting(contracts, 'ps.alimony-fund', 'delivery-status')).toEqual(['alimony']);
    expect(agreementsGranting(contracts, 'ps.mof', 'delivery-status')).toEqual([]);
  });
});
