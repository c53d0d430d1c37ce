/** Query grants are per agreement (issue 19.9): a grant under one agreement says nothing of another. */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ContractError } from '../../../src/errors.js';
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

describe('case-query grants are checked with the contract set (issue 24)', () => {
  const broken = (edit: (doc: any) => void): unknown => {
    const dir = mkdtempSync(join(tmpdir(), 'wasla-query-grants-'));
    try {
      cpSync('contracts', dir, { recursive: true });
      const file = join(dir, 'agreements', 'traffic-fines.json');
      const doc = JSON.parse(readFileSync(file, 'utf8'));
      edit(doc);
      writeFileSync(file, JSON.stringify(doc));
      return (() => {
        try {
          loadContracts(dir, { env: {} });
          return undefined;
        } catch (err) {
          return err;
        }
      })();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const motFines = (doc: any) => doc.queries.find((q: any) => q.institution === 'ps.mot').queries.find((e: any) => typeof e === 'object' && e.name === 'traffic-fines');

  it('refuses a field the query does not answer, at its pointer in the agreement', () => {
    const err = broken((doc) => motFines(doc).fields.push('secret')) as ContractError;
    expect(err).toBeInstanceOf(ContractError);
    expect(err.faults).toEqual([expect.objectContaining({ file: 'agreements/traffic-fines.json', detail: expect.stringContaining('"secret" is not a field traffic-fines answers') })]);
  });

  it('refuses a clearance the institution does not hold, and an unknown query', () => {
    const err = broken((doc) => {
      motFines(doc).clearances = ['juvenile'];
      doc.queries[0].queries.push('no-such-query');
    }) as ContractError;
    expect(err.faults.map((f) => (f as { file?: string }).file)).toEqual(['agreements/traffic-fines.json', 'agreements/traffic-fines.json']);
    expect(err.faults.map((f) => f.detail).join('\n')).toMatch(/juvenile/);
    expect(err.faults.map((f) => f.detail).join('\n')).toMatch(/no-such-query/);
  });

  it('refuses an entry of another shape through the agreement schema', () => {
    const err = broken((doc) => doc.queries[0].queries.push({ name: 'traffic-fines', see: 'everything' })) as ContractError;
    expect(err).toBeInstanceOf(ContractError);
    expect((err.faults[0] as { file?: string }).file).toBe('agreements/traffic-fines.json');
  });
});
