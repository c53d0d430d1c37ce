/**
 * Non-interference through the index (property): for a caller not cleared for juvenile or gbv
 * cases, every page of every answer — records, statuses, fields, histories, cursors — is the same
 * whether or not the hub also holds juvenile and gbv messages about the same numbers. Uncleared
 * messages never make a record exist, never link another message in, never move a page boundary.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryIndex, runQuery, type QueryAnswer, type QueryParams, type StoredMessage } from '../../../src/queries/index.js';
import type { Classification } from '../../../src/routing/types.js';
import { agreements, caller, catalogue, cursorSecret, example, NOW, queries, secret } from './helpers.js';

const CLASSES: Classification[] = ['public', 'restricted', 'juvenile', 'gbv'];
const COURTS = ['ps.hjc.court.ramallah', 'ps.hjc.court.nablus'];
const STATUSES = ['pending', 'in-progress', 'enforced', 'impossible'];

const decision = (court: string, n: number, fine: boolean) =>
  example('decision.issued', '1.1', (d) => {
    d.court.id = court;
    d.decisionNumber = `${n}/2026`;
    d.caseNumber = `${n % 3}/2026`;
    d.decidedOn = `2026-05-${String(10 + n).padStart(2, '0')}`;
    if (!fine) d.penalties = [{ kind: 'imprisonment', party: 0, term: 'P1Y' }];
  });
const report = (court: string, n: number, status: string, day: number) =>
  example('decision.enforcement-status', '1.1', (d) => {
    d.decision = { court, caseNumber: `${n % 3}/2026`, decisionNumber: `${n}/2026` };
    d.status = status;
    d.reportedOn = `2026-05-${String(day).padStart(2, '0')}T10:00:00+03:00`;
    if (status !== 'delayed') delete d.delay;
  });

const item = fc.record({
  kind: fc.constantFrom('decision', 'report'),
  court: fc.constantFrom(...COURTS),
  n: fc.integer({ min: 1, max: 6 }),
  fine: fc.boolean(),
  status: fc.constantFrom(...STATUSES),
  day: fc.integer({ min: 11, max: 28 }),
  classification: fc.constantFrom(...CLASSES),
});

async function allPages(port: MemoryIndex, who: string, query: string, params: QueryParams): Promise<QueryAnswer[]> {
  const deps = { queries, catalogue, agreements, port, indexSecret: secret, cursorSecret };
  const pages: QueryAnswer[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 20; i++) {
    const { answer } = await runQuery(deps, { caller: caller(who), query, params: { ...params, limit: '2', ...(cursor ? { cursor } : {}) }, now: NOW });
    pages.push(answer);
    cursor = answer.next;
    if (!cursor) break;
  }
  return pages;
}

describe("through the index, an uncleared caller's answers ignore juvenile and gbv messages (property)", () => {
  it("a court's decision-enforcement and the Ministry of Finance's fine-sentences", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(item, { maxLength: 14 }), async (items) => {
        const full = new MemoryIndex(catalogue, secret);
        const cleared = new MemoryIndex(catalogue, secret);
        items.forEach((it, i) => {
          const m: StoredMessage = {
            id: `0190b000-0000-7000-8000-${String(i).padStart(12, '0')}`,
            type: it.kind === 'decision' ? 'decision.issued' : 'decision.enforcement-status',
            version: '1.1',
            time: '2026-05-01T00:00:00Z',
            classification: it.classification,
            data: it.kind === 'decision' ? decision(it.court, it.n, it.fine) : report(it.court, it.n, it.status, it.day),
          };
          full.add(m);
          if (it.classification === 'public' || it.classification === 'restricted') cleared.add(m);
        });
        expect(await allPages(full, 'ps.hjc.court.ramallah', 'decision-enforcement', {})).toEqual(await allPages(cleared, 'ps.hjc.court.ramallah', 'decision-enforcement', {}));
        for (const n of [0, 1, 2]) {
          const params = { case: `${n}/2026`, court: 'ps.hjc.court.nablus' };
          expect(await allPages(full, 'ps.mof', 'fine-sentences', params)).toEqual(await allPages(cleared, 'ps.mof', 'fine-sentences', params));
        }
      }),
      { numRuns: 60 },
    );
  });
});
